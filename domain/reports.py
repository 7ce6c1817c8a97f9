"""Business reports: sales by store, sales by film category, top customers of a month.

Who may see them (`domain.auth.can_see_store_reports`): admins every store's, managers their own
store's; nobody else. A report over "all stores" asked by a manager is narrowed to their store.

Money is attributed to the store that holds the rented copy, as Pagila's `sales_by_store` and
`sales_by_film_category` views do. Periods are half-open: `start <= payment_date < end`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from typing import Protocol

from domain.auth import Principal, Role, can_see_store_reports, require_authenticated
from domain.errors import InvalidInput, PermissionDenied

MAX_TOP_CUSTOMERS = 100


@dataclass(frozen=True, slots=True)
class Period:
    """`start <= t < end`; either bound may be open (None)."""

    start: dt.datetime | None = None
    end: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class StoreSales:
    store_id: int
    city: str
    country: str
    #: `City,Country`, as Pagila's `sales_by_store` view names the store
    store_name: str
    manager_staff_id: int
    manager_name: str
    total_sales: Decimal
    payment_count: int


@dataclass(frozen=True, slots=True)
class CategorySales:
    category_id: int
    category: str
    total_sales: Decimal
    payment_count: int


@dataclass(frozen=True, slots=True)
class CustomerSpend:
    customer_id: int
    store_id: int
    first_name: str
    last_name: str
    email: str | None
    purchases: int
    amount: Decimal


@dataclass(frozen=True, slots=True)
class RentalLine:
    """One rental of a period (the CSV export of rentals)."""

    rental_id: int
    rented_at: dt.datetime
    returned_at: dt.datetime | None
    store_id: int
    inventory_id: int
    film_id: int
    title: str
    customer_id: int
    staff_id: int


#: rentals read per statement by `ReportService.rentals` (the export streams them)
RENTAL_BATCH = 1000


@dataclass(frozen=True, slots=True)
class RewardsCriteria:
    """Pagila's `rewards_report`: strictly more than `min_purchases` payments and strictly more
    than `min_amount` dollars paid within the month."""

    year: int
    month: int
    min_purchases: int = 7
    min_amount: Decimal = Decimal("20.00")
    limit: int = 10


class Report(Enum):
    """The reports, named as `ReportRepository`'s methods."""

    SALES_BY_STORE = "sales_by_store"
    SALES_BY_CATEGORY = "sales_by_category"
    TOP_CUSTOMERS = "top_customers"


@dataclass(frozen=True, slots=True)
class ReportRequest:
    """A report a caller may read, its inputs checked: what the repository is asked (the
    executor's resolvers through `ReportService`, the compiled read path as a read plan's
    value; decision 0156). `stores`: None means every store."""

    report: Report
    stores: tuple[int, ...] | None
    period: Period
    #: the rewards thresholds and page size (`Report.TOP_CUSTOMERS` only)
    min_purchases: int = 0
    min_amount: Decimal = Decimal(0)
    limit: int = MAX_TOP_CUSTOMERS


class ReportRepository(Protocol):
    async def sales_by_store(
        self, store_ids: Sequence[int] | None, period: Period
    ) -> Sequence[StoreSales]: ...

    async def sales_by_category(
        self, store_ids: Sequence[int] | None, period: Period
    ) -> Sequence[CategorySales]: ...

    async def top_customers(
        self,
        store_ids: Sequence[int] | None,
        period: Period,
        min_purchases: int,
        min_amount: Decimal,
        limit: int,
    ) -> Sequence[CustomerSpend]: ...

    async def rentals(
        self, store_ids: Sequence[int] | None, period: Period, after_rental_id: int, limit: int
    ) -> Sequence[RentalLine]:
        """Rentals made in the period (by rental date) at the stores, by rental id, the first
        `limit` after `after_rental_id`."""
        ...


class ReportReader(Protocol):
    @property
    def reports(self) -> ReportRepository: ...


def month_period(year: int, month: int) -> Period:
    """The calendar month in UTC."""
    if not 1 <= month <= 12:
        raise InvalidInput("`month` must be between 1 and 12.", field="month")
    if not 1 <= year <= 9998:
        raise InvalidInput("`year` is out of range.", field="year")
    start = dt.datetime(year, month, 1, tzinfo=dt.UTC)
    end = dt.datetime(year + month // 12, month % 12 + 1, 1, tzinfo=dt.UTC)
    return Period(start, end)


def _check_period(period: Period) -> None:
    for value in (period.start, period.end):
        if value is not None and value.tzinfo is None:
            raise InvalidInput("Dates must carry a time zone.", field="period")
    if period.start is not None and period.end is not None and period.end <= period.start:
        raise InvalidInput("The period must end after it starts.", field="period")


def stores_in_view(principal: Principal, store_id: int | None) -> tuple[int, ...] | None:
    """The stores a report may cover: None means every store (admins only)."""
    require_authenticated(principal)
    if store_id is not None:
        if not can_see_store_reports(principal, store_id):
            raise PermissionDenied("Only admins and the store's manager see its reports.")
        return (store_id,)
    if principal.role is Role.ADMIN:
        return None
    if principal.role is Role.MANAGER and principal.store_id is not None:
        return (principal.store_id,)
    raise PermissionDenied("Only admins and store managers see reports.")


def sales_request(
    principal: Principal, report: Report, period: Period, store_id: int | None
) -> ReportRequest:
    """Sales by store or by film category: the checks, in the order the service makes them
    (the period first, then who may see which stores)."""
    _check_period(period)
    return ReportRequest(report, stores_in_view(principal, store_id), period)


def top_customers_request(
    principal: Principal, criteria: RewardsCriteria, store_id: int | None
) -> ReportRequest:
    """The month's top customers (of the stores in view: the customer's home store)."""
    if criteria.min_purchases < 0:
        raise InvalidInput("`minPurchases` must not be negative.", field="minPurchases")
    if criteria.min_amount < 0:
        raise InvalidInput("`minAmount` must not be negative.", field="minAmount")
    if not 1 <= criteria.limit <= MAX_TOP_CUSTOMERS:
        raise InvalidInput(f"`first` must be between 1 and {MAX_TOP_CUSTOMERS}.", field="first")
    period = month_period(criteria.year, criteria.month)
    stores = stores_in_view(principal, store_id)
    return ReportRequest(
        Report.TOP_CUSTOMERS,
        stores,
        period,
        criteria.min_purchases,
        criteria.min_amount,
        criteria.limit,
    )


class ReportService:
    def __init__(self, uow: ReportReader, principal: Principal) -> None:
        self._uow = uow
        self.principal = principal

    def stores_in_view(self, store_id: int | None) -> Sequence[int] | None:
        """The stores a report may cover: None means every store (admins only)."""
        return stores_in_view(self.principal, store_id)

    async def sales_by_store(
        self, period: Period = Period(), store_id: int | None = None
    ) -> Sequence[StoreSales]:
        request = sales_request(self.principal, Report.SALES_BY_STORE, period, store_id)
        return await self._uow.reports.sales_by_store(request.stores, request.period)

    async def sales_by_category(
        self, period: Period = Period(), store_id: int | None = None
    ) -> Sequence[CategorySales]:
        request = sales_request(self.principal, Report.SALES_BY_CATEGORY, period, store_id)
        return await self._uow.reports.sales_by_category(request.stores, request.period)

    async def top_customers(
        self, criteria: RewardsCriteria, store_id: int | None = None
    ) -> Sequence[CustomerSpend]:
        """Customers of the month by amount paid (of the stores in view: the customer's home
        store)."""
        request = top_customers_request(self.principal, criteria, store_id)
        return await self._uow.reports.top_customers(
            request.stores,
            request.period,
            request.min_purchases,
            request.min_amount,
            request.limit,
        )

    async def rentals(
        self, period: Period, store_id: int | None = None
    ) -> AsyncIterator[Sequence[RentalLine]]:
        """The period's rentals (by rental date), in batches of `RENTAL_BATCH`, by rental id:
        an export streams them without holding them all. Checks run before the first batch."""
        _check_period(period)
        stores = self.stores_in_view(store_id)
        return self._rental_batches(stores, period)

    async def _rental_batches(
        self, stores: Sequence[int] | None, period: Period
    ) -> AsyncIterator[Sequence[RentalLine]]:
        after = 0
        while True:
            batch = await self._uow.reports.rentals(stores, period, after, RENTAL_BATCH)
            if batch:
                yield batch
            if len(batch) < RENTAL_BATCH:
                return
            after = batch[-1].rental_id
