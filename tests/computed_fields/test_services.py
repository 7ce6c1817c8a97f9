"""The balance and due-date services over the real repositories, against the SQL function
`get_customer_balance` (migration 0005) and SQL date arithmetic on the same data."""

from __future__ import annotations

import datetime as dt

import asyncpg
import pytest

from domain.auth import Principal, Role
from domain.customers.balance import BalanceQuery, BalanceService
from domain.errors import PermissionDenied, Unauthenticated
from domain.rentals.due_dates import DueDateService, RentalPeriod
from persistence.db import Database, StatementCounter
from persistence.unit_of_work import SqlAlchemyUnitOfWork

ADMIN = Principal(user_id=1, role=Role.ADMIN)
AS_OF = [
    dt.datetime(2022, 2, 15, 12, tzinfo=dt.UTC),
    dt.datetime(2022, 6, 1, tzinfo=dt.UTC),
    dt.datetime(2022, 9, 1, tzinfo=dt.UTC),
]


async def test_every_balance_equals_get_customer_balance(
    database: Database, sql: asyncpg.Connection, sql_counter: StatementCounter
) -> None:
    ids = [r["customer_id"] for r in await sql.fetch("SELECT customer_id FROM customer")]
    queries = [BalanceQuery(c, as_of) for c in ids for as_of in AS_OF]
    sql_counter.statements.clear()
    async with SqlAlchemyUnitOfWork(database, read_only=True) as uow:
        balances = await BalanceService(uow, ADMIN).balances(queries)
    assert sql_counter.count == 1  # all customers, all dates: one statement
    expected = await sql.fetch(
        "SELECT c.customer_id, d.as_of, get_customer_balance(c.customer_id, d.as_of) AS balance"
        " FROM customer c CROSS JOIN unnest($1::timestamptz[]) AS d(as_of)",
        AS_OF,
    )
    by_key = {(r["customer_id"], r["as_of"]): r["balance"] for r in expected}
    mismatches = [
        (q, b, by_key[q.customer_id, q.as_of])
        for q, b in zip(queries, balances, strict=True)
        if b != by_key[q.customer_id, q.as_of]
    ]
    assert mismatches == []
    assert len({b for b in balances}) > 50  # not all the same value


async def test_balance_is_customer_data(database: Database, sql: asyncpg.Connection) -> None:
    store_of = dict(
        await sql.fetch("SELECT customer_id, store_id FROM customer WHERE customer_id < 10")
    )
    other_store_customer = next(c for c, s in store_of.items() if s != 1)
    queries = [BalanceQuery(1), BalanceQuery(2), BalanceQuery(other_store_customer)]
    async with SqlAlchemyUnitOfWork(database, read_only=True) as uow:
        with pytest.raises(Unauthenticated):
            await BalanceService(uow, Principal()).balances(queries)
        as_customer = await BalanceService(
            uow, Principal(role=Role.CUSTOMER, customer_id=1)
        ).balances(queries)
        as_staff = await BalanceService(
            uow, Principal(role=Role.STAFF, staff_id=1, store_id=1)
        ).balances(queries)
        unknown = await BalanceService(uow, ADMIN).balances([BalanceQuery(999_999)])
    assert not isinstance(as_customer[0], PermissionDenied)
    assert isinstance(as_customer[1], PermissionDenied)
    assert [isinstance(b, PermissionDenied) for b in as_staff] == [
        store_of[1] != 1,
        store_of[2] != 1,
        True,
    ]
    assert unknown == [None]


async def test_due_dates_and_overdue(database: Database, sql: asyncpg.Connection) -> None:
    rows = await sql.fetch(
        """
        WITH due AS (
            SELECT r.rental_id, r.inventory_id, r.rental_date, r.return_date,
                   r.rental_date + f.rental_duration * interval '1 day' AS due
            FROM rental r JOIN inventory i USING (inventory_id) JOIN film f USING (film_id)
        )
        SELECT *, (return_date IS NULL AND now() > due) AS overdue FROM (
            (SELECT * FROM due WHERE return_date IS NULL ORDER BY rental_id LIMIT 50)
            UNION ALL
            (SELECT * FROM due WHERE return_date IS NOT NULL ORDER BY rental_id LIMIT 50)
        ) picked
        """
    )
    periods = [RentalPeriod(r["inventory_id"], r["rental_date"], r["return_date"]) for r in rows]
    async with SqlAlchemyUnitOfWork(database, read_only=True) as uow:
        due = await DueDateService(uow).due(periods)
    assert [d.due_date for d in due] == [r["due"] for r in rows]
    assert [d.is_overdue for d in due] == [r["overdue"] for r in rows]
    assert any(d.is_overdue for d in due) and not all(d.is_overdue for d in due)
