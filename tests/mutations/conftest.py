"""Write tests run against a database of their own (one per module), never the shared one:
they commit for real, and other tests compare reads against SQL on the shared data."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import httpx
import pytest

from pagila_graph.app import create_app
from pagila_graph.config import Environment, Settings
from persistence import loader, migrate
from persistence.db import Database, create_engine
from tests.conftest import create_database, drop_database
from tests.mutations.support import Caller, HeaderAuthenticator


@pytest.fixture(scope="module")
async def write_url(server_url: str) -> AsyncIterator[str]:
    url = await create_database(server_url, "pagila_writes")
    try:
        await migrate.upgrade(url)
        await loader.load_pagila(url)
        yield url
    finally:
        await drop_database(server_url, url)


@pytest.fixture(scope="module")
def write_settings(write_url: str) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        environment=Environment.TEST,
        database_url=write_url,
        data_dir=Path("/nonexistent-data-dir-for-tests"),
    )


@pytest.fixture(scope="module")
async def write_database(write_url: str) -> AsyncIterator[Database]:
    db = Database(create_engine(write_url, pool_size=5))
    try:
        yield db
    finally:
        await db.dispose()


@pytest.fixture(scope="module")
async def write_client(
    write_settings: Settings, write_database: Database
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(write_settings, write_database, HeaderAuthenticator())
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


@pytest.fixture
def call(write_client: httpx.AsyncClient) -> Caller:
    return Caller(write_client)


@pytest.fixture
async def sql(write_url: str) -> AsyncIterator[asyncpg.Connection]:
    """A plain connection for setting up and checking, independently of the app's code."""
    conn = await asyncpg.connect(write_url)
    try:
        yield conn
    finally:
        await conn.close()
