"""Write tests run against a database of their own (one per module), never the shared one:
they commit for real, and other tests compare reads against SQL on the shared data."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import httpx
import pytest

from config.settings import Settings
from pagila_graph.app import create_app
from persistence.db import Database
from tests.conftest import open_database, pagila_database, settings_for
from tests.mutations.support import Caller, HeaderAuthenticator


@pytest.fixture(scope="module")
async def write_url(server_url: str) -> AsyncIterator[str]:
    async with pagila_database(server_url, "pagila_writes") as url:
        yield url


@pytest.fixture(scope="module")
def write_settings(write_url: str) -> Settings:
    return settings_for(write_url)


@pytest.fixture(scope="module")
async def write_database(write_url: str) -> AsyncIterator[Database]:
    async with open_database(write_url) as db:
        yield db


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
