"""What every mutation resolver needs: a fresh read-write unit of work and the caller.

A mutation is one unit of work, hence one transaction: the service opens it (`async with`),
commits at the end, and anything else rolls it back. It is not the operation's read scope
(`info.context.scope`), which runs in autocommit.
"""

from __future__ import annotations

from typing import Any

import strawberry

from domain.auth import Principal
from graph.context import Context
from persistence.unit_of_work import SqlAlchemyUnitOfWork

Info = strawberry.Info[Context, Any]


def write_uow(info: Info) -> SqlAlchemyUnitOfWork:
    return SqlAlchemyUnitOfWork(info.context.database)


def caller(info: Info) -> Principal:
    return info.context.principal
