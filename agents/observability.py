"""What a run of the agents reports to whoever observes it (metrics, traces).

The agents do not know Prometheus or OpenTelemetry: the composition root gives the runner a
`RunObserver` (its `observer`), whose `run()` context manager encloses each run. The runner fills
the `RunReport` in as the run goes — every event (tool calls, handoffs, messages) with the moment
it happened, then the outcome and the tokens — and the observer reads it when the run ends.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Protocol

from agents.events import AgentEvent

#: The outcome of a run that answered; any other outcome is the error code that stopped it.
COMPLETED = "COMPLETED"
#: The caller went away (closed the subscription) before the run ended.
CANCELLED = "CANCELLED"


@dataclass
class RunReport:
    started: float = field(default_factory=time.perf_counter)
    #: (time.perf_counter() when it happened, the event), in order
    events: list[tuple[float, AgentEvent]] = field(default_factory=list)
    outcome: str = CANCELLED
    answered_by: str | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0

    def saw(self, event: AgentEvent) -> None:
        self.events.append((time.perf_counter(), event))


class RunObserver(Protocol):
    def run(self, report: RunReport) -> AbstractContextManager[RunReport]:
        """Enters as the run is asked for, exits when it has ended (report filled in)."""
        ...


class RunObservers:
    """Several run observers as one (metrics, traces)."""

    def __init__(self, *observers: RunObserver) -> None:
        self.observers = observers

    @contextmanager
    def run(self, report: RunReport) -> Iterator[RunReport]:
        with ExitStack() as stack:
            for observer in self.observers:
                stack.enter_context(observer.run(report))
            yield report


class NoObserver:
    @contextmanager
    def run(self, report: RunReport) -> Iterator[RunReport]:
        yield report


NO_OBSERVER: RunObserver = NoObserver()
