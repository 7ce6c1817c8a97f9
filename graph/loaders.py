"""DataLoaders: every relation is loaded in one statement per batch, never per parent."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from strawberry.dataloader import DataLoader

from domain.films import Film

if TYPE_CHECKING:
    from graph.context import OperationScope


class Loaders:
    def __init__(self, scope: OperationScope) -> None:
        self._scope = scope
        self.film = DataLoader[int, Film | None](self._load_films)

    async def _load_films(self, ids: Sequence[int]) -> list[Film | None]:
        films = await (await self._scope.films()).get_many(ids)
        return [films.get(i) for i in ids]
