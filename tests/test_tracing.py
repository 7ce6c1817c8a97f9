"""OpenTelemetry traces (the `otel` extra): spans land in an in-memory exporter, nested as a
reader of the trace expects — HTTP request → GraphQL operation → SQL statements."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from config.settings import Settings
from pagila_graph.app import create_app
from pagila_graph.tracing import Tracing, tracing_from_env, tracing_requested
from persistence.db import Database, create_engine


@pytest.fixture
def exporter() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    yield exporter
    exporter.shutdown()


def tracing_into(exporter: InMemorySpanExporter) -> Tracing:
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return Tracing(provider)


@pytest.fixture
async def own_database(pagila_url: str) -> AsyncIterator[Database]:
    """An engine of its own: instrumenting it must not touch the session's shared engine."""
    db = Database(create_engine(pagila_url, pool_size=2))
    try:
        yield db
    finally:
        await db.dispose()


def ancestors(span: ReadableSpan, by_id: dict[int, ReadableSpan]) -> list[str]:
    names = []
    parent = span.parent
    while parent is not None and parent.span_id in by_id:
        found = by_id[parent.span_id]
        names.append(found.name)
        parent = found.parent
    return names


ONE_FILM = "query OneFilm { film(filmId: 1) { title actors { nodes { firstName } } } }"


async def traced(settings: Settings, database: Database, exporter: InMemorySpanExporter) -> None:
    app = create_app(settings, database, tracing=tracing_into(exporter))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t"
    ) as http:
        response = await http.post("/graphql", json={"query": ONE_FILM})
    assert "errors" not in response.json()


async def test_a_request_is_one_trace_http_then_graphql_then_sql(
    settings: Settings, own_database: Database, exporter: InMemorySpanExporter
) -> None:
    executor_only = settings.model_copy(update={"compiled_reads": False})
    await traced(executor_only, own_database, exporter)
    spans = exporter.get_finished_spans()
    assert len({span.context.trace_id for span in spans}) == 1, [s.name for s in spans]
    by_id = {span.context.span_id: span for span in spans}
    [operation] = [s for s in spans if s.name.startswith("GraphQL Query")]
    assert "OneFilm" in operation.name
    assert any(name.startswith("POST /graphql") for name in ancestors(operation, by_id))
    assert any(s.name.startswith("GraphQL Parsing") for s in spans)
    statements = [s for s in spans if (s.attributes or {}).get("db.statement")]
    assert len(statements) >= 2  # the film, then its actors (one batch)
    for statement in statements:
        assert operation.name in ancestors(statement, by_id), statement.name


async def test_a_compiled_read_is_one_span_with_its_one_statement(
    settings: Settings, own_database: Database, exporter: InMemorySpanExporter
) -> None:
    await traced(settings.model_copy(update={"compiled_reads": True}), own_database, exporter)
    spans = exporter.get_finished_spans()
    by_id = {span.context.span_id: span for span in spans}
    [operation] = [s for s in spans if s.name == "GraphQL Query: OneFilm (compiled)"]
    assert any(name.startswith("POST /graphql") for name in ancestors(operation, by_id))
    statements = [s for s in spans if (s.attributes or {}).get("db.statement")]
    assert len(statements) == 1
    assert operation.name in ancestors(statements[0], by_id)


def test_nothing_is_traced_unless_otel_variables_ask_for_it() -> None:
    assert tracing_from_env({}) is None
    assert tracing_from_env({"OTEL_SERVICE_NAME": "x"}) is None


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, False),
        ({"OTEL_TRACES_EXPORTER": "otlp"}, True),
        ({"OTEL_TRACES_EXPORTER": "console"}, True),
        ({"OTEL_TRACES_EXPORTER": "none"}, False),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"}, True),
        ({"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://collector:4318/v1/traces"}, True),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_SDK_DISABLED": "true"}, False),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_TRACES_EXPORTER": "none"}, False),
    ],
)
def test_the_standard_variables_decide(env: dict[str, str], expected: bool) -> None:
    assert tracing_requested(env) is expected


def test_an_exporter_named_by_the_environment_is_built() -> None:
    tracing = tracing_from_env({"OTEL_TRACES_EXPORTER": "console", "OTEL_SERVICE_NAME": "svc"})
    assert tracing is not None
    assert tracing.provider.resource.attributes["service.name"] == "svc"
    with pytest.raises(ValueError, match="not supported"):
        tracing_from_env({"OTEL_TRACES_EXPORTER": "jaeger-thrift"})
