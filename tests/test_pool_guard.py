"""A pooled connection that asyncpg closed while it sat in the pool (a query cancelled
mid-flight terminates it) is replaced on checkout instead of failing the next request."""

from __future__ import annotations

from sqlalchemy import text

from persistence.db import create_engine


async def test_a_connection_closed_in_the_pool_is_replaced_on_checkout(pagila_url: str) -> None:
    engine = create_engine(pagila_url, pool_size=1, max_overflow=0)
    try:
        async with engine.connect() as conn:
            raw = await conn.get_raw_connection()
            driver = raw.driver_connection
            assert driver is not None
            driver.terminate()  # what a cancelled query leaves behind
            assert driver.is_closed()
        # the only pooled connection is the closed one: without the guard this fails with
        # "cannot call PreparedStatement.fetch(): the underlying connection is closed"
        async with engine.connect() as conn:
            assert (await conn.execute(text("SELECT 1"))).scalar() == 1
    finally:
        await engine.dispose()
