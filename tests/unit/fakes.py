"""In-memory fakes of the write-side ports, for service tests without a database."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from decimal import Decimal
from types import TracebackType
from typing import Self

from domain.errors import InputField, NotInStock
from domain.idempotency import Result, StoredOutcome
from domain.rentals.billing import RentalTerms
from domain.rentals.counter import (
    Copy,
    CounterParties,
    CustomerStanding,
    LockedCopy,
    PaymentRecord,
    RentalRecord,
    ReturnFacts,
)


@dataclass
class World:
    """The rows a fake unit of work sees; `commit` replaces it with the working copy."""

    customers: dict[int, CustomerStanding] = field(default_factory=dict)
    staff: dict[int, int] = field(default_factory=dict)  # staff_id -> store_id
    stores: set[int] = field(default_factory=set)
    films: dict[int, RentalTerms] = field(default_factory=dict)
    copies: dict[int, Copy] = field(default_factory=dict)
    rentals: dict[int, RentalRecord] = field(default_factory=dict)
    payments: dict[int, PaymentRecord] = field(default_factory=dict)
    keys: dict[tuple[str, str, str], StoredOutcome] = field(default_factory=dict)

    def copy(self) -> World:
        return World(
            dict(self.customers),
            dict(self.staff),
            set(self.stores),
            dict(self.films),
            dict(self.copies),
            dict(self.rentals),
            dict(self.payments),
            dict(self.keys),
        )


class FakeDirectory:
    def __init__(self, uow: FakeRentingUoW) -> None:
        self._uow = uow

    async def customer_standing(self, customer_id: int) -> CustomerStanding | None:
        return self._uow.work.customers.get(customer_id)

    async def staff_store(self, staff_id: int) -> int | None:
        return self._uow.work.staff.get(staff_id)

    async def store_exists(self, store_id: int) -> bool:
        return store_id in self._uow.work.stores

    async def counter_staff(self, store_id: int) -> int | None:
        """The fake world has no managers: the store's first staff member."""
        staff = sorted(s for s, store in self._uow.work.staff.items() if store == store_id)
        return staff[0] if staff else None

    async def film_exists(self, film_id: int) -> bool:
        return film_id in self._uow.work.films

    async def counter_parties(
        self, *, store_id: int, customer_id: int, staff_id: int | None, counter_staff: bool
    ) -> CounterParties:
        return CounterParties(
            store_exists=await self.store_exists(store_id),
            customer=await self.customer_standing(customer_id),
            staff_store=None if staff_id is None else await self.staff_store(staff_id),
            counter_staff=await self.counter_staff(store_id) if counter_staff else None,
        )


class FakeRentals:
    def __init__(self, uow: FakeRentingUoW) -> None:
        self._uow = uow

    def _open(self, inventory_id: int) -> bool:
        return any(
            r.inventory_id == inventory_id and r.returned_at is None
            for r in self._uow.work.rentals.values()
        )

    async def lock_available_copy(self, film_id: int, store_id: int) -> Copy | None:
        for copy in sorted(self._uow.work.copies.values(), key=lambda c: c.inventory_id):
            same = copy.film_id == film_id and copy.store_id == store_id
            if same and not self._open(copy.inventory_id):
                return copy
        return None

    async def lock_copy_for_rent(self, inventory_id: int) -> LockedCopy | None:
        copy = self._uow.work.copies.get(inventory_id)
        return None if copy is None else LockedCopy(copy, self._open(inventory_id))

    async def add(
        self, *, customer_id: int, inventory_id: int, staff_id: int, rented_at: dt.datetime
    ) -> RentalRecord:
        if self._open(inventory_id):  # what the partial unique index does
            raise NotInStock("rented out", field=InputField("inventory_id"))
        rental_id = max(self._uow.work.rentals, default=0) + 1
        rental = RentalRecord(rental_id, rented_at, inventory_id, customer_id, staff_id, None)
        self._uow.work.rentals[rental_id] = rental
        return rental

    async def get(self, rental_id: int) -> RentalRecord | None:
        return self._uow.work.rentals.get(rental_id)

    async def lock_for_return(self, rental_id: int) -> ReturnFacts | None:
        rental = self._uow.work.rentals.get(rental_id)
        if rental is None:
            return None
        copy = self._uow.work.copies[rental.inventory_id]
        paid = sum(
            (p.amount for p in self._uow.work.payments.values() if p.rental_id == rental_id),
            Decimal("0.00"),
        )
        return ReturnFacts(rental, copy, self._uow.work.films[copy.film_id], paid)

    async def mark_returned(self, rental_id: int, returned_at: dt.datetime) -> RentalRecord:
        rental = replace(self._uow.work.rentals[rental_id], returned_at=returned_at)
        self._uow.work.rentals[rental_id] = rental
        return rental

    async def latest_of_customer(self, customer_id: int) -> int | None:
        mine = [r for r in self._uow.work.rentals.values() if r.customer_id == customer_id]
        if not mine:
            return None
        return max(mine, key=lambda r: (r.rented_at, r.rental_id)).rental_id


class FakePayments:
    def __init__(self, uow: FakeRentingUoW) -> None:
        self._uow = uow

    async def add(
        self,
        *,
        customer_id: int,
        staff_id: int,
        rental_id: int,
        amount: Decimal,
        paid_at: dt.datetime,
    ) -> PaymentRecord:
        payment_id = max(self._uow.work.payments, default=0) + 1
        payment = PaymentRecord(payment_id, customer_id, staff_id, rental_id, amount, paid_at)
        self._uow.work.payments[payment_id] = payment
        return payment

    async def get(self, payment_id: int) -> PaymentRecord | None:
        return self._uow.work.payments.get(payment_id)


class FakeKeys:
    def __init__(self, uow: FakeRentingUoW) -> None:
        self._uow = uow

    async def claim(
        self, principal: str, operation: str, key: str, request_hash: str
    ) -> StoredOutcome | None:
        stored = self._uow.work.keys.get((principal, operation, key))
        if stored is None:
            self._uow.work.keys[(principal, operation, key)] = StoredOutcome(request_hash, None)
        return stored

    async def complete(self, principal: str, operation: str, key: str, result: Result) -> None:
        stored = self._uow.work.keys[(principal, operation, key)]
        self._uow.work.keys[(principal, operation, key)] = replace(stored, result=result)


class FakeRentingUoW:
    def __init__(self, world: World) -> None:
        self.world = world
        self.work = world.copy()
        self.commits = 0
        self.lookups = FakeDirectory(self)
        self.rental_writes = FakeRentals(self)
        self.payment_writes = FakePayments(self)
        self.idempotency = FakeKeys(self)

    async def __aenter__(self) -> Self:
        self.work = self.world.copy()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.work = self.world.copy()  # uncommitted work is dropped

    async def commit(self) -> None:
        self.world.__dict__.update(self.work.copy().__dict__)
        self.commits += 1
