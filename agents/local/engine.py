"""One llama.cpp server engine per process (`xllamacpp.Server`), shared by every question.

* Loaded once per process (per configuration), in a worker thread, under a lock: concurrent
  first questions wait for the same load.
* llama.cpp batches the requests of its `parallel` slots together (continuous batching); in
  front of it, a bounded queue: at most `parallel` requests run, at most `max_waiters` wait,
  more are refused at once with `LocalModelBusy` (code AGENT_BUSY).
* Every request is streamed from llama.cpp, even when the caller wants one reply: the chunk
  callback is where generation can be stopped, so a cancelled caller stops the model at its next
  token (the callback returns True and llama.cpp drops the task).
* The blocking calls run on the engine's own thread pool (one thread per slot), never on the
  event loop nor on the loop's default executor.
* The same engine listens on loopback (OpenAI-compatible `/v1/chat/completions`), protected by
  a random per-process API key: `base_url` and `api_key` say how to reach it.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import threading
import time
import weakref
from collections.abc import AsyncGenerator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from config.logging import get_logger
from domain.assistant import AgentBusy, AgentFailed, ModelUnavailable

log = get_logger(__name__)

_END = object()


class LocalModelBusy(AgentBusy):
    """Every slot of the local model is busy and the waiting line is full."""


class LocalModelError(AgentFailed):
    """llama.cpp answered with an error (bad request, context overflow)."""

    def __init__(self, message: str) -> None:
        super().__init__(f"The local model failed: {message}")


@dataclass(frozen=True, slots=True)
class EngineConfig:
    model_path: Path
    alias: str
    threads: int = 2
    #: tokens of KV cache in all; each slot gets context // parallel
    context: int = 8192
    parallel: int = 2
    max_waiters: int = 16
    #: loopback port of the OpenAI-compatible endpoint; 0 picks a free one
    http_port: int = 0


def default_threads() -> int:
    return max(1, min(os.cpu_count() or 1, 8))


class _Gate:
    """The bounded queue of one event loop: `slots` run, `max_waiters` wait, others refused."""

    def __init__(self, slots: int, max_waiters: int) -> None:
        self.semaphore = asyncio.Semaphore(slots)
        self.max_waiters = max_waiters
        self.waiting = 0

    async def enter(self) -> None:
        if self.semaphore.locked() and self.waiting >= self.max_waiters:
            raise LocalModelBusy()
        self.waiting += 1
        try:
            await self.semaphore.acquire()
        finally:
            self.waiting -= 1

    def leave(self) -> None:
        self.semaphore.release()


class LocalEngine:
    """A loaded model. Create it with `load_engine(config)` (once per process)."""

    def __init__(self, server: Any, config: EngineConfig, api_key: str) -> None:
        self._server = server
        self.config = config
        self.api_key = api_key
        self._executor = ThreadPoolExecutor(
            max_workers=config.parallel, thread_name_prefix="local-model"
        )
        self._gates: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Gate] = (
            weakref.WeakKeyDictionary()
        )

    @property
    def base_url(self) -> str:
        """The OpenAI-compatible endpoint on loopback, e.g. http://127.0.0.1:41234/v1."""
        return f"{self._server.listening_address}/v1"

    def _gate(self) -> _Gate:
        loop = asyncio.get_running_loop()
        gate = self._gates.get(loop)
        if gate is None:
            gate = _Gate(self.config.parallel, self.config.max_waiters)
            self._gates[loop] = gate
        return gate

    @property
    def waiting(self) -> int:
        gate = self._gates.get(asyncio.get_running_loop())
        return gate.waiting if gate is not None else 0

    async def stream(self, request: dict[str, Any]) -> AsyncGenerator[dict[str, Any], None]:
        """OpenAI `chat.completion.chunk` dicts as llama.cpp produces them, the last one carrying
        `usage`. Closing the iterator (or cancelling its consumer) stops the generation."""
        body = {**request, "stream": True, "stream_options": {"include_usage": True}}
        gate = self._gate()
        await gate.enter()
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[Any] = asyncio.Queue()
        stop = threading.Event()

        def put(item: Any) -> None:
            try:
                loop.call_soon_threadsafe(queue.put_nowait, item)
            except RuntimeError:  # the loop is closed: nobody is listening any more
                stop.set()

        def on_chunk(chunk: Any) -> bool:
            if stop.is_set():
                return True  # tells llama.cpp to stop generating
            put(chunk)
            return False

        def work() -> None:
            try:
                self._server.handle_chat_completions(body, on_chunk)
            except BaseException as exc:  # reported to the awaiting side
                put(exc)
            finally:
                put(_END)

        try:
            loop.run_in_executor(self._executor, work)
            while True:
                item = await queue.get()
                if item is _END:
                    return
                if isinstance(item, BaseException):
                    raise LocalModelError(str(item)) from item
                if not isinstance(item, dict):
                    continue
                if "error" in item:
                    error = item["error"]
                    message = error.get("message") if isinstance(error, dict) else str(error)
                    raise LocalModelError(str(message))
                if item.get("type") == "server_error":
                    raise LocalModelError(str(item.get("message")))
                yield item
        finally:
            stop.set()
            gate.leave()

    async def complete(self, request: dict[str, Any]) -> dict[str, Any]:
        """One whole reply, as an OpenAI `chat.completion` dict (content and usage)."""
        content: list[str] = []
        usage: dict[str, Any] | None = None
        finish: str | None = None
        async for chunk in self.stream(request):
            for choice in chunk.get("choices") or []:
                delta = choice.get("delta") or {}
                if delta.get("content"):
                    content.append(delta["content"])
                if choice.get("finish_reason"):
                    finish = choice["finish_reason"]
            if chunk.get("usage"):
                usage = chunk["usage"]
        return {
            "object": "chat.completion",
            "model": self.config.alias,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": "".join(content)},
                    "finish_reason": finish,
                }
            ],
            "usage": usage or {},
        }


_engines: dict[EngineConfig, LocalEngine] = {}
_load_lock = threading.Lock()


def _load_blocking(config: EngineConfig) -> LocalEngine:
    with _load_lock:
        engine = _engines.get(config)
        if engine is not None:
            return engine
        try:
            import xllamacpp
        except ImportError:
            raise ModelUnavailable(
                "The local model runtime is not installed: pip install 'pagila-graph[local]'"
            ) from None
        params = xllamacpp.CommonParams()
        params.model.path = str(config.model_path)
        params.model_alias = {config.alias}
        params.n_ctx = config.context
        params.n_parallel = config.parallel
        params.cont_batching = True
        params.cpuparams.n_threads = config.threads
        params.cpuparams_batch.n_threads = config.threads
        params.hostnames = ["127.0.0.1"]
        params.port = config.http_port
        params.n_threads_http = 2
        params.verbosity = 1  # warnings and errors only: llama.cpp logs every request at 3
        api_key = secrets.token_urlsafe(24)
        params.api_keys = [api_key]
        started = time.perf_counter()
        server = xllamacpp.Server(params)
        engine = LocalEngine(server, config, api_key)
        _engines[config] = engine
        log.info(
            "local_model.loaded",
            model=config.alias,
            seconds=round(time.perf_counter() - started, 2),
            slots=config.parallel,
            context=config.context,
            threads=config.threads,
            http=server.listening_address,
        )
        return engine


async def load_engine(config: EngineConfig) -> LocalEngine:
    """The engine for `config`, loaded on first use (in a thread, once per process)."""
    engine = loaded_engine(config)
    if engine is not None:
        return engine
    return await asyncio.to_thread(_load_blocking, config)


def loaded_engine(config: EngineConfig) -> LocalEngine | None:
    """The engine for `config` if this process has loaded it."""
    return _engines.get(config)
