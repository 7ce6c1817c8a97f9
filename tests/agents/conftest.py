"""Agents tests: their own database (they write conversations), a scripted model."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

from agents.service import AgentRunner
from pagila_graph.config import Environment, ModelProvider, Settings
from persistence import loader, migrate
from persistence.db import Database, create_engine, to_libpq_url
from tests.conftest import create_database, drop_database


@pytest.fixture(scope="session")
async def agents_url(server_url: str) -> AsyncIterator[str]:
    url = await create_database(server_url, "pagila_agents")
    try:
        await migrate.upgrade(url)
        await loader.load_pagila(url)
        yield url
    finally:
        await drop_database(server_url, url)


@pytest.fixture(scope="session")
def agent_settings(agents_url: str) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        environment=Environment.TEST,
        database_url=agents_url,
        graphiql=True,
        introspection=True,
        data_dir=Path("/nonexistent-data-dir-for-tests"),
        model_provider=ModelProvider.SCRIPTED,
        agent_timeout_s=20,
    )


@pytest.fixture(scope="session")
async def agents_db(agent_settings: Settings) -> AsyncIterator[Database]:
    assert agent_settings.database_url
    db = Database(create_engine(agent_settings.database_url, pool_size=5))
    try:
        yield db
    finally:
        await db.dispose()


class Sql:
    """Independent answers straight from PostgreSQL, to compare the agents with."""

    def __init__(self, url: str) -> None:
        self.url = to_libpq_url(url)

    async def rows(self, query: str, *args: object) -> list[asyncpg.Record]:
        conn = await asyncpg.connect(self.url)
        try:
            return list(await conn.fetch(query, *args))
        finally:
            await conn.close()


@pytest.fixture(scope="session")
def sql(agents_url: str) -> Sql:
    return Sql(agents_url)


def runner(settings: Settings, database: Database, policy: object) -> AgentRunner:
    from agents.providers.scripted import ScriptedChatCompletion

    return AgentRunner(settings, database, ScriptedChatCompletion(policy))  # type: ignore[arg-type]
