"""DataLoader plumbing shared by every area: rows by id, and per-parent pages.

Every relation of the read API resolves through one of these, so each relation costs one SQL
statement per operation level however many parents ask (`= ANY($1)` for rows by id; one
LATERAL statement for the pages of all parents; one GROUP BY for their counts).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, Generic, Protocol, TypeVar, cast

from domain.errors import DomainError
from domain.pagination import Page, PageRequest, Slice, SortKey, to_page
from domain.units import ReadUnit
from graph.context import Context
from graph.pagination import Info, PageArgs, request_for

E = TypeVar("E")
E_co = TypeVar("E_co", covariant=True)
R_contra = TypeVar("R_contra", contravariant=True)

UoW = ReadUnit


class HasGetMany(Protocol[E_co]):
    async def get_many(self, ids: Sequence[int]) -> Mapping[int, E_co]: ...


class HasPageFor(Protocol[E_co, R_contra]):
    async def page_for(
        self, relation: R_contra, parent_ids: Sequence[int], request: PageRequest
    ) -> Mapping[int, Slice[E_co]]: ...

    async def count_for(
        self, relation: R_contra, parent_ids: Sequence[int]
    ) -> Mapping[int, int]: ...


class ById(Generic[E]):
    """Rows of one kind by id, batched per operation under `name`.

    `batch` turns (context, ids) into one value per id: the entity, None when absent, or a
    DomainError when the caller may not see it (DataLoader raises it at that field only).
    """

    def __init__(
        self,
        name: str,
        batch: Callable[[Context, Sequence[int]], Awaitable[Sequence[E | DomainError | None]]],
    ) -> None:
        self.name = name
        self.batch = batch

    @classmethod
    def public(cls, name: str, read: Callable[[UoW], HasGetMany[E]]) -> ById[E]:
        """Rows anyone may see (catalogue, stores, geography)."""

        async def batch(context: Context, ids: Sequence[int]) -> list[E | DomainError | None]:
            found = await read(await context.scope.uow()).get_many(ids)
            return [found.get(i) for i in ids]

        return cls(name, batch)

    async def load(self, context: Context, key: int) -> E | None:
        # a DomainError value is raised by the DataLoader, never returned
        return cast("E | None", await context.scope.loader(self.name, self.batch).load(key))

    def prime(self, context: Context, found: Mapping[int, E]) -> None:
        """Rows another statement already read: later loads of them in this operation are free."""
        context.scope.loader(self.name, self.batch).prime_many(found)

    async def load_many(self, context: Context, keys: Sequence[int]) -> list[E | None]:
        loader = context.scope.loader(self.name, self.batch)
        return cast("list[E | None]", await loader.load_many(keys))

    def forget(self, context: Context, key: int) -> None:
        """Load `key` afresh next time in this operation (what the caller may see changed)."""
        loader = context.scope.loader(self.name, self.batch)
        if loader.cache_map.get(key) is not None:  # DataLoader.clear fails on an absent key
            loader.clear(key)


class NestedList(Generic[E]):
    """A list hanging off a parent (film → actors), in a fixed order, paged per parent.

    All parents asking with the same arguments in one operation share one statement (and one
    count statement when `totalCount` is selected)."""

    def __init__(
        self,
        name: str,
        read: Callable[[UoW], HasPageFor[E, Any]],
        relation: object,
        sort: SortKey,
    ) -> None:
        self.name = name
        self.read = read
        self.relation = relation
        self.sort = sort

    async def page(self, info: Info, parent_id: int, args: PageArgs) -> Page[E]:
        request = request_for(info, self.sort, args)
        read, relation = self.read, self.relation

        async def pages(ctx: Context, parent_ids: Sequence[int]) -> list[Slice[E]]:
            found = await read(await ctx.scope.uow()).page_for(relation, parent_ids, request)
            return [found[p] for p in parent_ids]

        async def counts(ctx: Context, parent_ids: Sequence[int]) -> list[int]:
            found = await read(await ctx.scope.uow()).count_for(relation, parent_ids)
            return [found[p] for p in parent_ids]

        scope = info.context.scope
        loader = scope.loader(f"{self.name}|{request.cache_key}", pages)
        found: Slice[E] = await loader.load(parent_id)

        async def count() -> int:
            total: int = await scope.loader(f"{self.name}|count", counts).load(parent_id)
            return total

        return to_page(found, request, count)
