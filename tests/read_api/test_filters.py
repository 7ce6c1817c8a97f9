"""Every typed filter, compared with the same criteria written as plain SQL."""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest
from sqlalchemy import text

from persistence.db import Database
from tests.read_api.conftest import ADMIN, Api

FILMS = """query($filter: FilmFilter) {
  films(filter: $filter, first: 100) { totalCount nodes { filmId } }
}"""


async def film_ids(api: Api, film_filter: dict[str, Any]) -> tuple[int, list[int]]:
    data = await api.data(FILMS, {"filter": film_filter})
    films = data["films"]
    return films["totalCount"], [n["filmId"] for n in films["nodes"]]  # type: ignore[index]


async def sql_ids(pg: asyncpg.Connection, where: str, *args: object) -> tuple[int, list[int]]:
    rows = await pg.fetch(
        f"SELECT film_id FROM film f WHERE {where} ORDER BY title, film_id", *args
    )
    return len(rows), [r["film_id"] for r in rows[:100]]


FILM_CASES: list[tuple[dict[str, Any], str, tuple[object, ...]]] = [
    ({"titleContains": "dino"}, "title ILIKE '%dino%'", ()),
    ({"titleContains": "100%"}, "false", ()),  # LIKE wildcards are taken literally
    (
        {"categoryIds": [1, 5]},
        "film_id IN (SELECT film_id FROM film_category WHERE category_id IN (1, 5))",
        (),
    ),
    ({"actorIds": [1]}, "film_id IN (SELECT film_id FROM film_actor WHERE actor_id = 1)", ()),
    ({"ratings": ["PG", "G"]}, "rating IN ('PG', 'G')", ()),
    ({"releaseYear": 2010}, "release_year = 2010", ()),
    ({"languageIds": [2, 3]}, "language_id IN (2, 3)", ()),
    ({"length": {"min": 60, "max": 90}}, "length BETWEEN 60 AND 90", ()),
    ({"length": {"min": 180}}, "length >= 180", ()),
    ({"rentalRate": {"max": "0.99"}}, "rental_rate <= 0.99", ()),
    ({"rentalRate": {"min": "2.99", "max": "2.99"}}, "rental_rate = 2.99", ()),
    ({"streamingAvailable": False}, "NOT streaming_available", ()),
    (
        {"inStockAtStore": 2},
        "EXISTS (SELECT 1 FROM inventory i WHERE i.film_id = f.film_id AND i.store_id = 2 "
        "AND NOT EXISTS (SELECT 1 FROM rental r WHERE r.inventory_id = i.inventory_id "
        "AND r.return_date IS NULL))",
        (),
    ),
    (
        {"ratings": ["R"], "length": {"max": 100}, "categoryIds": [6]},
        "rating = 'R' AND length <= 100 AND film_id IN "
        "(SELECT film_id FROM film_category WHERE category_id = 6)",
        (),
    ),
]


@pytest.mark.parametrize(("film_filter", "where", "args"), FILM_CASES)
async def test_film_filters(
    api: Api,
    pg: asyncpg.Connection,
    film_filter: dict[str, Any],
    where: str,
    args: tuple[object, ...],
) -> None:
    assert await film_ids(api, film_filter) == await sql_ids(pg, where, *args)


async def test_fulltext_search_is_ranked(api: Api, pg: asyncpg.Connection) -> None:
    query = "drama teacher"
    data = await api.data(
        "query($q: String) { films(filter: {fulltext: $q}, first: 100) "
        "{ totalCount nodes { filmId } } }",
        {"q": query},
    )
    expected = await pg.fetch(
        "SELECT film_id FROM film, websearch_to_tsquery('english', $1) q WHERE fulltext @@ q "
        "ORDER BY ts_rank(fulltext, q) DESC, film_id DESC",
        query,
    )
    assert data["films"]["totalCount"] == len(expected) > 0  # type: ignore[index]
    assert [n["filmId"] for n in data["films"]["nodes"]] == [r["film_id"] for r in expected][:100]  # type: ignore[index]


async def test_relevance_order_needs_a_search(api: Api) -> None:
    body = await api(
        "{ films(orderBy: {field: RELEVANCE}) { nodes { title } } }", expect_errors=True
    )
    assert body["errors"][0]["extensions"]["code"] == "INVALID_INPUT"  # type: ignore[index]


async def test_streaming_available_filter(isolated_api: Api, isolated_database: Database) -> None:
    async with isolated_database.session() as session:
        await session.execute(
            text("UPDATE film SET streaming_available = true WHERE film_id IN (3, 30, 300)")
        )
        await session.commit()
    total, ids = await film_ids(isolated_api, {"streamingAvailable": True})
    async with isolated_database.session() as session:
        expected = (
            (
                await session.execute(
                    text(
                        "SELECT film_id FROM film WHERE streaming_available ORDER BY title, film_id"
                    )
                )
            )
            .scalars()
            .all()
        )
    assert (total, ids) == (3, list(expected))


async def test_actor_filter(api: Api, pg: asyncpg.Connection) -> None:
    data = await api.data(
        '{ actors(filter: {nameContains: "john"}, first: 100) { nodes { actorId } } }'
    )
    expected = await pg.fetch(
        "SELECT actor_id FROM actor WHERE first_name || ' ' || last_name ILIKE '%john%' "
        "ORDER BY last_name, first_name, actor_id"
    )
    assert [n["actorId"] for n in data["actors"]["nodes"]] == [r["actor_id"] for r in expected]  # type: ignore[index]


CUSTOMERS = """query($filter: CustomerFilter, $order: CustomerOrder) {
  customers(filter: $filter, orderBy: $order, first: 100) { totalCount nodes { customerId } }
}"""


async def test_inactive_customers(isolated_api: Api, isolated_database: Database) -> None:
    async with isolated_database.session() as session:
        await session.execute(
            text("UPDATE customer SET activebool = false WHERE customer_id IN (4, 44)")
        )
        await session.commit()
    data = await isolated_api.data(CUSTOMERS, {"filter": {"active": False}}, as_=ADMIN)
    got = [n["customerId"] for n in data["customers"]["nodes"]]  # type: ignore[index]
    async with isolated_database.session() as session:
        expected = (
            (
                await session.execute(
                    text(
                        "SELECT customer_id FROM customer WHERE NOT activebool "
                        "ORDER BY last_name, first_name, customer_id"
                    )
                )
            )
            .scalars()
            .all()
        )
    assert got == list(expected) and len(got) == 2


CUSTOMER_CASES: list[tuple[dict[str, Any], str]] = [
    ({"nameContains": "mar"}, "first_name || ' ' || last_name ILIKE '%mar%'"),
    ({"emailContains": "SMITH"}, "email ILIKE '%smith%'"),
    ({"storeId": 2}, "store_id = 2"),
    ({"active": True}, "activebool"),
    (
        {"storeId": 1, "active": True, "nameContains": "an"},
        "store_id = 1 AND activebool AND first_name || ' ' || last_name ILIKE '%an%'",
    ),
]


@pytest.mark.parametrize(("customer_filter", "where"), CUSTOMER_CASES)
async def test_customer_filters(
    api: Api, pg: asyncpg.Connection, customer_filter: dict[str, Any], where: str
) -> None:
    data = await api.data(CUSTOMERS, {"filter": customer_filter}, as_=ADMIN)
    rows = await pg.fetch(
        f"SELECT customer_id FROM customer WHERE {where} "
        "ORDER BY last_name, first_name, customer_id"
    )
    assert data["customers"]["totalCount"] == len(rows) > 0  # type: ignore[index]
    got = [n["customerId"] for n in data["customers"]["nodes"]]  # type: ignore[index]
    assert got == [r["customer_id"] for r in rows][:100]


@pytest.mark.parametrize(
    ("field", "direction", "order"),
    [
        ("EMAIL", "DESC", "email DESC, customer_id DESC"),
        ("CREATE_DATE", "ASC", "create_date, customer_id"),
        ("CUSTOMER_ID", "DESC", "customer_id DESC"),
    ],
)
async def test_customer_orderings(
    api: Api, pg: asyncpg.Connection, field: str, direction: str, order: str
) -> None:
    variables = {"order": {"field": field, "direction": direction}}
    data = await api.data(CUSTOMERS, variables, as_=ADMIN)
    rows = await pg.fetch(f"SELECT customer_id FROM customer ORDER BY {order} LIMIT 100")
    assert [n["customerId"] for n in data["customers"]["nodes"]] == [r["customer_id"] for r in rows]  # type: ignore[index]


RENTALS = """query($filter: RentalFilter, $order: RentalOrder) {
  rentals(filter: $filter, orderBy: $order, first: 100) { totalCount nodes { rentalId } }
}"""

RENTAL_CASES: list[tuple[dict[str, Any], str]] = [
    ({"customerId": 5}, "r.customer_id = 5"),
    (
        {
            "storeId": 2,
            "rented": {"from": "2022-05-01T00:00:00+00:00", "to": "2022-05-26T00:00:00+00:00"},
        },
        "i.store_id = 2 AND r.rental_date >= '2022-05-01 00:00+00' "
        "AND r.rental_date < '2022-05-26 00:00+00'",
    ),
    ({"status": "RETURNED", "customerId": 1}, "r.return_date IS NOT NULL AND r.customer_id = 1"),
    ({"status": "OUTSTANDING"}, "r.return_date IS NULL"),
    (
        {"status": "OVERDUE"},
        "r.return_date IS NULL AND r.rental_date + f.rental_duration * interval '1 day' < now()",
    ),
]


@pytest.mark.parametrize(("rental_filter", "where"), RENTAL_CASES)
async def test_rental_filters(
    api: Api, pg: asyncpg.Connection, rental_filter: dict[str, Any], where: str
) -> None:
    data = await api.data(RENTALS, {"filter": rental_filter}, as_=ADMIN)
    rows = await pg.fetch(
        "SELECT r.rental_id FROM rental r JOIN inventory i USING (inventory_id) "
        f"JOIN film f USING (film_id) WHERE {where} ORDER BY r.rental_date DESC, r.rental_id DESC"
    )
    assert data["rentals"]["totalCount"] == len(rows) > 0  # type: ignore[index]
    assert [n["rentalId"] for n in data["rentals"]["nodes"]] == [r["rental_id"] for r in rows][:100]  # type: ignore[index]


async def test_rentals_by_return_date_put_outstanding_last(
    api: Api, pg: asyncpg.Connection
) -> None:
    # a customer with rentals still out, paged 3 at a time across the returned/out border
    who = await pg.fetchval("SELECT min(customer_id) FROM rental WHERE return_date IS NULL")
    query = """query($filter: RentalFilter, $after: String) {
      rentals(filter: $filter, after: $after, first: 3,
              orderBy: {field: RETURN_DATE, direction: ASC}) {
        nodes { rentalId } pageInfo { hasNextPage endCursor } } }"""
    got: list[int] = []
    cursor = None
    while True:
        page = await api.data(query, {"filter": {"customerId": who}, "after": cursor}, as_=ADMIN)
        got += [n["rentalId"] for n in page["rentals"]["nodes"]]  # type: ignore[index]
        if not page["rentals"]["pageInfo"]["hasNextPage"]:  # type: ignore[index]
            break
        cursor = page["rentals"]["pageInfo"]["endCursor"]  # type: ignore[index]
    rows = await pg.fetch(
        "SELECT rental_id FROM rental WHERE customer_id = $1 "
        "ORDER BY return_date ASC NULLS LAST, rental_id",
        who,
    )
    assert got == [r["rental_id"] for r in rows]
    outstanding = await pg.fetchval(
        "SELECT count(*) FROM rental WHERE customer_id = $1 AND return_date IS NULL", who
    )
    assert outstanding > 0 and len(got) > 3


async def test_a_date_range_without_time_zone_is_refused(api: Api) -> None:
    body = await api(
        '{ rentals(filter: {rented: {from: "2022-05-01T00:00:00"}}) { totalCount } }',
        as_=ADMIN,
        expect_errors=True,
    )
    assert body["errors"][0]["extensions"]["code"] == "INVALID_INPUT"  # type: ignore[index]


@pytest.mark.parametrize(
    ("payment_filter", "where"),
    [
        ({"customerId": 7}, "customer_id = 7"),
        (
            {"paid": {"from": "2022-03-01T00:00:00+00:00", "to": "2022-03-02T00:00:00+00:00"}},
            "payment_date >= '2022-03-01 00:00+00' AND payment_date < '2022-03-02 00:00+00'",
        ),
    ],
)
async def test_payment_filters(
    api: Api, pg: asyncpg.Connection, payment_filter: dict[str, Any], where: str
) -> None:
    data = await api.data(
        "query($filter: PaymentFilter) { payments(filter: $filter, first: 100, "
        "orderBy: {field: AMOUNT, direction: DESC}) { totalCount nodes { paymentId } } }",
        {"filter": payment_filter},
        as_=ADMIN,
    )
    rows = await pg.fetch(
        f"SELECT payment_id FROM payment WHERE {where} ORDER BY amount DESC, payment_id DESC"
    )
    assert data["payments"]["totalCount"] == len(rows) > 0  # type: ignore[index]
    assert [n["paymentId"] for n in data["payments"]["nodes"]] == [r["payment_id"] for r in rows][
        :100
    ]  # type: ignore[index]
