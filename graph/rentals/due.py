"""`Rental.dueDate` and `Rental.isOverdue`, by the billing rule (domain/rentals/billing.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import strawberry

from domain.rentals.due_dates import DueDateService, RentalDue, RentalPeriod
from graph.context import Context

Info = strawberry.Info[Context, Any]


async def _due(context: Context, rentals: Sequence[RentalPeriod]) -> list[RentalDue]:
    return await DueDateService(await context.scope.uow()).due(rentals)


async def _load(root: Any, info: Info) -> RentalDue:
    loader = info.context.scope.loader("rental.due", _due)
    return await loader.load(RentalPeriod(root.inventory_id, root.rental_date, root.return_date))


@strawberry.field(description="When the copy is due back: rental date + the film's rental days.")
async def due_date(root: Any, info: Info) -> dt.datetime:
    return (await _load(root, info)).due_date


@strawberry.field(description="Still out and past its due date (late fees are accruing).")
async def is_overdue(root: Any, info: Info) -> bool:
    return (await _load(root, info)).is_overdue
