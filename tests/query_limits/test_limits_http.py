"""Each limit, through the real HTTP app: refused with a clear message and a code, before any
SQL statement runs; and every limit is read from settings."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from config.settings import Settings
from pagila_graph.app import create_app
from persistence.db import Database, StatementCounter


async def post(
    http: httpx.AsyncClient, query: str, variables: dict[str, Any] | None = None
) -> dict[str, Any]:
    response = await http.post("/graphql", json={"query": query, "variables": variables})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def only_error(body: dict[str, Any]) -> dict[str, Any]:
    assert body.get("data") is None, body
    errors: list[dict[str, Any]] = body["errors"]
    assert len(errors) == 1, errors
    return errors[0]


@asynccontextmanager
async def app_client(settings: Settings, database: Database) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, database)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as h:
        yield h


@pytest.fixture
async def strict(settings: Settings, database: Database) -> AsyncIterator[httpx.AsyncClient]:
    """An app whose limits (all read from settings) are much tighter than the defaults."""
    tight = settings.model_copy(update={"max_aliases": 2, "max_page_size": 5, "max_query_cost": 12})
    async with app_client(tight, database) as http:
        yield http


FILMS = "query($n: Int) { films(first: $n) { nodes { title } } }"


async def test_over_budget_is_refused_before_sql(
    strict: httpx.AsyncClient, sql_counter: StatementCounter
) -> None:
    body = await post(strict, FILMS, {"n": 5})  # 1 (films) + 1 (nodes) + 5 x 1 = 7 <= 12
    assert "errors" not in body, body
    assert len(body["data"]["films"]["nodes"]) == 5
    ran = sql_counter.count
    assert ran > 0

    # three fields per film: 1 + 1 + 5 x 3 = 17 > 12
    body = await post(
        strict, "query($n: Int) { films(first: $n) { nodes { title length rating } } }", {"n": 5}
    )
    error = only_error(body)
    assert error["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    assert error["extensions"]["maxCost"] == 12
    assert "cost more than 12" in error["message"]
    assert sql_counter.count == ran  # nothing more ran


async def test_page_size_is_refused_before_sql_literal_or_variable(
    strict: httpx.AsyncClient, sql_counter: StatementCounter
) -> None:
    # The first root field alone would be fine; the second is over the maximum: the whole
    # operation is refused before the first one reaches the database.
    literal = await post(
        strict, "{ a: film(filmId: 1) { title } films(first: 6) { nodes { title } } }"
    )
    by_variable = await post(strict, FILMS, {"n": 6})
    for body in (literal, by_variable):
        error = only_error(body)
        assert error["extensions"] == {"code": "INVALID_INPUT", "field": "first"}
        assert error["message"] == "`first` must be at most 5."
    assert sql_counter.count == 0


async def test_depth_is_refused_before_sql(
    settings: Settings, database: Database, sql_counter: StatementCounter
) -> None:
    # Depth counts nesting below the root fields: `film { title }` is 1 deep.
    query = "query Nested { film(filmId: 1) { title } }"
    async with app_client(settings.model_copy(update={"max_query_depth": 1}), database) as ok:
        assert "errors" not in await post(ok, query)
    ran = sql_counter.count
    async with app_client(settings.model_copy(update={"max_query_depth": 0}), database) as tight:
        error = only_error(await post(tight, query))
    assert error["extensions"]["code"] == "QUERY_TOO_DEEP"
    assert error["message"] == "'Nested' exceeds maximum operation depth of 0"
    assert sql_counter.count == ran


async def test_aliases_are_refused_before_sql(
    strict: httpx.AsyncClient, sql_counter: StatementCounter
) -> None:
    query = "{ a: film(filmId: 1) { t: title } b: film(filmId: 2) { title } }"
    error = only_error(await post(strict, query))
    assert error["extensions"]["code"] == "TOO_MANY_ALIASES"
    assert "3 aliases found. Allowed: 2" in error["message"]
    assert sql_counter.count == 0


async def test_default_limits_let_the_same_queries_through(client: httpx.AsyncClient) -> None:
    """What the strict app refuses passes under the default settings: the limits are settings."""
    for query, variables in [
        ("query($n: Int) { films(first: $n) { nodes { title length rating } } }", {"n": 5}),
        ("{ a: film(filmId: 1) { t: title } b: film(filmId: 2) { title } }", None),
        ("query($n: Int) { films(first: $n) { nodes { title } } }", {"n": 6}),
    ]:
        body = await post(client, query, variables)
        assert "errors" not in body, body


async def test_nested_page_size_is_refused_before_sql(
    client: httpx.AsyncClient, sql_counter: StatementCounter
) -> None:
    query = "query($n: Int) { film(filmId: 1) { actors(first: $n) { nodes { lastName } } } }"
    assert "errors" not in await post(client, query, {"n": 100})
    ran = sql_counter.count
    error = only_error(await post(client, query, {"n": 101}))
    assert error["extensions"] == {"code": "INVALID_INPUT", "field": "first"}
    assert error["message"] == "`first` must be at most 100."
    assert sql_counter.count == ran


async def test_default_budget_refuses_a_million_row_query(
    client: httpx.AsyncClient, settings: Settings, sql_counter: StatementCounter
) -> None:
    # 100 films x 100 actors x 100 films: every page is legal, the product is not.
    query = (
        "{ films(first: 100) { nodes { actors(first: 100) { nodes {"
        " films(first: 100) { nodes { title } } } } } } }"
    )
    error = only_error(await post(client, query))
    assert error["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    assert error["extensions"]["maxCost"] == settings.max_query_cost < 1_000_000
    assert sql_counter.count == 0
