"""Managing customers: sign-up at a store, profile changes, deactivation, streaming plans.

* Staff act for the customers of their own store (admins for all); a customer may change their
  own name, e-mail and address, and start or cancel their own streaming subscription.
* An address names its city and country in words: the country must exist, the city is found
  (ignoring case) in that country or added to it. A changed address is a new address row, so an
  address shared with another row is never rewritten under it.
* Pagila has two activity flags; `activebool` is the one its views use, and we keep the legacy
  integer `active` in step (1/0).
* Streaming subscriptions of one customer never overlap (each is `[start_date, end_date)`, an
  open end meaning "until cancelled"); the customer row is locked while checking, so two
  concurrent starts cannot both pass.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from domain.auth import Principal, Role, require_authenticated, require_staff
from domain.catalogue.admin import KEEP, Keep
from domain.errors import (
    Conflict,
    CustomerInactive,
    InputField,
    InvalidInput,
    NotFound,
    PermissionDenied,
)
from domain.events import NO_EVENTS, DomainEvent, EventKind, EventPublisher, utc_now
from domain.rentals.counter import require_store_staff
from domain.transaction import Transaction
from domain.validation import LIMITS, Checks


@dataclass(frozen=True, slots=True)
class AddressDraft:
    address: str
    district: str
    city: str
    country: str
    phone: str
    address2: str | None = None
    postal_code: str | None = None


@dataclass(frozen=True, slots=True)
class CustomerDraft:
    store_id: int
    first_name: str
    last_name: str
    address: AddressDraft
    email: str | None = None


@dataclass(frozen=True, slots=True)
class CustomerChanges:
    first_name: str | Keep = KEEP
    last_name: str | Keep = KEEP
    email: str | Keep | None = KEEP
    store_id: int | Keep = KEEP
    address: AddressDraft | Keep = KEEP


@dataclass(frozen=True, slots=True)
class CustomerRecord:
    customer_id: int
    store_id: int
    first_name: str
    last_name: str
    email: str | None
    address_id: int
    active: bool
    create_date: dt.date


@dataclass(frozen=True, slots=True)
class SubscriptionRecord:
    subscription_id: int
    customer_id: int
    plan_name: str
    start_date: dt.date
    end_date: dt.date | None

    def overlaps(self, start: dt.date, end: dt.date | None) -> bool:
        starts_before_other_ends = self.end_date is None or start < self.end_date
        other_starts_before_end = end is None or self.start_date < end
        return starts_before_other_ends and other_starts_before_end


class CustomerWrites(Protocol):
    async def country_id(self, name: str) -> int | None:
        """Case-insensitive."""
        ...

    async def city_id(self, name: str, country_id: int) -> int | None:
        """Case-insensitive."""
        ...

    async def insert_city(self, name: str, country_id: int) -> int: ...

    async def insert_address(self, city_id: int, address: AddressDraft) -> int: ...

    async def store_exists(self, store_id: int) -> bool: ...

    async def insert_customer(self, values: dict[str, object]) -> CustomerRecord: ...

    async def lock_customer(self, customer_id: int) -> CustomerRecord | None: ...

    async def update_customer(
        self, customer_id: int, values: dict[str, object]
    ) -> CustomerRecord: ...

    async def subscriptions_of(self, customer_id: int) -> list[SubscriptionRecord]: ...

    async def insert_subscription(
        self, customer_id: int, plan_name: str, start: dt.date, end: dt.date | None
    ) -> SubscriptionRecord: ...

    async def lock_subscription(self, subscription_id: int) -> SubscriptionRecord | None: ...

    async def end_subscription(self, subscription_id: int, end: dt.date) -> SubscriptionRecord: ...


class CustomerUnitOfWork(Transaction, Protocol):
    @property
    def customer_writes(self) -> CustomerWrites: ...


def _check_address(checks: Checks, address: AddressDraft, prefix: str) -> AddressDraft:
    def path(name: str) -> str:
        return f"{prefix}.{name}"

    return AddressDraft(
        address=checks.text(path("address"), address.address, LIMITS.address),
        address2=checks.optional_text(path("address2"), address.address2, LIMITS.address),
        district=checks.text(path("district"), address.district, LIMITS.district),
        city=checks.text(path("city"), address.city, LIMITS.city),
        country=checks.text(path("country"), address.country, LIMITS.country),
        postal_code=checks.optional_text(
            path("postal_code"), address.postal_code, LIMITS.postal_code
        ),
        phone=checks.text(path("phone"), address.phone, LIMITS.phone),
    )


async def _store_address(writes: CustomerWrites, address: AddressDraft, prefix: str) -> int:
    country_id = await writes.country_id(address.country)
    if country_id is None:
        raise NotFound("Country", repr(address.country), field=InputField(f"{prefix}.country"))
    city_id = await writes.city_id(address.city, country_id)
    if city_id is None:
        city_id = await writes.insert_city(address.city, country_id)
    return await writes.insert_address(city_id, address)


#: Shared with registration (domain/identity.py), which creates a customer the same way.
check_address = _check_address
store_address = _store_address


def _may_manage(principal: Principal, customer: CustomerRecord, *, self_service: bool) -> None:
    require_authenticated(principal)
    if principal.role is Role.CUSTOMER:
        if self_service and principal.customer_id == customer.customer_id:
            return
        raise PermissionDenied("Customers may only change their own details.")
    require_store_staff(principal, customer.store_id)


def utc_today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def customer_changed(customer_id: int, store_id: int, change: str) -> DomainEvent:
    return DomainEvent(
        EventKind.CUSTOMER_CHANGED,
        utc_now(),
        customer_id=customer_id,
        store_id=store_id,
        change=change,
    )


class CustomerAdminService:
    def __init__(
        self,
        uow: CustomerUnitOfWork,
        today: Callable[[], dt.date] = utc_today,
        events: EventPublisher = NO_EVENTS,
    ) -> None:
        self._uow = uow
        self._today = today
        self._events = events

    async def create_customer(self, principal: Principal, draft: CustomerDraft) -> CustomerRecord:
        checks = Checks()
        checks.positive_id("store_id", draft.store_id)
        first = checks.text("first_name", draft.first_name, LIMITS.name)
        last = checks.text("last_name", draft.last_name, LIMITS.name)
        email = checks.email("email", draft.email)
        address = _check_address(checks, draft.address, "address")
        checks.done()
        require_store_staff(principal, draft.store_id)
        async with self._uow as uow:
            writes = uow.customer_writes
            if not await writes.store_exists(draft.store_id):
                raise NotFound("Store", draft.store_id, field=InputField("store_id"))
            address_id = await _store_address(writes, address, "address")
            customer = await writes.insert_customer(
                {
                    "store_id": draft.store_id,
                    "first_name": first,
                    "last_name": last,
                    "email": email,
                    "address_id": address_id,
                    "activebool": True,
                    "active": 1,
                }
            )
            await uow.commit()
        await self._events.publish(
            [customer_changed(customer.customer_id, customer.store_id, "created")]
        )
        return customer

    async def update_customer(
        self, principal: Principal, customer_id: int, changes: CustomerChanges
    ) -> CustomerRecord:
        checks = Checks()
        values: dict[str, object] = {}
        if not isinstance(changes.first_name, Keep):
            values["first_name"] = checks.text("first_name", changes.first_name, LIMITS.name)
        if not isinstance(changes.last_name, Keep):
            values["last_name"] = checks.text("last_name", changes.last_name, LIMITS.name)
        if not isinstance(changes.email, Keep):
            values["email"] = checks.email("email", changes.email)
        if not isinstance(changes.store_id, Keep):
            values["store_id"] = checks.positive_id("store_id", changes.store_id)
        address = None
        if not isinstance(changes.address, Keep) and checks.present("address", changes.address):
            address = _check_address(checks, changes.address, "address")
        checks.done()
        require_authenticated(principal)
        async with self._uow as uow:
            writes = uow.customer_writes
            customer = await writes.lock_customer(customer_id)
            if customer is None:
                raise NotFound("Customer", customer_id, field=InputField("customer_id"))
            _may_manage(principal, customer, self_service="store_id" not in values)
            if "store_id" in values:
                store_id = int(str(values["store_id"]))
                require_store_staff(principal, store_id)  # staff of the new store too
                if not await writes.store_exists(store_id):
                    raise NotFound("Store", store_id, field=InputField("store_id"))
            if address is not None:
                values["address_id"] = await _store_address(writes, address, "address")
            customer = await writes.update_customer(customer_id, values)
            await uow.commit()
        await self._events.publish(
            [customer_changed(customer.customer_id, customer.store_id, "updated")]
        )
        return customer

    async def deactivate_customer(self, principal: Principal, customer_id: int) -> CustomerRecord:
        require_staff(principal)
        async with self._uow as uow:
            writes = uow.customer_writes
            customer = await writes.lock_customer(customer_id)
            if customer is None:
                raise NotFound("Customer", customer_id, field=InputField("customer_id"))
            require_store_staff(principal, customer.store_id)
            if customer.active:
                customer = await writes.update_customer(
                    customer_id, {"activebool": False, "active": 0}
                )
            await uow.commit()
        await self._events.publish(
            [customer_changed(customer.customer_id, customer.store_id, "deactivated")]
        )
        return customer

    async def start_subscription(
        self,
        principal: Principal,
        customer_id: int,
        plan_name: str,
        start: dt.date | None = None,
        end: dt.date | None = None,
    ) -> SubscriptionRecord:
        checks = Checks()
        plan = checks.text("plan_name", plan_name, LIMITS.plan_name)
        start = start or self._today()
        if end is not None and end <= start:
            checks.fail("end_date", "`end_date` must be after the start date.")
        checks.done()
        require_authenticated(principal)
        async with self._uow as uow:
            writes = uow.customer_writes
            customer = await writes.lock_customer(customer_id)  # serialises this customer's starts
            if customer is None:
                raise NotFound("Customer", customer_id, field=InputField("customer_id"))
            _may_manage(principal, customer, self_service=True)
            if not customer.active:
                raise CustomerInactive(
                    f"Customer {customer_id} is inactive.", field=InputField("customer_id")
                )
            for existing in await writes.subscriptions_of(customer_id):
                if existing.overlaps(start, end):
                    raise Conflict(
                        f"Subscription {existing.subscription_id} ({existing.start_date} to "
                        f"{existing.end_date or 'open'}) overlaps these dates.",
                        field=InputField("start_date"),
                    )
            subscription = await writes.insert_subscription(customer_id, plan, start, end)
            await uow.commit()
        await self._events.publish(
            [customer_changed(customer.customer_id, customer.store_id, "subscription")]
        )
        return subscription

    async def cancel_subscription(
        self, principal: Principal, subscription_id: int, end: dt.date | None = None
    ) -> SubscriptionRecord:
        """End the subscription: service runs up to (not including) `end`, by default tomorrow
        (so through today)."""
        require_authenticated(principal)
        async with self._uow as uow:
            writes = uow.customer_writes
            subscription = await writes.lock_subscription(subscription_id)
            if subscription is None:
                raise NotFound("Subscription", subscription_id, field=InputField("subscription_id"))
            customer = await writes.lock_customer(subscription.customer_id)
            assert customer is not None  # foreign key
            _may_manage(principal, customer, self_service=True)
            today = self._today()
            if subscription.end_date is not None and subscription.end_date <= today:
                raise Conflict(
                    f"Subscription {subscription_id} ended on {subscription.end_date}.",
                    field=InputField("subscription_id"),
                )
            if end is None:
                end = max(today, subscription.start_date) + dt.timedelta(days=1)
            elif end <= subscription.start_date or end < today:
                raise InvalidInput(
                    "`end_date` must be after the start date and not in the past.",
                    field=InputField("end_date"),
                )
            if subscription.end_date is not None and end > subscription.end_date:
                raise InvalidInput(
                    f"`end_date` must not be after the current end {subscription.end_date}.",
                    field=InputField("end_date"),
                )
            subscription = await writes.end_subscription(subscription_id, end)
            await uow.commit()
        await self._events.publish(
            [customer_changed(customer.customer_id, customer.store_id, "subscription")]
        )
        return subscription
