"""Engine and session set-up, and the one way to turn any PostgreSQL URL into an asyncpg one."""

from __future__ import annotations

import errno
import socket
from collections.abc import Sequence
from typing import Any

from sqlalchemy import event, exc, text
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    AsyncTransaction,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.util import greenlet_spawn

_SYNC_DRIVERS = {"postgres", "postgresql", "postgresql+psycopg", "postgresql+psycopg2"}


def to_async_url(url: str | URL) -> str:
    """`postgres://`, `postgresql://`, `...+psycopg://` → `postgresql+asyncpg://`.

    libpq's `sslmode` is translated to asyncpg's `ssl`, which accepts the same values.
    """
    parsed = make_url(url) if isinstance(url, str) else url
    if parsed.drivername in _SYNC_DRIVERS:
        parsed = parsed.set(drivername="postgresql+asyncpg")
    if parsed.drivername != "postgresql+asyncpg":
        raise ValueError(
            f"Unsupported database URL scheme {parsed.drivername!r}: use postgresql://"
        )
    query: dict[str, Any] = dict(parsed.query)
    if "sslmode" in query:
        query["ssl"] = query.pop("sslmode")
    return parsed.set(query=query).render_as_string(hide_password=False)


def to_libpq_url(url: str | URL) -> str:
    """The URL in the form psql and libpq accept (no driver suffix)."""
    parsed = make_url(to_async_url(url)).set(drivername="postgresql")
    query = dict(parsed.query)
    if "ssl" in query:
        query["sslmode"] = query.pop("ssl")
    return parsed.set(query=query).render_as_string(hide_password=False)


def create_engine(
    url: str,
    *,
    pool_size: int = 10,
    max_overflow: int = 10,
    statement_timeout_ms: int | None = None,
    application_name: str = "pagila-graph",
    pool_timeout_s: float = 30.0,
    connect_timeout_s: float = 60.0,
    command_timeout_s: float | None = None,
) -> AsyncEngine:
    """`pool_timeout_s` bounds the wait for a free connection, `connect_timeout_s` the opening
    of one, `command_timeout_s` each statement on the client's side: a frozen server (SIGSTOP,
    a network partition) never answers, so its own `statement_timeout` cannot fire."""
    server_settings: dict[str, str] = {"application_name": application_name}
    if statement_timeout_ms:
        server_settings["statement_timeout"] = str(statement_timeout_ms)
    connect_args: dict[str, Any] = {
        "server_settings": server_settings,
        "timeout": connect_timeout_s,
    }
    if command_timeout_s:
        connect_args["command_timeout"] = command_timeout_s
    engine = create_async_engine(
        to_async_url(url),
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_pre_ping=False,
        pool_timeout=pool_timeout_s,
        connect_args=connect_args,
    )
    event.listen(engine.sync_engine, "checkout", _discard_closed)
    return engine


def _discard_closed(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    """A pooled connection asyncpg already closed (a query cancelled mid-flight — graphql-core
    cancels a request's pending resolvers when an error nulls the whole result — terminates
    it) is replaced on checkout, instead of failing the next request that draws it. A local
    flag check: no round trip, unlike `pool_pre_ping`."""
    driver = getattr(dbapi_connection, "driver_connection", None)
    if driver is not None and driver.is_closed():
        raise exc.DisconnectionError("connection closed while in the pool")


#: SQLSTATEs meaning "the database cannot serve this now; the same request may succeed later":
#: query canceled (statement timeout), lock timeout, admin shutdown, crash shutdown, cannot
#: connect now, too many connections, serialization failure, deadlock.
RETRYABLE_SQLSTATES = frozenset(
    {
        "57014",
        "55P03",
        "57P01",
        "57P02",
        "57P03",
        "53300",
        "40001",
        "40P01",
        "08000",
        "08003",
        "08006",
        "08001",
        "08004",
    }
)


def is_unavailable(error: BaseException) -> bool:
    """Whether this failure means the database is unavailable or too slow (retry later), as
    opposed to a bug: pool and client timeouts, lost connections, the SQLSTATEs above."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if _lost_connection(current):
            return True
        sqlstate = getattr(current, "sqlstate", None) or getattr(current, "pgcode", None)
        if isinstance(sqlstate, str) and sqlstate in RETRYABLE_SQLSTATES:
            return True
        if type(current).__name__ in _ASYNCPG_UNAVAILABLE:
            return True
        words = _ASYNCPG_GONE.get(type(current).__name__)
        if words is not None and words in str(current):
            # a connection cut while being initialised (a terminated backend): gone, not a bug
            return True
        current = getattr(current, "orig", None) or current.__cause__ or current.__context__
    return False


#: SQLSTATE classes that do not mean "the server rolled the transaction back": connection
#: exceptions, operator intervention (a terminated backend may have committed first), system
#: and internal errors
_NOT_A_ROLLBACK = frozenset({"08", "57", "58", "XX"})


def refused_by_server(error: BaseException) -> bool:
    """Whether a failed COMMIT was answered by the server with an error that rolled the
    transaction back (serialization failure, deadlock, a deferred constraint…): then nothing
    was saved. A lost connection, a client-side timeout, a terminated backend: the server may
    have committed before the answer was lost."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        sqlstate = getattr(current, "sqlstate", None) or getattr(current, "pgcode", None)
        if isinstance(sqlstate, str) and len(sqlstate) == 5:
            return sqlstate[:2] not in _NOT_A_ROLLBACK
        current = getattr(current, "orig", None) or current.__cause__ or current.__context__
    return False


#: asyncpg's exceptions for a connection lost or closed under us (by class name: the adapted
#: DBAPI error keeps the original in `.orig`, sometimes without a SQLSTATE).
_ASYNCPG_UNAVAILABLE = frozenset(
    {
        "ConnectionDoesNotExistError",
        "ConnectionFailureError",
        "PostgresConnectionError",
        "CannotConnectNowError",
        "QueryCanceledError",
    }
)


#: OS errors of reaching a server: its Unix socket missing (stopped), refused, reset,
#: unreachable
_NETWORK_ERRNOS = frozenset(
    {
        errno.ENOENT,
        errno.ECONNREFUSED,
        errno.ECONNRESET,
        errno.ECONNABORTED,
        errno.EPIPE,
        errno.ETIMEDOUT,
        errno.EHOSTUNREACH,
        errno.ENETUNREACH,
        errno.EHOSTDOWN,
        errno.ENETDOWN,
        errno.EADDRNOTAVAIL,
    }
)


def _lost_connection(error: BaseException) -> bool:
    """Timeouts, refused or reset connections, a server's Unix socket gone (it is stopped), an
    unknown host, a connection SQLAlchemy invalidated."""
    if isinstance(error, exc.TimeoutError | TimeoutError | ConnectionError | socket.gaierror):
        return True
    if isinstance(error, OSError) and error.errno in _NETWORK_ERRNOS:
        return True
    return isinstance(error, exc.DBAPIError) and error.connection_invalidated


#: asyncpg's generic client errors, and their words when they mean the connection is gone:
#: closed under the set-up of a new connection, or left mid-operation ("cannot switch to
#: state 12; another operation (2) is in progress")
_ASYNCPG_GONE = {
    "InterfaceError": "connection is closed",
    "InternalClientError": "another operation",
}


class UnitConnection:
    """The connection of one unit of work, checked out on its first statement (a unit that runs
    none takes no connection), returned to the pool by `close`.

    A unit whose statements are all compiled once (`Prepared`, decision 0171) runs on the
    pooled asyncpg connection alone (decision 0175): checked out of SQLAlchemy's pool (its
    wait, timeout, checkout checks and reset on return), its transaction begun, committed and
    rolled back through the pool's DBAPI adapter, the adapter's own bookkeeping kept, so that
    SQLAlchemy's `Connection` — about a fifth of a mutation's CPU — is built only when a
    statement needs it; it then wraps the same pooled connection, inside the same
    transaction. On its own engine a read-write unit is a transaction, a read-only one runs in
    autocommit (no BEGIN/ROLLBACK round trips). Bound to a test's connection
    (`Database(bind=...)`), each transaction is a SAVEPOINT of the test's outer transaction,
    as the savepoint-joined sessions did, and every statement goes through SQLAlchemy.

    The repositories run Core statements only, so no ORM `Session` is needed around them; its
    bookkeeping (autobegin, state changes, flush) cost ~0.3 ms of CPU per unit of work
    (decision 0158)."""

    def __init__(self, engine: AsyncEngine | None, bind: AsyncConnection | None = None) -> None:
        self._engine = engine
        self._bind = bind
        self._autocommit = (
            engine is not None
            and engine.get_execution_options().get("isolation_level") == "AUTOCOMMIT"
        )
        self._connection: AsyncConnection | None = None
        self._savepoint: AsyncTransaction | None = None
        #: the pool's connection (`PoolProxiedConnection`) while no SQLAlchemy `Connection`
        #: wraps it yet, its DBAPI adapter and asyncpg connection (`driver`)
        self._pooled: Any = None
        self._adapter: Any = None
        self._driver: Any = None
        #: the connection was lost inside the unit's transaction: nothing more may run on it
        #: (an autocommit unit, which has no transaction to lose, reconnects instead)
        self._lost = False

    async def driver(self) -> Any:
        """The asyncpg connection under this unit's connection, its transaction begun as the
        first SQLAlchemy statement would begin it (a read-write unit's BEGIN; nothing in
        autocommit), for statements compiled once (`persistence.repositories.base.Prepared`,
        decision 0171). None where SQLAlchemy must run every statement: bound to a test's
        connection (savepoints), or statements traced (`after_cursor_execute` listeners)."""
        if self._bind is not None:
            return None
        engine = self._engine
        assert engine is not None
        if engine.sync_engine.dispatch.after_cursor_execute:
            return None
        if self._lost:
            raise exc.PendingRollbackError(
                "The connection was lost inside this unit's transaction."
            )
        if self._driver is None:
            if self._connection is None:
                # the pool's checkout alone: no SQLAlchemy `Connection` (decision 0175)
                self._pooled = await engine.raw_connection()
                pooled = self._pooled
            else:
                if not self._connection.in_transaction():
                    await (
                        self._connection.begin()
                    )  # SQLAlchemy's bookkeeping: COMMIT goes through it
                pooled = await self._connection.get_raw_connection()
            self._adapter, self._driver = pooled.dbapi_connection, pooled.driver_connection
        adapter = self._adapter
        if adapter._transaction is None and not self._autocommit and not adapter.autocommit:
            await adapter._start_transaction()  # BEGIN, as the adapter's cursor sends it
        return self._driver

    def told(self, sql: str, values: Sequence[Any]) -> None:
        """The engine's `before_cursor_execute` listeners (statement counters, metrics), told
        of a statement run on the driver, as `Database.fetch_json` tells them."""
        assert self._engine is not None
        for listener in self._engine.sync_engine.dispatch.before_cursor_execute:
            listener(None, None, sql, values, None, False)

    async def translated(self, error: Exception, sql: str, values: Sequence[Any]) -> BaseException:
        """The exception SQLAlchemy would have raised for this driver error (an
        `IntegrityError` with asyncpg's error as its cause, …); the connection is invalidated
        when the error means it is gone, as SQLAlchemy does."""
        adapter, engine = self._adapter, self._engine
        assert adapter is not None and engine is not None
        dialect = engine.dialect
        try:
            adapter._handle_exception(error)
        except Exception as dbapi_error:  # the adapter's translation (or `error` itself)
            base = dialect.loaded_dbapi.Error
            if not isinstance(dbapi_error, base):
                return dbapi_error
            gone = dialect.is_disconnect(dbapi_error, adapter, None)
            if gone:
                self._adapter = self._driver = None
                if self._connection is not None:
                    await self._connection.invalidate(dbapi_error)
                else:
                    pooled = self._pooled
                    pooled.invalidate(dbapi_error)  # closed
                    if self._autocommit:  # no transaction lost: the next statement reconnects,
                        self._pooled = None  # as SQLAlchemy's `Connection` would
                        pooled.close()
                    else:
                        self._lost = True  # `close` checks it in
            wrapped: BaseException = exc.DBAPIError.instance(
                sql, tuple(values), dbapi_error, base, connection_invalidated=gone, dialect=dialect
            )
            return wrapped
        return error

    async def get(self) -> AsyncConnection:
        if self._bind is not None:
            if self._savepoint is None or not self._savepoint.is_active:
                self._savepoint = await self._bind.begin_nested()
            return self._bind
        if self._connection is None:
            assert self._engine is not None
            if self._lost:
                raise exc.PendingRollbackError(
                    "The connection was lost inside this unit's transaction."
                )
            if self._pooled is None:
                self._connection = await self._engine.connect()
            else:
                # SQLAlchemy's `Connection` around the pooled connection the unit already
                # uses, inside the transaction the adapter began (SQLAlchemy's BEGIN is a
                # no-op for asyncpg: the adapter begins), so its COMMIT ends that transaction
                pooled, self._pooled = self._pooled, None
                sync = await greenlet_spawn(Connection, self._engine.sync_engine, pooled)
                self._connection = AsyncConnection(self._engine, sync)
        return self._connection

    async def commit(self) -> None:
        if self._bind is not None:
            if self._savepoint is not None and self._savepoint.is_active:
                await self._savepoint.commit()
            return
        if self._connection is not None:
            await self._connection.commit()
        elif self._pooled is not None:
            await self._end(commit=True)

    async def _end(self, *, commit: bool) -> None:
        """COMMIT or ROLLBACK of the adapter's transaction on a connection no SQLAlchemy
        `Connection` wraps: the adapter's own steps, its errors translated as SQLAlchemy's."""
        adapter = self._adapter
        if adapter is None or adapter._transaction is None:
            return
        transaction = adapter._transaction
        try:
            await adapter._call_and_discard(transaction.commit if commit else transaction.rollback)
        except Exception as error:
            raise await self.translated(error, "COMMIT" if commit else "ROLLBACK", ()) from error

    async def close(self) -> None:
        """Rolls back what was not committed and gives the connection back."""
        if self._bind is not None:
            savepoint, self._savepoint = self._savepoint, None
            if savepoint is not None and savepoint.is_active:
                await savepoint.rollback()
            return
        connection, self._connection = self._connection, None
        pooled, self._pooled = self._pooled, None
        if pooled is not None:
            try:
                if not self._lost:
                    await self._end(commit=False)
            except BaseException:
                if self._driver is not None:  # not invalidated by the translation: unknown state
                    pooled.invalidate()
                raise
            finally:
                self._adapter = self._driver = None
                pooled.close()  # back to the pool: its reset has nothing left to roll back
            return
        self._adapter = self._driver = None
        if connection is not None:
            try:
                await connection.rollback()
            finally:
                await connection.close()


class Database:
    """Owns the engine and the session factory. One per process (tests may bind one to a
    connection so that everything a test does happens inside one transaction)."""

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        bind: AsyncConnection | None = None,
        replica: AsyncEngine | None = None,
    ) -> None:
        """`replica`: a read replica (DATABASE_READ_URL) for reads that tolerate its lag:
        the reports (docs/deployment.md)."""
        self.engine = engine
        self.replica = replica
        self._bind = bind
        self._read_engine = engine.execution_options(isolation_level="AUTOCOMMIT")
        self._replica_read_engine = (
            None if replica is None else replica.execution_options(isolation_level="AUTOCOMMIT")
        )
        if bind is None:
            self.sessions = async_sessionmaker(engine, expire_on_commit=False)
            self.read_sessions = async_sessionmaker(
                engine.execution_options(isolation_level="AUTOCOMMIT"), expire_on_commit=False
            )
        else:
            self.sessions = async_sessionmaker(
                bind=bind, expire_on_commit=False, join_transaction_mode="create_savepoint"
            )
            self.read_sessions = self.sessions
        self.replica_sessions = (
            self.read_sessions
            if replica is None
            else async_sessionmaker(
                replica.execution_options(isolation_level="AUTOCOMMIT"), expire_on_commit=False
            )
        )

    def session(self) -> AsyncSession:
        return self.sessions()

    def unit_connection(self, *, read_only: bool = False, replica: bool = False) -> UnitConnection:
        """The connection of a unit of work: read-write (a transaction), read-only (autocommit:
        no BEGIN/ROLLBACK round trips) or on the read replica (autocommit) when there is one."""
        if self._bind is not None:
            return UnitConnection(None, self._bind)
        if replica:
            return UnitConnection(self._replica_read_engine or self._read_engine)
        return UnitConnection(self._read_engine if read_only else self.engine)

    def read_session(self) -> AsyncSession:
        """A session for reads only: autocommit, so no BEGIN/ROLLBACK round trips."""
        return self.read_sessions()

    def replica_session(self) -> AsyncSession:
        """Like `read_session`, on the read replica when there is one."""
        return self.replica_sessions()

    async def fetch_json(self, sql: str, params: Sequence[Any], *, replica: bool = False) -> str:
        """Runs a compiled read (persistence/read_sql.py, `$n` parameters): one row, one
        column, the data JSON text. No ORM session, no BEGIN/ROLLBACK.

        Directly on the pooled connection's asyncpg connection (decision 0131), unless the
        engine's statements are traced: SQLAlchemy's Connection around one statement cost more
        CPU than the rest of a compiled request. The engine's `before_cursor_execute`
        listeners (statement counters) are still told, with only the statement and its
        parameters (no connection, cursor or context: there is none).

        `replica`: the statement reads only what tolerates a replica's lag (the reports); it
        runs on the read replica when there is one."""
        if self._bind is not None:
            result = await self._bind.exec_driver_sql(sql, tuple(params))
            return str(result.one()[0])
        engine, read_engine = self.engine, self._read_engine
        if replica and self.replica is not None and self._replica_read_engine is not None:
            engine, read_engine = self.replica, self._replica_read_engine
        dispatch = engine.sync_engine.dispatch
        if dispatch.after_cursor_execute:  # traced (tracing.py listens there): the full path
            async with read_engine.connect() as conn:
                row = (await conn.exec_driver_sql(sql, tuple(params))).one()
            return str(row[0])
        pooled = await engine.raw_connection()  # the pool's wait, timeout and checks
        driver = pooled.driver_connection
        assert driver is not None  # a checked-out connection has one
        try:
            for listener in dispatch.before_cursor_execute:
                listener(None, None, sql, params, None, False)
            value = await driver.fetchval(sql, *params)
        finally:
            # back to the pool without awaiting (a cancelled request still returns it): no
            # transaction was opened through SQLAlchemy, so the reset has nothing to roll back
            pooled.close()
        return str(value)

    async def ping(self) -> None:
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        await self.engine.dispose()
        if self.replica is not None:
            await self.replica.dispose()


class StatementCounter:
    """Counts SQL statements an engine sends, for tests that pin queries per operation."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.statements: list[str] = []

    def _on_execute(self, *args: Any, **_: Any) -> None:
        self.statements.append(str(args[2]))

    def __enter__(self) -> StatementCounter:
        self.statements.clear()
        event.listen(self.engine.sync_engine, "before_cursor_execute", self._on_execute)
        return self

    def __exit__(self, *exc: object) -> None:
        event.remove(self.engine.sync_engine, "before_cursor_execute", self._on_execute)

    @property
    def count(self) -> int:
        return len(self.statements)


def redact(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


__all__ = [
    "Database",
    "StatementCounter",
    "UnitConnection",
    "create_engine",
    "is_unavailable",
    "redact",
    "refused_by_server",
    "to_async_url",
    "to_libpq_url",
]
