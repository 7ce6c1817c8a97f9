"""The write guarantees, against real PostgreSQL with real commits:

* concurrency: 64 concurrent rentFilm calls for one available copy → exactly one rental;
* atomicity: a fault injected after the first write of a mutation leaves the database unchanged;
* idempotency: the same key twice (or concurrently) → the first result, one row.
"""

from __future__ import annotations

import asyncio
from collections import Counter as Tally
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import asyncpg
import httpx
import pytest

from config.settings import Settings
from domain.auth import Principal, Role
from domain.rentals.counter import RecordPayment, RentFilm, RentingService
from pagila_graph.app import create_app
from persistence.db import Database, create_engine
from persistence.unit_of_work import SqlAlchemyUnitOfWork
from tests.mutations.fixtures import counter_with_copies, new_customer
from tests.mutations.support import Caller, HeaderAuthenticator, staff

RENTAL = "rental { rentalId inventory { inventoryId } }"
PAYMENT = "payment { paymentId amount rental { rentalId } }"
CALLS = 64
#: Connections the app may hold at once; PostgreSQL here allows 100 clients in all, shared with
#: other test runs, so 64 calls race on 32 connections (each call is its own transaction).
POOL = 32


@pytest.fixture(scope="module")
async def racing_client(
    write_settings: Settings, write_url: str
) -> AsyncIterator[httpx.AsyncClient]:
    database = Database(create_engine(write_url, pool_size=POOL, max_overflow=0))
    app = create_app(write_settings, database, HeaderAuthenticator())
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield http
    finally:
        await database.dispose()


@pytest.mark.parametrize("by", ["filmId", "inventoryId"])
async def test_64_concurrent_rentals_of_the_last_copy_rent_it_once(
    racing_client: httpx.AsyncClient, sql: asyncpg.Connection, by: str
) -> None:
    counter = await counter_with_copies(sql, copies=1)
    customers = [await new_customer(sql, counter.store_id) for _ in range(CALLS)]
    target = counter.film_id if by == "filmId" else counter.inventory_ids[0]
    call = Caller(racing_client)
    who = staff(counter.staff_id, counter.store_id)

    payloads = await asyncio.gather(
        *(
            call.mutate(
                "rentFilm",
                RENTAL,
                {"customerId": customer, "storeId": counter.store_id, by: target},
                who=who,
            )
            for customer in customers
        )
    )

    outcomes = Tally(
        "rented" if p["rental"] else "+".join(e["__typename"] for e in p["errors"])
        for p in payloads
    )
    assert outcomes == {"rented": 1, "NotInStockError": CALLS - 1}
    assert all(p["errors"][0]["code"] == "NOT_IN_STOCK" for p in payloads if not p["rental"])
    rows = await sql.fetch(
        "SELECT rental_id, customer_id, return_date FROM rental WHERE inventory_id = $1",
        counter.inventory_ids[0],
    )
    winner = next(p["rental"] for p in payloads if p["rental"])
    assert [(r["rental_id"], r["return_date"]) for r in rows] == [(winner["rentalId"], None)]


# --- atomicity -----------------------------------------------------------------------------


class InjectedFault(RuntimeError):
    pass


class FailAfter:
    """Wraps a repository: `method` runs for real, then the fault is raised."""

    def __init__(self, inner: Any, method: str) -> None:
        self._inner = inner
        self._method = method

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._inner, name)
        if name != self._method:
            return attribute

        async def then_fail(*args: Any, **kwargs: Any) -> Any:
            await attribute(*args, **kwargs)
            raise InjectedFault(f"after {name}")

        return then_fail


class FaultyUnitOfWork(SqlAlchemyUnitOfWork):
    """The real unit of work whose `repository` (made on first use) fails after `method`."""

    def __init__(self, database: Database, repository: str, method: str) -> None:
        super().__init__(database)
        self._fault = (repository, method)

    def __getattribute__(self, name: str) -> Any:
        value = super().__getattribute__(name)
        fault: tuple[str, str] | None = object.__getattribute__(self, "__dict__").get("_fault")
        if fault is not None and name == fault[0]:
            return FailAfter(value, fault[1])
        return value


async def _footprint(sql: asyncpg.Connection, customer: int) -> tuple[int, ...]:
    row = await sql.fetchrow(
        "SELECT (SELECT count(*) FROM rental WHERE customer_id = $1),"
        " (SELECT count(*) FROM payment WHERE customer_id = $1),"
        " (SELECT count(*) FROM idempotency_key),"
        " (SELECT count(*) FROM rental WHERE return_date IS NULL)",
        customer,
    )
    assert row is not None
    return tuple(row)


async def test_a_fault_after_the_first_write_leaves_the_database_unchanged(
    write_database: Database, sql: asyncpg.Connection
) -> None:
    counter = await counter_with_copies(sql, copies=1)
    customer = await new_customer(sql, counter.store_id)
    clerk = Principal(role=Role.STAFF, staff_id=counter.staff_id, store_id=counter.store_id)
    before = await _footprint(sql, customer)

    # rentFilm: the idempotency key is claimed (1st write), the rental inserted (2nd), then boom
    rent = RentFilm(
        customer_id=customer,
        store_id=counter.store_id,
        film_id=counter.film_id,
        idempotency_key="atomic-rent",
    )
    with pytest.raises(InjectedFault):
        await RentingService(FaultyUnitOfWork(write_database, "rental_writes", "add")).rent_film(
            clerk, rent
        )
    assert await _footprint(sql, customer) == before

    # the same mutation without the fault succeeds, and the copy is free for it
    rental = await RentingService(SqlAlchemyUnitOfWork(write_database)).rent_film(clerk, rent)
    assert rental.inventory_id == counter.inventory_ids[0]
    before = await _footprint(sql, customer)

    # recordPayment: the payment row is written, then the fault hits while storing the key
    pay = RecordPayment(customer_id=customer, amount=Decimal("2.00"), idempotency_key="atomic-pay")
    with pytest.raises(InjectedFault):
        await RentingService(
            FaultyUnitOfWork(write_database, "idempotency", "complete")
        ).record_payment(clerk, pay)
    assert await _footprint(sql, customer) == before

    # returnRental: the return date is set, then the fault hits before the commit
    with pytest.raises(InjectedFault):
        await RentingService(
            FaultyUnitOfWork(write_database, "rental_writes", "mark_returned")
        ).return_rental(clerk, rental.rental_id)
    returned = await sql.fetchval(
        "SELECT return_date FROM rental WHERE rental_id = $1", rental.rental_id
    )
    assert returned is None


async def test_an_unexpected_failure_is_masked_with_the_request_id(
    write_settings: Settings, write_database: Database, sql: asyncpg.Connection
) -> None:
    """The same fault through GraphQL: a generic error naming the request id, nothing else."""
    counter = await counter_with_copies(sql, copies=1)
    customer = await new_customer(sql, counter.store_id)

    app = create_app(write_settings, write_database, HeaderAuthenticator())
    real: property = vars(SqlAlchemyUnitOfWork)["rental_writes"]

    def faulty_rental_writes(self: SqlAlchemyUnitOfWork) -> Any:
        return FailAfter(real.__get__(self), "add")

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(SqlAlchemyUnitOfWork, "rental_writes", property(faulty_rental_writes))
            response = await http.post(
                "/graphql",
                json={
                    "query": "mutation($i: RentFilmInput!) "
                    "{ rentFilm(input: $i) { errors { code } } }",
                    "variables": {
                        "i": {
                            "customerId": customer,
                            "storeId": counter.store_id,
                            "filmId": counter.film_id,
                        }
                    },
                },
                headers={
                    "x-test-principal": staff(counter.staff_id, counter.store_id),
                    "x-request-id": "req-atomic-1",
                },
            )
    body = response.json()
    assert body["data"] is None
    assert body["errors"][0]["message"] == "Internal server error (request id req-atomic-1)."
    assert body["errors"][0]["extensions"] == {
        "code": "INTERNAL_SERVER_ERROR",
        "requestId": "req-atomic-1",
    }
    assert "after add" not in response.text
    assert await sql.fetchval("SELECT count(*) FROM rental WHERE customer_id = $1", customer) == 0


# --- idempotency ---------------------------------------------------------------------------


async def test_same_key_twice_returns_the_first_result_and_writes_once(
    call: Caller, sql: asyncpg.Connection
) -> None:
    counter = await counter_with_copies(sql, copies=2)
    customer = await new_customer(sql, counter.store_id)
    who = staff(counter.staff_id, counter.store_id)
    rent = {
        "customerId": customer,
        "storeId": counter.store_id,
        "filmId": counter.film_id,
        "idempotencyKey": "rent-1",
    }
    first = await call.mutate("rentFilm", RENTAL, rent, who=who)
    second = await call.mutate("rentFilm", RENTAL, rent, who=who)
    assert first["errors"] == [] and second == first
    assert await sql.fetchval("SELECT count(*) FROM rental WHERE customer_id = $1", customer) == 1

    pay = {"customerId": customer, "amount": "4.99", "idempotencyKey": "pay-1"}
    paid = [await call.mutate("recordPayment", PAYMENT, pay, who=who) for _ in range(2)]
    assert paid[0]["errors"] == [] and paid[1] == paid[0]
    assert await sql.fetchval("SELECT count(*) FROM payment WHERE customer_id = $1", customer) == 1

    # the key belongs to this request: reusing it for another one is refused, nothing written
    reused = await call.mutate("recordPayment", PAYMENT, {**pay, "amount": "5.99"}, who=who)
    assert [(e["__typename"], e["field"]) for e in reused["errors"]] == [
        ("ConflictError", "input.idempotencyKey")
    ]
    # another caller's key space is its own
    other = await sql.fetchval(
        "SELECT staff_id FROM staff WHERE store_id = $1 AND staff_id <> $2 LIMIT 1",
        counter.store_id,
        counter.staff_id,
    )
    if other is not None:
        as_other = staff(other, counter.store_id)
        theirs = await call.mutate("recordPayment", PAYMENT, pay, who=as_other)
        assert theirs["errors"] == [] and theirs["payment"] != paid[0]["payment"]
    expected = 2 if other is not None else 1
    assert (
        await sql.fetchval("SELECT count(*) FROM payment WHERE customer_id = $1", customer)
        == expected
    )


async def test_concurrent_retries_with_one_key_write_once(
    racing_client: httpx.AsyncClient, sql: asyncpg.Connection
) -> None:
    counter = await counter_with_copies(sql, copies=1)
    customer = await new_customer(sql, counter.store_id)
    who = staff(counter.staff_id, counter.store_id)
    call = Caller(racing_client)
    await call.mutate(
        "rentFilm",
        RENTAL,
        {"customerId": customer, "storeId": counter.store_id, "filmId": counter.film_id},
        who=who,
    )
    # a retried rental: two copies free, yet 16 racing retries rent exactly one
    counter2 = await counter_with_copies(sql, copies=2)
    rent = {
        "customerId": customer,
        "storeId": counter2.store_id,
        "filmId": counter2.film_id,
        "idempotencyKey": "rent-racing",
    }
    rentals = await asyncio.gather(
        *(
            call.mutate("rentFilm", RENTAL, rent, who=staff(counter2.staff_id, counter2.store_id))
            for _ in range(16)
        )
    )
    assert all(r["errors"] == [] for r in rentals)
    assert len({r["rental"]["rentalId"] for r in rentals}) == 1
    assert (
        await sql.fetchval(
            "SELECT count(*) FROM rental r JOIN inventory i USING (inventory_id) "
            "WHERE i.film_id = $1",
            counter2.film_id,
        )
        == 1
    )

    pay = {"customerId": customer, "amount": "1.25", "idempotencyKey": "pay-racing"}
    payloads = await asyncio.gather(
        *(call.mutate("recordPayment", PAYMENT, pay, who=who) for _ in range(16))
    )
    assert all(p["errors"] == [] for p in payloads)
    assert len({p["payment"]["paymentId"] for p in payloads}) == 1
    assert await sql.fetchval("SELECT count(*) FROM payment WHERE customer_id = $1", customer) == 1
