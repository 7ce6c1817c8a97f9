"""GET /metrics: each metric moves when what it counts happens (real app, PostgreSQL, sockets).

Every test reads the metrics before and after and compares the difference with what it did, or
with an independent count (the SQL statements the engine sent, the connections held open).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import httpx
import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from prometheus_client.parser import text_string_to_metric_families
from websockets.asyncio.client import connect

from config.settings import Settings
from pagila_graph.app import create_app
from pagila_graph.telemetry import ANONYMOUS, OTHER, BoundedNames
from persistence.db import Database, StatementCounter
from tests.loopback import serving

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


async def scrape(http: httpx.AsyncClient) -> Samples:
    response = await http.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    samples: Samples = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return samples


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


@asynccontextmanager
async def app_client(settings: Settings, database: Database) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, database)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


async def post(http: httpx.AsyncClient, query: str) -> dict[str, object]:
    response = await http.post("/graphql", json={"query": query})
    body: dict[str, object] = response.json()
    return body


COMPILED = "query Catalogue { films(first: 2) { nodes { title } } }"
# introspection keeps it on the executor (the compiled path reads the data only)
EXECUTOR = (
    "query OneFilm { film(filmId: 1) { title actors { nodes { firstName } } } "
    "__schema { queryType { name } } }"
)


async def test_operations_are_counted_per_name_and_path_with_their_sql(
    settings: Settings, database: Database
) -> None:
    async with app_client(settings, database) as http:
        before = await scrape(http)
        await post(http, COMPILED)
        with StatementCounter(database.engine) as sent:
            body = await post(http, EXECUTOR)
        assert "errors" not in body
        await post(http, "{ films(first: 1) { totalCount } }")
        after = await scrape(http)

    def moved(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    seconds = "pagila_graphql_operation_seconds_count"
    assert moved(seconds, operation="Catalogue", type="query", path="compiled") == 1
    assert moved(seconds, operation="OneFilm", type="query", path="executor") == 1
    assert moved(seconds, operation=ANONYMOUS, type="query", path="compiled") == 1
    assert moved("pagila_graphql_operation_seconds_sum", operation="OneFilm", type="query",
                 path="executor") > 0  # fmt: skip
    # the executor's statements, as the engine itself counted them
    assert sent.count >= 2
    statements = "pagila_graphql_sql_statements_sum"
    assert moved(statements, operation="OneFilm", path="executor") == sent.count
    assert moved(statements, operation="Catalogue", path="compiled") == 1


async def test_errors_are_counted_by_the_code_the_client_saw(
    settings: Settings, database: Database
) -> None:
    documents = [
        'query Bad { film(id: "not-a-global-id") { title } }',
        "query Unknown { films(first: 1) { nodes { noSuchField } } }",
        "query Deep { films(first: 1) { nodes { title } } ",  # does not parse
    ]
    async with app_client(settings, database) as http:
        before = await scrape(http)
        seen: list[str] = []
        for document in documents:
            body = await post(http, document)
            errors = body.get("errors")
            assert isinstance(errors, list) and errors, body
            for error in errors:
                seen.append((error.get("extensions") or {}).get("code") or "UNCODED")
        after = await scrape(http)
    total = "pagila_graphql_errors_total"
    for code in set(seen):
        counted = sum(
            v - before.get(key, 0.0)
            for key, v in after.items()
            if key[0] == total and ("code", code) in key[1]
        )
        assert counted == seen.count(code), (code, seen)


async def test_pool_usage_is_read_at_scrape_time(settings: Settings, database: Database) -> None:
    async with app_client(settings, database) as http:
        idle = await scrape(http)
        async with database.engine.connect(), database.engine.connect():
            busy = await scrape(http)
    assert value(idle, "pagila_db_pool_size") == database.engine.pool.size()  # type: ignore[attr-defined]
    held = value(busy, "pagila_db_pool_checked_out") - value(idle, "pagila_db_pool_checked_out")
    assert held == 2


async def test_websocket_connections_are_gauged(settings: Settings, database: Database) -> None:
    app = create_app(settings, database)
    async with (
        serving(app) as port,
        httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http,
    ):
        before = await scrape(http)
        async with connect(
            f"ws://127.0.0.1:{port}/graphql",
            subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
        ) as ws:
            await ws.send('{"type": "connection_init"}')
            assert "connection_ack" in str(await ws.recv())
            during = await scrape(http)
        after = await eventually(http, lambda s: value(s, "pagila_websocket_connections") == 0)
    assert value(before, "pagila_websocket_connections") == 0
    assert value(during, "pagila_websocket_connections") == 1
    opened = "pagila_websocket_connections_opened_total"
    assert value(after, opened) - value(before, opened) == 1


async def eventually(http: httpx.AsyncClient, condition: Callable[[Samples], bool]) -> Samples:
    """The server notices a closed socket a moment later: scrape until it has (bounded)."""
    for _ in range(600):
        samples = await scrape(http)
        if condition(samples):
            return samples
        await asyncio.sleep(0.05)
    pytest.fail("the metric never reached the expected value")


async def test_rate_limit_refusals_are_counted(settings: Settings, database: Database) -> None:
    limited = settings.model_copy(
        update={
            "rate_limit_enabled": True,
            "rate_limit_requests": "1/minute",
            "redis_url": None,
            "rate_limit_key_prefix": "metrics-test",
        }
    )
    async with app_client(limited, database) as http:
        before = await scrape(http)
        first = await http.post("/graphql", json={"query": COMPILED})
        second = await http.post("/graphql", json={"query": COMPILED})
        after = await scrape(http)
    assert (first.status_code, second.status_code) == (200, 429)
    refusals = "pagila_rate_limit_refusals_total"
    assert value(before, refusals, limit="requests") == 0  # shown before the first refusal
    assert value(after, refusals, limit="requests") == 1
    assert value(after, refusals, limit="agent") == 0


async def test_metrics_can_be_turned_off(settings: Settings, database: Database) -> None:
    async with app_client(settings.model_copy(update={"metrics_enabled": False}), database) as h:
        assert (await h.get("/metrics")).status_code == 404


@hypothesis_settings(max_examples=50, deadline=None)
@given(
    limit=st.integers(min_value=0, max_value=20),
    names=st.lists(st.one_of(st.none(), st.text(min_size=0, max_size=8)), max_size=80),
)
def test_operation_name_labels_are_bounded(limit: int, names: list[str | None]) -> None:
    bounded = BoundedNames(limit)
    labels = [bounded.label(name) for name in names]
    assert len(set(labels) - {OTHER, ANONYMOUS}) <= limit
    first_seen = list(dict.fromkeys(n for n in names if n))[:limit]
    for name, label in zip(names, labels, strict=True):
        if not name:
            assert label == ANONYMOUS
        elif name in first_seen:
            assert label == name  # the first `limit` names keep their own label, every time
        else:
            assert label == OTHER
