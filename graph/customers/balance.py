"""`Customer.balance`: what the customer owes, by the billing rule (domain/rentals/billing.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import strawberry

from domain.customers.balance import BalanceQuery, BalanceService
from domain.errors import DomainError
from graph.context import Context

Info = strawberry.Info[Context, Any]


async def _balances(
    context: Context, queries: Sequence[BalanceQuery]
) -> list[Decimal | DomainError | None]:
    service = BalanceService(await context.scope.uow(), context.viewer)
    return await service.balances(queries)


@strawberry.field(
    description=(
        "What the customer owes in dollars (negative: in credit) at `asOf` (default: now): "
        "the rate of every rental made by then, plus 1.00 per started day a rental was kept "
        "late, or the replacement cost once more than twice the rental duration late, minus "
        "payments made by then. Same rule as Pagila's `get_customer_balance`. Visible to the "
        "customer, their store's staff and admins."
    )
)
async def balance(root: Any, info: Info, as_of: dt.datetime | None = None) -> Decimal:
    loader = info.context.scope.loader("customer.balance", _balances)
    # A DomainError value is raised by the DataLoader at this field, never returned.
    found = await loader.load(BalanceQuery(root.customer_id, as_of))
    assert isinstance(found, Decimal)  # the customer was loaded, so it exists
    return found
