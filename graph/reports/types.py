"""Report inputs and rows."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import strawberry

from domain.reports import CategorySales, CustomerSpend, Period, StoreSales


@strawberry.input(description="A period of time: `start` ≤ payment date < `end`; both optional.")
class ReportPeriod:
    start: dt.datetime | None = strawberry.field(
        default=None, description="First instant included (with a time zone). Open if omitted."
    )
    end: dt.datetime | None = strawberry.field(
        default=None, description="First instant excluded (with a time zone). Open if omitted."
    )

    def to_domain(self) -> Period:
        return Period(self.start, self.end)


@strawberry.type(description="Money taken for rentals of one store's copies.")
class StoreSalesRow:
    store_id: int = strawberry.field(description="The store's key in Pagila.")
    city: str = strawberry.field(description="City the store is in.")
    country: str = strawberry.field(description="Country the store is in.")
    store_name: str = strawberry.field(
        description="`City,Country`, as Pagila's `sales_by_store` view names the store."
    )
    manager_staff_id: int = strawberry.field(description="Key of the store's manager.")
    manager_name: str = strawberry.field(description="The manager's first and last name.")
    total_sales: Decimal = strawberry.field(description="Sum of the payments, in dollars.")
    payment_count: int = strawberry.field(description="Number of payments summed.")

    @classmethod
    def from_domain(cls, row: StoreSales) -> StoreSalesRow:
        return cls(
            store_id=row.store_id,
            city=row.city,
            country=row.country,
            store_name=row.store_name,
            manager_staff_id=row.manager_staff_id,
            manager_name=row.manager_name,
            total_sales=row.total_sales,
            payment_count=row.payment_count,
        )


@strawberry.type(description="Money taken for rentals of the films of one category.")
class CategorySalesRow:
    category_id: int = strawberry.field(description="The category's key in Pagila.")
    category: str = strawberry.field(description="The category's name, e.g. Sports.")
    total_sales: Decimal = strawberry.field(description="Sum of the payments, in dollars.")
    payment_count: int = strawberry.field(description="Number of payments summed.")

    @classmethod
    def from_domain(cls, row: CategorySales) -> CategorySalesRow:
        return cls(
            category_id=row.category_id,
            category=row.category,
            total_sales=row.total_sales,
            payment_count=row.payment_count,
        )


@strawberry.type(description="A customer who qualified for the month's rewards.")
class TopCustomerRow:
    customer_id: int = strawberry.field(description="The customer's key in Pagila.")
    store_id: int = strawberry.field(description="The customer's home store.")
    first_name: str = strawberry.field(description="Given name.")
    last_name: str = strawberry.field(description="Family name.")
    email: str | None = strawberry.field(description="E-mail address.")
    purchases: int = strawberry.field(description="Payments made in the month.")
    amount_paid: Decimal = strawberry.field(description="Dollars paid in the month.")

    @classmethod
    def from_domain(cls, row: CustomerSpend) -> TopCustomerRow:
        return cls(
            customer_id=row.customer_id,
            store_id=row.store_id,
            first_name=row.first_name,
            last_name=row.last_name,
            email=row.email,
            purchases=row.purchases,
            amount_paid=row.amount,
        )
