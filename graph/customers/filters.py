"""Customer filter and ordering inputs."""

from __future__ import annotations

import strawberry

from domain.customers import reads as customers
from domain.customers.reads import CustomerFilter as CustomerCriteria
from domain.pagination import SortDirection, SortKey
from domain.reading import sort_key
from graph.pagination import OrderDirection

CustomerOrderField = strawberry.enum(
    customers.CustomerOrderField,
    name="CustomerOrderField",
    description="LAST_NAME orders by last then first name; ties are broken by customerId.",
)


@strawberry.input(description="Customers matching all the criteria given.")
class CustomerFilter:
    name_contains: str | None = strawberry.field(
        default=None, description="Case-insensitive substring of 'FIRST LAST'."
    )
    email_contains: str | None = strawberry.field(
        default=None, description="Case-insensitive substring of the e-mail address."
    )
    store_id: int | None = strawberry.field(default=None, description="Home store.")
    active: bool | None = strawberry.field(default=None, description="Active or not.")

    def criteria(self) -> CustomerCriteria:
        return CustomerCriteria(
            name_contains=self.name_contains,
            email_contains=self.email_contains,
            store_id=self.store_id,
            active=self.active,
        )


@strawberry.input(description="How to order customers.")
class CustomerOrder:
    field: CustomerOrderField  # type: ignore[valid-type]
    direction: OrderDirection = SortDirection.ASC  # type: ignore[valid-type]


def customer_order(order: CustomerOrder | None) -> SortKey:
    field, direction = (
        (customers.CustomerOrderField.LAST_NAME, SortDirection.ASC)
        if order is None
        else (order.field, order.direction)
    )
    return sort_key(field, direction, customers.CUSTOMER_SORT_TYPES)
