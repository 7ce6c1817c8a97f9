"""Batching (a JSON array of operations): off by default, bounded, each operation on its own —
its own errors, its own cost check, one more hit on the rate limit."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from config.settings import Settings
from pagila_graph.app import create_app
from persistence.db import Database

FILM = "{ film(filmId: 1) { title } }"
FILM_1 = {"data": {"film": {"title": "ACADEMY DINOSAUR"}}}


@asynccontextmanager
async def batching(
    settings: Settings, database: Database, **overrides: Any
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings.model_copy(update={"batch_max_operations": 3, **overrides}), database)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t"
    ) as client:
        yield client


async def test_batching_is_off_by_default(client: httpx.AsyncClient) -> None:
    response = await client.post("/graphql", json=[{"query": FILM}])
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BATCHING_DISABLED"


async def test_a_batch_answers_each_operation_on_its_own(
    settings: Settings, database: Database
) -> None:
    costly = "{ films(first: 100) { nodes { actors(first: 100) { nodes { films(first: 100)"
    costly += " { nodes { title } } } } } } }"
    async with batching(settings, database) as client:
        response = await client.post(
            "/graphql",
            json=[
                {"query": FILM},
                {"query": "{ film(filmId: 1) { title }"},
                {"query": costly},
            ],
        )
    assert response.status_code == 200
    good, unparsable, too_costly = response.json()
    assert good == FILM_1
    assert "data" not in unparsable
    assert unparsable["errors"][0]["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"
    assert too_costly["errors"][0]["extensions"]["code"] == "QUERY_TOO_COMPLEX"


@pytest.mark.parametrize(
    ("batch", "code"),
    [
        ([{"query": FILM}] * 4, "BATCH_TOO_LARGE"),
        ([], "BAD_REQUEST"),
        ([{"query": FILM}, 42], "BAD_REQUEST"),
        ([{"query": FILM}, [{"query": FILM}]], "BAD_REQUEST"),
    ],
    ids=["over the bound", "empty", "a member not an object", "nested batch"],
)
async def test_bad_batches_are_refused_whole(
    settings: Settings, database: Database, batch: list[Any], code: str
) -> None:
    async with batching(settings, database) as client:
        response = await client.post("/graphql", json=batch)
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == code


async def test_each_operation_counts_against_the_rate_limit(
    settings: Settings, database: Database
) -> None:
    limited = {"rate_limit_enabled": True, "rate_limit_requests": "2/minute"}
    async with batching(settings, database, **limited) as client:
        first = await client.post("/graphql", json=[{"query": FILM}] * 3)
        assert first.status_code == 200
        answers = first.json()
        # the request was counted once (the middleware), each further operation once more
        assert answers[:2] == [FILM_1, FILM_1]
        assert answers[2]["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
        assert answers[2]["errors"][0]["extensions"]["retryAfterSeconds"] >= 1
        after = await client.post("/graphql", json=[{"query": FILM}])
        assert after.status_code == 429


async def test_a_mutation_in_a_batch_runs_in_its_own_transaction(
    settings: Settings, database: Database
) -> None:
    # an anonymous login refused, next to a read: the read is unaffected
    login = 'mutation { login(input: {email: "nobody@example.com", password: "wrong-password"})'
    login += " { errors { code } } }"
    async with batching(settings, database) as client:
        response = await client.post("/graphql", json=[{"query": login}, {"query": FILM}])
    refused, read = response.json()
    assert refused["data"]["login"]["errors"][0]["code"] == "INVALID_CREDENTIALS"
    assert read == FILM_1
