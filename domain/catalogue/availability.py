"""Which copies of a film can be rented right now.

A copy is in stock when it has no open rental (one not yet returned) — the meaning of Pagila's
`inventory_in_stock` (a copy never rented, or whose every rental has a return date) and
`film_in_stock` (the in-stock copies of a film at a store). Catalogue reads are public.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class CopyState:
    """One physical copy and whether it is out with a customer."""

    film_id: int
    store_id: int
    rented_out: bool  # an open (not yet returned) rental exists


@dataclass(frozen=True, slots=True)
class StockQuery:
    """Copies of `film_id` in stock at `store_id`, or at every store when it is None."""

    film_id: int
    store_id: int | None = None


class StockRepository(Protocol):
    async def copy_states(self, film_ids: Sequence[int]) -> Sequence[CopyState]:
        """Every copy of these films (one statement for any number of films)."""
        ...


class StockReader(Protocol):
    @property
    def stock(self) -> StockRepository: ...


def in_stock(copy: CopyState) -> bool:
    return not copy.rented_out


class AvailabilityService:
    def __init__(self, uow: StockReader) -> None:
        self._uow = uow

    async def copies_in_stock(self, queries: Sequence[StockQuery]) -> list[int]:
        """How many copies each query finds in stock, in the order asked."""
        film_ids = sorted({q.film_id for q in queries})
        copies = await self._uow.stock.copy_states(film_ids) if film_ids else ()
        by_store: Counter[tuple[int, int]] = Counter()
        by_film: Counter[int] = Counter()
        for copy in copies:
            if in_stock(copy):
                by_store[copy.film_id, copy.store_id] += 1
                by_film[copy.film_id] += 1
        return [
            by_film[q.film_id] if q.store_id is None else by_store[q.film_id, q.store_id]
            for q in queries
        ]

    async def by_store(self, film_id: int) -> list[StoreStock]:
        """The film's copies and copies in stock at each store that holds any."""
        return stock_by_store(film_id, await self._uow.stock.copy_states([film_id]))


@dataclass(frozen=True, slots=True)
class StoreStock:
    """A film's copies at one store, and how many of them are in stock."""

    store_id: int
    copies: int
    in_stock: int


def stock_by_store(film_id: int, copies: Sequence[CopyState]) -> list[StoreStock]:
    """Per store holding copies of the film, by store id (a store without copies is absent)."""
    total: Counter[int] = Counter()
    free: Counter[int] = Counter()
    for copy in copies:
        if copy.film_id == film_id:
            total[copy.store_id] += 1
            free[copy.store_id] += in_stock(copy)
    return [StoreStock(store, total[store], free[store]) for store in sorted(total)]
