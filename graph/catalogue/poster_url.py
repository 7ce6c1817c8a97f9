"""`Film.posterUrl`: where the film's poster is served, versioned by its content."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import strawberry

from domain.catalogue.posters import PosterDownloads, poster_path
from graph.context import Context

Info = strawberry.Info[Context, Any]


async def _versions(context: Context, film_ids: Sequence[int]) -> list[str | None]:
    found = await PosterDownloads(await context.scope.uow()).versions(film_ids)
    return [found.get(film_id) for film_id in film_ids]


@strawberry.field(
    description="Path of the film's poster image (GET it on this server), or null when it has "
    "none. The path changes when a new poster is uploaded."
)
async def poster_url(root: Any, info: Info) -> str | None:
    etag = await info.context.scope.loader("film.poster_versions", _versions).load(root.film_id)
    return None if etag is None else poster_path(root.film_id, etag)
