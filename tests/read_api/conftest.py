"""Read-API fixtures: an app whose callers are chosen per request by a test header, and a
direct asyncpg connection for computing expected answers independently of the app."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import asyncpg
import httpx
import pytest
from starlette.requests import HTTPConnection

from config.settings import Settings
from domain.auth import ANONYMOUS, Principal, Role
from pagila_graph.app import create_app
from persistence.db import Database

HEADER = "X-Test-Principal"


class HeaderAuthenticator:
    """Tests only: the caller is whatever the `X-Test-Principal` JSON header says."""

    async def authenticate(
        self, connection: HTTPConnection, connection_params: dict[str, object] | None = None
    ) -> Principal:
        raw = connection.headers.get(HEADER)
        if not raw:
            return ANONYMOUS
        fields = json.loads(raw)
        return Principal(
            user_id=fields.get("user_id", 1),
            role=Role(fields["role"]),
            customer_id=fields.get("customer_id"),
            staff_id=fields.get("staff_id"),
            store_id=fields.get("store_id"),
        )


def customer(customer_id: int) -> dict[str, object]:
    return {"role": "customer", "customer_id": customer_id}


def staff(store_id: int, role: str = "staff") -> dict[str, object]:
    return {"role": role, "store_id": store_id, "staff_id": store_id}


ADMIN: dict[str, object] = {"role": "admin"}


class Api:
    """POST /graphql as a chosen caller; returns the decoded body."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def __call__(
        self,
        query: str,
        variables: dict[str, object] | None = None,
        *,
        as_: dict[str, object] | None = None,
        expect_errors: bool = False,
    ) -> dict[str, object]:
        headers = {HEADER: json.dumps(as_)} if as_ is not None else {}
        response = await self.http.post(
            "/graphql", json={"query": query, "variables": variables}, headers=headers
        )
        assert response.status_code == 200, response.text
        body: dict[str, object] = response.json()
        if not expect_errors:
            assert "errors" not in body, body.get("errors")
        return body

    async def data(
        self,
        query: str,
        variables: dict[str, object] | None = None,
        *,
        as_: dict[str, object] | None = None,
    ) -> dict[str, object]:
        body = await self(query, variables, as_=as_)
        data: dict[str, object] = body["data"]  # type: ignore[assignment]
        return data


@pytest.fixture(scope="session")
async def api(settings: Settings, database: Database) -> AsyncIterator[Api]:
    app = create_app(settings, database, authenticator=HeaderAuthenticator())
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield Api(http)


@pytest.fixture(scope="session")
async def pg(pagila_url: str) -> AsyncIterator[asyncpg.Connection]:
    """Expected values come from here: plain SQL, written independently of the repositories."""
    conn = await asyncpg.connect(pagila_url)
    try:
        yield conn
    finally:
        await conn.close()


@pytest.fixture
async def isolated_api(settings: Settings, isolated_database: Database) -> AsyncIterator[Api]:
    """Like `api`, over a database whose writes (made by the test) are rolled back afterwards."""
    app = create_app(settings, isolated_database, authenticator=HeaderAuthenticator())
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield Api(http)


@pytest.fixture(scope="module")
async def paths(
    settings: Settings, database: Database
) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient]]:
    """Two apps over the same database, callers by `HEADER`: the executor alone
    (`COMPILED_READS` off) and the compiled read path — for tests comparing their answers."""
    made = [
        create_app(
            settings.model_copy(update={"compiled_reads": c}), database, HeaderAuthenticator()
        )
        for c in (False, True)
    ]
    async with (
        httpx.AsyncClient(transport=httpx.ASGITransport(app=made[0]), base_url="http://t") as a,
        httpx.AsyncClient(transport=httpx.ASGITransport(app=made[1]), base_url="http://t") as b,
    ):
        yield a, b
