"""Rentals and payments as read (filters, keyset pages, per-customer and per-rental lists)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ColumnElement, Row, exists, func, literal

from domain.rentals.reads import (
    Payment,
    PaymentFilter,
    PaymentsOf,
    Rental,
    RentalFilter,
    RentalsOf,
    RentalStatus,
)
from persistence.keyset import Link, Listing, ListingRepository
from persistence.models import TIMESTAMPTZ
from persistence.models import Film as FilmRow
from persistence.models import Inventory as InventoryRow
from persistence.models import Payment as PaymentRow
from persistence.models import Rental as RentalRow
from persistence.repositories.balance import due_date
from persistence.repositories.customers import scope_condition

_RENTAL = RentalRow.__table__
_PAYMENT = PaymentRow.__table__
_INVENTORY = InventoryRow.__table__
_FILM = FilmRow.__table__
_INFINITY = literal(dt.datetime.max.replace(tzinfo=dt.UTC), TIMESTAMPTZ)


def _rental(row: Row[Any]) -> Rental:
    return Rental(
        id=row.rental_id,
        rental_date=row.rental_date,
        inventory_id=row.inventory_id,
        customer_id=row.customer_id,
        return_date=row.return_date,
        staff_id=row.staff_id,
        last_update=row.last_update,
        film_id=row.film_id,
        store_id=row.store_id,
        inventory_last_update=row.inventory_last_update,
    )


def _payment(row: Row[Any]) -> Payment:
    return Payment(
        id=row.payment_id,
        customer_id=row.customer_id,
        staff_id=row.staff_id,
        rental_id=row.rental_id,
        amount=row.amount,
        payment_date=row.payment_date,
    )


#: A rental with its copy: one join saves the rental → inventory round trip.
_RENTAL_COPY = _RENTAL.join(_INVENTORY, _INVENTORY.c.inventory_id == _RENTAL.c.inventory_id)

RENTALS = Listing(
    from_=_RENTAL_COPY,
    columns=[
        *_RENTAL.c,
        _INVENTORY.c.film_id,
        _INVENTORY.c.store_id,
        _INVENTORY.c.last_update.label("inventory_last_update"),
    ],
    id_column=_RENTAL.c.rental_id,
    to_entity=_rental,
    sorts={
        "RENTAL_DATE": [_RENTAL.c.rental_date],
        "RETURN_DATE": [func.coalesce(_RENTAL.c.return_date, _INFINITY)],
        "RENTAL_ID": [],
    },
    links={RentalsOf.CUSTOMER: Link(_RENTAL_COPY, _RENTAL.c.customer_id)},
)
PAYMENTS = Listing(
    from_=_PAYMENT,
    columns=list(_PAYMENT.c),
    id_column=_PAYMENT.c.payment_id,
    to_entity=_payment,
    sorts={
        "PAYMENT_DATE": [_PAYMENT.c.payment_date],
        "AMOUNT": [_PAYMENT.c.amount],
        "PAYMENT_ID": [],
    },
    links={
        PaymentsOf.CUSTOMER: Link(_PAYMENT, _PAYMENT.c.customer_id),
        PaymentsOf.RENTAL: Link(_PAYMENT, _PAYMENT.c.rental_id),
    },
)


def _overdue(as_of: dt.datetime | None) -> ColumnElement[bool]:
    """Out, and past its due date (billing.due_date); `as_of` None: the statement's now()."""
    due = due_date(_RENTAL.c.rental_date, _FILM.c.rental_duration)
    now: Any = func.now() if as_of is None else as_of
    return exists().where(_FILM.c.film_id == _INVENTORY.c.film_id, due < now)


def rental_conditions(f: RentalFilter) -> list[ColumnElement[bool]]:
    c = _RENTAL.c
    where = scope_condition(f.scope, c.customer_id)
    if f.customer_id is not None:
        where.append(c.customer_id == f.customer_id)
    if f.store_id is not None:
        where.append(_INVENTORY.c.store_id == f.store_id)
    if f.rented_from is not None:
        where.append(c.rental_date >= f.rented_from)
    if f.rented_to is not None:
        where.append(c.rental_date < f.rented_to)
    if f.status is RentalStatus.RETURNED:
        where.append(c.return_date.is_not(None))
    elif f.status in (RentalStatus.OUTSTANDING, RentalStatus.OVERDUE):
        where.append(c.return_date.is_(None))
        if f.status is RentalStatus.OVERDUE:
            where.append(_overdue(f.as_of))
    return where


def payment_conditions(f: PaymentFilter) -> list[ColumnElement[bool]]:
    c = _PAYMENT.c
    where = scope_condition(f.scope, c.customer_id)
    if f.customer_id is not None:
        where.append(c.customer_id == f.customer_id)
    if f.paid_from is not None:
        where.append(c.payment_date >= f.paid_from)
    if f.paid_to is not None:
        where.append(c.payment_date < f.paid_to)
    return where


class SqlRentalListRepository(ListingRepository[Rental, RentalsOf]):
    listing = RENTALS

    def conditions(self, filter: RentalFilter) -> list[ColumnElement[bool]]:
        return rental_conditions(filter)


class SqlPaymentListRepository(ListingRepository[Payment, PaymentsOf]):
    listing = PAYMENTS

    def conditions(self, filter: PaymentFilter) -> list[ColumnElement[bool]]:
        return payment_conditions(filter)
