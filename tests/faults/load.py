"""Load and clocks for the fault tests: workers that keep sending requests through the app and
record every answer, and a poll for the moment service comes back."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.mutations.support import HEADER

READ = {"query": "{ films(first: 2) { nodes { title } totalCount } categories { totalCount } }"}
WRITE = (
    "mutation($input: CreateCategoryInput!) { createCategory(input: $input) "
    "{ category { name } errors { code } } }"
)
_names = itertools.count(1)


@dataclass
class Answer:
    kind: str
    started: float
    ended: float
    code: str  # "ok", a top-level error code, or "http:<status>"
    name: str | None = None  # the category a write tried to create

    @property
    def seconds(self) -> float:
        return self.ended - self.started


def outcome(response: httpx.Response) -> str:
    try:
        body: dict[str, Any] = response.json()
    except ValueError:
        return f"http:{response.status_code}"
    errors = body.get("errors") or []
    if errors:
        return str((errors[0].get("extensions") or {}).get("code", "NO_CODE"))
    for value in (body.get("data") or {}).values():
        if isinstance(value, dict) and value.get("errors"):
            return f"refused:{value['errors'][0]['code']}"
    return "ok"


@dataclass
class Load:
    """`readers` + `writers` loops sending requests back to back until stopped."""

    http: httpx.AsyncClient
    readers: int = 3
    writers: int = 1
    prefix: str = "F"
    answers: list[Answer] = field(default_factory=list)
    _stop: asyncio.Event = field(default_factory=asyncio.Event)
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)

    async def _read(self) -> None:
        while not self._stop.is_set():
            started = time.monotonic()
            response = await self.http.post("/graphql", json=READ)
            self.answers.append(Answer("read", started, time.monotonic(), outcome(response)))
            await asyncio.sleep(0.02)

    async def _write(self) -> None:
        while not self._stop.is_set():
            name = f"{self.prefix}{next(_names)}"
            started = time.monotonic()
            response = await self.http.post(
                "/graphql",
                json={"query": WRITE, "variables": {"input": {"name": name}}},
                headers={HEADER: "admin"},
            )
            self.answers.append(Answer("write", started, time.monotonic(), outcome(response), name))
            await asyncio.sleep(0.05)

    def start(self) -> Load:
        self._tasks = [asyncio.create_task(self._read()) for _ in range(self.readers)]
        self._tasks += [asyncio.create_task(self._write()) for _ in range(self.writers)]
        return self

    async def stop(self) -> None:
        self._stop.set()
        await asyncio.gather(*self._tasks)

    def codes(self, since: float = 0.0, until: float = float("inf")) -> set[str]:
        return {a.code for a in self.answers if since <= a.started and a.ended <= until}


async def first_success_after(
    probe: Callable[[], Awaitable[bool]], since: float, cap_s: float, every_s: float = 0.05
) -> float:
    """Seconds from `since` until `probe` first succeeds (polled), or fail after `cap_s`."""
    while True:
        if await probe():
            return time.monotonic() - since
        if time.monotonic() - since > cap_s:
            raise AssertionError(f"not recovered within {cap_s} s")
        await asyncio.sleep(every_s)
