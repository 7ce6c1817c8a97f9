"""The unit of work: one session, one transaction; commit is explicit, anything else rolls back."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from persistence.db import Database
from persistence.repositories.base import StatementRunner
from persistence.repositories.films import SqlFilmRepository


class SqlAlchemyUnitOfWork:
    films: SqlFilmRepository

    def __init__(self, database: Database) -> None:
        self._database = database
        self._runner: StatementRunner | None = None

    async def __aenter__(self) -> Self:
        session = self._database.session()
        self._runner = StatementRunner(session)
        self.films = SqlFilmRepository(self._runner)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._runner is not None
        session = self._runner.session
        try:
            await session.rollback()
        finally:
            await session.close()
            self._runner = None

    async def commit(self) -> None:
        assert self._runner is not None
        await self._runner.session.commit()
