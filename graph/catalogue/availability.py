"""`Film.availableCopies` and `Film.isInStock`: resolvers over the availability service.

Both share one DataLoader, so the availability of every film of an operation (whatever stores
are asked about) costs one SQL statement.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import strawberry

from domain.catalogue.availability import AvailabilityService, StockQuery
from graph.context import Context

Info = strawberry.Info[Context, Any]


async def _copies_in_stock(context: Context, queries: Sequence[StockQuery]) -> list[int]:
    return await AvailabilityService(await context.scope.uow()).copies_in_stock(queries)


async def copies_in_stock(info: Info, film_id: int, store_id: int | None) -> int:
    loader = info.context.scope.loader("film.copies_in_stock", _copies_in_stock)
    return await loader.load(StockQuery(film_id, store_id))


@strawberry.field(
    description=(
        "Copies of this film in stock now (not out with a customer): at store `storeId`, or "
        "at every store when it is omitted. Same meaning as Pagila's `film_in_stock`."
    )
)
async def available_copies(root: Any, info: Info, store_id: int | None = None) -> int:
    return await copies_in_stock(info, root.film_id, store_id)


@strawberry.field(description="Whether any store has a copy of this film in stock now.")
async def is_in_stock(root: Any, info: Info) -> bool:
    return await copies_in_stock(info, root.film_id, None) > 0
