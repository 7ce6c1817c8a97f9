"""`Database.fetch_json`, the compiled reads' one statement (decision 0131): straight on the
pooled asyncpg connection unless the engine is traced, still counted, and the connection always
goes back to the pool."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import event

from persistence.db import Database, StatementCounter, create_engine

SQL = "SELECT json_build_object('n', $1::int, 's', $2::text)::text"


async def _database(url: str, pool_size: int = 2) -> Database:
    return Database(create_engine(url, pool_size=pool_size, max_overflow=0))


async def test_the_direct_and_the_traced_path_answer_alike_and_both_are_counted(
    pagila_url: str,
) -> None:
    db = await _database(pagila_url)
    after: list[str] = []

    def traced(*args: Any) -> None:
        after.append(args[2])

    try:
        with StatementCounter(db.engine) as counter:
            direct = await db.fetch_json(SQL, (7, "é"))
        assert counter.statements == [SQL]
        assert after == []
        event.listen(db.engine.sync_engine, "after_cursor_execute", traced)
        with StatementCounter(db.engine) as counter:
            full = await db.fetch_json(SQL, (7, "é"))
        assert counter.statements == [SQL]
        assert after == [SQL]  # the traced engine saw the statement through SQLAlchemy
        assert direct == full == '{"n" : 7, "s" : "é"}'
    finally:
        await db.dispose()


async def test_a_cancelled_read_gives_its_connection_back(pagila_url: str) -> None:
    db = await _database(pagila_url, pool_size=1)
    pool: Any = db.engine.pool
    sent = asyncio.Event()
    event.listen(db.engine.sync_engine, "before_cursor_execute", lambda *_: sent.set())
    try:
        slow = asyncio.create_task(db.fetch_json("SELECT pg_sleep(30)::text", ()))
        await sent.wait()
        await asyncio.sleep(0.2)  # the statement is on its way (or running) when cancelled
        assert pool.checkedout() == 1
        slow.cancel()
        with pytest.raises(asyncio.CancelledError):
            await slow
        assert pool.checkedout() == 0
        # the only connection is usable again, or replaced on checkout (test_pool_guard.py)
        assert await db.fetch_json(SQL, (1, "x")) == '{"n" : 1, "s" : "x"}'
    finally:
        await db.dispose()


async def test_more_reads_than_connections_wait_for_the_pool(pagila_url: str) -> None:
    db = await _database(pagila_url, pool_size=2)
    pool: Any = db.engine.pool
    try:
        answers = await asyncio.gather(*(db.fetch_json(SQL, (n, str(n))) for n in range(12)))
        assert answers == [f'{{"n" : {n}, "s" : "{n}"}}' for n in range(12)]
        assert pool.checkedout() == 0
    finally:
        await db.dispose()


async def test_a_failing_statement_raises_and_gives_its_connection_back(pagila_url: str) -> None:
    db = await _database(pagila_url, pool_size=1)
    pool: Any = db.engine.pool
    try:
        with pytest.raises(Exception, match="division by zero"):
            await db.fetch_json("SELECT (1 / $1::int)::text", (0,))
        assert pool.checkedout() == 0
        assert await db.fetch_json("SELECT (1 / $1::int)::text", (1,)) == "1"
    finally:
        await db.dispose()
