"""The statement runner every repository of a unit of work shares, and statements compiled
once (`Prepared`, decision 0171)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from typing import Any, cast

import asyncpg
from sqlalchemy import (
    Boolean,
    ClauseElement,
    Date,
    DateTime,
    Enum,
    Executable,
    Integer,
    Numeric,
    Row,
    String,
)
from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect
from sqlalchemy.sql.compiler import SQLCompiler

from persistence.db import UnitConnection

_DIALECT = asyncpg_dialect()  # type: ignore[no-untyped-call]
#: result types asyncpg returns as SQLAlchemy's asyncpg dialect would (no result processor);
#: not `Enum`, a `String` SQLAlchemy converts
_PLAIN_RESULTS = (Integer, DateTime, Date, Numeric, Boolean, String)


class Record(asyncpg.Record):  # type: ignore[misc]
    """asyncpg's row with the attribute access repositories use on SQLAlchemy's rows."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    @property
    def _mapping(self) -> Record:
        return self


class Prepared:
    """A Core statement built and compiled once (at import), run with new values for its
    named bind parameters on the unit's asyncpg connection: no statement built, cache key
    computed or execution context set up per call (SQLAlchemy spent ~0.2 ms of CPU around
    each statement of a mutation, decision 0171). Its result columns must be of types asyncpg
    returns as SQLAlchemy would (numbers, times, text, booleans): checked here, once."""

    def __init__(self, statement: ClauseElement) -> None:
        compiled = statement.compile(dialect=_DIALECT)
        assert isinstance(compiled, SQLCompiler)
        for column in compiled._result_columns:
            if isinstance(column.type, Enum) or not isinstance(column.type, _PLAIN_RESULTS):
                raise TypeError(f"column {column.keyname} of type {column.type}: not plain")
        self.compiled = compiled
        self.sql = str(compiled)
        self.order = tuple(compiled.positiontup or ())
        self.processors: dict[str, Callable[[Any], Any]] = {
            name: cast(Callable[[Any], Any], processor)
            for name, processor in compiled._bind_processors.items()
        }

    def values(self, params: Mapping[str, Any]) -> tuple[Any, ...]:
        """The `$n` values: the named parameters given, the statement's own literals."""
        merged = self.compiled.construct_params(params, _check=False)
        processors = self.processors
        return tuple(
            processors[name](merged[name]) if name in processors else merged[name]
            for name in self.order
        )


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

    async def prepared(self, statement: Prepared, **params: Any) -> Sequence[Any]:
        """A `Prepared` statement's rows (attribute access, like SQLAlchemy's), on the driver
        connection; through SQLAlchemy where the unit cannot use it (`UnitConnection.driver`)."""
        return await self.text(statement.sql, statement.values(params))

    async def text(self, sql: str, values: Sequence[Any]) -> Sequence[Any]:
        """The rows of a statement text with `$n` parameters, as `prepared` runs it."""
        async with self._lock:
            connection = self.connection
            driver = await connection.driver()
            if driver is None:
                result = await (await connection.get()).exec_driver_sql(sql, tuple(values))
                return result.all()
            connection.told(sql, values)
            try:
                rows: list[Record] = await driver.fetch(sql, *values, record_class=Record)
            except Exception as error:
                translated = await connection.translated(error, sql, values)
                if translated is error:
                    raise
                raise translated from error
            return rows

    async def scalar(self, statement: Executable) -> Any:
        async with self._lock:
            return (await (await self.connection.get()).execute(statement)).scalar()


class Repository:
    def __init__(self, runner: StatementRunner) -> None:
        self._run = runner
