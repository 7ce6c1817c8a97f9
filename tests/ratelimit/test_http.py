"""Whole HTTP requests: counted per user or per client IP before anything runs; a refusal is a
429 with `Retry-After` and a GraphQL error coded RATE_LIMITED. Over memory and the real Redis."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import asyncpg
import httpx
import pytest

from config.settings import Settings
from pagila_graph.app import create_app
from persistence.db import Database, StatementCounter, to_libpq_url
from tests.ratelimit.support import (
    STORAGES,
    USER_HEADER,
    UserHeaderAuthenticator,
    limiter_for,
    redis_url_for,
    unique_prefix,
)

QUERY = {"query": "{ films(first: 1) { totalCount } }"}

Client = Callable[..., AbstractAsyncContextManager[httpx.AsyncClient]]


@pytest.fixture(params=STORAGES)
def client_for(request: pytest.FixtureRequest, settings: Settings, database: Database) -> Client:
    storage: str = request.param

    @asynccontextmanager
    async def make(
        requests: str = "3/minute", trusted_proxies: tuple[str, ...] = (), **updates: object
    ) -> AsyncIterator[httpx.AsyncClient]:
        prefix = unique_prefix()
        async with limiter_for(storage, prefix=prefix):  # skips without Redis; cleans up
            limited = settings.model_copy(
                update={
                    "rate_limit_enabled": True,
                    "rate_limit_requests": requests,
                    "redis_url": redis_url_for(storage),
                    "rate_limit_key_prefix": prefix,
                    "trusted_proxies": list(trusted_proxies),
                    **updates,
                }
            )
            app = create_app(limited, database, UserHeaderAuthenticator())
            transport = httpx.ASGITransport(app=app, client=("192.0.2.10", 40000))
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
                yield c

    return make


def user(n: int) -> dict[str, str]:
    return {USER_HEADER: str(n)}


async def test_over_the_limit_is_429_with_retry_after_and_a_typed_error(
    client_for: Client,
) -> None:
    async with client_for(requests="3/minute") as http:
        for _ in range(3):
            ok = await http.post("/graphql", json=QUERY, headers=user(1))
            assert ok.status_code == 200, ok.text
            assert "retry-after" not in ok.headers
        refused = await http.post("/graphql", json=QUERY, headers=user(1))
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert "x-request-id" in refused.headers
    body = refused.json()
    assert "data" not in body  # nothing ran: a request error's shape
    [error] = body["errors"]
    assert error["extensions"]["code"] == "RATE_LIMITED"
    assert error["extensions"]["retryAfterSeconds"] == int(refused.headers["retry-after"])


async def test_users_are_counted_apart_and_anonymous_callers_by_ip(client_for: Client) -> None:
    async with client_for(requests="2/minute") as http:
        for _ in range(2):
            assert (await http.post("/graphql", json=QUERY, headers=user(1))).status_code == 200
        assert (await http.post("/graphql", json=QUERY, headers=user(1))).status_code == 429
        # user 2 and the anonymous caller at the same address have their own counts
        assert (await http.post("/graphql", json=QUERY, headers=user(2))).status_code == 200
        for _ in range(2):
            assert (await http.post("/graphql", json=QUERY)).status_code == 200
        assert (await http.post("/graphql", json=QUERY)).status_code == 429


async def test_behind_a_trusted_proxy_each_forwarded_client_is_counted(
    client_for: Client,
) -> None:
    async with client_for(requests="1/minute", trusted_proxies=("192.0.2.0/24",)) as http:
        first = {"x-forwarded-for": "203.0.113.1"}
        second = {"x-forwarded-for": "203.0.113.2"}
        assert (await http.post("/graphql", json=QUERY, headers=first)).status_code == 200
        assert (await http.post("/graphql", json=QUERY, headers=first)).status_code == 429
        assert (await http.post("/graphql", json=QUERY, headers=second)).status_code == 200


async def test_forwarded_for_from_an_untrusted_peer_does_not_escape_the_limit(
    client_for: Client,
) -> None:
    async with client_for(requests="1/minute") as http:
        assert (
            await http.post("/graphql", json=QUERY, headers={"x-forwarded-for": "203.0.113.1"})
        ).status_code == 200
        forged = {"x-forwarded-for": "203.0.113.99"}
        assert (await http.post("/graphql", json=QUERY, headers=forged)).status_code == 429


async def test_a_refused_mutation_runs_no_sql_and_writes_nothing(
    client_for: Client, database: Database, pagila_url: str
) -> None:
    name = f"Limited {unique_prefix()[-8:]}"
    mutation = {
        "query": "mutation($n: String!) { createCategory(input: {name: $n}) { errors { code } } }",
        "variables": {"n": name},
    }
    async with client_for(requests="1/minute") as http:
        assert (await http.post("/graphql", json=QUERY, headers=user(3))).status_code == 200
        with StatementCounter(database.engine) as counter:
            refused = await http.post("/graphql", json=mutation, headers=user(3))
    assert refused.status_code == 429
    assert counter.count == 0
    conn = await asyncpg.connect(to_libpq_url(pagila_url))
    try:
        assert await conn.fetchval("SELECT count(*) FROM category WHERE name = $1", name) == 0
    finally:
        await conn.close()


async def test_health_checks_and_preflights_are_not_counted(client_for: Client) -> None:
    async with client_for(requests="1/minute") as http:
        for _ in range(3):
            assert (await http.get("/healthz")).status_code == 200
        assert (await http.post("/graphql", json=QUERY)).status_code == 200


async def test_limits_are_off_in_the_test_environment_by_default(
    settings: Settings, database: Database
) -> None:
    assert settings.rate_limit_enabled is None
    assert not settings.rate_limits_enabled
    app = create_app(settings, database)
    assert app.state.rate_limiter is None
