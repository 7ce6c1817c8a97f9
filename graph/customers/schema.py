"""Customer root fields: customer data, visible to the customer themselves and to staff."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.customers.reads import CustomerFilter as CustomerCriteria
from domain.customers.reads import CustomerService
from domain.stores import require_private_address_access
from graph.context import Context
from graph.customers import loaders
from graph.customers.filters import CustomerFilter, CustomerOrder, customer_order
from graph.customers.types import (
    Address,
    City,
    Country,
    Customer,
    StreamingSubscription,
)
from graph.pagination import AFTER, BEFORE, FIRST, LAST, Connection, Info, connection, request_for
from graph.relay import one_key, register_node

First = Annotated[int | None, FIRST]
After = Annotated[str | None, AFTER]
Last = Annotated[int | None, LAST]
Before = Annotated[str | None, BEFORE]


@strawberry.type
class CustomersQuery:
    @strawberry.field(
        description="One customer, by global `id` or `customerId`. Null if none; an error if "
        "you may not see them (customers see themselves, staff their store's customers)."
    )
    async def customer(
        self, info: Info, id: strawberry.ID | None = None, customer_id: int | None = None
    ) -> Customer | None:
        return await _customer(info.context, one_key(id, customer_id, "Customer"))

    @strawberry.field(
        description="The customers you may see (yourself; staff: your store's; admins: all). "
        "Default order: by last name, then first name."
    )
    async def customers(
        self,
        info: Info,
        *,
        filter: CustomerFilter | None = None,
        order_by: CustomerOrder | None = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Customer]:
        request = request_for(info, customer_order(order_by), (first, after, last, before))
        criteria = filter.criteria() if filter else CustomerCriteria()
        service = CustomerService(await info.context.scope.uow(), info.context.principal)
        page = await service.page(criteria, request)
        # a rental's or payment's owner check (and its `customer`) then costs no statement
        loaders.OWNERS.prime(info.context, {c.id: c for c in page.items})
        return connection(page, Customer.from_entity)


async def _customer(context: Context, key: int) -> Customer | None:
    found = await loaders.CUSTOMERS.load(context, key)
    return None if found is None else Customer.from_entity(found)


async def _subscription(context: Context, key: int) -> StreamingSubscription | None:
    found = await loaders.SUBSCRIPTIONS.load(context, key)
    return None if found is None else StreamingSubscription.from_entity(found)


async def _address(context: Context, key: int) -> Address | None:
    # by id, an address could be anyone's home: staff only (reached through a store, a staff
    # member or a customer, it follows the rule of that parent)
    require_private_address_access(context.principal)
    found = await loaders.ADDRESSES.load(context, key)
    return None if found is None else Address.from_entity(found)


async def _city(context: Context, key: int) -> City | None:
    found = await loaders.CITIES.load(context, key)
    return None if found is None else City.from_entity(found)


async def _country(context: Context, key: int) -> Country | None:
    found = await loaders.COUNTRIES.load(context, key)
    return None if found is None else Country.from_entity(found)


register_node("Customer", _customer)
register_node("StreamingSubscription", _subscription)
register_node("Address", _address)
register_node("City", _city)
register_node("Country", _country)
