"""Film posters (table of migration 0011)."""

from __future__ import annotations

import string
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Text, cast, func, literal_column, select
from sqlalchemy.dialects.postgresql import insert

from domain.catalogue.posters import POSTER_PATH, VERSION_CHARS, Poster, PosterVersion
from persistence.models import Film as FilmRow
from persistence.models import FilmPoster as PosterRow
from persistence.repositories.base import Repository

_P = PosterRow.__table__.c


def _poster(row: Any) -> Poster:
    return Poster(
        film_id=row.film_id,
        content_type=row.content_type,
        content=bytes(row.content),
        etag=row.sha256,
        updated_at=row.updated_at,
    )


def poster_url(film_id: ColumnElement[int]) -> ColumnElement[str | None]:
    """`Film.posterUrl` in SQL (null without a poster), built from the domain's template
    `POSTER_PATH` as `poster_path` formats it, for the compiled read path."""
    poster = PosterRow.__table__.alias("poster")
    values: dict[str, ColumnElement[Any]] = {
        "film_id": cast(poster.c.film_id, Text),
        "version": func.left(poster.c.sha256, VERSION_CHARS),
    }
    path: ColumnElement[Any] | None = None
    for text, name, _spec, _conversion in string.Formatter().parse(POSTER_PATH):
        pieces: list[ColumnElement[Any]] = []
        if text:  # the template is ours: a constant of the statement, not a parameter
            pieces.append(literal_column("'" + text.replace("'", "''") + "'", Text))
        if name is not None:
            pieces.append(values[name])
        for piece in pieces:
            path = piece if path is None else path.op("||")(piece)
    assert path is not None
    found = select(path).select_from(poster).where(poster.c.film_id == film_id)
    return found.scalar_subquery()


class SqlPosterRepository(Repository):
    async def film_exists(self, film_id: int) -> bool:
        statement = (
            select(FilmRow.film_id)
            .where(FilmRow.film_id == film_id)
            .with_for_update(key_share=True)
        )
        return await self._run.scalar(statement) is not None

    async def put(self, film_id: int, content_type: str, content: bytes, etag: str) -> Poster:
        values = {
            "film_id": film_id,
            "content_type": content_type,
            "content": content,
            "sha256": etag,
        }
        upsert = insert(PosterRow).values(**values)
        statement = upsert.on_conflict_do_update(
            index_elements=[_P.film_id],
            set_={
                "content_type": upsert.excluded.content_type,
                "content": upsert.excluded.content,
                "sha256": upsert.excluded.sha256,
                "updated_at": func.now(),
            },
        ).returning(*PosterRow.__table__.c)
        row = await self._run.one_or_none(statement)
        assert row is not None
        return _poster(row)

    async def get(self, film_id: int) -> Poster | None:
        row = await self._run.one_or_none(
            select(*PosterRow.__table__.c).where(_P.film_id == film_id)
        )
        return None if row is None else _poster(row)

    async def versions(self, film_ids: Sequence[int]) -> Sequence[PosterVersion]:
        if not film_ids:
            return []
        rows = await self._run.all(
            select(_P.film_id, _P.sha256).where(_P.film_id.in_(sorted(set(film_ids))))
        )
        return [PosterVersion(row.film_id, row.sha256) for row in rows]
