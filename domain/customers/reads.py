"""Customers and where they live, their streaming subscriptions, and who may see them.

Customer data follows `domain.auth.can_see_customer`: a customer sees only themselves, staff
and managers the customers of their store, admins everyone, anonymous callers nobody. Lists
are narrowed in SQL (`CustomerScope`); rows fetched by id are checked one by one, so `node(id:)`
cannot reach what a list would hide. Nested lists (a customer's rentals) inherit the check
their parent passed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Protocol, TypeVar

from domain.auth import Principal, Role, can_see_customer, require_authenticated
from domain.errors import DomainError, PermissionDenied
from domain.pagination import Page, PageRequest
from domain.reading import ListRepository, read_page
from domain.validation import check_search_text

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Customer:
    id: int
    store_id: int
    first_name: str
    last_name: str
    email: str | None
    address_id: int
    active: bool
    create_date: dt.date
    last_update: dt.datetime | None


@dataclass(frozen=True, slots=True)
class Address:
    id: int
    address: str
    address2: str | None
    district: str
    city_id: int
    postal_code: str | None
    phone: str
    last_update: dt.datetime


@dataclass(frozen=True, slots=True)
class City:
    id: int
    city: str
    country_id: int
    last_update: dt.datetime


@dataclass(frozen=True, slots=True)
class Country:
    id: int
    country: str
    last_update: dt.datetime


@dataclass(frozen=True, slots=True)
class StreamingSubscription:
    id: int
    customer_id: int
    plan_name: str
    start_date: dt.date
    end_date: dt.date | None


@dataclass(frozen=True, slots=True)
class CustomerScope:
    """The customers a caller may see: everyone (both None), one store's, or one customer."""

    store_id: int | None = None
    customer_id: int | None = None


EVERYONE = CustomerScope()


@dataclass(frozen=True, slots=True)
class CustomerFilter:
    name_contains: str | None = None  # first or last name, case-insensitive
    email_contains: str | None = None
    store_id: int | None = None
    active: bool | None = None
    scope: CustomerScope = EVERYONE  # set by the service, never by the client

    def __post_init__(self) -> None:
        check_search_text(self.name_contains, "filter.nameContains")
        check_search_text(self.email_contains, "filter.emailContains")


class CustomerOrderField(StrEnum):
    LAST_NAME = "LAST_NAME"
    EMAIL = "EMAIL"
    CREATE_DATE = "CREATE_DATE"
    CUSTOMER_ID = "CUSTOMER_ID"


CUSTOMER_SORT_TYPES: Mapping[str, tuple[type, ...]] = {
    "LAST_NAME": (str, str),  # last name, first name
    "EMAIL": (str,),
    "CREATE_DATE": (dt.date,),
    "CUSTOMER_ID": (),
}


class CustomersOf(StrEnum):
    """Customers are not a nested list anywhere yet."""


class SubscriptionsOf(StrEnum):
    CUSTOMER = "CUSTOMER"


class GeographyOf(StrEnum):
    """Addresses, cities and countries are reached one at a time, never as nested lists."""


@dataclass(frozen=True, slots=True)
class NoFilter:
    pass


CustomerRepository = ListRepository[Customer, CustomerFilter, CustomersOf]
SubscriptionRepository = ListRepository[StreamingSubscription, NoFilter, SubscriptionsOf]
AddressRepository = ListRepository[Address, NoFilter, GeographyOf]
CityRepository = ListRepository[City, NoFilter, GeographyOf]
CountryRepository = ListRepository[Country, NoFilter, GeographyOf]

#: Customers by id, in the order asked (None: no such customer). Graph passes its DataLoader,
#: so owner look-ups share the operation's cache.
CustomerLookup = Callable[[Sequence[int]], Awaitable[Sequence[Customer | None]]]


def customer_scope(principal: Principal) -> CustomerScope:
    """The SQL-side form of `can_see_customer`, for lists."""
    require_authenticated(principal)
    if principal.role is Role.ADMIN:
        return EVERYONE
    if principal.role is Role.CUSTOMER and principal.customer_id is not None:
        return CustomerScope(customer_id=principal.customer_id)
    if principal.role in (Role.STAFF, Role.MANAGER) and principal.store_id is not None:
        return CustomerScope(store_id=principal.store_id)
    return CustomerScope(customer_id=-1)  # an account bound to nothing sees nothing


def customer_data_refusal() -> PermissionDenied:
    """What reading another customer's data raises (one source: the executor's checks and
    the compiled path's denials, decision 0164)."""
    return PermissionDenied("You may only see your own (or your store's) customer data.")


class CustomerAccess:
    """Applies the customer-data rule to rows loaded by id."""

    def __init__(self, principal: Principal) -> None:
        self.principal = principal

    def check(self, customer: Customer | None) -> Customer | DomainError | None:
        require_authenticated(self.principal)
        if customer is None:
            return None
        if can_see_customer(self.principal, customer.id, customer.store_id):
            return customer
        return customer_data_refusal()

    async def owned(
        self,
        items: Sequence[T | None],
        owner_id: Callable[[T], int],
        customers: CustomerLookup,
    ) -> list[T | DomainError | None]:
        """Each item, or the refusal of its owner's data."""
        require_authenticated(self.principal)
        owner_ids = sorted({owner_id(i) for i in items if i is not None})
        owners = dict(zip(owner_ids, await customers(owner_ids), strict=True))
        result: list[T | DomainError | None] = []
        for item in items:
            if item is None:
                result.append(None)
                continue
            owner = owners.get(owner_id(item))
            seen = owner is not None and can_see_customer(self.principal, owner.id, owner.store_id)
            result.append(item if seen else customer_data_refusal())
        return result


class CustomerReader(Protocol):
    @property
    def customers(self) -> CustomerRepository: ...

    @property
    def subscriptions(self) -> SubscriptionRepository: ...


class CustomerService:
    def __init__(self, uow: CustomerReader, principal: Principal) -> None:
        self._uow = uow
        self.access = CustomerAccess(principal)
        self.principal = principal

    async def page(self, customer_filter: CustomerFilter, request: PageRequest) -> Page[Customer]:
        scoped = replace(customer_filter, scope=customer_scope(self.principal))
        return await read_page(self._uow.customers, scoped, request)

    async def get_many(self, ids: Sequence[int]) -> list[Customer | DomainError | None]:
        """By id, each checked: a refusal in place of a customer the caller may not see."""
        require_authenticated(self.principal)
        found = await self._uow.customers.get_many(ids)
        return [self.access.check(found.get(i)) for i in ids]

    async def owners(self, ids: Sequence[int]) -> list[Customer | None]:
        """Unchecked, for permission checks of rows a customer owns (see `CustomerAccess`)."""
        found = await self._uow.customers.get_many(ids)
        return [found.get(i) for i in ids]

    async def subscriptions_by_id(
        self, ids: Sequence[int], customers: CustomerLookup
    ) -> list[StreamingSubscription | DomainError | None]:
        found = await self._uow.subscriptions.get_many(ids)
        return await self.access.owned([found.get(i) for i in ids], _owner, customers)


def _owner(subscription: StreamingSubscription) -> int:
    return subscription.customer_id
