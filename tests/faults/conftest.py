"""Fault tests: real PostgreSQL and Redis servers that misbehave (stopped, frozen, restarted,
connections cut). A database of their own per module, never the shared one."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest

from tests.conftest import pagila_database


@pytest.fixture(scope="module")
async def faults_url(server_url: str) -> AsyncIterator[str]:
    async with pagila_database(server_url, "pagila_faults") as url:
        yield url


@pytest.fixture
async def sql(faults_url: str) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(faults_url)
    try:
        yield conn
    finally:
        await conn.close()
