"""Report aggregates in SQL (one statement each), the same joins as Pagila's views, summed
before the joins that only name the groups (decision 0156)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Integer,
    Select,
    Subquery,
    Table,
    any_,
    bindparam,
    func,
    literal,
    select,
)
from sqlalchemy import cast as sql_cast
from sqlalchemy.dialects.postgresql import ARRAY

from domain.reports import (
    CategorySales,
    CustomerSpend,
    Period,
    RentalLine,
    Report,
    ReportRequest,
    StoreSales,
)
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
    # unique: one compiled read may hold several reports, each with its own stores
    values_param = bindparam(name, list(values), type_=ARRAY(Integer), unique=True)
    return column == any_(values_param)


def _within(statement: Select[Any], period: Period) -> Select[Any]:
    paid_at = _PAYMENT.c.payment_date
    if period.start is not None:
        statement = statement.where(paid_at >= period.start)
    if period.end is not None:
        statement = statement.where(paid_at < period.end)
    return statement


@dataclass(frozen=True)
class ReportQuery:
    """One report's statement: its columns labelled as the domain row's attributes, and its
    order. The repository runs `ordered()`; the compiled read path (persistence/read_sql.py)
    numbers the rows by `order` and aggregates them into the response's JSON (decision 0156)."""

    statement: Select[Any]
    order: tuple[ColumnElement[Any], ...]
    limit: int | None = None

    def ordered(self) -> Select[Any]:
        statement = self.statement.order_by(*self.order)
        return statement if self.limit is None else statement.limit(self.limit)


def _sales(store_ids: Sequence[int] | None, period: Period, key: ColumnElement[int]) -> Subquery:
    """Payments of the period for rentals of the stores' copies, summed per `key` (a column of
    the rented copy) before anything is joined to them: a few hundred groups, not one row per
    payment, go through the joins that name them (decision 0156)."""
    columns: list[ColumnElement[Any]] = [
        key.label("key"),
        func.sum(_PAYMENT.c.amount).label("total"),
        func.count().label("payments"),
    ]
    statement = select(*columns).select_from(_SALES).group_by(key)
    if store_ids is not None:
        statement = statement.where(_in(_INVENTORY.c.store_id, "store_ids", store_ids))
    return _within(statement, period).subquery("sales")


def sales_by_store_query(store_ids: Sequence[int] | None, period: Period) -> ReportQuery:
    """Like Pagila's `sales_by_store` view, per store id (the view groups by names)."""
    s, c, cy, m = _STORE.c, _CITY.c, _COUNTRY.c, _STAFF.c
    sales = _sales(store_ids, period, _INVENTORY.c.store_id)
    statement = select(
        s.store_id,
        c.city,
        cy.country,
        c.city.op("||")(literal(",")).op("||")(cy.country).label("store_name"),
        m.staff_id.label("manager_staff_id"),
        m.first_name.op("||")(literal(" ")).op("||")(m.last_name).label("manager_name"),
        sales.c.total.label("total_sales"),
        sales.c.payments.label("payment_count"),
    ).select_from(
        sales.join(_STORE, s.store_id == sales.c.key)
        .join(_ADDRESS, _ADDRESS.c.address_id == s.address_id)
        .join(_CITY, c.city_id == _ADDRESS.c.city_id)
        .join(_COUNTRY, cy.country_id == c.country_id)
        .join(_STAFF, m.staff_id == s.manager_staff_id)
    )
    return ReportQuery(statement, (cy.country, c.city, s.store_id))


def sales_by_category_query(store_ids: Sequence[int] | None, period: Period) -> ReportQuery:
    """Like Pagila's `sales_by_film_category` view: per film first, then per category (a film
    may have several categories; each gets the film's sales, as in the view)."""
    cat, fc = _CATEGORY.c, _FILM_CATEGORY.c
    per_film = _sales(store_ids, period, _INVENTORY.c.film_id)
    total = func.sum(per_film.c.total)
    statement = (
        select(
            cat.category_id,
            cat.name.label("category"),
            total.label("total_sales"),
            sql_cast(func.sum(per_film.c.payments), BigInteger).label("payment_count"),
        )
        .select_from(
            per_film.join(_FILM_CATEGORY, fc.film_id == per_film.c.key).join(
                _CATEGORY, cat.category_id == fc.category_id
            )
        )
        .group_by(cat.category_id, cat.name)
    )
    return ReportQuery(statement, (total.desc(), cat.name, cat.category_id))


def top_customers_query(
    store_ids: Sequence[int] | None,
    period: Period,
    min_purchases: int,
    min_amount: Decimal,
    limit: int,
) -> ReportQuery:
    """Pagila's `rewards_report` for a period: payments summed per customer, the thresholds
    applied, then the qualifying customers' names joined."""
    c, p = _CUSTOMER.c, _PAYMENT.c
    amount = func.sum(p.amount)
    purchases = func.count(p.payment_id)
    spend = _within(
        select(p.customer_id, purchases.label("purchases"), amount.label("amount"))
        .group_by(p.customer_id)
        .having(purchases > min_purchases)
        .having(amount > min_amount),
        period,
    ).subquery("spend")
    statement = select(
        c.customer_id,
        c.store_id,
        c.first_name,
        c.last_name,
        c.email,
        spend.c.purchases,
        spend.c.amount,
    ).select_from(spend.join(_CUSTOMER, c.customer_id == spend.c.customer_id))
    if store_ids is not None:
        statement = statement.where(_in(c.store_id, "store_ids", store_ids))
    return ReportQuery(statement, (spend.c.amount.desc(), c.customer_id), limit)


#: The reports' queries by name (the compiled read path's view of them).
REPORT_QUERIES: dict[Report, Callable[[ReportRequest], ReportQuery]] = {
    Report.SALES_BY_STORE: lambda r: sales_by_store_query(r.stores, r.period),
    Report.SALES_BY_CATEGORY: lambda r: sales_by_category_query(r.stores, r.period),
    Report.TOP_CUSTOMERS: lambda r: top_customers_query(
        r.stores, r.period, r.min_purchases, r.min_amount, r.limit
    ),
}


class SqlReportRepository(Repository):
    async def sales_by_store(
        self, store_ids: Sequence[int] | None, period: Period
    ) -> Sequence[StoreSales]:
        rows = await self._run.all(sales_by_store_query(store_ids, period).ordered())
        return [
            StoreSales(
                store_id=row.store_id,
                city=row.city,
                country=row.country,
                store_name=row.store_name,
                manager_staff_id=row.manager_staff_id,
                manager_name=row.manager_name,
                total_sales=Decimal(row.total_sales),
                payment_count=int(row.payment_count),
            )
            for row in rows
        ]

    async def sales_by_category(
        self, store_ids: Sequence[int] | None, period: Period
    ) -> Sequence[CategorySales]:
        rows = await self._run.all(sales_by_category_query(store_ids, period).ordered())
        return [
            CategorySales(
                row.category_id, row.category, Decimal(row.total_sales), int(row.payment_count)
            )
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
        query = top_customers_query(store_ids, period, min_purchases, min_amount, limit)
        rows = await self._run.all(query.ordered())
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
