"""Statements compiled once and run on the unit's asyncpg connection (decision 0171): the same
rows as through SQLAlchemy, inside the unit's transaction (locks held, nothing kept without a
commit), errors as SQLAlchemy raises them, a lost connection reported as unavailable and
replaced, every statement counted."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import asyncpg
import pytest
from sqlalchemy import event, exc, select

from domain.errors import NotInStock
from persistence.db import (
    Database,
    StatementCounter,
    create_engine,
    is_unavailable,
    refused_by_server,
)
from persistence.models import Rental
from persistence.unit_of_work import SqlAlchemyUnitOfWork
from tests.conftest import pagila_database


@pytest.fixture(scope="module")
async def url(server_url: str) -> AsyncIterator[str]:
    async with pagila_database(server_url, "pagila_prepared") as found:
        yield found


@pytest.fixture
async def db(url: str) -> AsyncIterator[Database]:
    database = Database(create_engine(url, pool_size=2, max_overflow=0))
    try:
        yield database
    finally:
        await database.dispose()


async def _free_copy(sql: asyncpg.Connection) -> tuple[int, int, int]:
    """(copy in stock, an active customer, a staff member) of one store."""
    row = await sql.fetchrow(
        "SELECT i.inventory_id, (SELECT min(customer_id) FROM customer c WHERE c.activebool), "
        "(SELECT min(staff_id) FROM staff) FROM inventory i WHERE NOT EXISTS (SELECT 1 FROM "
        "rental r WHERE r.inventory_id = i.inventory_id AND r.return_date IS NULL) "
        "ORDER BY random() LIMIT 1"
    )
    assert row is not None
    return row[0], row[1], row[2]


async def test_rows_equal_sqlalchemys(db: Database, url: str) -> None:
    """The counter's and the listings' statements read the same rows on the driver as through
    SQLAlchemy (a unit bound to a connection runs every statement through it)."""
    sql = await asyncpg.connect(url)
    try:
        ids = [
            r[0] for r in await sql.fetch("SELECT rental_id FROM rental ORDER BY random() LIMIT 5")
        ]
    finally:
        await sql.close()
    async with SqlAlchemyUnitOfWork(db, read_only=True) as uow:
        driven = [await uow.rental_writes.get(i) for i in ids]
        facts = await uow.rentals.get_many(ids)
        payments = await uow.payments.get_many(list(range(1, 40)))
    async with db.engine.connect() as connection:
        bound = Database(db.engine, bind=connection)
        async with SqlAlchemyUnitOfWork(bound, read_only=True) as uow:
            assert uow._runner is not None
            assert await uow._runner.connection.driver() is None  # the SQLAlchemy path
            assert [await uow.rental_writes.get(i) for i in ids] == driven
            assert await uow.rentals.get_many(ids) == facts
            assert await uow.payments.get_many(list(range(1, 40))) == payments
    assert all(r is not None for r in driven) and len(facts) == 5


async def test_writes_are_the_units_transaction(db: Database, url: str) -> None:
    """BEGIN is sent before the first statement: a locked copy stays locked until the unit
    ends, a row written without a commit is gone, a committed one stays."""
    sql = await asyncpg.connect(url)
    try:
        copy, customer, staff = await _free_copy(sql)
        count = "SELECT count(*) FROM rental WHERE inventory_id = $1"
        before = await sql.fetchval(count, copy)
        async with SqlAlchemyUnitOfWork(db) as uow:
            locked = await uow.rental_writes.lock_copy_for_rent(copy)
            assert locked is not None and not locked.rented_out
            with pytest.raises(asyncpg.LockNotAvailableError):
                await sql.execute(
                    "SELECT 1 FROM inventory WHERE inventory_id = $1 FOR UPDATE NOWAIT", copy
                )
            await uow.rental_writes.add(
                customer_id=customer, inventory_id=copy, staff_id=staff, rented_at=_now()
            )
        assert await sql.fetchval(count, copy) == before  # not committed: rolled back
        async with SqlAlchemyUnitOfWork(db) as uow:
            added = await uow.rental_writes.add(
                customer_id=customer, inventory_id=copy, staff_id=staff, rented_at=_now()
            )
            await uow.commit()
        assert await sql.fetchval(count, copy) == before + 1
        # a second open rental of the copy: the unique index's violation, translated as
        # SQLAlchemy translates it, is the repository's NOT_IN_STOCK
        async with SqlAlchemyUnitOfWork(db) as uow:
            with pytest.raises(NotInStock):
                await uow.rental_writes.add(
                    customer_id=customer, inventory_id=copy, staff_id=staff, rented_at=_now()
                )
        async with SqlAlchemyUnitOfWork(db) as uow:
            returned = await uow.rental_writes.mark_returned(added.rental_id, _now())
            await uow.commit()
        assert returned.returned_at is not None
    finally:
        await sql.close()


async def test_a_lost_connection_is_unavailable_and_replaced(db: Database, url: str) -> None:
    sql = await asyncpg.connect(url)
    try:
        async with SqlAlchemyUnitOfWork(db, read_only=True) as uow:
            assert await uow.rental_writes.get(1) is not None
            assert uow._runner is not None
            driver = await uow._runner.connection.driver()
            pid = await driver.fetchval("SELECT pg_backend_pid()")
            assert await sql.fetchval("SELECT pg_terminate_backend($1)", pid)
            with pytest.raises(Exception) as failed:
                await uow.rental_writes.get(1)
            assert is_unavailable(failed.value)
            # no transaction was lost: the unit's next statement runs on a new connection
            assert await uow.rental_writes.get(1) is not None
        with StatementCounter(db.engine) as counter:
            async with SqlAlchemyUnitOfWork(db, read_only=True) as uow:
                assert await uow.rental_writes.get(1) is not None
        assert len(counter.statements) == 1  # counted, on a fresh connection
    finally:
        await sql.close()


async def test_a_unit_of_prepared_statements_takes_no_sqlalchemy_connection(
    db: Database, url: str
) -> None:
    """A unit whose statements are all `Prepared` runs on the pooled connection alone
    (decision 0175); a Core statement after them wraps that same connection, inside the same
    transaction: it sees the unit's uncommitted row, and the unit's end commits or rolls back
    both."""
    connects: list[object] = []

    def connected(connection: object) -> None:
        connects.append(connection)

    event.listen(db.engine.sync_engine, "engine_connect", connected)
    sql = await asyncpg.connect(url)
    try:
        copy, customer, staff = await _free_copy(sql)
        count = "SELECT count(*) FROM rental WHERE inventory_id = $1"
        before = await sql.fetchval(count, copy)
        async with SqlAlchemyUnitOfWork(db, read_only=True) as uow:
            assert await uow.rental_writes.get(1) is not None
            assert uow._runner is not None
            driver = await uow._runner.connection.driver()
            assert not driver.is_in_transaction()  # a read-only unit: autocommit, no BEGIN
        async with SqlAlchemyUnitOfWork(db) as uow:
            locked = await uow.rental_writes.lock_copy_for_rent(copy)
            assert locked is not None and not locked.rented_out
            added = await uow.rental_writes.add(
                customer_id=customer, inventory_id=copy, staff_id=staff, rented_at=_now()
            )
            await uow.commit()
        assert connects == []  # no SQLAlchemy `Connection` was built
        assert await sql.fetchval(count, copy) == before + 1
        seen = select(Rental.rental_id).where(Rental.inventory_id == copy)
        for commit in (False, True):
            async with SqlAlchemyUnitOfWork(db) as uow:
                returned = await uow.rental_writes.mark_returned(added.rental_id, _now())
                again = await uow.rental_writes.add(
                    customer_id=customer, inventory_id=copy, staff_id=staff, rented_at=_now()
                )
                assert uow._runner is not None
                rows = await uow._runner.all(seen)  # through SQLAlchemy: the same transaction
                assert again.rental_id in {r[0] for r in rows}
                if commit:
                    await uow.commit()
            assert len(connects) == 1 + commit
            stored = await sql.fetchval(count, copy)
            assert stored == (before + 2 if commit else before + 1)
        assert returned.returned_at is not None
        async with SqlAlchemyUnitOfWork(db) as uow:  # leave the copy in stock
            await uow.rental_writes.mark_returned(again.rental_id, _now())
            await uow.commit()
    finally:
        event.remove(db.engine.sync_engine, "engine_connect", connected)
        await sql.close()


async def test_a_connection_lost_inside_a_write_goes_no_further(db: Database, url: str) -> None:
    """A write unit's connection lost after its first statement: the failure is "unavailable",
    nothing more runs in that unit (not on a new connection, outside the transaction), and the
    pool (two connections here) serves the next units."""
    sql = await asyncpg.connect(url)
    try:
        copy, _, _ = await _free_copy(sql)
        async with SqlAlchemyUnitOfWork(db) as uow:
            assert await uow.rental_writes.lock_copy_for_rent(copy) is not None
            assert uow._runner is not None
            driver = await uow._runner.connection.driver()
            pid = await driver.fetchval("SELECT pg_backend_pid()")
            assert await sql.fetchval("SELECT pg_terminate_backend($1)", pid)
            with pytest.raises(Exception) as failed:
                await uow.rental_writes.lock_copy_for_rent(copy)
            assert is_unavailable(failed.value)
            with pytest.raises(exc.PendingRollbackError):
                await uow.rental_writes.get(1)
            with pytest.raises(exc.PendingRollbackError):
                await uow._runner.all(select(Rental.rental_id).limit(1))
        for _ in range(3):
            async with SqlAlchemyUnitOfWork(db) as uow:
                assert await uow.rental_writes.lock_copy_for_rent(copy) is not None
    finally:
        await sql.close()


async def test_a_commit_the_server_refuses_is_sqlalchemys_error(db: Database) -> None:
    """COMMIT refused by the server (a deferred unique constraint) is raised as SQLAlchemy
    raises it: nothing saved, and the connection serves the next unit."""
    async with SqlAlchemyUnitOfWork(db) as uow:
        assert uow._runner is not None
        driver = await uow._runner.connection.driver()
        await driver.execute(
            "CREATE TEMP TABLE pair (a int UNIQUE DEFERRABLE INITIALLY DEFERRED) ON COMMIT DROP;"
            "INSERT INTO pair VALUES (1), (1)"
        )
        with pytest.raises(exc.IntegrityError) as failed:
            await uow.commit()
        assert refused_by_server(failed.value)
    for _ in range(3):
        async with SqlAlchemyUnitOfWork(db) as uow:
            assert await uow.rental_writes.get(1) is not None


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
