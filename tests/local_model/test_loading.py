"""The model is made ready once per process and never on the event loop: concurrent first
questions share one assembly and one load, both in worker threads, while the loop keeps
serving. The runtime is replaced by a stand-in here (the real load is covered by
test_real_model.py); the model file steps are the real ones, on small fake parts."""

from __future__ import annotations

import asyncio
import sys
import threading
import time
import types
from pathlib import Path
from typing import Any

import pytest

from agents.local import engine as engine_module
from agents.local.model_file import ModelSpec, sha256_of
from agents.providers import local as provider
from config.settings import Settings


class SlowServer:
    created: list[str] = []

    def __init__(self, params: Any) -> None:
        SlowServer.created.append(threading.current_thread().name)
        time.sleep(0.3)  # a blocking load, like llama.cpp reading the model
        self.listening_address = "http://127.0.0.1:1"


def fake_runtime() -> types.ModuleType:
    module = types.ModuleType("xllamacpp")

    class Params:
        def __init__(self) -> None:
            self.model = types.SimpleNamespace(path="")
            self.cpuparams = types.SimpleNamespace(n_threads=0)
            self.cpuparams_batch = types.SimpleNamespace(n_threads=0)

    module.CommonParams = Params  # type: ignore[attr-defined]
    module.Server = SlowServer  # type: ignore[attr-defined]
    return module


@pytest.fixture
def assembled_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Makes a tiny model of three parts the provider assembles; returns the threads that did."""
    parts = []
    for i in range(3):
        part = tmp_path / f"part{i}"
        part.write_bytes(bytes([i]) * 1000)
        parts.append(part)
    whole = tmp_path / "whole"
    whole.write_bytes(b"".join(p.read_bytes() for p in parts))
    spec = ModelSpec("tiny", "tiny.gguf", (), sha256_of(whole), 3000)
    assembled: list[str] = []
    real_ensure = provider.ensure_model_file

    def ensure(data_dir: Path, _spec: Any, **kwargs: Any) -> Path:
        assembled.append(threading.current_thread().name)
        return real_ensure(data_dir, spec, parts=parts, **kwargs)

    monkeypatch.setattr(provider, "ensure_model_file", ensure)
    monkeypatch.setattr(provider, "_prepared", set())
    monkeypatch.setattr(engine_module, "_engines", {})
    monkeypatch.setitem(sys.modules, "xllamacpp", fake_runtime())
    monkeypatch.setattr(provider, "require_local_extra", lambda: None)
    SlowServer.created = []
    return assembled


async def test_concurrent_first_questions_load_once_off_the_loop(
    assembled_in: list[str], tmp_path: Path
) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path / "data")  # type: ignore[call-arg]
    service = provider.LocalChatCompletion.from_settings(settings)
    loop_thread = threading.current_thread().name
    ticks = 0

    async def heartbeat() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.01)

    beating = asyncio.create_task(heartbeat())
    try:
        engines = await asyncio.gather(*(service.engine_source() for _ in range(4)))
    finally:
        beating.cancel()
    assert len({id(e) for e in engines}) == 1  # one engine for everyone
    assert len(SlowServer.created) == 1  # loaded once
    assert SlowServer.created[0] != loop_thread  # in a worker thread
    assert assembled_in
    assert loop_thread not in assembled_in
    assert (tmp_path / "data" / "models").is_dir()
    assert ticks >= 10  # the loop kept running during the 0.3 s load
    again = await service.engine_source()
    assert again is engines[0]
    assert len(SlowServer.created) == 1
