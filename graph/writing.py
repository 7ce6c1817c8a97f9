"""What every mutation resolver needs: a fresh read-write unit of work and the caller.

A mutation is one unit of work, hence one transaction: the service opens it (`async with`),
commits at the end, and anything else rolls it back. It is not the operation's read scope
(`info.context.scope`), which runs in autocommit.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from typing import Any, ClassVar, Protocol, Self, TypeVar, cast

import strawberry

from domain.auth import Principal
from domain.errors import NotFound
from domain.outcomes import OutcomeUnknown, outcome_of_failure_now
from domain.units import ReadUnit, WriteUnit
from graph.context import Context
from graph.loading import HasGetMany

Info = strawberry.Info[Context, Any]


def write_uow(info: Info) -> WriteUnit:
    return info.context.units.read_write()


def caller(info: Info) -> Principal:
    return info.context.principal


E = TypeVar("E")


async def reread(info: Info, repository: Callable[[ReadUnit], HasGetMany[E]], key: int) -> E:
    """The row a mutation just committed, as the read API's entity (for the payload's type).

    Read without the read API's visibility rules: the caller was allowed to write it; the
    payload's nested relations still apply them field by field.
    """
    found = (await repository(await info.context.scope.uow()).get_many([key])).get(key)
    if found is None:  # deleted by someone else since our commit
        raise NotFound("Row", key)
    return found


class FromEntity(Protocol):
    """A GraphQL object type of an entity: its key's attribute and its builder."""

    KEY: ClassVar[str]

    @classmethod
    def from_entity(cls, entity: Any) -> Self: ...


T = TypeVar("T", bound=FromEntity)


async def read_back(
    info: Info, kind: type[T], repository: Callable[[ReadUnit], HasGetMany[Any]], key: int
) -> T:
    """The payload's object for the row a mutation just committed (`reread`, as `kind`).

    When the write lane runs the resolver (`Context.read_back_later`, decision 0176) it reads
    the payload's objects itself, by their keys, in one compiled statement: the row is not
    read here, a `Later` holding its key stands in for the object until the lane either
    answers without it or, handing the operation to the executor, `settle_later`s it."""
    if info.context.read_back_later:
        return cast(T, Later(info, kind, repository, key, outcome_of_failure_now()))
    return kind.from_entity(await reread(info, repository, key))


class Later:
    """A payload's object not read yet (`read_back`): only its key is known, under the
    attribute the type names (`KEY`)."""

    __slots__ = ("_info", "_key_attribute", "_kind", "_repository", "key", "unknown")

    def __init__(
        self,
        info: Info,
        kind: type[FromEntity],
        repository: Callable[[ReadUnit], HasGetMany[Any]],
        key: int,
        unknown: OutcomeUnknown | None,
    ) -> None:
        self._info, self._kind, self._repository = info, kind, repository
        self._key_attribute = kind.KEY
        self.key = key
        #: what a failure to read it means (the write was saved: OUTCOME_UNKNOWN)
        self.unknown = unknown

    def __getattr__(self, name: str) -> Any:
        if not name.startswith("_") and name == self._key_attribute:
            return self.key
        raise AttributeError(name)

    async def load(self) -> FromEntity:
        """The object, read as `read_back` reads it outside the lane."""
        return self._kind.from_entity(await reread(self._info, self._repository, self.key))


def later_fields(payload: object) -> Iterator[tuple[str, Later]]:
    """The payload's attributes that hold a `Later`."""
    if not dataclasses.is_dataclass(payload):
        return
    for spec in dataclasses.fields(payload):
        value = getattr(payload, spec.name, None)
        if isinstance(value, Later):
            yield spec.name, value
