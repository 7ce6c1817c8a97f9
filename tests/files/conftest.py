"""Files and exports over the real app on a Pagila database of their own (uploads commit)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import httpx
import pytest

from config.settings import Settings
from pagila_graph.app import create_app
from tests.conftest import open_database, pagila_database, settings_for
from tests.live.support import SECRET

POSTER_LIMIT = 64 * 1024


@pytest.fixture(scope="module")
async def files_url(server_url: str) -> AsyncIterator[str]:
    async with pagila_database(server_url, "pagila_files") as url:
        yield url


@pytest.fixture(scope="module")
def files_settings(files_url: str) -> Settings:
    return settings_for(files_url, jwt_secret=SECRET, max_poster_bytes=POSTER_LIMIT)


@pytest.fixture(scope="module")
async def files_http(files_url: str, files_settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with open_database(files_url) as database:
        app = create_app(files_settings, database)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield http


@pytest.fixture
async def files_sql(files_url: str) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(files_url)
    try:
        yield conn
    finally:
        await conn.close()
