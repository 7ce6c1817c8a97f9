"""Agents tests: their own database (they write conversations), a scripted model."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest

from agents.service import AgentRunner
from config.settings import ModelProvider, Settings
from persistence.db import Database, to_libpq_url
from persistence.unit_of_work import SqlUnitOfWorkFactory
from tests.conftest import open_database, pagila_database, settings_for


@pytest.fixture(scope="session")
async def agents_url(server_url: str) -> AsyncIterator[str]:
    async with pagila_database(server_url, "pagila_agents") as url:
        yield url


@pytest.fixture(scope="session")
def agent_settings(agents_url: str) -> Settings:
    return settings_for(
        agents_url,
        graphiql=True,
        introspection=True,
        model_provider=ModelProvider.SCRIPTED,
        agent_timeout_s=20,
    )


@pytest.fixture(scope="session")
async def agents_db(agents_url: str) -> AsyncIterator[Database]:
    async with open_database(agents_url) as db:
        yield db


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
    from tests.agents.scripted import ScriptedChatCompletion

    service = ScriptedChatCompletion(policy)
    return AgentRunner(settings, SqlUnitOfWorkFactory(database), service)  # type: ignore[arg-type]
