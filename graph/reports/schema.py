"""Report root fields: thin calls into domain/reports.py (which checks who may see what)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

import strawberry

from domain.reports import Period, ReportService, RewardsCriteria
from graph.context import Context
from graph.reports.types import CategorySalesRow, ReportPeriod, StoreSalesRow, TopCustomerRow

Info = strawberry.Info[Context, Any]

STORE_ID = strawberry.argument(
    description="Only this store. Omitted: every store (admins) or the manager's own store."
)


async def _service(info: Info) -> ReportService:
    # reports tolerate a read replica's lag (DATABASE_READ_URL)
    return ReportService(await info.context.scope.replica_uow(), info.context.principal)


def period_of(period: ReportPeriod | None) -> Period:
    """The argument as the domain's period (all time when omitted); the planner's too."""
    return (period if period is not None else ReportPeriod()).to_domain()


def rewards_criteria(
    year: int, month: int, min_purchases: int, min_amount: Decimal, first: int
) -> RewardsCriteria:
    """`topCustomers`' arguments as the domain's criteria; the planner's too."""
    return RewardsCriteria(year, month, min_purchases, min_amount, first)


@strawberry.type
class ReportsQuery:
    @strawberry.field(
        description=(
            "Sales per store over a period (all time if omitted), like Pagila's "
            "`sales_by_store` view: payments for rentals of each store's copies. "
            "Managers see their own store's, admins every store's."
        )
    )
    async def sales_by_store(
        self,
        info: Info,
        period: ReportPeriod | None = None,
        store_id: Annotated[int | None, STORE_ID] = None,
    ) -> list[StoreSalesRow]:
        service = await _service(info)
        rows = await service.sales_by_store(period_of(period), store_id)
        return [StoreSalesRow.from_domain(r) for r in rows]

    @strawberry.field(
        description=(
            "Sales per film category over a period (all time if omitted), largest first, like "
            "Pagila's `sales_by_film_category` view. Managers see their own store's, admins "
            "every store's."
        )
    )
    async def sales_by_film_category(
        self,
        info: Info,
        period: ReportPeriod | None = None,
        store_id: Annotated[int | None, STORE_ID] = None,
    ) -> list[CategorySalesRow]:
        service = await _service(info)
        rows = await service.sales_by_category(period_of(period), store_id)
        return [CategorySalesRow.from_domain(r) for r in rows]

    @strawberry.field(
        description=(
            "The rewards report (Pagila's `rewards_report`) for one calendar month (UTC): "
            "customers with more than `minPurchases` payments and more than `minAmount` dollars "
            "paid in that month, largest amount first. Managers see their own store's "
            "customers, admins everyone."
        )
    )
    async def top_customers(
        self,
        info: Info,
        *,
        year: int,
        month: int,
        min_purchases: int = 7,
        min_amount: Decimal = Decimal("20.00"),
        first: int = 10,
        store_id: Annotated[int | None, STORE_ID] = None,
    ) -> list[TopCustomerRow]:
        criteria = rewards_criteria(year, month, min_purchases, min_amount, first)
        rows = await (await _service(info)).top_customers(criteria, store_id)
        return [TopCustomerRow.from_domain(r) for r in rows]
