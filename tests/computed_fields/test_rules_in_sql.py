"""The billing rule (domain/rentals/billing.py) has one source; the compiled read path states it
in SQL (persistence/repositories/balance.py). These tests tie the two together over every
customer and every rental of Pagila, at moments drawn at random (a seeded generator: times of
day with microseconds, around the data's months and after them), and tie both to Pagila's own
`get_customer_balance`."""

from __future__ import annotations

import datetime as dt
import random

import asyncpg
from sqlalchemy import Integer, column, literal, select, table
from sqlalchemy.dialects.postgresql import TIMESTAMP

from domain.auth import Principal, Role
from domain.customers.balance import BalanceQuery, BalanceService
from domain.rentals import billing
from persistence.db import Database
from persistence.repositories import balance as billing_sql
from persistence.unit_of_work import SqlAlchemyUnitOfWork

ADMIN = Principal(user_id=1, role=Role.ADMIN)


def moments(seed: int, n: int) -> list[dt.datetime]:
    rng = random.Random(seed)
    start = dt.datetime(2022, 1, 20, tzinfo=dt.UTC)
    return [
        start
        + dt.timedelta(seconds=rng.randrange(0, 400 * 86400), microseconds=rng.randrange(10**6))
        for _ in range(n)
    ]


async def test_balance_in_sql_equals_the_rule_and_get_customer_balance(
    database: Database, sql: asyncpg.Connection
) -> None:
    as_of = moments(20261204, 6)
    ids = [r["customer_id"] for r in await sql.fetch("SELECT customer_id FROM customer")]
    async with SqlAlchemyUnitOfWork(database, read_only=True) as uow:
        python = await BalanceService(uow, ADMIN).balances(
            [BalanceQuery(c, a) for a in as_of for c in ids]
        )
    customer = table("customer", column("customer_id", Integer))
    customer_id = customer.c.customer_id
    found: list[object] = []
    async with database.engine.connect() as conn:
        for moment in as_of:
            statement = (
                select(customer_id, billing_sql.balance(customer_id, moment))
                .select_from(customer)
                .order_by(customer_id)
            )
            by_id = dict((await conn.execute(statement)).all())
            found += [by_id[c] for c in ids]
    pagila = await sql.fetch(
        "SELECT get_customer_balance(c, d) AS balance FROM unnest($2::timestamptz[])"
        " WITH ORDINALITY AS m(d, n) CROSS JOIN unnest($1::int[]) WITH ORDINALITY AS k(c, o)"
        " ORDER BY m.n, k.o",
        ids,
        as_of,
    )
    assert len(found) == len(python) == len(pagila) == len(ids) * len(as_of)
    assert [str(b) for b in found] == [str(b) for b in python]  # printed alike, too
    assert python == [r["balance"] for r in pagila]
    assert len(set(python)) > 50  # not all the same value


async def test_due_dates_in_sql_equal_the_rule(database: Database, sql: asyncpg.Connection) -> None:
    rows = await sql.fetch(
        "SELECT r.rental_id, r.rental_date, r.return_date, f.film_id, f.rental_duration"
        " FROM rental r JOIN inventory USING (inventory_id) JOIN film f USING (film_id)"
        " ORDER BY r.rental_id"
    )
    rental = table(
        "rental",
        column("rental_id", Integer),
        column("rental_date", TIMESTAMP(timezone=True)),
        column("return_date", TIMESTAMP(timezone=True)),
        column("inventory_id", Integer),
    )
    inventory = table("inventory", column("inventory_id", Integer), column("film_id", Integer))
    film_id = inventory.c.film_id
    async with database.engine.connect() as conn:
        for now in moments(7, 4):
            duration = billing_sql.rental_duration_of(film_id)
            at = literal(now, TIMESTAMP(timezone=True))
            statement = (
                select(
                    rental.c.rental_id,
                    billing_sql.due_date(rental.c.rental_date, duration),
                    billing_sql.is_overdue(
                        rental.c.rental_date, rental.c.return_date, duration, at
                    ),
                )
                .select_from(
                    rental.join(inventory, inventory.c.inventory_id == rental.c.inventory_id)
                )
                .order_by(rental.c.rental_id)
            )
            found = (await conn.execute(statement)).all()
            expected = [
                (
                    r["rental_id"],
                    billing.due_date(r["rental_date"], r["rental_duration"]),
                    billing.is_overdue(
                        r["rental_date"], r["return_date"], r["rental_duration"], now
                    ),
                )
                for r in rows
            ]
            assert [tuple(f) for f in found] == expected
            overdue = [e[2] for e in expected]
            assert any(overdue) and not all(overdue)
