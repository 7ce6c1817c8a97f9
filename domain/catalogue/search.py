"""Film search in plain words, for the agents: criteria by name (category, actor) rather than by
id, resolved through the catalogue's own lists, then the films service. Public reads.

No new SQL: it composes `FilmService`, the actor/category lists and `AvailabilityService`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from domain.catalogue.availability import AvailabilityService, StockQuery, StockRepository
from domain.catalogue.films import (
    Film,
    FilmFilter,
    FilmOrderField,
    FilmRepository,
    FilmService,
    MpaaRating,
    film_sort,
)
from domain.catalogue.reads import (
    ACTOR_SORT_TYPES,
    NAME_SORT_TYPES,
    ActorFilter,
    ActorOrderField,
    ActorRepository,
    CategoryRepository,
    NameOrderField,
    NoFilter,
)
from domain.errors import InvalidInput
from domain.pagination import PageRequest, SortDirection
from domain.reading import PublicList, sort_key

MAX_RESULTS = 10
#: Pagila's two stores: stock is reported for each
STORES = (1, 2)


@dataclass(frozen=True, slots=True)
class FilmSearch:
    """Every given criterion must hold."""

    keywords: str | None = None  # full-text over title and description
    title: str | None = None  # part of the title
    category: str | None = None  # a category name, e.g. "Horror"
    actor: str | None = None  # part of an actor's name
    rating: MpaaRating | None = None
    max_price: Decimal | None = None  # rental rate, inclusive
    min_length: int | None = None
    max_length: int | None = None
    in_stock_at_store: int | None = None
    limit: int = 5
    #: the order asked for ("longest first": LENGTH, descending); default relevance or title
    order_by: FilmOrderField | None = None
    descending: bool = False


@dataclass(frozen=True, slots=True)
class FilmHit:
    film: Film
    total: int  # how many films matched in all


class SearchReader(Protocol):
    @property
    def films(self) -> FilmRepository: ...

    @property
    def categories(self) -> CategoryRepository: ...

    @property
    def actors(self) -> ActorRepository: ...

    @property
    def stock(self) -> StockRepository: ...


def parse_rating(value: str | None) -> MpaaRating | None:
    if not value:
        return None
    try:
        return MpaaRating(value.strip().upper())
    except ValueError:
        raise InvalidInput(
            f"Unknown rating {value!r}; use one of G, PG, PG-13, R, NC-17.", field="rating"
        ) from None


def category_key(name: str) -> str:
    """A category name as people write it: any case, singular or plural, possessive
    ("Comedies", "comedy", "children's", "classic" all find their category)."""
    key = name.strip().lower().removesuffix("'s").removesuffix("s'")
    if key.endswith("ies") and len(key) > 4:
        return key[:-3] + "y"
    return key.removesuffix("s") if len(key) > 4 else key


class FilmSearchService:
    def __init__(self, uow: SearchReader) -> None:
        self._uow = uow
        self.films = FilmService(uow)

    async def search(self, criteria: FilmSearch) -> tuple[list[Film], int]:
        """Films matching every criterion (best first when searching by keywords), and how
        many match in all. A category or actor name that matches nothing finds no film."""
        category_ids = await self._category_ids(criteria.category)
        actor_ids = await self._actor_ids(criteria.actor)
        if category_ids == () or actor_ids == ():
            return [], 0
        film_filter = FilmFilter(
            title_contains=criteria.title or None,
            fulltext=criteria.keywords or None,
            category_ids=category_ids,
            actor_ids=actor_ids,
            ratings=(criteria.rating,) if criteria.rating else None,
            max_rental_rate=criteria.max_price,
            min_length=criteria.min_length,
            max_length=criteria.max_length,
            in_stock_at_store=criteria.in_stock_at_store,
        )
        limit = max(1, min(criteria.limit, MAX_RESULTS))
        order = criteria.order_by
        if order is FilmOrderField.RELEVANCE and not film_filter.fulltext:
            order = None
        direction = SortDirection.DESC if criteria.descending else SortDirection.ASC
        request = PageRequest(film_sort(order, direction, film_filter), limit)
        page = await self.films.page(film_filter, request)
        return list(page.items), await page.count()

    async def in_stock(self, film_id: int, store_ids: Sequence[int]) -> dict[int, int]:
        """Copies of the film in stock per store (store id → copies)."""
        counts = await AvailabilityService(self._uow).copies_in_stock(
            [StockQuery(film_id, store) for store in store_ids]
        )
        return dict(zip(store_ids, counts, strict=True))

    async def existing_titles(self, titles: Sequence[str]) -> set[str]:
        """Those of `titles` (compared upper-case) that are catalogue titles."""
        existing: set[str] = set()
        for title in titles:
            film_filter = FilmFilter(title_contains=title)
            request = PageRequest(film_sort(None, SortDirection.ASC, film_filter), MAX_RESULTS)
            page = await self.films.page(film_filter, request)
            if any(film.title.upper() == title.upper() for film in page.items):
                existing.add(title.upper())
        return existing

    async def _category_ids(self, name: str | None) -> tuple[int, ...] | None:
        if not name:
            return None
        request = PageRequest(
            sort_key(NameOrderField.NAME, SortDirection.ASC, NAME_SORT_TYPES), 100
        )
        page = await PublicList(self._uow.categories).page(NoFilter(), request)
        wanted = category_key(name)
        return tuple(c.id for c in page.items if category_key(c.name) == wanted)

    async def _actor_ids(self, name: str | None) -> tuple[int, ...] | None:
        if not name:
            return None
        sort = sort_key(ActorOrderField.LAST_NAME, SortDirection.ASC, ACTOR_SORT_TYPES)
        ids: list[int] = []
        for part in name.split()[:3]:  # "Penelope Guiness": actors matching every word
            page = await PublicList(self._uow.actors).page(
                ActorFilter(name_contains=part), PageRequest(sort, 100)
            )
            found = {a.id for a in page.items}
            ids = sorted(found) if not ids else [i for i in ids if i in found]
            if not ids:
                return ()
        return tuple(ids)
