"""Rentals and payments by id, each checked as its customer's data."""

from __future__ import annotations

from collections.abc import Sequence

from domain.errors import DomainError
from domain.rentals.reads import Payment, Rental, RentalService
from graph.context import Context
from graph.customers.loaders import owner_lookup
from graph.loading import ById


async def _rentals(context: Context, ids: Sequence[int]) -> list[Rental | DomainError | None]:
    service = RentalService(await context.scope.uow(), context.principal)
    return await service.rentals_by_id(ids, lambda keys: owner_lookup(context, keys))


async def _payments(context: Context, ids: Sequence[int]) -> list[Payment | DomainError | None]:
    service = RentalService(await context.scope.uow(), context.principal)
    return await service.payments_by_id(ids, lambda keys: owner_lookup(context, keys))


RENTALS: ById[Rental] = ById("rental", _rentals)
PAYMENTS: ById[Payment] = ById("payment", _payments)
