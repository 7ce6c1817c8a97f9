"""Renting a copy, returning it, paying: the counter's use cases and their rules.

* A copy is out while it has an open rental (no return date); the database keeps at most one open
  rental per copy (a partial unique index), and the repository locks the copy it hands out, so
  two concurrent rentals of the last copy end with one rental and one `NotInStock` (decision 0030).
* What a returned rental costs is `domain.rentals.billing.rental_charge` at the return moment:
  the rate plus the late fee, the same rule as `get_customer_balance`.
* `rentFilm` and `recordPayment` accept an idempotency key (decision 0031).
* Staff rent and take back at their own store (admins anywhere). A signed-in customer may also
  rent for themself, at any store, and return their own rentals (self-service, decision 0120);
  the rental then records the store's manager (or, when the manager works elsewhere, its first
  staff member) unless `staffId` names one of that store's staff.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from domain.auth import Principal, Role, require_authenticated, require_staff
from domain.errors import (
    AlreadyReturned,
    CustomerInactive,
    InputField,
    InvalidInput,
    NotFound,
    NotInStock,
    PermissionDenied,
)
from domain.events import NO_EVENTS, DomainEvent, EventKind, EventPublisher
from domain.idempotency import (
    IdempotencyStore,
    check_key,
    principal_key,
    replayed,
    request_hash,
)
from domain.rentals.billing import ChargeableRental, RentalTerms, rental_charge
from domain.transaction import Transaction
from domain.validation import Checks


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


Clock = Callable[[], dt.datetime]


# --- entities ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Copy:
    """One inventory copy (a DVD) of a film at a store."""

    inventory_id: int
    film_id: int
    store_id: int


@dataclass(frozen=True, slots=True)
class CustomerStanding:
    customer_id: int
    store_id: int
    active: bool


@dataclass(frozen=True, slots=True)
class CounterParties:
    """Who and where a rental refers to, read together (one round trip): whether the store
    exists, the customer's standing, the store of the staff member asked about (None: no such
    staff member) and, when asked for, the store's counter staff (`Directory.counter_staff`)."""

    store_exists: bool
    customer: CustomerStanding | None
    staff_store: int | None
    counter_staff: int | None = None


@dataclass(frozen=True, slots=True)
class LockedCopy:
    """A copy locked for renting, and whether it had an open rental in the locking statement's
    snapshot. A rental committed while the lock was awaited may be missing from that snapshot;
    the open-rental unique index refuses the insert then (`RentalRepository.add`: NotInStock)."""

    copy: Copy
    rented_out: bool


@dataclass(frozen=True, slots=True)
class RentalRecord:
    rental_id: int
    rented_at: dt.datetime
    inventory_id: int
    customer_id: int
    staff_id: int
    returned_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class PaymentRecord:
    payment_id: int
    customer_id: int
    staff_id: int
    rental_id: int
    amount: Decimal
    paid_at: dt.datetime


@dataclass(frozen=True, slots=True)
class ReturnFacts:
    """A rental locked for its return, read in one statement with its copy (locked too), the
    film's terms and the payments already recorded for it."""

    rental: RentalRecord
    copy: Copy
    terms: RentalTerms
    paid: Decimal


@dataclass(frozen=True, slots=True)
class ReturnReceipt:
    """A returned rental and what it costs: `charge` (rate + late fee at the return moment),
    `paid` (payments already made for it) and `amount_due` (what is left, never negative)."""

    rental: RentalRecord
    charge: Decimal
    paid: Decimal
    amount_due: Decimal


# --- commands ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RentFilm:
    customer_id: int
    store_id: int
    film_id: int | None = None
    inventory_id: int | None = None
    staff_id: int | None = None  # default: the calling staff member
    idempotency_key: str | None = None


@dataclass(frozen=True, slots=True)
class RecordPayment:
    customer_id: int
    amount: Decimal
    rental_id: int | None = None  # default: the customer's most recent rental (decision 0032)
    staff_id: int | None = None
    idempotency_key: str | None = None


# --- ports ---------------------------------------------------------------------------------


class Directory(Protocol):
    """Look-ups of the people and places a write refers to."""

    async def customer_standing(self, customer_id: int) -> CustomerStanding | None: ...

    async def staff_store(self, staff_id: int) -> int | None:
        """The store a staff member works at; None when there is no such staff member."""
        ...

    async def store_exists(self, store_id: int) -> bool: ...

    async def counter_staff(self, store_id: int) -> int | None:
        """Who is recorded on a customer's own rental at a store: its manager when they work
        there, else its staff member with the lowest id; None when nobody works there."""
        ...

    async def film_exists(self, film_id: int) -> bool: ...

    async def counter_parties(
        self, *, store_id: int, customer_id: int, staff_id: int | None, counter_staff: bool
    ) -> CounterParties:
        """`store_exists`, `customer_standing`, `staff_store` (of `staff_id`, when given) and,
        when `counter_staff`, `counter_staff(store_id)`, in one round trip."""
        ...


class RentalRepository(Protocol):
    async def lock_available_copy(self, film_id: int, store_id: int) -> Copy | None:
        """Lock and return a copy of the film at the store with no open rental, or None. A copy
        another transaction holds locked counts as unavailable."""
        ...

    async def lock_copy_for_rent(self, inventory_id: int) -> LockedCopy | None:
        """Lock the copy (waiting for other holders) and tell whether it is rented out, in one
        statement (see `LockedCopy`); None when the copy does not exist."""
        ...

    async def add(
        self, *, customer_id: int, inventory_id: int, staff_id: int, rented_at: dt.datetime
    ) -> RentalRecord:
        """Insert an open rental; raises NotInStock if the copy already has one."""
        ...

    async def get(self, rental_id: int) -> RentalRecord | None: ...

    async def lock_for_return(self, rental_id: int) -> ReturnFacts | None:
        """Lock the rental, then its copy (in that order), and read them with the film's terms
        and the payments made for the rental; None when the rental does not exist."""
        ...

    async def mark_returned(self, rental_id: int, returned_at: dt.datetime) -> RentalRecord: ...

    async def latest_of_customer(self, customer_id: int) -> int | None: ...


class PaymentRepository(Protocol):
    async def add(
        self,
        *,
        customer_id: int,
        staff_id: int,
        rental_id: int,
        amount: Decimal,
        paid_at: dt.datetime,
    ) -> PaymentRecord: ...

    async def get(self, payment_id: int) -> PaymentRecord | None: ...


class RentingUnitOfWork(Transaction, Protocol):
    @property
    def lookups(self) -> Directory: ...

    @property
    def rental_writes(self) -> RentalRepository: ...

    @property
    def payment_writes(self) -> PaymentRepository: ...

    @property
    def idempotency(self) -> IdempotencyStore: ...


# --- rules ---------------------------------------------------------------------------------


def require_store_staff(principal: Principal, store_id: int) -> None:
    """Staff and managers act at their own store; admins anywhere."""
    require_staff(principal)
    if principal.role is not Role.ADMIN and principal.store_id != store_id:
        raise PermissionDenied("Staff may only do this at their own store.")


def self_service(principal: Principal, customer_id: int | None = None) -> bool:
    """Whether a customer acts for themself (no staff at the counter). Staff and admins are
    checked by `require_store_staff`; anyone else (another customer, anonymous) is refused."""
    require_authenticated(principal)
    if principal.role is not Role.CUSTOMER:
        return False
    if customer_id is not None and principal.customer_id != customer_id:
        raise PermissionDenied("Customers may only rent for themselves.")
    return True


def named_staff(principal: Principal, staff_id: int | None) -> int | None:
    """The staff member a command names for the row: the given one, else the caller (None: a
    customer's self-service rental, recorded on the store's counter staff, or nobody)."""
    return staff_id if staff_id is not None else principal.staff_id


def needs_counter_staff(principal: Principal, staff_id: int | None) -> bool:
    return named_staff(principal, staff_id) is None and principal.role is Role.CUSTOMER


def choose_staff(
    principal: Principal,
    staff_id: int | None,
    store_id: int,
    *,
    staff_store: int | None,
    counter_staff: int | None,
) -> int:
    """`acting_staff`'s rule over facts already read: `staff_store` is the store of
    `named_staff(...)` (None: no such staff member), `counter_staff` the store's counter staff
    (read when `needs_counter_staff`; such a member works at the store by definition)."""
    chosen = named_staff(principal, staff_id)
    if chosen is None and principal.role is Role.CUSTOMER:
        if counter_staff is None:
            raise InvalidInput(
                f"Store {store_id} has no staff to record this rental.",
                field=InputField("store_id"),
            )
        return counter_staff
    if chosen is None:
        raise InvalidInput("`staff_id` is required for this caller.", field=InputField("staff_id"))
    if staff_store is None:
        raise NotFound("Staff", chosen, field=InputField("staff_id"))
    if staff_store != store_id and principal.role is not Role.ADMIN:
        raise PermissionDenied("That staff member works at another store.")
    return chosen


async def acting_staff(
    directory: Directory, principal: Principal, staff_id: int | None, store_id: int
) -> int:
    """The staff member recorded on the row: the given one (of this store), the caller, or
    for a customer's self-service rental the store's counter staff."""
    chosen = named_staff(principal, staff_id)
    counter = None
    if needs_counter_staff(principal, staff_id):
        counter = await directory.counter_staff(store_id)
    staff_store = None if chosen is None else await directory.staff_store(chosen)
    return choose_staff(
        principal, staff_id, store_id, staff_store=staff_store, counter_staff=counter
    )


# --- events --------------------------------------------------------------------------------


def rental_event(kind: EventKind, rental: RentalRecord, copy: Copy) -> DomainEvent:
    at = rental.rented_at if kind is EventKind.RENTED else (rental.returned_at or rental.rented_at)
    return DomainEvent(
        kind,
        at,
        film_id=copy.film_id,
        store_id=copy.store_id,
        customer_id=rental.customer_id,
        rental_id=rental.rental_id,
        inventory_id=copy.inventory_id,
    )


# --- services ------------------------------------------------------------------------------


class RentingService:
    RENT_FILM = "rentFilm"
    RECORD_PAYMENT = "recordPayment"

    def __init__(
        self, uow: RentingUnitOfWork, clock: Clock = utc_now, events: EventPublisher = NO_EVENTS
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._events = events

    async def rent_film(self, principal: Principal, command: RentFilm) -> RentalRecord:
        checks = Checks()
        checks.positive_id("customer_id", command.customer_id)
        checks.positive_id("store_id", command.store_id)
        if (command.film_id is None) == (command.inventory_id is None):
            checks.fail("film_id", "Give exactly one of `film_id` or `inventory_id`.")
        key = check_key(checks, command.idempotency_key)
        checks.done()
        if not self_service(principal, command.customer_id):
            require_store_staff(principal, command.store_id)
        fingerprint = request_hash(
            {
                "customerId": command.customer_id,
                "storeId": command.store_id,
                "filmId": command.film_id,
                "inventoryId": command.inventory_id,
                "staffId": command.staff_id,
            }
        )
        who = principal_key(principal)

        async with self._uow as uow:
            if key is not None:
                prior = replayed(
                    await uow.idempotency.claim(who, self.RENT_FILM, key, fingerprint), fingerprint
                )
                if prior is not None:
                    rental = await uow.rental_writes.get(int(prior["rentalId"]))
                    if rental is None:  # the rental row was deleted since: nothing to replay
                        raise NotFound("Rental", prior["rentalId"])
                    return rental
            # the store, the customer and the staff member: one round trip, checked in order
            parties = await uow.lookups.counter_parties(
                store_id=command.store_id,
                customer_id=command.customer_id,
                staff_id=named_staff(principal, command.staff_id),
                counter_staff=needs_counter_staff(principal, command.staff_id),
            )
            if not parties.store_exists:
                raise NotFound("Store", command.store_id, field=InputField("store_id"))
            customer = parties.customer
            if customer is None:
                raise NotFound("Customer", command.customer_id, field=InputField("customer_id"))
            if not customer.active:
                raise CustomerInactive(
                    f"Customer {customer.customer_id} is inactive and cannot rent.",
                    field=InputField("customer_id"),
                )
            staff_id = choose_staff(
                principal,
                command.staff_id,
                command.store_id,
                staff_store=parties.staff_store,
                counter_staff=parties.counter_staff,
            )
            copy = await self._lock_copy(uow, command)
            rental = await uow.rental_writes.add(
                customer_id=customer.customer_id,
                inventory_id=copy.inventory_id,
                staff_id=staff_id,
                rented_at=self._clock(),
            )
            if key is not None:
                await uow.idempotency.complete(
                    who, self.RENT_FILM, key, {"rentalId": rental.rental_id}
                )
            await uow.commit()
        await self._events.publish([rental_event(EventKind.RENTED, rental, copy)])
        return rental

    async def _lock_copy(self, uow: RentingUnitOfWork, command: RentFilm) -> Copy:
        if command.film_id is not None:
            copy = await uow.rental_writes.lock_available_copy(command.film_id, command.store_id)
            if copy is None:
                if not await uow.lookups.film_exists(command.film_id):
                    raise NotFound("Film", command.film_id, field=InputField("film_id"))
                raise NotInStock(
                    f"No copy of film {command.film_id} is available at store {command.store_id}.",
                    field=InputField("film_id"),
                )
            return copy
        assert command.inventory_id is not None
        locked = await uow.rental_writes.lock_copy_for_rent(command.inventory_id)
        if locked is None:
            raise NotFound("Inventory", command.inventory_id, field=InputField("inventory_id"))
        copy = locked.copy
        if copy.store_id != command.store_id:
            raise InvalidInput(
                f"Copy {copy.inventory_id} belongs to store {copy.store_id}.",
                field=InputField("inventory_id"),
            )
        if locked.rented_out:
            raise NotInStock(
                f"Copy {copy.inventory_id} is rented out.", field=InputField("inventory_id")
            )
        return copy

    async def return_rental(
        self, principal: Principal, rental_id: int, returned_at: dt.datetime | None = None
    ) -> ReturnReceipt:
        """`returned_at`: when the copy came back (default now), e.g. for a drop-box return
        processed later; not in the future and not before the rental."""
        checks = Checks()
        now = self._clock()
        if returned_at is not None:
            checks.aware("returned_at", returned_at)
            if returned_at.utcoffset() is not None and returned_at > now:
                checks.fail("returned_at", "`returned_at` must not be in the future.")
        checks.done()
        customer_returning = self_service(principal)
        if not customer_returning:
            require_staff(principal)
        async with self._uow as uow:
            facts = await uow.rental_writes.lock_for_return(rental_id)
            if facts is None:
                raise NotFound("Rental", rental_id, field=InputField("rental_id"))
            rental, copy = facts.rental, facts.copy
            if customer_returning and rental.customer_id != principal.customer_id:
                raise PermissionDenied("Customers may only return their own rentals.")
            if rental.returned_at is not None:
                raise AlreadyReturned(
                    f"Rental {rental_id} was returned at {rental.returned_at.isoformat()}.",
                    field=InputField("rental_id"),
                )
            if not customer_returning:
                require_store_staff(principal, copy.store_id)
            if returned_at is None:
                returned_at = max(now, rental.rented_at)
            elif returned_at < rental.rented_at:
                raise InvalidInput(
                    f"`returned_at` is before the rental ({rental.rented_at.isoformat()}).",
                    field=InputField("returned_at"),
                )
            rental = await uow.rental_writes.mark_returned(rental_id, returned_at)
            charge = rental_charge(
                ChargeableRental(facts.terms, rental.rented_at, rental.returned_at), returned_at
            )
            paid = facts.paid
            await uow.commit()
        await self._events.publish([rental_event(EventKind.RETURNED, rental, copy)])
        return ReturnReceipt(
            rental=rental, charge=charge, paid=paid, amount_due=max(charge - paid, Decimal("0.00"))
        )

    async def record_payment(self, principal: Principal, command: RecordPayment) -> PaymentRecord:
        checks = Checks()
        checks.positive_id("customer_id", command.customer_id)
        amount = checks.money("amount", command.amount, max_digits=5, positive=True)
        if command.rental_id is not None:
            checks.positive_id("rental_id", command.rental_id)
        key = check_key(checks, command.idempotency_key)
        checks.done()
        require_staff(principal)
        fingerprint = request_hash(
            {
                "customerId": command.customer_id,
                "amount": str(amount),
                "rentalId": command.rental_id,
                "staffId": command.staff_id,
            }
        )
        who = principal_key(principal)

        async with self._uow as uow:
            if key is not None:
                prior = replayed(
                    await uow.idempotency.claim(who, self.RECORD_PAYMENT, key, fingerprint),
                    fingerprint,
                )
                if prior is not None:
                    payment = await uow.payment_writes.get(int(prior["paymentId"]))
                    if payment is None:
                        raise NotFound("Payment", prior["paymentId"])
                    return payment
            customer = await uow.lookups.customer_standing(command.customer_id)
            if customer is None:
                raise NotFound("Customer", command.customer_id, field=InputField("customer_id"))
            require_store_staff(principal, customer.store_id)
            rental_id = command.rental_id
            if rental_id is None:
                rental_id = await uow.rental_writes.latest_of_customer(customer.customer_id)
                if rental_id is None:
                    raise InvalidInput(
                        "The customer has no rentals: name the rental this payment is for.",
                        field=InputField("rental_id"),
                    )
            else:
                rental = await uow.rental_writes.get(rental_id)
                if rental is None:
                    raise NotFound("Rental", rental_id, field=InputField("rental_id"))
                if rental.customer_id != customer.customer_id:
                    raise InvalidInput(
                        f"Rental {rental_id} belongs to another customer.",
                        field=InputField("rental_id"),
                    )
            staff_id = await acting_staff(
                uow.lookups, principal, command.staff_id, customer.store_id
            )
            payment = await uow.payment_writes.add(
                customer_id=customer.customer_id,
                staff_id=staff_id,
                rental_id=rental_id,
                amount=amount,
                paid_at=self._clock(),
            )
            if key is not None:
                await uow.idempotency.complete(
                    who, self.RECORD_PAYMENT, key, {"paymentId": payment.payment_id}
                )
            await uow.commit()
        await self._events.publish(
            [
                DomainEvent(
                    EventKind.PAID,
                    payment.paid_at,
                    store_id=customer.store_id,
                    customer_id=payment.customer_id,
                    rental_id=payment.rental_id,
                    payment_id=payment.payment_id,
                    amount=payment.amount,
                )
            ]
        )
        return payment
