"""The statement runner every repository of a unit of work shares."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Executable, Row
from sqlalchemy.ext.asyncio import AsyncSession


class StatementRunner:
    """Runs statements on the unit of work's single session, one at a time.

    GraphQL resolves sibling fields concurrently, so several DataLoaders may dispatch in the same
    tick; a session (one connection) takes one statement at a time, so they queue here.
    """

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self._lock = asyncio.Lock()

    async def all(self, statement: Executable) -> Sequence[Row[Any]]:
        async with self._lock:
            result = await self.session.execute(statement)
            return result.all()

    async def one_or_none(self, statement: Executable) -> Row[Any] | None:
        async with self._lock:
            result = await self.session.execute(statement)
            return result.one_or_none()

    async def scalar(self, statement: Executable) -> Any:
        async with self._lock:
            return await self.session.scalar(statement)


class Repository:
    def __init__(self, runner: StatementRunner) -> None:
        self._run = runner
