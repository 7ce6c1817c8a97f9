from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Row, select

from domain.films import Film, MpaaRating
from persistence.models import Film as FilmRow
from persistence.repositories.base import Repository

_FILM = FilmRow.__table__
_COLUMNS = [c for c in _FILM.c if c.name != "fulltext"]


def film_from_row(row: Row[Any]) -> Film:
    return Film(
        id=row.film_id,
        title=row.title,
        description=row.description,
        release_year=row.release_year,
        language_id=row.language_id,
        original_language_id=row.original_language_id,
        rental_duration=row.rental_duration,
        rental_rate=row.rental_rate,
        length=row.length,
        replacement_cost=row.replacement_cost,
        rating=MpaaRating(row.rating) if row.rating is not None else None,
        special_features=tuple(row.special_features or ()),
        streaming_available=row.streaming_available,
        last_update=row.last_update,
    )


class SqlFilmRepository(Repository):
    async def get_many(self, ids: Sequence[int]) -> Mapping[int, Film]:
        if not ids:
            return {}
        rows = await self._run.all(select(*_COLUMNS).where(_FILM.c.film_id.in_(set(ids))))
        return {row.film_id: film_from_row(row) for row in rows}

    async def list_by_title(self, *, limit: int) -> list[Film]:
        statement = select(*_COLUMNS).order_by(_FILM.c.title, _FILM.c.film_id).limit(limit)
        return [film_from_row(row) for row in await self._run.all(statement)]
