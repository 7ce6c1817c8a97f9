"""What the read-API tests (limits, computed fields, reports, docs) share: an app that knows
test principals (`X-Test-Principal`, see tests/mutations/support.py) and a plain SQL connection
for computing expected values independently of the app's code."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import httpx
import pytest

from config.settings import Settings
from pagila_graph.app import GraphQLApp, create_app
from persistence.db import Database
from tests.mutations.support import HEADER, HeaderAuthenticator

ADMIN = "admin"


def manager(store_id: int) -> str:
    staff_id = store_id  # in Pagila, staff 1 manages store 1 and staff 2 store 2
    return f"manager:{staff_id}:{store_id}"


class Caller:
    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def body(
        self, query: str, variables: dict[str, Any] | None = None, *, who: str | None = None
    ) -> dict[str, Any]:
        headers = {HEADER: who} if who else {}
        response = await self.http.post(
            "/graphql", json={"query": query, "variables": variables}, headers=headers
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def data(
        self, query: str, variables: dict[str, Any] | None = None, *, who: str | None = None
    ) -> dict[str, Any]:
        body = await self.body(query, variables, who=who)
        assert "errors" not in body, body["errors"]
        data: dict[str, Any] = body["data"]
        return data

    async def error(
        self, query: str, variables: dict[str, Any] | None = None, *, who: str | None = None
    ) -> dict[str, Any]:
        body = await self.body(query, variables, who=who)
        assert body.get("errors"), body
        error: dict[str, Any] = body["errors"][0]
        return error


@pytest.fixture(scope="session")
async def read_client(settings: Settings, database: Database) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, database, HeaderAuthenticator())
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as h:
        yield h


@pytest.fixture
def api(read_client: httpx.AsyncClient) -> Caller:
    return Caller(read_client)


@pytest.fixture
async def sql(pagila_url: str) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(pagila_url)
    # Dates are cut in UTC, as the app does (its months and periods are UTC).
    await conn.execute("SET TIME ZONE 'UTC'")
    try:
        yield conn
    finally:
        await conn.close()


def graphql_view(app: Any) -> GraphQLApp:
    """The GraphQL view of an app (its compiler, write lane and fast-lane memo), found below
    the app's middlewares."""
    while not hasattr(app, "routes"):
        app = app.app
    for route in app.routes:
        view = getattr(route, "endpoint", None)
        if isinstance(view, GraphQLApp):
            return view
    raise AssertionError("no GraphQL view")
