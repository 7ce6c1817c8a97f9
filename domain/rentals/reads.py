"""Rentals and payments as read: lists with filters, rows by id, each guarded as customer data.

(The write side — renting, returning, paying — lives in domain/rentals/counter.py.)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from enum import StrEnum
from typing import Protocol

from domain.auth import Principal
from domain.customers.reads import (
    EVERYONE,
    CustomerAccess,
    CustomerLookup,
    CustomerScope,
    customer_scope,
)
from domain.errors import DomainError, InvalidInput
from domain.pagination import Page, PageRequest
from domain.reading import ListRepository, read_page


@dataclass(frozen=True, slots=True)
class Rental:
    id: int
    rental_date: dt.datetime
    inventory_id: int
    customer_id: int
    return_date: dt.datetime | None
    staff_id: int
    last_update: dt.datetime
    # the rented copy, read in the same statement (a rental is rarely shown without its film)
    film_id: int
    store_id: int
    inventory_last_update: dt.datetime


@dataclass(frozen=True, slots=True)
class Payment:
    id: int
    customer_id: int
    staff_id: int
    rental_id: int
    amount: Decimal
    payment_date: dt.datetime


class RentalStatus(StrEnum):
    RETURNED = "RETURNED"
    OUTSTANDING = "OUTSTANDING"  # not returned yet
    OVERDUE = "OVERDUE"  # not returned and past rental_duration days


@dataclass(frozen=True, slots=True)
class RentalFilter:
    customer_id: int | None = None
    store_id: int | None = None  # the store of the rented copy
    rented_from: dt.datetime | None = None  # inclusive
    rented_to: dt.datetime | None = None  # exclusive
    status: RentalStatus | None = None
    as_of: dt.datetime | None = None  # "now" for OVERDUE; set by the service
    scope: CustomerScope = EVERYONE


@dataclass(frozen=True, slots=True)
class PaymentFilter:
    customer_id: int | None = None
    paid_from: dt.datetime | None = None  # inclusive
    paid_to: dt.datetime | None = None  # exclusive
    scope: CustomerScope = EVERYONE


class RentalOrderField(StrEnum):
    RENTAL_DATE = "RENTAL_DATE"
    RETURN_DATE = "RETURN_DATE"
    RENTAL_ID = "RENTAL_ID"


class PaymentOrderField(StrEnum):
    PAYMENT_DATE = "PAYMENT_DATE"
    AMOUNT = "AMOUNT"
    PAYMENT_ID = "PAYMENT_ID"


RENTAL_SORT_TYPES: Mapping[str, tuple[type, ...]] = {
    "RENTAL_DATE": (dt.datetime,),
    "RETURN_DATE": (dt.datetime,),  # not yet returned sorts as 'infinity'
    "RENTAL_ID": (),
}
PAYMENT_SORT_TYPES: Mapping[str, tuple[type, ...]] = {
    "PAYMENT_DATE": (dt.datetime,),
    "AMOUNT": (Decimal,),
    "PAYMENT_ID": (),
}


class RentalsOf(StrEnum):
    CUSTOMER = "CUSTOMER"


class PaymentsOf(StrEnum):
    CUSTOMER = "CUSTOMER"
    RENTAL = "RENTAL"


RentalRepository = ListRepository[Rental, RentalFilter, RentalsOf]
PaymentRepository = ListRepository[Payment, PaymentFilter, PaymentsOf]


class RentalReader(Protocol):
    @property
    def rentals(self) -> RentalRepository: ...

    @property
    def payments(self) -> PaymentRepository: ...


def check_range(start: dt.datetime | None, end: dt.datetime | None, field: str) -> None:
    for value in (start, end):
        if value is not None and value.tzinfo is None:
            raise InvalidInput("Dates must carry a time zone.", field=field)
    if start is not None and end is not None and end < start:
        raise InvalidInput("The range ends before it starts.", field=field)


class RentalService:
    def __init__(self, uow: RentalReader, principal: Principal) -> None:
        self._uow = uow
        self.principal = principal
        self.access = CustomerAccess(principal)

    async def rentals(
        self, rental_filter: RentalFilter, request: PageRequest, now: dt.datetime
    ) -> Page[Rental]:
        check_range(rental_filter.rented_from, rental_filter.rented_to, "filter.rentedFrom")
        scoped = replace(rental_filter, scope=customer_scope(self.principal), as_of=now)
        return await read_page(self._uow.rentals, scoped, request)

    async def payments(self, payment_filter: PaymentFilter, request: PageRequest) -> Page[Payment]:
        check_range(payment_filter.paid_from, payment_filter.paid_to, "filter.paidFrom")
        scoped = replace(payment_filter, scope=customer_scope(self.principal))
        return await read_page(self._uow.payments, scoped, request)

    async def rentals_by_id(
        self, ids: Sequence[int], customers: CustomerLookup
    ) -> list[Rental | DomainError | None]:
        found = await self._uow.rentals.get_many(ids)
        return await self.access.owned([found.get(i) for i in ids], _rental_owner, customers)

    async def payments_by_id(
        self, ids: Sequence[int], customers: CustomerLookup
    ) -> list[Payment | DomainError | None]:
        found = await self._uow.payments.get_many(ids)
        return await self.access.owned([found.get(i) for i in ids], _payment_owner, customers)


def _rental_owner(rental: Rental) -> int:
    return rental.customer_id


def _payment_owner(payment: Payment) -> int:
    return payment.customer_id
