"""Rental and payment root fields (customer data: yours, or your store's for staff)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import strawberry

from domain.rentals.reads import PaymentFilter as PaymentCriteria
from domain.rentals.reads import RentalFilter as RentalCriteria
from domain.rentals.reads import RentalService
from graph.context import Context
from graph.pagination import AFTER, BEFORE, FIRST, LAST, Connection, Info, connection, request_for
from graph.relay import one_key, register_node
from graph.rentals import loaders
from graph.rentals.filters import (
    PaymentFilter,
    PaymentOrder,
    RentalFilter,
    RentalOrder,
    payment_order,
    rental_order,
)
from graph.rentals.types import Payment, Rental

First = Annotated[int | None, FIRST]
After = Annotated[str | None, AFTER]
Last = Annotated[int | None, LAST]
Before = Annotated[str | None, BEFORE]


@strawberry.type
class RentalsQuery:
    @strawberry.field(description="One rental, by global `id` or `rentalId`. Null if none.")
    async def rental(
        self, info: Info, id: strawberry.ID | None = None, rental_id: int | None = None
    ) -> Rental | None:
        return await _rental(info.context, one_key(id, rental_id, "Rental"))

    @strawberry.field(
        description="The rentals you may see (your own; staff: your store's customers'). "
        "Default order: newest first."
    )
    async def rentals(
        self,
        info: Info,
        *,
        filter: RentalFilter | None = None,
        order_by: RentalOrder | None = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Rental]:
        request = request_for(info, rental_order(order_by), (first, after, last, before))
        criteria = filter.criteria() if filter else RentalCriteria()
        service = RentalService(await info.context.scope.uow(), info.context.principal)
        page = await service.rentals(criteria, request, dt.datetime.now(dt.UTC))
        return connection(page, Rental.from_entity)

    @strawberry.field(description="One payment, by global `id` or `paymentId`. Null if none.")
    async def payment(
        self, info: Info, id: strawberry.ID | None = None, payment_id: int | None = None
    ) -> Payment | None:
        return await _payment(info.context, one_key(id, payment_id, "Payment"))

    @strawberry.field(
        description="The payments you may see (your own; staff: your store's customers'). "
        "Default order: newest first."
    )
    async def payments(
        self,
        info: Info,
        *,
        filter: PaymentFilter | None = None,
        order_by: PaymentOrder | None = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Payment]:
        request = request_for(info, payment_order(order_by), (first, after, last, before))
        criteria = filter.criteria() if filter else PaymentCriteria()
        service = RentalService(await info.context.scope.uow(), info.context.principal)
        return connection(await service.payments(criteria, request), Payment.from_entity)


async def _rental(context: Context, key: int) -> Rental | None:
    found = await loaders.RENTALS.load(context, key)
    return None if found is None else Rental.from_entity(found)


async def _payment(context: Context, key: int) -> Payment | None:
    found = await loaders.PAYMENTS.load(context, key)
    return None if found is None else Payment.from_entity(found)


register_node("Rental", _rental)
register_node("Payment", _payment)
