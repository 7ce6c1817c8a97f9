"""The rollback-isolated fixtures really roll back what a test commits."""

from __future__ import annotations

import asyncpg
from sqlalchemy import text

from persistence.db import Database


async def test_commits_inside_isolated_database_are_rolled_back(
    isolated_database: Database, pagila_url: str
) -> None:
    async with isolated_database.session() as session:
        await session.execute(text("UPDATE film SET title = 'ISOLATED' WHERE film_id = 1"))
        await session.commit()
    async with isolated_database.session() as session:
        seen = await session.scalar(text("SELECT title FROM film WHERE film_id = 1"))
    assert seen == "ISOLATED"  # visible inside the test's transaction

    conn = await asyncpg.connect(pagila_url)
    try:
        outside = await conn.fetchval("SELECT title FROM film WHERE film_id = 1")
    finally:
        await conn.close()
    assert outside == "ACADEMY DINOSAUR"  # never committed for anyone else
