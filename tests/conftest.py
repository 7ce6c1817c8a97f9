"""Test fixtures: a real PostgreSQL database per test run, migrated and loaded once.

The server is `TEST_DATABASE_URL` or `DATABASE_URL` when set (any database on it will do: we
create our own next to it), otherwise an embedded PostgreSQL started in a temporary directory.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from sqlalchemy.engine import make_url

from config.settings import Environment, Settings
from pagila_graph.app import create_app
from persistence import loader, migrate
from persistence.db import Database, StatementCounter, create_engine, to_libpq_url
from persistence.embedded import EmbeddedPostgres, start_embedded


@pytest.fixture(scope="session")
def server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A libpq URL of a PostgreSQL server we may create databases on."""
    configured = os.environ.get("TEST_DATABASE_URL") or os.environ.get("DATABASE_URL")
    if configured:
        yield to_libpq_url(configured)
        return
    server: EmbeddedPostgres = start_embedded(tmp_path_factory.mktemp("pg") / "data")
    try:
        yield server.url("postgres")
    finally:
        server.stop()


def database_url(server_url: str, name: str) -> str:
    return to_libpq_url(make_url(server_url).set(database=name))


async def create_database(server_url: str, prefix: str) -> str:
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    conn = await asyncpg.connect(server_url)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return database_url(server_url, name)


async def drop_database(server_url: str, url: str) -> None:
    name = make_url(url).database
    conn = await asyncpg.connect(server_url)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


@asynccontextmanager
async def pagila_database(server_url: str, prefix: str) -> AsyncIterator[str]:
    """A database of its own, at the head revision, holding Pagila; dropped afterwards."""
    url = await create_database(server_url, prefix)
    try:
        await migrate.upgrade(url)
        await loader.load_pagila(url)
        yield url
    finally:
        await drop_database(server_url, url)


def settings_for(url: str, **overrides: Any) -> Settings:
    """Test settings over the database at `url` (no `.env`, no data directory)."""
    values: dict[str, Any] = {
        "environment": Environment.TEST,
        "database_url": url,
        "data_dir": Path("/nonexistent-data-dir-for-tests"),
        **overrides,
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@asynccontextmanager
async def open_database(url: str) -> AsyncIterator[Database]:
    db = Database(create_engine(url, pool_size=5))
    try:
        yield db
    finally:
        await db.dispose()


@pytest.fixture(scope="session")
async def pagila_url(server_url: str) -> AsyncIterator[str]:
    """A database of this test run, at the head revision, holding Pagila."""
    async with pagila_database(server_url, "pagila_test") as url:
        yield url


@pytest.fixture
async def empty_database_url(server_url: str) -> AsyncIterator[str]:
    url = await create_database(server_url, "pagila_empty")
    try:
        yield url
    finally:
        await drop_database(server_url, url)


@pytest.fixture(scope="session")
def settings(pagila_url: str) -> Settings:
    return settings_for(pagila_url, graphiql=True, introspection=True)


@pytest.fixture(scope="session")
async def database(pagila_url: str) -> AsyncIterator[Database]:
    async with open_database(pagila_url) as db:
        yield db


@pytest.fixture(scope="session")
async def client(settings: Settings, database: Database) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, database)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


@pytest.fixture
def sql_counter(database: Database) -> Iterator[StatementCounter]:
    with StatementCounter(database.engine) as counter:
        yield counter


class GraphQLClient:
    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def __call__(
        self, query: str, variables: dict[str, object] | None = None, *, expect_errors: bool = False
    ) -> dict[str, object]:
        response = await self.http.post("/graphql", json={"query": query, "variables": variables})
        assert response.status_code == 200, response.text
        body: dict[str, object] = response.json()
        if not expect_errors:
            assert "errors" not in body, body.get("errors")
        return body


@pytest.fixture
def gql(client: httpx.AsyncClient) -> GraphQLClient:
    return GraphQLClient(client)


@pytest.fixture
async def isolated_database(database: Database) -> AsyncIterator[Database]:
    """A Database whose sessions all join one outer transaction that is rolled back after the
    test: commits inside become savepoints, so the shared data is left as it was.

    Sessions share one connection, so use it for sequential work only (one request at a time);
    tests of real concurrency need their own database (see `create_database`).
    """
    async with database.engine.connect() as connection:
        outer = await connection.begin()
        try:
            yield Database(database.engine, bind=connection)
        finally:
            await outer.rollback()


@pytest.fixture
async def isolated_client(
    settings: Settings, isolated_database: Database
) -> AsyncIterator[httpx.AsyncClient]:
    """Like `client`, but everything the test writes is rolled back afterwards."""
    app = create_app(settings, isolated_database)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http
