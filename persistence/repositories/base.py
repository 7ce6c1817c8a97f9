"""The statement runner every repository of a unit of work shares."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Executable, Row

from persistence.db import UnitConnection


class StatementRunner:
    """Runs statements on the unit of work's single connection, one at a time.

    GraphQL resolves sibling fields concurrently, so several DataLoaders may dispatch in the same
    tick; a connection takes one statement at a time, so they queue here.
    """

    def __init__(self, connection: UnitConnection) -> None:
        self.connection = connection
        self._lock = asyncio.Lock()

    async def all(self, statement: Executable) -> Sequence[Row[Any]]:
        async with self._lock:
            result = await (await self.connection.get()).execute(statement)
            return result.all()

    async def one_or_none(self, statement: Executable) -> Row[Any] | None:
        async with self._lock:
            result = await (await self.connection.get()).execute(statement)
            return result.one_or_none()

    async def scalar(self, statement: Executable) -> Any:
        async with self._lock:
            return (await (await self.connection.get()).execute(statement)).scalar()


class Repository:
    def __init__(self, runner: StatementRunner) -> None:
        self._run = runner
