"""Customer, StreamingSubscription and the geography (Address, City, Country).

Customers are reached only through checked entry points (root fields, `node`, loaders that
check); their nested lists (rentals, payments, subscriptions) inherit that check.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated, ClassVar

import strawberry

from domain.customers.reads import Address as AddressEntity
from domain.customers.reads import City as CityEntity
from domain.customers.reads import Country as CountryEntity
from domain.customers.reads import Customer as CustomerEntity
from domain.customers.reads import StreamingSubscription as SubscriptionEntity
from domain.customers.reads import SubscriptionsOf
from domain.pagination import SortDirection, SortKey
from domain.rentals.reads import PaymentsOf, RentalsOf
from graph.customers import balance as balances
from graph.customers import loaders
from graph.loading import NestedList
from graph.pagination import AFTER, BEFORE, FIRST, LAST, Connection, Info, connection
from graph.relay import Node

if TYPE_CHECKING:
    from graph.rentals.types import Payment, Rental
    from graph.stores.types import Store

RENTALS_NEWEST_FIRST = SortKey("RENTAL_DATE", SortDirection.DESC, (dt.datetime,))
PAYMENTS_NEWEST_FIRST = SortKey("PAYMENT_DATE", SortDirection.DESC, (dt.datetime,))
SUBSCRIPTIONS_BY_ID = SortKey("ID", SortDirection.ASC, ())

CUSTOMER_RENTALS = NestedList(
    "customer.rentals", lambda u: u.rentals, RentalsOf.CUSTOMER, RENTALS_NEWEST_FIRST
)
CUSTOMER_PAYMENTS = NestedList(
    "customer.payments", lambda u: u.payments, PaymentsOf.CUSTOMER, PAYMENTS_NEWEST_FIRST
)
CUSTOMER_SUBSCRIPTIONS = NestedList(
    "customer.subscriptions",
    lambda u: u.subscriptions,
    SubscriptionsOf.CUSTOMER,
    SUBSCRIPTIONS_BY_ID,
)


async def load_address(info: Info, address_id: int) -> Address:
    found = await loaders.ADDRESSES.load(info.context, address_id)
    assert found is not None  # a foreign key
    return Address.from_entity(found)


async def load_customer(info: Info, customer_id: int) -> Customer:
    """A customer the caller may see (raises the refusal otherwise)."""
    found = await loaders.CUSTOMERS.load(info.context, customer_id)
    assert found is not None  # a foreign key
    return Customer.from_entity(found)


@strawberry.type(description="A customer of the rental stores. Visible to themselves and staff.")
class Customer(Node):
    KEY: ClassVar[str] = "customer_id"

    customer_id: int = strawberry.field(description="The customer's key in Pagila.")
    first_name: str = strawberry.field(description="Given name, upper case as stored.")
    last_name: str = strawberry.field(description="Family name, upper case as stored.")
    email: str | None = strawberry.field(description="E-mail address.")
    active: bool = strawberry.field(description="Whether the customer may still rent.")
    create_date: dt.date = strawberry.field(description="When the customer signed up.")
    last_update: dt.datetime | None = strawberry.field(description="When the row last changed.")
    store_id: strawberry.Private[int]
    address_id: strawberry.Private[int]
    balance = balances.balance

    @strawberry.field(description="The customer's home store.")
    async def store(self, info: Info) -> Annotated[Store, strawberry.lazy("graph.stores.types")]:
        from graph.stores.types import load_store

        return await load_store(info, self.store_id)

    @strawberry.field(description="Where the customer lives.")
    async def address(self, info: Info) -> Address:
        return await load_address(info, self.address_id)

    @strawberry.field(description="The customer's rentals, newest first.")
    async def rentals(
        self,
        info: Info,
        first: Annotated[int | None, FIRST] = None,
        after: Annotated[str | None, AFTER] = None,
        last: Annotated[int | None, LAST] = None,
        before: Annotated[str | None, BEFORE] = None,
    ) -> Connection[Annotated[Rental, strawberry.lazy("graph.rentals.types")]]:
        from graph.rentals.types import Rental

        page = await CUSTOMER_RENTALS.page(info, self.customer_id, (first, after, last, before))
        return connection(page, Rental.from_entity)

    @strawberry.field(description="The customer's payments, newest first.")
    async def payments(
        self,
        info: Info,
        first: Annotated[int | None, FIRST] = None,
        after: Annotated[str | None, AFTER] = None,
        last: Annotated[int | None, LAST] = None,
        before: Annotated[str | None, BEFORE] = None,
    ) -> Connection[Annotated[Payment, strawberry.lazy("graph.rentals.types")]]:
        from graph.rentals.types import Payment

        page = await CUSTOMER_PAYMENTS.page(info, self.customer_id, (first, after, last, before))
        return connection(page, Payment.from_entity)

    @strawberry.field(description="The customer's streaming subscriptions, oldest first.")
    async def subscriptions(
        self,
        info: Info,
        first: Annotated[int | None, FIRST] = None,
        after: Annotated[str | None, AFTER] = None,
        last: Annotated[int | None, LAST] = None,
        before: Annotated[str | None, BEFORE] = None,
    ) -> Connection[StreamingSubscription]:
        page = await CUSTOMER_SUBSCRIPTIONS.page(
            info, self.customer_id, (first, after, last, before)
        )
        return connection(page, StreamingSubscription.from_entity)

    @classmethod
    def from_entity(cls, customer: CustomerEntity) -> Customer:
        return cls(
            customer_id=customer.id,
            first_name=customer.first_name,
            last_name=customer.last_name,
            email=customer.email,
            active=customer.active,
            create_date=customer.create_date,
            last_update=customer.last_update,
            store_id=customer.store_id,
            address_id=customer.address_id,
        )


@strawberry.type(description="A customer's streaming plan over a period.")
class StreamingSubscription(Node):
    KEY: ClassVar[str] = "subscription_id"

    subscription_id: int = strawberry.field(description="The subscription's key.")
    plan_name: str = strawberry.field(description="Name of the plan, e.g. basic.")
    start_date: dt.date = strawberry.field(description="First day of the subscription.")
    end_date: dt.date | None = strawberry.field(description="Day it ended; null while running.")
    customer_id: strawberry.Private[int]

    @strawberry.field(description="The subscriber.")
    async def customer(self, info: Info) -> Customer:
        return await load_customer(info, self.customer_id)

    @classmethod
    def from_entity(cls, subscription: SubscriptionEntity) -> StreamingSubscription:
        return cls(
            subscription_id=subscription.id,
            plan_name=subscription.plan_name,
            start_date=subscription.start_date,
            end_date=subscription.end_date,
            customer_id=subscription.customer_id,
        )


@strawberry.type(description="A postal address (of a customer, a staff member or a store).")
class Address(Node):
    KEY: ClassVar[str] = "address_id"

    address_id: int = strawberry.field(description="The address's key in Pagila.")
    address: str = strawberry.field(description="Street address.")
    address2: str | None = strawberry.field(description="Second address line.")
    district: str = strawberry.field(description="District, state or province.")
    postal_code: str | None = strawberry.field(description="Postal code.")
    phone: str = strawberry.field(description="Phone number.")
    last_update: dt.datetime = strawberry.field(description="When the row last changed.")
    city_id: strawberry.Private[int]

    @strawberry.field(description="The city.")
    async def city(self, info: Info) -> City:
        found = await loaders.CITIES.load(info.context, self.city_id)
        assert found is not None  # a foreign key
        return City.from_entity(found)

    @classmethod
    def from_entity(cls, address: AddressEntity) -> Address:
        return cls(
            address_id=address.id,
            address=address.address,
            address2=address.address2,
            district=address.district,
            postal_code=address.postal_code,
            phone=address.phone,
            last_update=address.last_update,
            city_id=address.city_id,
        )


@strawberry.type(description="A city.")
class City(Node):
    KEY: ClassVar[str] = "city_id"

    city_id: int = strawberry.field(description="The city's key in Pagila.")
    city: str = strawberry.field(description="Name of the city.")
    last_update: dt.datetime = strawberry.field(description="When the row last changed.")
    country_id: strawberry.Private[int]

    @strawberry.field(description="The country the city is in.")
    async def country(self, info: Info) -> Country:
        found = await loaders.COUNTRIES.load(info.context, self.country_id)
        assert found is not None  # a foreign key
        return Country.from_entity(found)

    @classmethod
    def from_entity(cls, city: CityEntity) -> City:
        return cls(
            city_id=city.id,
            city=city.city,
            last_update=city.last_update,
            country_id=city.country_id,
        )


@strawberry.type(description="A country.")
class Country(Node):
    KEY: ClassVar[str] = "country_id"

    country_id: int = strawberry.field(description="The country's key in Pagila.")
    country: str = strawberry.field(description="Name of the country.")
    last_update: dt.datetime = strawberry.field(description="When the row last changed.")

    @classmethod
    def from_entity(cls, country: CountryEntity) -> Country:
        return cls(country_id=country.id, country=country.country, last_update=country.last_update)
