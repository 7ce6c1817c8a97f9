"""OpenTelemetry traces (the `otel` extra), configured only by the standard OTEL_* variables.

On when the extra is installed, `OTEL_SDK_DISABLED` is not true, and an exporter is named:
`OTEL_TRACES_EXPORTER` (`otlp`, `console`; `none` turns traces off) or an OTLP endpoint
(`OTEL_EXPORTER_OTLP_ENDPOINT`, `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`). The OTLP exporter itself
reads the rest (`OTEL_EXPORTER_OTLP_HEADERS`, …), the resource reads `OTEL_SERVICE_NAME` and
`OTEL_RESOURCE_ATTRIBUTES`, the sampler `OTEL_TRACES_SAMPLER`.

What is traced: each HTTP request and WebSocket (Starlette instrumentation), each GraphQL
operation with its parse, validation and resolvers (Strawberry's `OpenTelemetryExtension`; an
operation the compiled read path answers gets one span of ours, with its one statement), each
SQL statement (SQLAlchemy instrumentation), and each agent run with a span per step — every
tool call, handoff and agent message, at the times they happened.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from agents.events import AgentMessage, Handoff, ToolCallFinished
from agents.observability import COMPLETED, RunReport
from graph.observability import OperationReport

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SpanExporter
    from sqlalchemy.ext.asyncio import AsyncEngine
    from starlette.applications import Starlette

_OFF = {"none", ""}


def tracing_requested(env: Mapping[str, str] = os.environ) -> bool:
    """Whether the OTEL_* variables ask for traces (the `otel` extra is checked separately)."""
    if env.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return False
    exporter = env.get("OTEL_TRACES_EXPORTER")
    if exporter is not None:
        return exporter.strip().lower() not in _OFF
    return bool(
        env.get("OTEL_EXPORTER_OTLP_ENDPOINT") or env.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
    )


def tracing_installed() -> bool:
    import importlib.util

    return all(
        importlib.util.find_spec(name) is not None
        for name in (
            "opentelemetry.sdk",
            "opentelemetry.instrumentation.starlette",
            "opentelemetry.instrumentation.sqlalchemy",
        )
    )


def _exporters(env: Mapping[str, str]) -> list[SpanExporter]:
    names = [n.strip().lower() for n in env.get("OTEL_TRACES_EXPORTER", "otlp").split(",")]
    exporters: list[SpanExporter] = []
    for name in names:
        if name == "otlp":
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

            exporters.append(OTLPSpanExporter())
        elif name == "console":
            from opentelemetry.sdk.trace.export import ConsoleSpanExporter

            exporters.append(ConsoleSpanExporter())
        elif name not in _OFF:
            raise ValueError(f"OTEL_TRACES_EXPORTER: {name!r} is not supported (otlp, console)")
    return exporters


def tracer_provider_from_env(env: Mapping[str, str] = os.environ) -> TracerProvider:
    """A provider exporting in batches to the exporters OTEL_TRACES_EXPORTER names."""
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    resource = Resource.create({"service.name": env.get("OTEL_SERVICE_NAME", "pagila-graph")})
    provider = TracerProvider(resource=resource)  # the sampler comes from OTEL_TRACES_SAMPLER
    for exporter in _exporters(env):
        provider.add_span_processor(BatchSpanProcessor(exporter))
    return provider


@dataclass
class Tracing:
    """The app's tracer provider, and the agents' run observer that writes spans to it."""

    provider: TracerProvider

    def schema_extensions(self) -> list[Any]:
        from strawberry.extensions.tracing import OpenTelemetryExtension

        provider = self.provider
        return [lambda: OpenTelemetryExtension(tracer_provider=provider)]

    def instrument(self, app: Starlette, engine: AsyncEngine) -> None:
        from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor
        from opentelemetry.instrumentation.starlette import StarletteInstrumentor

        StarletteInstrumentor.instrument_app(app, tracer_provider=self.provider)
        # The instrumentor is a process-wide singleton that instruments once: the engine traced
        # is the last app's (one per process when serving; tests build many). Its declared range
        # stops below SQLAlchemy 2.1, whose event API it uses unchanged (tests/test_tracing.py
        # sees the statement spans).
        instrumentor = SQLAlchemyInstrumentor()
        if instrumentor.is_instrumented_by_opentelemetry:
            instrumentor.uninstrument()
        instrumentor.instrument(
            engine=engine.sync_engine, tracer_provider=self.provider, skip_dep_check=True
        )

    @contextmanager
    def operation(self, report: OperationReport) -> Iterator[OperationReport]:
        """A span for an operation the compiled path answers (Strawberry's extension traces
        the executor's)."""
        if report.path != "compiled":
            yield report
            return
        tracer = self.provider.get_tracer("pagila_graph.graphql")
        with tracer.start_as_current_span("GraphQL compiled") as span:
            try:
                yield report
            finally:
                if report.discarded:  # the executor answers instead, with spans of its own
                    span.set_attribute("graphql.compiled.fell_back", True)
                else:
                    span.update_name(f"GraphQL Query: {report.name or 'anonymous'} (compiled)")
                    span.set_attribute("graphql.operation.name", report.name or "")
                    span.set_attribute("graphql.operation.type", report.type or "")

    @contextmanager
    def run(self, report: RunReport) -> Iterator[RunReport]:
        """A span per agent run (child of the request's), with a child span per step."""
        from opentelemetry.trace import Status, StatusCode

        tracer = self.provider.get_tracer("pagila_graph.agents")
        with tracer.start_as_current_span("agent run") as span:
            try:
                yield report
            finally:
                _step_spans(tracer, report)
                span.set_attribute("agent.outcome", report.outcome)
                span.set_attribute("agent.prompt_tokens", report.prompt_tokens)
                span.set_attribute("agent.completion_tokens", report.completion_tokens)
                if report.answered_by is not None:
                    span.set_attribute("agent.answered_by", report.answered_by)
                if report.outcome != COMPLETED:
                    span.set_status(Status(StatusCode.ERROR, report.outcome))


def _step_spans(tracer: Any, report: RunReport) -> None:
    """The run's steps as child spans, placed at the (wall-clock) times they happened."""
    import time

    # events carry perf_counter() times: translate to the epoch nanoseconds spans use
    offset_ns = time.time_ns() - int(time.perf_counter() * 1e9)
    for at, event in report.events:
        end = int(at * 1e9) + offset_ns
        if isinstance(event, ToolCallFinished):
            start = end - int(event.duration_ms * 1e6)
            span = tracer.start_span(
                f"agent tool {event.plugin}.{event.function}", start_time=start
            )
            span.set_attribute("agent.name", event.agent)
            span.set_attribute("agent.tool.arguments", event.arguments)
            span.end(end_time=end)
        elif isinstance(event, Handoff):
            span = tracer.start_span("agent handoff", start_time=end)
            span.set_attribute("agent.from", event.from_agent)
            span.set_attribute("agent.to", event.to_agent)
            span.set_attribute("agent.reason", event.reason)
            span.end(end_time=end)
        elif isinstance(event, AgentMessage):
            span = tracer.start_span(f"agent message {event.agent}", start_time=end)
            span.set_attribute("agent.name", event.agent)
            span.end(end_time=end)


def tracing_from_env(
    env: Mapping[str, str] = os.environ, provider: TracerProvider | None = None
) -> Tracing | None:
    """Tracing as the environment asks for it, or None (not asked for, or the extra is not
    installed: then a warning says how to install it). `provider`: tests pass their own."""
    if provider is not None:
        return Tracing(provider)
    if not tracing_requested(env):
        return None
    if not tracing_installed():
        from config.logging import get_logger

        get_logger(__name__).warning(
            "tracing.extra_missing",
            hint="OTEL_* asks for traces: pip install 'pagila-graph[otel]'",
        )
        return None
    return Tracing(tracer_provider_from_env(env))
