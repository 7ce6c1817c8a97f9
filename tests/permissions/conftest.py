"""Permission tests run the real HTTP app over a database of their own (one per module): the
allowed cases commit for real, so the shared read-only data is never touched."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import httpx
import pytest

from config.settings import ModelProvider
from pagila_graph.app import create_app
from persistence.db import Database
from tests.conftest import open_database, pagila_database, settings_for
from tests.read_api.conftest import Api, HeaderAuthenticator


@pytest.fixture(scope="module")
async def perms_url(server_url: str) -> AsyncIterator[str]:
    async with pagila_database(server_url, "pagila_perms") as url:
        yield url


@pytest.fixture(scope="module")
async def perms_database(perms_url: str) -> AsyncIterator[Database]:
    async with open_database(perms_url) as db:
        yield db


async def _perms_api(url: str, database: Database, compiled: bool) -> AsyncIterator[Api]:
    settings = settings_for(
        url,
        # who may ask, not what a model answers: no model (`auto` would load the local one)
        model_provider=ModelProvider.NONE,
        argon2_time_cost=1,  # cheap hashing: these tests check who may, not what it costs
        argon2_memory_kib=1024,
        compiled_reads=compiled,
    )
    app = create_app(settings, database, authenticator=HeaderAuthenticator())
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield Api(http)


@pytest.fixture(scope="module")
async def perms_api(perms_url: str, perms_database: Database) -> AsyncIterator[Api]:
    """The app as served: reads it can compile answered by one statement (decision 0135)."""
    async for api in _perms_api(perms_url, perms_database, compiled=True):
        yield api


@pytest.fixture(scope="module")
async def perms_path_api(
    request: pytest.FixtureRequest, perms_url: str, perms_database: Database
) -> AsyncIterator[Api]:
    """The app on the read path the test names (indirect parameter): "compiled" (as served) or
    "executor" (COMPILED_READS off: every read through the executor's resolvers)."""
    async for api in _perms_api(perms_url, perms_database, compiled=request.param == "compiled"):
        yield api


@pytest.fixture(scope="module")
async def perms_sql(perms_url: str) -> AsyncIterator[asyncpg.Connection]:
    """A plain connection for setting up and checking, independently of the app's code."""
    conn = await asyncpg.connect(perms_url)
    try:
        yield conn
    finally:
        await conn.close()
