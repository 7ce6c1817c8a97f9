"""Prometheus metrics: what the layers report (graph/observability.py,
agents/observability.py, the rate limiter) turned into counters, served at GET /metrics.

One registry per app (tests build many apps in one process). With several workers each
process counts its own requests; docs/operations.md says how to scrape them.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from contextvars import ContextVar, Token
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.requests import Request
from starlette.responses import Response
from typing_extensions import override

from agents.events import Handoff, ToolCallFinished
from agents.observability import RunReport
from graph.observability import OperationObserver, OperationReport
from graph.rate_limits import LimitKind

OTHER = "other"
ANONYMOUS = "anonymous"

#: The SQL statements of the operation running in this context, counted by the engine hook.
_statements: ContextVar[list[int] | None] = ContextVar("sql_statements", default=None)


def _count_statement(*_: Any, **__: Any) -> None:
    tally = _statements.get()
    if tally is not None:
        tally[0] += 1


def count_statements(engine: AsyncEngine) -> None:
    """Count every statement the engine sends towards the operation it runs for (once per
    engine, however many apps share it)."""
    target = engine.sync_engine
    if not event.contains(target, "before_cursor_execute", _count_statement):
        event.listen(target, "before_cursor_execute", _count_statement)


#: The names of the GraphQL operations the current HTTP request ran, for its log line.
_operation_names: ContextVar[list[str] | None] = ContextVar("operations", default=None)


class _NamedForLog(AbstractContextManager[OperationReport]):
    __slots__ = ("report",)

    def __init__(self, report: OperationReport) -> None:
        self.report = report

    @override
    def __enter__(self) -> OperationReport:
        return self.report

    @override
    def __exit__(self, *_: object) -> None:
        names = _operation_names.get()
        if names is not None and not self.report.discarded:
            names.append(self.report.name or "anonymous")


class OperationNamesForLog:
    """Observes operations only to name them in the request's log line (a plain class, not a
    generator: this runs for every operation, decision 0132)."""

    def operation(self, report: OperationReport) -> AbstractContextManager[OperationReport]:
        return _NamedForLog(report)


class Observers:
    """Several operation observers as one (metrics, the request log, traces)."""

    def __init__(self, *observers: OperationObserver) -> None:
        self.observers = observers

    def operation(self, report: OperationReport) -> AbstractContextManager[OperationReport]:
        return _ObservedBy(self.observers, report)


class _ObservedBy(ExitStack):
    """Enters every observer's context on entry (an ExitStack: exits in reverse order, each
    told of the exception); yields the report. No generator per operation."""

    def __init__(self, observers: tuple[OperationObserver, ...], report: OperationReport) -> None:
        super().__init__()
        self.observers = observers
        self.report = report

    @override
    def __enter__(self) -> OperationReport:  # type: ignore[override]
        try:
            for observer in self.observers:
                self.enter_context(observer.operation(self.report))
        except BaseException:
            self.__exit__(*sys.exc_info())  # those already entered are exited
            raise
        return self.report


def collect_operation_names() -> tuple[list[str], Token[list[str] | None]]:
    """From now on in this context, operations append their names to the returned list."""
    names: list[str] = []
    return names, _operation_names.set(names)


def stop_collecting_operation_names(token: Token[list[str] | None]) -> None:
    _operation_names.reset(token)


class BoundedNames:
    """Operation names are chosen by clients: keep the first `limit` distinct ones as labels
    and count the rest as "other", so a client cannot grow the metrics without bound."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.seen: set[str] = set()

    def label(self, name: str | None) -> str:
        if not name:
            return ANONYMOUS
        if name in self.seen:
            return name
        if len(self.seen) < self.limit:
            self.seen.add(name)
            return name
        return OTHER


class PoolCollector(Collector):
    """The connection pool, read at scrape time."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.pool: Any = engine.pool

    @override
    def collect(self) -> Iterable[Metric]:
        for name, doc, read in (
            ("pagila_db_pool_size", "Connections the pool keeps open.", "size"),
            ("pagila_db_pool_checked_out", "Connections in use now.", "checkedout"),
            ("pagila_db_pool_idle", "Open connections waiting in the pool.", "checkedin"),
            ("pagila_db_pool_overflow", "Connections open beyond the pool size.", "overflow"),
        ):
            method = getattr(self.pool, read, None)
            if method is not None:
                yield GaugeMetricFamily(name, doc, value=float(method()))


class _MeasuredOperation(AbstractContextManager[OperationReport]):
    """One operation's time and SQL statements (a plain class, not a generator: this runs for
    every operation)."""

    __slots__ = ("metrics", "report", "started", "tally", "token")

    def __init__(self, metrics: Metrics, report: OperationReport) -> None:
        self.metrics = metrics
        self.report = report
        self.tally = [0]

    @override
    def __enter__(self) -> OperationReport:
        self.token = _statements.set(self.tally)
        self.started = time.perf_counter()
        return self.report

    @override
    def __exit__(self, *_: object) -> None:
        try:
            _statements.reset(self.token)
        except ValueError:  # a subscription can end in another task's context
            _statements.set(None)
        if not self.report.discarded:
            seconds = time.perf_counter() - self.started
            self.metrics._record_operation(self.report, seconds, self.tally[0])


class Metrics:
    def __init__(self, max_operation_names: int = 200) -> None:
        self.registry = CollectorRegistry()
        self.names = BoundedNames(max_operation_names)
        r = self.registry
        self.operation_seconds = Histogram(
            "pagila_graphql_operation_seconds",
            "GraphQL operations (count) and their duration, by name, type and path "
            "(compiled: one SQL statement; executor: Strawberry's resolvers).",
            ["operation", "type", "path"],
            registry=r,
        )
        self.errors = Counter(
            "pagila_graphql_errors",
            "GraphQL errors in responses, by operation and extensions.code.",
            ["operation", "code"],
            registry=r,
        )
        self.sql_statements = Histogram(
            "pagila_graphql_sql_statements",
            "SQL statements one GraphQL operation sent.",
            ["operation", "path"],
            buckets=(0, 1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 64),
            registry=r,
        )
        self.websockets = Gauge(
            "pagila_websocket_connections", "WebSocket connections open now.", registry=r
        )
        self.websockets_opened = Counter(
            "pagila_websocket_connections_opened",
            "WebSocket connections accepted since start.",
            registry=r,
        )
        self.rate_limited = Counter(
            "pagila_rate_limit_refusals",
            "Requests or operations refused by a rate limit, by limit.",
            ["limit"],
            registry=r,
        )
        self.agent_run_seconds = Histogram(
            "pagila_agent_run_seconds",
            "Agent runs (askAgent, agentStream) and their duration, by outcome "
            "(COMPLETED, CANCELLED or the error code).",
            ["outcome"],
            buckets=(0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60, 120),
            registry=r,
        )
        self.agent_tokens = Counter(
            "pagila_agent_tokens",
            "Model tokens of completed agent runs, by kind (prompt, completion).",
            ["kind"],
            registry=r,
        )
        self.agent_handoffs = Counter(
            "pagila_agent_handoffs", "Handoffs between agents.", registry=r
        )
        self.agent_tool_calls = Counter(
            "pagila_agent_tool_calls",
            "Tool calls of the agents, by plugin.function.",
            ["tool"],
            registry=r,
        )
        self._operation_children: dict[tuple[str, str, str], tuple[Histogram, Histogram]] = {}
        for kind in LimitKind:  # show the refusal counters at 0 before the first refusal
            self.rate_limited.labels(kind.value)

    # --- what the layers report ----------------------------------------------------------

    def operation(self, report: OperationReport) -> AbstractContextManager[OperationReport]:
        """Times the operation and counts its SQL statements."""
        return _MeasuredOperation(self, report)

    def _record_operation(self, report: OperationReport, seconds: float, statements: int) -> None:
        name = self.names.label(report.name)
        # the label children, looked up once per label set (names are bounded, BoundedNames)
        key = (name, report.type or "none", report.path)
        children = self._operation_children.get(key)
        if children is None:
            children = (
                self.operation_seconds.labels(*key),
                self.sql_statements.labels(name, report.path),
            )
            self._operation_children[key] = children
        children[0].observe(seconds)
        children[1].observe(statements)
        for code in report.error_codes:
            self.errors.labels(name, code).inc()

    @contextmanager
    def run(self, report: RunReport) -> Iterator[RunReport]:
        try:
            yield report
        finally:
            self.agent_run_seconds.labels(report.outcome).observe(
                time.perf_counter() - report.started
            )
            self.agent_tokens.labels("prompt").inc(report.prompt_tokens)
            self.agent_tokens.labels("completion").inc(report.completion_tokens)
            handoffs = 0
            for _, event in report.events:
                if isinstance(event, ToolCallFinished):
                    self.agent_tool_calls.labels(f"{event.plugin}.{event.function}").inc()
                elif isinstance(event, Handoff):
                    handoffs += 1
            self.agent_handoffs.inc(handoffs)

    def refused(self, kind: LimitKind) -> None:
        self.rate_limited.labels(kind.value).inc()

    @contextmanager
    def websocket(self) -> Iterator[None]:
        self.websockets.inc()
        self.websockets_opened.inc()
        try:
            yield
        finally:
            self.websockets.dec()

    async def endpoint(self, _: Request) -> Response:
        """GET /metrics in Prometheus' text format."""
        return Response(generate_latest(self.registry), media_type=CONTENT_TYPE_LATEST)

    def watch_database(self, engine: AsyncEngine) -> None:
        count_statements(engine)
        self.registry.register(PoolCollector(engine))
