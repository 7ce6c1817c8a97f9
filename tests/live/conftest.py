"""Live-event tests run real servers (uvicorn on loopback) over a Pagila database of their own
(they commit rentals and payments), with the in-process hub and with Redis."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import asyncpg
import pytest
from starlette.applications import Starlette

from config.settings import Settings
from pagila_graph.app import create_app
from pagila_graph.events import LocalEventHub
from persistence.db import Database
from tests.conftest import open_database, pagila_database, settings_for
from tests.live.support import REDIS_URL, SECRET, Http, channel
from tests.loopback import serving


@pytest.fixture(scope="module")
async def live_url(server_url: str) -> AsyncIterator[str]:
    async with pagila_database(server_url, "pagila_live") as url:
        yield url


@pytest.fixture(scope="module")
async def live_database(live_url: str) -> AsyncIterator[Database]:
    async with open_database(live_url) as db:
        yield db


@pytest.fixture
async def live_sql(live_url: str) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(live_url)
    try:
        yield conn
    finally:
        await conn.close()


@dataclass
class Server:
    http: Http
    ws_url: str
    hub: LocalEventHub
    settings: Settings
    app: Starlette


def live_settings(url: str, hub: str, events_channel: str) -> Settings:
    return settings_for(
        url,
        jwt_secret=SECRET,
        redis_url=REDIS_URL if hub == "redis" else None,
        events_channel=events_channel,
    )


@pytest.fixture(params=["memory", "redis"])
async def server(
    request: pytest.FixtureRequest, live_url: str, live_database: Database
) -> AsyncIterator[Server]:
    settings = live_settings(live_url, request.param, channel())
    app = create_app(settings, live_database)
    async with serving(app, lifespan="on") as port:
        yield Server(
            Http(f"http://127.0.0.1:{port}", settings),
            f"ws://127.0.0.1:{port}/graphql",
            app.state.events,
            settings,
            app,
        )
