"""Events are published after commit only: random sequences of writes through the real write
services on PostgreSQL, each write's commit failing or not at random. The events published must
be exactly those of the writes that committed, in order, and a failed commit leaves no row."""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from decimal import Decimal

import asyncpg
import pytest

from domain.auth import Principal, Role
from domain.catalogue.admin import CatalogueAdminService, FilmChanges
from domain.customers.admin import CustomerAdminService, CustomerChanges
from domain.events import DomainEvent, EventKind
from domain.rentals.counter import RecordPayment, RentFilm, RentingService
from persistence.db import Database
from persistence.unit_of_work import SqlAlchemyUnitOfWork
from tests.live.support import clerk

STORE = 1


class CommitFailed(Exception):
    pass


class CommitFails(SqlAlchemyUnitOfWork):
    """A unit of work whose commit fails (as a lost connection or a serialization failure
    would): everything it wrote rolls back."""

    async def commit(self) -> None:
        raise CommitFailed


class Recorder:
    def __init__(self) -> None:
        self.events: list[DomainEvent] = []

    async def publish(self, events: list[DomainEvent]) -> None:  # type: ignore[override]
        self.events.extend(events)


@dataclass
class Run:
    database: Database
    sql: asyncpg.Connection
    staff: Principal
    recorder: Recorder = field(default_factory=Recorder)
    open_rentals: list[int] = field(default_factory=list)
    #: (kind, the id that names the change) of every write that committed, in order
    expected: list[tuple[EventKind, int]] = field(default_factory=list)

    def uow(self, fails: bool) -> SqlAlchemyUnitOfWork:
        return (CommitFails if fails else SqlAlchemyUnitOfWork)(self.database)

    async def footprint(self) -> tuple[int, ...]:
        row = await self.sql.fetchrow(
            "SELECT (SELECT count(*) FROM rental), (SELECT count(*) FROM payment),"
            " (SELECT count(*) FROM inventory), (SELECT count(*) FROM rental WHERE return_date"
            " IS NULL), (SELECT max(last_update) FROM film),"
            " (SELECT max(last_update) FROM customer)"
        )
        assert row is not None
        return (*row[:4], hash(row[4]), hash(row[5]))


async def rent(run: Run, rng: random.Random, fails: bool) -> tuple[EventKind, int] | None:
    film_id = await run.sql.fetchval(
        "SELECT film_id FROM inventory i WHERE store_id = $1 AND NOT EXISTS (SELECT 1 FROM "
        "rental r WHERE r.inventory_id = i.inventory_id AND r.return_date IS NULL) "
        "ORDER BY inventory_id OFFSET $2 LIMIT 1",
        STORE,
        rng.randrange(500),
    )
    customer_id = await run.sql.fetchval(
        "SELECT customer_id FROM customer WHERE store_id = $1 AND activebool "
        "ORDER BY customer_id OFFSET $2 LIMIT 1",
        STORE,
        rng.randrange(100),
    )
    rental = await RentingService(run.uow(fails), events=run.recorder).rent_film(
        run.staff, RentFilm(customer_id=customer_id, store_id=STORE, film_id=film_id)
    )
    run.open_rentals.append(rental.rental_id)
    return EventKind.RENTED, rental.rental_id


async def give_back(run: Run, rng: random.Random, fails: bool) -> tuple[EventKind, int] | None:
    if not run.open_rentals:
        return None
    rental_id = run.open_rentals[rng.randrange(len(run.open_rentals))]
    await RentingService(run.uow(fails), events=run.recorder).return_rental(run.staff, rental_id)
    run.open_rentals.remove(rental_id)
    return EventKind.RETURNED, rental_id


async def pay(run: Run, rng: random.Random, fails: bool) -> tuple[EventKind, int] | None:
    customer_id = await run.sql.fetchval(
        "SELECT customer_id FROM customer WHERE store_id = $1 ORDER BY customer_id "
        "OFFSET $2 LIMIT 1",
        STORE,
        rng.randrange(100),
    )
    amount = Decimal(rng.randrange(1, 1000)) / 100
    payment = await RentingService(run.uow(fails), events=run.recorder).record_payment(
        run.staff, RecordPayment(customer_id=customer_id, amount=amount)
    )
    return EventKind.PAID, payment.payment_id


async def add_copy(run: Run, rng: random.Random, fails: bool) -> tuple[EventKind, int] | None:
    copy = await CatalogueAdminService(run.uow(fails), events=run.recorder).add_inventory(
        run.staff, rng.randrange(1, 1000), STORE
    )
    return EventKind.INVENTORY_CHANGED, copy.inventory_id


async def retitle(run: Run, rng: random.Random, fails: bool) -> tuple[EventKind, int] | None:
    film_id = rng.randrange(1, 1000)
    await CatalogueAdminService(run.uow(fails), events=run.recorder).update_film(
        run.staff, film_id, FilmChanges(title=f"RETITLED {rng.randrange(10**6)}")
    )
    return EventKind.FILM_CHANGED, film_id


async def rename(run: Run, rng: random.Random, fails: bool) -> tuple[EventKind, int] | None:
    customer_id = await run.sql.fetchval(
        "SELECT customer_id FROM customer WHERE store_id = $1 ORDER BY customer_id "
        "OFFSET $2 LIMIT 1",
        STORE,
        rng.randrange(100),
    )
    await CustomerAdminService(run.uow(fails), events=run.recorder).update_customer(
        run.staff, customer_id, CustomerChanges(last_name=f"RENAMED{rng.randrange(10**6)}")
    )
    return EventKind.CUSTOMER_CHANGED, customer_id


Write = Callable[[Run, random.Random, bool], Awaitable[tuple[EventKind, int] | None]]
WRITES: list[Write] = [rent, give_back, pay, add_copy, retitle, rename]


def key_of(event: DomainEvent) -> tuple[EventKind, int]:
    key = {
        EventKind.RENTED: event.rental_id,
        EventKind.RETURNED: event.rental_id,
        EventKind.PAID: event.payment_id,
        EventKind.INVENTORY_CHANGED: event.inventory_id,
        EventKind.FILM_CHANGED: event.film_id,
        EventKind.CUSTOMER_CHANGED: event.customer_id,
    }[event.kind]
    assert key is not None
    return event.kind, key


@pytest.mark.parametrize("seed", range(6))
async def test_only_committed_writes_publish_in_order(
    seed: int, live_database: Database, live_sql: asyncpg.Connection
) -> None:
    rng = random.Random(seed)
    run = Run(live_database, live_sql, await clerk(live_sql, STORE, Role.MANAGER))
    for _ in range(10):
        write, fails = rng.choice(WRITES), rng.random() < 0.5
        before = await run.footprint()
        if fails:
            state = list(run.open_rentals)
            try:
                await write(run, rng, True)
            except CommitFailed:
                pass
            else:
                continue  # nothing to write (no open rental): nothing was attempted
            run.open_rentals = state
            assert await run.footprint() == before, "a failed commit left a row"
        else:
            done = await write(run, rng, False)
            if done is not None:
                run.expected.append(done)
    assert [key_of(e) for e in run.recorder.events] == run.expected
    assert run.expected, "the sequence committed nothing: it proves nothing"
