"""The engine's bounded queue and cancellation, over a stand-in for `xllamacpp.Server` that
follows its callback contract (a chunk per token; the callback returning True stops it)."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

import pytest

from agents.local.engine import EngineConfig, LocalEngine, LocalModelBusy
from domain.assistant import AgentBusy


class GatedServer:
    """Generates `tokens` chunks, each after `release` is set; records how each request ended."""

    listening_address = "http://127.0.0.1:1"

    def __init__(self, tokens: int = 50) -> None:
        self.tokens = tokens
        self.release = threading.Event()
        self.started = 0
        self.ended: list[str] = []
        self.lock = threading.Lock()

    def handle_chat_completions(self, body: dict[str, Any], callback: Any) -> None:
        with self.lock:
            self.started += 1
        for index in range(self.tokens):
            self.release.wait(5)
            chunk = {"id": "x", "choices": [{"index": 0, "delta": {"content": f"t{index} "}}]}
            if callback(chunk):
                with self.lock:
                    self.ended.append(f"stopped after {index + 1}")
                return
        callback({"id": "x", "choices": [], "usage": {"prompt_tokens": 3, "completion_tokens": 50}})
        with self.lock:
            self.ended.append("finished")


async def until(condition: Any, seconds: float = 300) -> None:
    """Polls `condition` (no timing assertion: only a bound so a broken test cannot hang)."""
    async with asyncio.timeout(seconds):
        while not condition():  # noqa: ASYNC110 (a thread changes it: no event to await)
            await asyncio.sleep(0.01)


def engine(server: GatedServer, parallel: int = 1, max_waiters: int = 1) -> LocalEngine:
    config = EngineConfig(
        model_path=Path("/fake.gguf"), alias="fake", parallel=parallel, max_waiters=max_waiters
    )
    return LocalEngine(server, config, api_key="k")


async def test_a_full_waiting_line_is_refused_with_a_typed_error() -> None:
    server = GatedServer(tokens=3)
    local = engine(server, parallel=1, max_waiters=1)
    running = asyncio.create_task(local.complete({"messages": []}))
    waiting = asyncio.create_task(local.complete({"messages": []}))
    await until(lambda: server.started == 1 and local.waiting == 1)
    with pytest.raises(LocalModelBusy) as refused:
        await local.complete({"messages": []})
    assert isinstance(refused.value, AgentBusy)
    assert refused.value.code == "AGENT_BUSY"
    server.release.set()
    first, second = await asyncio.gather(running, waiting)
    assert first["choices"][0]["message"]["content"] == "t0 t1 t2 "
    assert second["usage"] == {"prompt_tokens": 3, "completion_tokens": 50}
    assert server.ended == ["finished", "finished"]


async def test_closing_a_stream_stops_the_generation() -> None:
    server = GatedServer(tokens=10**7)  # far more than it can make before the stream closes
    server.release.set()
    local = engine(server, parallel=1)
    stream = local.stream({"messages": []})
    received = [await anext(stream) for _ in range(2)]
    assert len(received) == 2
    await stream.aclose()
    await until(lambda: server.ended)
    assert server.ended[0].startswith("stopped after")
    # the slot is free again: a next request runs to its end
    server.tokens = 2
    reply = await local.complete({"messages": []})
    assert reply["choices"][0]["message"]["content"] == "t0 t1 "


async def test_a_cancelled_caller_stops_the_generation() -> None:
    server = GatedServer(tokens=1000)
    local = engine(server, parallel=1)
    task = asyncio.create_task(local.complete({"messages": []}))
    await until(lambda: server.started == 1)  # held before its first token
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    server.release.set()  # only now may it generate: it must stop at once, not finish
    await until(lambda: server.ended)
    assert server.ended == [server.ended[0]] and server.ended[0].startswith("stopped after")


async def test_an_error_reply_becomes_a_typed_failure() -> None:
    class Failing(GatedServer):
        def handle_chat_completions(self, body: dict[str, Any], callback: Any) -> None:
            callback({"error": {"code": 400, "message": "the request exceeds the context size"}})

    with pytest.raises(Exception, match="exceeds the context size") as failed:
        await engine(Failing()).complete({"messages": []})
    assert getattr(failed.value, "code", None) == "AGENT_FAILED"
