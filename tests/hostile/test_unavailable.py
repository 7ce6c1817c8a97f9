"""Issue 14, items 9 and 15: a database that is down, frozen or too slow is answered with
SERVICE_UNAVAILABLE (`retryable: true`, HTTP 503 when nothing was answered) within the
client-side timeouts, never an internal error or a hang; /readyz says not ready meanwhile."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
import httpx

from config.settings import Settings
from pagila_graph.app import create_app
from persistence.db import Database, create_engine, to_libpq_url

QUERY = {"query": "{ films(first: 1) { nodes { title } totalCount } }"}
SPEC = {"accept": "application/graphql-response+json"}


@asynccontextmanager
async def app_over(
    settings: Settings, url: str, **engine: float | int
) -> AsyncIterator[httpx.AsyncClient]:
    database = Database(create_engine(url, pool_size=2, max_overflow=0, **engine))  # type: ignore[arg-type]
    app = create_app(settings.model_copy(update={"db_connect_timeout_s": 1.0}), database)
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://t"
        ) as http:
            yield http
    finally:
        await database.dispose()


def assert_unavailable(response: httpx.Response, status: int = 503) -> None:
    """503 under the spec's media type; legacy application/json keeps 200 (same body codes)."""
    assert response.status_code == status, response.text
    assert response.headers["retry-after"]
    body = response.json()
    assert body["errors"]
    for error in body["errors"]:
        assert error["extensions"]["code"] == "SERVICE_UNAVAILABLE"
        assert error["extensions"]["retryable"] is True
        assert "SELECT" not in error["message"] and "asyncpg" not in error["message"]


async def test_a_statement_timeout_is_service_unavailable(
    settings: Settings, pagila_url: str
) -> None:
    """A table locked by another transaction: the server's statement_timeout cancels the query."""
    blocker = await asyncpg.connect(to_libpq_url(pagila_url))
    try:
        transaction = blocker.transaction()
        await transaction.start()
        await blocker.execute("LOCK TABLE film IN ACCESS EXCLUSIVE MODE")
        async with app_over(settings, pagila_url, statement_timeout_ms=300) as http:
            response = await http.post("/graphql", json=QUERY, headers=SPEC)
            legacy = await http.post("/graphql", json=QUERY)
        await transaction.rollback()
    finally:
        await blocker.close()
    assert_unavailable(response)
    assert_unavailable(legacy, status=200)


async def test_a_database_that_is_down_is_service_unavailable(settings: Settings) -> None:
    url = "postgresql://postgres@127.0.0.1:1/nothing"  # nothing listens on port 1
    async with app_over(settings, url, connect_timeout_s=2.0) as http:
        assert_unavailable(await http.post("/graphql", json=QUERY, headers=SPEC))
        ready = await http.get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["checks"]["database"] == "unreachable"


async def test_a_frozen_database_answers_within_the_client_timeouts(settings: Settings) -> None:
    """A server that accepts connections and never answers (what SIGSTOP looks like from the
    client): the connect timeout ends the wait; nothing hangs."""
    held: list[asyncio.StreamWriter] = []

    async def silent(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)  # keep it open, say nothing

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        url = f"postgresql://postgres@127.0.0.1:{port}/frozen"
        async with app_over(settings, url, connect_timeout_s=0.5, pool_timeout_s=0.5) as http:
            started = time.monotonic()
            responses = await asyncio.gather(
                *(http.post("/graphql", json=QUERY, headers=SPEC) for _ in range(4))
            )
            ready = await http.get("/readyz")
            elapsed = time.monotonic() - started
    finally:
        for writer in held:
            writer.close()
        server.close()
    for response in responses:
        assert_unavailable(response)
    assert ready.status_code == 503
    # generous for a loaded machine; without client timeouts each request waited forever
    assert elapsed < 30
