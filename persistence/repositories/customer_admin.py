"""Write-side repository of customers, their addresses and streaming subscriptions."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from sqlalchemy import Row, Table, exists, func, insert, select, update

from domain.customers.admin import AddressDraft, CustomerRecord, SubscriptionRecord
from persistence import models
from persistence.repositories.base import Repository

_CUSTOMER = cast(Table, models.Customer.__table__)
_ADDRESS = cast(Table, models.Address.__table__)
_CITY = cast(Table, models.City.__table__)
_COUNTRY = cast(Table, models.Country.__table__)
_STORE = cast(Table, models.Store.__table__)
_SUBSCRIPTION = cast(Table, models.StreamingSubscription.__table__)

_CUSTOMER_COLUMNS = (
    _CUSTOMER.c.customer_id,
    _CUSTOMER.c.store_id,
    _CUSTOMER.c.first_name,
    _CUSTOMER.c.last_name,
    _CUSTOMER.c.email,
    _CUSTOMER.c.address_id,
    _CUSTOMER.c.activebool,
    _CUSTOMER.c.create_date,
)
_SUBSCRIPTION_COLUMNS = (
    _SUBSCRIPTION.c.id,
    _SUBSCRIPTION.c.customer_id,
    _SUBSCRIPTION.c.plan_name,
    _SUBSCRIPTION.c.start_date,
    _SUBSCRIPTION.c.end_date,
)


def _customer(row: Row[Any]) -> CustomerRecord:
    return CustomerRecord(
        customer_id=row.customer_id,
        store_id=row.store_id,
        first_name=row.first_name,
        last_name=row.last_name,
        email=row.email,
        address_id=row.address_id,
        active=row.activebool,
        create_date=row.create_date,
    )


def _subscription(row: Row[Any]) -> SubscriptionRecord:
    return SubscriptionRecord(row.id, row.customer_id, row.plan_name, row.start_date, row.end_date)


class SqlCustomerWrites(Repository):
    async def country_id(self, name: str) -> int | None:
        country_id: int | None = await self._run.scalar(
            select(_COUNTRY.c.country_id)
            .where(func.lower(_COUNTRY.c.country) == name.lower())
            .order_by(_COUNTRY.c.country_id)
            .limit(1)
        )
        return country_id

    async def city_id(self, name: str, country_id: int) -> int | None:
        city_id: int | None = await self._run.scalar(
            select(_CITY.c.city_id)
            .where(func.lower(_CITY.c.city) == name.lower(), _CITY.c.country_id == country_id)
            .order_by(_CITY.c.city_id)
            .limit(1)
        )
        return city_id

    async def insert_city(self, name: str, country_id: int) -> int:
        city_id: int = await self._run.scalar(
            insert(_CITY).values(city=name, country_id=country_id).returning(_CITY.c.city_id)
        )
        return city_id

    async def insert_address(self, city_id: int, address: AddressDraft) -> int:
        address_id: int = await self._run.scalar(
            insert(_ADDRESS)
            .values(
                address=address.address,
                address2=address.address2,
                district=address.district,
                city_id=city_id,
                postal_code=address.postal_code,
                phone=address.phone,
            )
            .returning(_ADDRESS.c.address_id)
        )
        return address_id

    async def store_exists(self, store_id: int) -> bool:
        return bool(await self._run.scalar(select(exists().where(_STORE.c.store_id == store_id))))

    async def insert_customer(self, values: dict[str, object]) -> CustomerRecord:
        row = await self._run.one_or_none(
            insert(_CUSTOMER).values(values).returning(*_CUSTOMER_COLUMNS)
        )
        assert row is not None
        return _customer(row)

    async def lock_customer(self, customer_id: int) -> CustomerRecord | None:
        row = await self._run.one_or_none(
            select(*_CUSTOMER_COLUMNS)
            .where(_CUSTOMER.c.customer_id == customer_id)
            .with_for_update()
        )
        return None if row is None else _customer(row)

    async def update_customer(self, customer_id: int, values: dict[str, object]) -> CustomerRecord:
        statement: Any
        if values:
            statement = (
                update(_CUSTOMER)
                .where(_CUSTOMER.c.customer_id == customer_id)
                .values(values)
                .returning(*_CUSTOMER_COLUMNS)
            )
        else:
            statement = select(*_CUSTOMER_COLUMNS).where(_CUSTOMER.c.customer_id == customer_id)
        row = await self._run.one_or_none(statement)
        assert row is not None
        return _customer(row)

    async def subscriptions_of(self, customer_id: int) -> list[SubscriptionRecord]:
        rows = await self._run.all(
            select(*_SUBSCRIPTION_COLUMNS)
            .where(_SUBSCRIPTION.c.customer_id == customer_id)
            .order_by(_SUBSCRIPTION.c.start_date)
        )
        return [_subscription(row) for row in rows]

    async def insert_subscription(
        self, customer_id: int, plan_name: str, start: dt.date, end: dt.date | None
    ) -> SubscriptionRecord:
        row = await self._run.one_or_none(
            insert(_SUBSCRIPTION)
            .values(customer_id=customer_id, plan_name=plan_name, start_date=start, end_date=end)
            .returning(*_SUBSCRIPTION_COLUMNS)
        )
        assert row is not None
        return _subscription(row)

    async def lock_subscription(self, subscription_id: int) -> SubscriptionRecord | None:
        row = await self._run.one_or_none(
            select(*_SUBSCRIPTION_COLUMNS)
            .where(_SUBSCRIPTION.c.id == subscription_id)
            .with_for_update()
        )
        return None if row is None else _subscription(row)

    async def end_subscription(self, subscription_id: int, end: dt.date) -> SubscriptionRecord:
        row = await self._run.one_or_none(
            update(_SUBSCRIPTION)
            .where(_SUBSCRIPTION.c.id == subscription_id)
            .values(end_date=end)
            .returning(*_SUBSCRIPTION_COLUMNS)
        )
        assert row is not None
        return _subscription(row)
