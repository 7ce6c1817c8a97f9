"""Films: the catalogue's central entity, its repository port and its read service."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Protocol

from domain.errors import InvalidInput, NotFound


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


class FilmRepository(Protocol):
    async def get_many(self, ids: Sequence[int]) -> Mapping[int, Film]: ...

    async def list_by_title(self, *, limit: int) -> list[Film]: ...


class FilmReader(Protocol):
    """What the film service needs from a unit of work."""

    @property
    def films(self) -> FilmRepository: ...


@dataclass(frozen=True, slots=True)
class PageLimits:
    default: int = 20
    maximum: int = 100

    def clamp(self, first: int | None) -> int:
        if first is None:
            return self.default
        if first < 0:
            raise InvalidInput("`first` must not be negative.", field="first")
        if first > self.maximum:
            raise InvalidInput(f"`first` must be at most {self.maximum}.", field="first")
        return first


class FilmService:
    def __init__(self, uow: FilmReader, limits: PageLimits = PageLimits()) -> None:
        self._uow = uow
        self._limits = limits

    async def get(self, film_id: int) -> Film:
        film = (await self._uow.films.get_many([film_id])).get(film_id)
        if film is None:
            raise NotFound("Film", film_id)
        return film

    async def get_many(self, film_ids: Sequence[int]) -> Mapping[int, Film]:
        return await self._uow.films.get_many(film_ids)

    async def list(self, first: int | None = None) -> list[Film]:
        return await self._uow.films.list_by_title(limit=self._limits.clamp(first))
