"""Catalogue root fields."""

from __future__ import annotations

from collections.abc import Sequence

import strawberry

from domain.errors import InvalidInput
from domain.films import Film as FilmEntity
from graph.catalog.types import Film
from graph.context import Context
from graph.relay import parse_int_id


async def load_films(context: Context, ids: Sequence[int]) -> list[FilmEntity | None]:
    films = await (await context.scope.films()).get_many(ids)
    return [films.get(i) for i in ids]


@strawberry.type
class CatalogQuery:
    @strawberry.field(description="One film, by global `id` or by `filmId`. Null if none.")
    async def film(
        self,
        info: strawberry.Info[Context, None],
        id: strawberry.ID | None = None,
        film_id: int | None = None,
    ) -> Film | None:
        key = one_key(id, film_id, "Film")
        film = await info.context.scope.loader("film_by_id", load_films).load(key)
        return None if film is None else Film.from_entity(film)

    @strawberry.field(description="Films ordered by title. `first` defaults to 20, at most 100.")
    async def films(
        self, info: strawberry.Info[Context, None], first: int | None = None
    ) -> list[Film]:
        service = await info.context.scope.films()
        return [Film.from_entity(f) for f in await service.list(first)]


def one_key(global_id: str | None, key: int | None, type_name: str) -> int:
    """Accept either a global ID or the numeric key, never both."""
    if (global_id is None) == (key is None):
        field = f"{type_name[0].lower()}{type_name[1:]}Id"
        raise InvalidInput(f"Give exactly one of `id` or `{field}`.")
    return key if key is not None else parse_int_id(global_id or "", type_name)
