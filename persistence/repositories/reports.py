"""Report aggregates in SQL (one statement each), the same joins as Pagila's views."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import ColumnElement, Integer, Select, Table, any_, bindparam, func, select
from sqlalchemy.dialects.postgresql import ARRAY

from domain.reports import CategorySales, CustomerSpend, Period, RentalLine, StoreSales
from persistence import models
from persistence.repositories.base import Repository

_ADDRESS = cast(Table, models.Address.__table__)
_CATEGORY = cast(Table, models.Category.__table__)
_CITY = cast(Table, models.City.__table__)
_COUNTRY = cast(Table, models.Country.__table__)
_CUSTOMER = cast(Table, models.Customer.__table__)
_FILM = cast(Table, models.Film.__table__)
_FILM_CATEGORY = cast(Table, models.FilmCategory.__table__)
_INVENTORY = cast(Table, models.Inventory.__table__)
_PAYMENT = cast(Table, models.Payment.__table__)
_RENTAL = cast(Table, models.Rental.__table__)
_STAFF = cast(Table, models.Staff.__table__)
_STORE = cast(Table, models.Store.__table__)

#: payment → rental → the rented copy (whose store the sale belongs to)
_SALES = _PAYMENT.join(_RENTAL, _RENTAL.c.rental_id == _PAYMENT.c.rental_id).join(
    _INVENTORY, _INVENTORY.c.inventory_id == _RENTAL.c.inventory_id
)


def _in(column: ColumnElement[int], name: str, values: Sequence[int]) -> ColumnElement[bool]:
    return column == any_(bindparam(name, list(values), type_=ARRAY(Integer)))


def _within(statement: Select[Any], period: Period) -> Select[Any]:
    paid_at = _PAYMENT.c.payment_date
    if period.start is not None:
        statement = statement.where(paid_at >= period.start)
    if period.end is not None:
        statement = statement.where(paid_at < period.end)
    return statement


class SqlReportRepository(Repository):
    async def sales_by_store(
        self, store_ids: Sequence[int] | None, period: Period
    ) -> Sequence[StoreSales]:
        s, a, c, cy, m = _STORE.c, _ADDRESS.c, _CITY.c, _COUNTRY.c, _STAFF.c
        total = func.sum(_PAYMENT.c.amount)
        statement = (
            select(
                s.store_id,
                c.city,
                cy.country,
                m.staff_id,
                m.first_name,
                m.last_name,
                total.label("total"),
                func.count().label("payments"),
            )
            .select_from(
                _SALES.join(_STORE, s.store_id == _INVENTORY.c.store_id)
                .join(_ADDRESS, a.address_id == s.address_id)
                .join(_CITY, c.city_id == a.city_id)
                .join(_COUNTRY, cy.country_id == c.country_id)
                .join(_STAFF, m.staff_id == s.manager_staff_id)
            )
            .group_by(s.store_id, c.city, cy.country, m.staff_id, m.first_name, m.last_name)
            .order_by(cy.country, c.city, s.store_id)
        )
        if store_ids is not None:
            statement = statement.where(_in(s.store_id, "store_ids", store_ids))
        rows = await self._run.all(_within(statement, period))
        return [
            StoreSales(
                store_id=row.store_id,
                city=row.city,
                country=row.country,
                manager_staff_id=row.staff_id,
                manager_name=f"{row.first_name} {row.last_name}",
                total_sales=Decimal(row.total),
                payment_count=int(row.payments),
            )
            for row in rows
        ]

    async def sales_by_category(
        self, store_ids: Sequence[int] | None, period: Period
    ) -> Sequence[CategorySales]:
        cat, fc = _CATEGORY.c, _FILM_CATEGORY.c
        total = func.sum(_PAYMENT.c.amount)
        statement = (
            select(cat.category_id, cat.name, total.label("total"), func.count().label("payments"))
            .select_from(
                _SALES.join(_FILM_CATEGORY, fc.film_id == _INVENTORY.c.film_id).join(
                    _CATEGORY, cat.category_id == fc.category_id
                )
            )
            .group_by(cat.category_id, cat.name)
            .order_by(total.desc(), cat.name, cat.category_id)
        )
        if store_ids is not None:
            statement = statement.where(_in(_INVENTORY.c.store_id, "store_ids", store_ids))
        rows = await self._run.all(_within(statement, period))
        return [
            CategorySales(row.category_id, row.name, Decimal(row.total), int(row.payments))
            for row in rows
        ]

    async def top_customers(
        self,
        store_ids: Sequence[int] | None,
        period: Period,
        min_purchases: int,
        min_amount: Decimal,
        limit: int,
    ) -> Sequence[CustomerSpend]:
        c, p = _CUSTOMER.c, _PAYMENT.c
        amount = func.sum(p.amount)
        purchases = func.count(p.payment_id)
        statement = (
            select(
                c.customer_id,
                c.store_id,
                c.first_name,
                c.last_name,
                c.email,
                purchases.label("purchases"),
                amount.label("amount"),
            )
            .select_from(_PAYMENT.join(_CUSTOMER, c.customer_id == p.customer_id))
            .group_by(c.customer_id)
            .having(purchases > min_purchases)
            .having(amount > min_amount)
            .order_by(amount.desc(), c.customer_id)
            .limit(limit)
        )
        if store_ids is not None:
            statement = statement.where(_in(c.store_id, "store_ids", store_ids))
        rows = await self._run.all(_within(statement, period))
        return [
            CustomerSpend(
                customer_id=row.customer_id,
                store_id=row.store_id,
                first_name=row.first_name,
                last_name=row.last_name,
                email=row.email,
                purchases=int(row.purchases),
                amount=Decimal(row.amount),
            )
            for row in rows
        ]

    async def rentals(
        self, store_ids: Sequence[int] | None, period: Period, after_rental_id: int, limit: int
    ) -> Sequence[RentalLine]:
        r, i, f = _RENTAL.c, _INVENTORY.c, _FILM.c
        statement = (
            select(
                r.rental_id,
                r.rental_date,
                r.return_date,
                i.store_id,
                i.inventory_id,
                f.film_id,
                f.title,
                r.customer_id,
                r.staff_id,
            )
            .select_from(
                _RENTAL.join(_INVENTORY, i.inventory_id == r.inventory_id).join(
                    _FILM, f.film_id == i.film_id
                )
            )
            .where(r.rental_id > after_rental_id)
            .order_by(r.rental_id)
            .limit(limit)
        )
        if period.start is not None:
            statement = statement.where(r.rental_date >= period.start)
        if period.end is not None:
            statement = statement.where(r.rental_date < period.end)
        if store_ids is not None:
            statement = statement.where(_in(i.store_id, "store_ids", store_ids))
        return [
            RentalLine(
                rental_id=row.rental_id,
                rented_at=row.rental_date,
                returned_at=row.return_date,
                store_id=row.store_id,
                inventory_id=row.inventory_id,
                film_id=row.film_id,
                title=row.title,
                customer_id=row.customer_id,
                staff_id=row.staff_id,
            )
            for row in await self._run.all(statement)
        ]
