"""How long the event loop was kept busy by something other than its ticker.

A ticker task wakes every few milliseconds and reads the CPU time of the loop's thread: the CPU
the thread spent between two ticks is the longest any callback (a request's parsing, validation,
...) kept the loop from answering. Unlike wall-clock lag this does not grow when the machine is
loaded and the process simply waits for a core, so an assertion on it is a property of the code
path; the wall-clock lag is kept too, for reports.

While watching, the garbage collector is set as a serving process sets it (`tuned_collector`,
decision 0130: the heap that existed before is frozen). Without it, a full collection walks the
heap of the whole test session — every app and schema the earlier tests built — and that pause
(0.24 to 0.48 s of CPU measured after tests/read_api) is the test process's, not the server's.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from pagila_graph.heap import tuned_collector


@dataclass
class LoopLag:
    max_cpu_s: float = 0.0
    max_wall_s: float = 0.0
    ticks: int = 0
    samples: list[float] = field(default_factory=list)


@asynccontextmanager
async def watch_loop(interval_s: float = 0.005) -> AsyncIterator[LoopLag]:
    lag = LoopLag()
    stop = asyncio.Event()

    async def tick() -> None:
        cpu, wall = time.thread_time(), time.perf_counter()
        while not stop.is_set():
            await asyncio.sleep(interval_s)
            now_cpu, now_wall = time.thread_time(), time.perf_counter()
            lag.max_cpu_s = max(lag.max_cpu_s, now_cpu - cpu)
            lag.max_wall_s = max(lag.max_wall_s, now_wall - wall - interval_s)
            lag.samples.append(now_cpu - cpu)
            lag.ticks += 1
            cpu, wall = now_cpu, now_wall

    with tuned_collector():
        task = asyncio.create_task(tick())
        await asyncio.sleep(interval_s * 2)  # the ticker is running before the work starts
        try:
            yield lag
        finally:
            stop.set()
            await task
