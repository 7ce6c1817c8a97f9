"""Facts the computed fields need: copy states (availability), customer accounts (balance) and
rental durations (due dates). Each method is one statement for any number of keys."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Integer,
    Numeric,
    Table,
    and_,
    any_,
    bindparam,
    case,
    func,
    literal,
    null,
    select,
    union_all,
)
from sqlalchemy import cast as cast_
from sqlalchemy.dialects.postgresql import ARRAY, TIMESTAMP

from domain.catalogue.availability import CopyState
from domain.customers.balance import CustomerAccount
from domain.rentals import billing
from domain.rentals.billing import ChargeableRental, PaymentMade, RentalTerms
from persistence import models
from persistence.repositories.base import Repository
from persistence.repositories.films import open_rental

_CUSTOMER = cast(Table, models.Customer.__table__)
_FILM = cast(Table, models.Film.__table__)
_INVENTORY = cast(Table, models.Inventory.__table__)
_RENTAL = cast(Table, models.Rental.__table__)
_PAYMENT = cast(Table, models.Payment.__table__)


def _ids(name: str, values: Sequence[int]) -> ColumnElement[Any]:
    """One `$n::INTEGER[]` parameter, whatever the number of keys (one prepared statement)."""
    return any_(bindparam(name, list(values), type_=ARRAY(Integer)))


# --- the billing rule (domain/rentals/billing.py) as SQL, for the compiled read path ----------
# Each expression restates one function of billing.py with its constants; tests/computed_fields
# compares them with the Python rule (and with Pagila's get_customer_balance) over many rows.


def _days(days: ColumnElement[int]) -> ColumnElement[Any]:
    """`timedelta(seconds=days * SECONDS_PER_DAY)`: exact hours, whatever the session's zone."""
    return func.make_interval(0, 0, 0, 0, days * (billing.SECONDS_PER_DAY // 3600))


def due_date(rented_at: ColumnElement[Any], rental_duration: ColumnElement[int]) -> Any:
    """billing.due_date."""
    return rented_at + _days(rental_duration)


def is_overdue(
    rented_at: ColumnElement[Any],
    returned_at: ColumnElement[Any],
    rental_duration: ColumnElement[int],
    now: ColumnElement[Any],
) -> ColumnElement[bool]:
    """billing.is_overdue."""
    return and_(returned_at.is_(None), now > due_date(rented_at, rental_duration))


def rental_duration_of(film_id: ColumnElement[int]) -> ColumnElement[int]:
    """The film's rental_duration (a correlated scalar subquery)."""
    f = _FILM.c
    return select(f.rental_duration).where(f.film_id == film_id).scalar_subquery()


def balance(customer_id: ColumnElement[int], as_of: dt.datetime | None) -> ColumnElement[Any]:
    """billing.balance over the customer's rentals and payments at `as_of` (None: the
    statement's now()), as `numeric(…, 2)`."""
    f, i, r, p = _FILM.c, _INVENTORY.c, _RENTAL.c, _PAYMENT.c
    at: ColumnElement[Any] = (
        func.now() if as_of is None else literal(as_of, TIMESTAMP(timezone=True))
    )
    end = func.least(func.coalesce(r.return_date, at), at)
    late = func.extract("epoch", end - due_date(r.rental_date, f.rental_duration))
    days = func.greatest(0, func.ceil(late / billing.SECONDS_PER_DAY))
    fee = case(
        (days > billing.REPLACED_AFTER_DURATIONS * f.rental_duration, f.replacement_cost),
        else_=literal(billing.LATE_FEE_PER_DAY, Numeric) * days,
    )
    charged = (
        select(func.coalesce(func.sum(f.rental_rate + fee), 0))
        .select_from(
            _RENTAL.join(_INVENTORY, i.inventory_id == r.inventory_id).join(
                _FILM, f.film_id == i.film_id
            )
        )
        .where(r.customer_id == customer_id, r.rental_date <= at)
        .scalar_subquery()
    )
    paid = (
        select(func.coalesce(func.sum(p.amount), 0))
        .where(p.customer_id == customer_id, p.payment_date <= at)
        .scalar_subquery()
    )
    return func.round(charged - paid, 2)


class SqlStockRepository(Repository):
    async def copy_states(self, film_ids: Sequence[int]) -> Sequence[CopyState]:
        if not film_ids:
            return []
        i = _INVENTORY.c
        statement = select(i.film_id, i.store_id, open_rental().label("rented_out")).where(
            i.film_id == _ids("film_ids", film_ids)
        )
        rows = await self._run.all(statement)
        return [CopyState(row.film_id, row.store_id, bool(row.rented_out)) for row in rows]


class SqlAccountRepository(Repository):
    async def accounts(self, customer_ids: Sequence[int]) -> Mapping[int, CustomerAccount]:
        """Customers, their rentals (with the film's terms) and payments: one UNION ALL."""
        if not customer_ids:
            return {}
        c, f, i, r, p = _CUSTOMER.c, _FILM.c, _INVENTORY.c, _RENTAL.c, _PAYMENT.c
        ids = _ids("customer_ids", customer_ids)  # one parameter, used by the three branches
        # Typed NULLs: UNION resolves each column's type branch by branch.
        no_time = cast_(null(), TIMESTAMP(timezone=True))
        no_money = cast_(null(), Numeric)
        no_int = cast_(null(), Integer)
        customers = select(
            c.customer_id,
            c.store_id,
            literal("c").label("kind"),
            no_time.label("at"),
            no_time.label("returned_at"),
            no_money.label("rental_rate"),
            no_int.label("rental_duration"),
            no_money.label("replacement_cost"),
            no_money.label("amount"),
        ).where(c.customer_id == ids)
        rentals = (
            select(
                r.customer_id,
                no_int,
                literal("r"),
                r.rental_date,
                r.return_date,
                f.rental_rate,
                f.rental_duration,
                f.replacement_cost,
                no_money,
            )
            .select_from(
                _RENTAL.join(_INVENTORY, i.inventory_id == r.inventory_id).join(
                    _FILM, f.film_id == i.film_id
                )
            )
            .where(r.customer_id == ids)
        )
        payments = select(
            p.customer_id,
            no_int,
            literal("p"),
            p.payment_date,
            no_time,
            no_money,
            no_int,
            no_money,
            p.amount,
        ).where(p.customer_id == ids)
        rows = await self._run.all(union_all(customers, rentals, payments))
        stores: dict[int, int] = {}
        charged: defaultdict[int, list[ChargeableRental]] = defaultdict(list)
        paid: defaultdict[int, list[PaymentMade]] = defaultdict(list)
        for row in rows:
            _add(row, stores, charged, paid)
        return {
            customer_id: CustomerAccount(
                customer_id, store_id, tuple(charged[customer_id]), tuple(paid[customer_id])
            )
            for customer_id, store_id in stores.items()
        }


def _add(
    row: Any,
    stores: dict[int, int],
    charged: defaultdict[int, list[ChargeableRental]],
    paid: defaultdict[int, list[PaymentMade]],
) -> None:
    if row.kind == "c":
        stores[row.customer_id] = row.store_id
    elif row.kind == "r":
        terms = RentalTerms(row.rental_rate, row.rental_duration, row.replacement_cost)
        charged[row.customer_id].append(ChargeableRental(terms, row.at, row.returned_at))
    else:
        paid[row.customer_id].append(PaymentMade(row.amount, row.at))


class SqlRentalTermsRepository(Repository):
    async def rental_durations(self, inventory_ids: Sequence[int]) -> Mapping[int, int]:
        if not inventory_ids:
            return {}
        i, f = _INVENTORY.c, _FILM.c
        statement = (
            select(i.inventory_id, f.rental_duration)
            .select_from(_INVENTORY.join(_FILM, f.film_id == i.film_id))
            .where(i.inventory_id == _ids("inventory_ids", inventory_ids))
        )
        return {row.inventory_id: row.rental_duration for row in await self._run.all(statement)}
