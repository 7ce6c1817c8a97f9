"""Live subscriptions over the domain events (decision 0100): a store's counter, a film's
availability, the signed-in customer's account.

Every message is sent after the write it reports committed. Reads a message needs (stock,
balance) use a short unit of work of their own: a subscription holds no connection while idle.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Callable
from contextlib import asynccontextmanager
from decimal import Decimal
from typing import Any

import strawberry

from domain.auth import Principal
from domain.catalogue.availability import AvailabilityService
from domain.catalogue.films import FilmService
from domain.customers.balance import BalanceQuery, BalanceService
from domain.errors import DomainError, NotFound
from domain.events import DomainEvent, EventFeed, EventKind, LiveEvents
from domain.units import ReadUnit
from graph.context import Context
from graph.live import types as t

Info = strawberry.Info[Context, Any]


class LiveEventsUnavailable(DomainError):
    code = "UNAVAILABLE"


def feed(info: Info) -> EventFeed:
    if info.context.events is None:
        raise LiveEventsUnavailable("Live events are not configured on this server.")
    return info.context.events


@asynccontextmanager
async def reading(info: Info) -> AsyncIterator[ReadUnit]:
    async with info.context.units.read_only() as uow:
        yield uow


async def film_availability(info: Info, film_id: int, cause: str | None) -> t.FilmAvailability:
    async with reading(info) as uow:
        await FilmService(uow).get(film_id)  # NotFound for a missing (or deleted) film
        stores = await AvailabilityService(uow).by_store(film_id)
    return t.FilmAvailability(
        film_id=film_id,
        stores=[t.StoreStock.of(s) for s in stores],
        in_stock=sum(s.in_stock for s in stores),
        cause=cause,
        deleted=False,
    )


async def balance_of(info: Info, principal: Principal, customer_id: int) -> Decimal:
    async with reading(info) as uow:
        found = (await BalanceService(uow, principal).balances([BalanceQuery(customer_id)]))[0]
    if isinstance(found, DomainError):
        raise found
    if found is None:
        raise NotFound("Customer", customer_id)
    return found


async def matching(
    events: AsyncIterator[DomainEvent], wanted: Callable[[DomainEvent], bool]
) -> AsyncIterator[DomainEvent]:
    async for event in events:
        if wanted(event):
            yield event


@strawberry.type
class LiveSubscription:
    @strawberry.subscription(
        description="Rentals, returns and payments at a store as they are committed, in the "
        "order they were published."
    )
    async def rental_events(self, info: Info, store_id: int) -> AsyncGenerator[t.RentalEvent, None]:
        wanted = LiveEvents(info.context.principal).of_store(store_id)
        async with feed(info).subscribe() as events:
            async for event in matching(events, wanted):
                yield t.RentalEvent.of(event)

    @strawberry.subscription(
        description="Copies of a film in stock per store: now, then after every committed "
        "change to them."
    )
    async def film_availability(
        self, info: Info, film_id: int
    ) -> AsyncGenerator[t.FilmAvailability, None]:
        wanted = LiveEvents.of_film_stock(film_id)
        async with feed(info).subscribe() as events:  # before the first read: nothing missed
            yield await film_availability(info, film_id, None)
            async for event in matching(events, wanted):
                if event.kind is EventKind.FILM_CHANGED and event.change == "deleted":
                    yield t.FilmAvailability(
                        film_id=film_id, stores=[], in_stock=0, cause=event.kind.value, deleted=True
                    )
                    return
                if event.kind is EventKind.FILM_CHANGED:
                    continue  # details, not stock
                yield await film_availability(info, film_id, event.kind.value)

    @strawberry.subscription(
        description="Your rentals, returns, payments and account changes as they are "
        "committed, each with your balance after it (signed-in customers)."
    )
    async def my_account_events(self, info: Info) -> AsyncGenerator[t.AccountEvent, None]:
        principal = info.context.principal
        customer_id, wanted = LiveEvents(principal).of_my_account()
        async with feed(info).subscribe() as events:
            async for event in matching(events, wanted):
                yield t.AccountEvent.of(event, await balance_of(info, principal, customer_id))
