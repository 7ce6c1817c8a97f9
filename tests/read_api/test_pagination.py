"""Keyset pagination: both directions, deep pages, every film ordering, cursor validation.

Expected orders come from plain SQL on the same database (ORDER BY ... , film_id / OFFSET),
written independently of the repositories."""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest

from persistence.db import StatementCounter
from tests.read_api.conftest import Api

PAGE = """query($first: Int, $after: String, $last: Int, $before: String, $order: FilmOrder) {
  films(first: $first, after: $after, last: $last, before: $before, orderBy: $order) {
    nodes { filmId }
    edges { cursor node { filmId } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}"""


async def page(api: Api, **variables: Any) -> dict[str, Any]:
    data = await api.data(PAGE, variables)
    films: dict[str, Any] = data["films"]  # type: ignore[assignment]
    return films


def ids(films: dict[str, Any]) -> list[int]:
    return [n["filmId"] for n in films["nodes"]]


async def test_page_40_by_title_equals_sql_offset(api: Api, pg: asyncpg.Connection) -> None:
    cursor = None
    for _ in range(39):
        films = await page(api, first=10, after=cursor)
        cursor = films["pageInfo"]["endCursor"]
    page_40 = await page(api, first=10, after=cursor)
    expected = await pg.fetch(
        "SELECT film_id FROM film ORDER BY title, film_id OFFSET 390 LIMIT 10"
    )
    assert ids(page_40) == [r["film_id"] for r in expected]
    assert page_40["pageInfo"]["hasPreviousPage"] and page_40["pageInfo"]["hasNextPage"]


async def test_walking_forward_visits_every_film_once_in_title_order(
    api: Api, pg: asyncpg.Connection
) -> None:
    seen: list[int] = []
    cursor = None
    while True:
        films = await page(api, first=100, after=cursor)
        seen += ids(films)
        if not films["pageInfo"]["hasNextPage"]:
            break
        cursor = films["pageInfo"]["endCursor"]
    expected = await pg.fetch("SELECT film_id FROM film ORDER BY title, film_id")
    assert seen == [r["film_id"] for r in expected]


async def test_backward_pages_mirror_forward_pages(api: Api, pg: asyncpg.Connection) -> None:
    everything = [
        r["film_id"] for r in await pg.fetch("SELECT film_id FROM film ORDER BY title, film_id")
    ]
    last = await page(api, last=7)
    assert ids(last) == everything[-7:]
    assert last["pageInfo"]["hasPreviousPage"] and not last["pageInfo"]["hasNextPage"]
    before = await page(api, last=7, before=last["pageInfo"]["startCursor"])
    assert ids(before) == everything[-14:-7]
    assert before["pageInfo"]["hasNextPage"] and before["pageInfo"]["hasPreviousPage"]

    forward = await page(api, first=5)
    assert ids(forward) == everything[:5]
    assert not forward["pageInfo"]["hasPreviousPage"]
    # backward from the 5th film: the 4 before it
    back = await page(api, last=10, before=forward["edges"][4]["cursor"])
    assert ids(back) == everything[:4]
    assert not back["pageInfo"]["hasPreviousPage"]


async def test_edges_cursors_match_page_info(api: Api) -> None:
    films = await page(api, first=3)
    cursors = [e["cursor"] for e in films["edges"]]
    assert [e["node"]["filmId"] for e in films["edges"]] == ids(films)
    assert films["pageInfo"]["startCursor"] == cursors[0]
    assert films["pageInfo"]["endCursor"] == cursors[-1]
    after_second = await page(api, first=1, after=cursors[1])
    assert ids(after_second) == [films["edges"][2]["node"]["filmId"]]


ORDERS = {
    "TITLE": "title",
    "RELEASE_YEAR": "release_year",
    "LENGTH": "length",
    "RENTAL_RATE": "rental_rate",
    "REPLACEMENT_COST": "replacement_cost",
    "FILM_ID": None,
}


@pytest.mark.parametrize("direction", ["ASC", "DESC"])
@pytest.mark.parametrize("field", sorted(ORDERS))
async def test_every_film_ordering_is_stable_across_pages(
    api: Api, pg: asyncpg.Connection, field: str, direction: str
) -> None:
    column = ORDERS[field]
    keys = f"{column} {direction}, film_id {direction}" if column else f"film_id {direction}"
    expected = [
        r["film_id"] for r in await pg.fetch(f"SELECT film_id FROM film ORDER BY {keys} LIMIT 45")
    ]
    order = {"field": field, "direction": direction}
    got: list[int] = []
    cursor = None
    for _ in range(3):  # three pages of 15: ties (rates, years) straddle page borders
        films = await page(api, first=15, after=cursor, order=order)
        got += ids(films)
        cursor = films["pageInfo"]["endCursor"]
    assert got == expected


async def test_empty_page(api: Api) -> None:
    data = await api.data(
        '{ films(filter: {titleContains: "no such title"}) { totalCount nodes { title } '
        "pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }"
    )
    assert data["films"] == {
        "totalCount": 0,
        "nodes": [],
        "pageInfo": {
            "hasNextPage": False,
            "hasPreviousPage": False,
            "startCursor": None,
            "endCursor": None,
        },
    }


async def test_default_page_size_is_the_setting(api: Api) -> None:
    films = await page(api)
    assert len(ids(films)) == 20


@pytest.mark.parametrize(
    ("arguments", "field", "message"),
    [
        ("first: 101", "first", "at most 100"),
        ("last: 101", "last", "at most 100"),
        ("first: -1", "first", "negative"),
        ("first: 1, last: 1", "last", "not both"),
        ('after: "not a cursor"', "after", "not a cursor"),
        ('before: "eyJ4Ijox"', "before", "not a cursor"),
    ],
)
async def test_bad_page_arguments_are_typed_errors_before_any_sql(
    api: Api, sql_counter: StatementCounter, arguments: str, field: str, message: str
) -> None:
    body = await api(f"{{ films({arguments}) {{ nodes {{ title }} }} }}", expect_errors=True)
    error = body["errors"][0]  # type: ignore[index]
    assert error["extensions"] == {"code": "INVALID_INPUT", "field": field}
    assert message in error["message"]
    assert sql_counter.count == 0


async def test_a_cursor_of_another_ordering_is_refused(api: Api) -> None:
    by_title = await page(api, first=1)
    cursor = by_title["pageInfo"]["endCursor"]
    body = await api(
        PAGE, {"first": 1, "after": cursor, "order": {"field": "LENGTH"}}, expect_errors=True
    )
    error = body["errors"][0]  # type: ignore[index]
    assert error["extensions"] == {"code": "INVALID_INPUT", "field": "after"}
    assert "another ordering" in error["message"]


async def test_nested_connection_pages_forward_and_backward(
    api: Api, pg: asyncpg.Connection
) -> None:
    query = """query($after: String, $last: Int, $before: String, $first: Int) {
      film(filmId: 1) { actors(first: $first, after: $after, last: $last, before: $before) {
        totalCount nodes { actorId } pageInfo { endCursor startCursor hasNextPage } } } }"""
    cast = [
        r["actor_id"]
        for r in await pg.fetch(
            "SELECT a.actor_id FROM actor a JOIN film_actor fa USING (actor_id) "
            "WHERE fa.film_id = 1 ORDER BY a.last_name, a.first_name, a.actor_id"
        )
    ]
    first = (await api.data(query, {"first": 3}))["film"]["actors"]  # type: ignore[index]
    rest = (await api.data(query, {"first": 50, "after": first["pageInfo"]["endCursor"]}))["film"][
        "actors"
    ]  # type: ignore[index]
    assert [n["actorId"] for n in first["nodes"] + rest["nodes"]] == cast
    assert first["totalCount"] == len(cast) and first["pageInfo"]["hasNextPage"]
    last = (await api.data(query, {"last": 2}))["film"]["actors"]  # type: ignore[index]
    assert [n["actorId"] for n in last["nodes"]] == cast[-2:]
