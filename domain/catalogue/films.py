"""Films: the catalogue's central entity, its filter and orderings, repository port and service."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Protocol

from domain.errors import InvalidInput, NotFound
from domain.pagination import Page, PageLimits, PageRequest, SortDirection, SortKey
from domain.reading import ListRepository, read_page, sort_key
from domain.validation import check_search_text

__all__ = ["PageLimits"]  # re-exported: the operation scope builds it from settings


class MpaaRating(StrEnum):
    G = "G"
    PG = "PG"
    PG_13 = "PG-13"
    R = "R"
    NC_17 = "NC-17"


@dataclass(frozen=True, slots=True)
class Film:
    id: int
    title: str
    description: str | None
    release_year: int | None
    language_id: int
    original_language_id: int | None
    rental_duration: int
    rental_rate: Decimal
    length: int | None
    replacement_cost: Decimal
    rating: MpaaRating | None
    special_features: tuple[str, ...]
    streaming_available: bool
    last_update: dt.datetime


@dataclass(frozen=True, slots=True)
class FilmFilter:
    """All given criteria must hold. Ranges are inclusive."""

    title_contains: str | None = None
    fulltext: str | None = None
    category_ids: tuple[int, ...] | None = None
    actor_ids: tuple[int, ...] | None = None
    ratings: tuple[MpaaRating, ...] | None = None
    release_year: int | None = None
    language_ids: tuple[int, ...] | None = None
    min_length: int | None = None
    max_length: int | None = None
    min_rental_rate: Decimal | None = None
    max_rental_rate: Decimal | None = None
    streaming_available: bool | None = None

    def __post_init__(self) -> None:
        check_search_text(self.title_contains, "filter.titleContains")
        check_search_text(self.fulltext, "filter.fulltext")

    in_stock_at_store: int | None = None


class FilmOrderField(StrEnum):
    TITLE = "TITLE"
    RELEASE_YEAR = "RELEASE_YEAR"
    LENGTH = "LENGTH"
    RENTAL_RATE = "RENTAL_RATE"
    REPLACEMENT_COST = "REPLACEMENT_COST"
    FILM_ID = "FILM_ID"
    #: ts_rank of `fulltext` against the filter's query; only with `filter.fulltext`.
    RELEVANCE = "RELEVANCE"


FILM_SORT_TYPES: Mapping[str, tuple[type, ...]] = {
    "TITLE": (str,),
    "RELEASE_YEAR": (int,),
    "LENGTH": (int,),
    "RENTAL_RATE": (Decimal,),
    "REPLACEMENT_COST": (Decimal,),
    "FILM_ID": (),
    "RELEVANCE": (float,),
}


class FilmsOf(StrEnum):
    """Parents whose films are a nested connection."""

    ACTOR = "ACTOR"
    CATEGORY = "CATEGORY"


def film_sort(
    field: FilmOrderField | None, direction: SortDirection, film_filter: FilmFilter
) -> SortKey:
    """The ordering asked for; by default relevance when searching, else title."""
    if field is None:
        field = FilmOrderField.RELEVANCE if film_filter.fulltext else FilmOrderField.TITLE
        direction = SortDirection.DESC if film_filter.fulltext else direction
    if field is FilmOrderField.RELEVANCE and not film_filter.fulltext:
        raise InvalidInput("Order by RELEVANCE needs `filter.fulltext`.", field="orderBy")
    return sort_key(field, direction, FILM_SORT_TYPES)


FilmRepository = ListRepository[Film, FilmFilter, FilmsOf]
DEFAULT_LIMITS = PageLimits()


class FilmReader(Protocol):
    """What the film service needs from a unit of work."""

    @property
    def films(self) -> FilmRepository: ...


class FilmService:
    """Catalogue reads are public: no principal needed."""

    def __init__(self, uow: FilmReader, limits: PageLimits = DEFAULT_LIMITS) -> None:
        self._uow = uow
        self.limits = limits

    async def get(self, film_id: int) -> Film:
        film = (await self._uow.films.get_many([film_id])).get(film_id)
        if film is None:
            raise NotFound("Film", film_id)
        return film

    async def get_many(self, film_ids: Sequence[int]) -> Mapping[int, Film]:
        return await self._uow.films.get_many(film_ids)

    async def page(self, film_filter: FilmFilter, request: PageRequest) -> Page[Film]:
        return await read_page(self._uow.films, film_filter, request)
