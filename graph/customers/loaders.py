"""Customer data by id. Every loader here that returns customer data checks it
(domain.customers.reads.CustomerAccess) and yields a refusal in place of what the caller may not
see."""

from __future__ import annotations

from collections.abc import Sequence

from domain.customers.reads import (
    Address,
    City,
    Country,
    Customer,
    CustomerAccess,
    CustomerService,
    StreamingSubscription,
)
from domain.errors import DomainError
from graph.context import Context
from graph.loading import ById


async def _owners(context: Context, ids: Sequence[int]) -> list[Customer | DomainError | None]:
    service = CustomerService(await context.scope.uow(), context.principal)
    return list(await service.owners(ids))


#: Unchecked: only for checking who owns a row (rental, payment, ...). Never returned to clients.
OWNERS: ById[Customer] = ById("customer.owner", _owners)


async def owner_lookup(context: Context, ids: Sequence[int]) -> list[Customer | None]:
    return await OWNERS.load_many(context, ids)


async def _customers(context: Context, ids: Sequence[int]) -> list[Customer | DomainError | None]:
    access = CustomerAccess(context.viewer)
    return [access.check(c) for c in await OWNERS.load_many(context, ids)]


async def _subscriptions(
    context: Context, ids: Sequence[int]
) -> list[StreamingSubscription | DomainError | None]:
    service = CustomerService(await context.scope.uow(), context.principal)
    return await service.subscriptions_by_id(ids, lambda keys: owner_lookup(context, keys))


CUSTOMERS: ById[Customer] = ById("customer", _customers)


def served(context: Context, customer_id: int) -> None:
    """A write of this operation served the customer (the service allowed it): its payload
    reads the customer back as their store's staff would, whatever store they belong to
    (decision 0150). Only for the rest of this operation; a refusal loaded before is forgotten."""
    context.scope.served_customers.add(customer_id)
    CUSTOMERS.forget(context, customer_id)


SUBSCRIPTIONS: ById[StreamingSubscription] = ById("subscription", _subscriptions)
ADDRESSES: ById[Address] = ById.public("address", lambda uow: uow.addresses)
CITIES: ById[City] = ById.public("city", lambda uow: uow.cities)
COUNTRIES: ById[Country] = ById.public("country", lambda uow: uow.countries)
