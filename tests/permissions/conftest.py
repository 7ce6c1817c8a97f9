"""Permission tests run the real HTTP app over a database of their own (one per module): the
allowed cases commit for real, so the shared read-only data is never touched."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import httpx
import pytest

from pagila_graph.app import create_app
from pagila_graph.config import Environment, ModelProvider, Settings
from persistence import loader, migrate
from persistence.db import Database, create_engine
from tests.conftest import create_database, drop_database
from tests.read_api.conftest import Api, HeaderAuthenticator


@pytest.fixture(scope="module")
async def perms_url(server_url: str) -> AsyncIterator[str]:
    url = await create_database(server_url, "pagila_perms")
    try:
        await migrate.upgrade(url)
        await loader.load_pagila(url)
        yield url
    finally:
        await drop_database(server_url, url)


@pytest.fixture(scope="module")
async def perms_database(perms_url: str) -> AsyncIterator[Database]:
    db = Database(create_engine(perms_url, pool_size=5))
    try:
        yield db
    finally:
        await db.dispose()


@pytest.fixture(scope="module")
async def perms_api(perms_url: str, perms_database: Database) -> AsyncIterator[Api]:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        environment=Environment.TEST,
        database_url=perms_url,
        data_dir=Path("/nonexistent-data-dir-for-tests"),
        # who may ask, not what a model answers: no model (`auto` would load the local one)
        model_provider=ModelProvider.NONE,
        argon2_time_cost=1,  # cheap hashing: these tests check who may, not what it costs
        argon2_memory_kib=1024,
    )
    app = create_app(settings, perms_database, authenticator=HeaderAuthenticator())
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield Api(http)


@pytest.fixture(scope="module")
async def perms_sql(perms_url: str) -> AsyncIterator[asyncpg.Connection]:
    """A plain connection for setting up and checking, independently of the app's code."""
    conn = await asyncpg.connect(perms_url)
    try:
        yield conn
    finally:
        await conn.close()
