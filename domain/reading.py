"""What every read service shares: the list repository port and turning slices into pages.

Each list (films, rentals, ...) is read through one repository with the same five operations:
entities by id, a filtered keyset page, its count, and the per-parent variants that nested
connections use (one statement for all parents of a DataLoader batch).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import Generic, Never, Protocol, TypeVar

from domain.errors import InvalidInput
from domain.pagination import Page, PageRequest, Slice, SortDirection, SortKey, to_page

E = TypeVar("E")
E_co = TypeVar("E_co", covariant=True)
F_contra = TypeVar("F_contra", contravariant=True)
R_contra = TypeVar("R_contra", contravariant=True)
F = TypeVar("F")


class ListRepository(Protocol[E_co, F_contra, R_contra]):
    """`F`: the list's filter value; `R`: the relations a parent reaches this list through."""

    async def get_many(self, ids: Sequence[int]) -> Mapping[int, E_co]: ...

    async def page(self, filter: F_contra, request: PageRequest) -> Slice[E_co]: ...

    async def count(self, filter: F_contra) -> int: ...

    async def page_for(
        self, relation: R_contra, parent_ids: Sequence[int], request: PageRequest
    ) -> Mapping[int, Slice[E_co]]: ...

    async def count_for(
        self, relation: R_contra, parent_ids: Sequence[int]
    ) -> Mapping[int, int]: ...


async def read_page(
    repository: ListRepository[E, F, Never], filter: F, request: PageRequest
) -> Page[E]:
    found = await repository.page(filter, request)

    async def count() -> int:
        return await repository.count(filter)

    return to_page(found, request, count)


def sort_key(
    field: StrEnum, direction: SortDirection, value_types: Mapping[str, tuple[type, ...]]
) -> SortKey:
    try:
        types = value_types[field.value]
    except KeyError:
        raise InvalidInput(f"Cannot order by {field.value}.", field="orderBy") from None
    return SortKey(field.value, direction, types)


R = TypeVar("R")


class PublicList(Generic[E, F, R]):
    """A list anyone may read (the catalogue, stores): a thin pass-through to its repository."""

    def __init__(self, repository: ListRepository[E, F, R]) -> None:
        self.repository = repository

    async def get_many(self, ids: Sequence[int]) -> Mapping[int, E]:
        return await self.repository.get_many(ids)

    async def page(self, filter: F, request: PageRequest) -> Page[E]:
        return await read_page(self.repository, filter, request)

    async def page_for(
        self, relation: R, parent_ids: Sequence[int], request: PageRequest
    ) -> Mapping[int, Slice[E]]:
        return await self.repository.page_for(relation, parent_ids, request)

    async def count_for(self, relation: R, parent_ids: Sequence[int]) -> Mapping[int, int]:
        return await self.repository.count_for(relation, parent_ids)
