"""What every mutation resolver needs: a fresh read-write unit of work and the caller.

A mutation is one unit of work, hence one transaction: the service opens it (`async with`),
commits at the end, and anything else rolls it back. It is not the operation's read scope
(`info.context.scope`), which runs in autocommit.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import strawberry

from domain.auth import Principal
from domain.errors import NotFound
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
