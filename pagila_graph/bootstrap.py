"""Make a database ready to serve: embedded server if no URL, migrations, data if empty."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import asyncpg

from config.settings import Settings
from persistence import loader, migrate
from persistence.db import to_libpq_url
from persistence.embedded import EmbeddedPostgres, ensure_database, start_embedded_async

Step = Callable[[str], None]


@dataclass(slots=True)
class PreparedDatabase:
    url: str
    embedded: EmbeddedPostgres | None
    loaded_rows: int = 0


async def resolve_database(settings: Settings, step: Step = lambda _: None) -> PreparedDatabase:
    """The URL to use: `DATABASE_URL`, or the embedded server's (started if needed)."""
    if settings.database_url:
        return PreparedDatabase(url=settings.database_url, embedded=None)
    step(f"Starting embedded PostgreSQL in {settings.embedded_pgdata}")
    server = await start_embedded_async(settings.embedded_pgdata)
    await ensure_database(server.url("postgres"), settings.embedded_database_name)
    return PreparedDatabase(url=server.url(settings.embedded_database_name), embedded=server)


async def database_is_empty(url: str) -> bool:
    conn = await asyncpg.connect(to_libpq_url(url))
    try:
        return not await loader.has_data(conn)
    finally:
        await conn.close()


async def prepare_database(
    settings: Settings,
    step: Step = lambda _: None,
    on_table: Callable[[str, int], None] | None = None,
) -> PreparedDatabase:
    prepared = await resolve_database(settings, step)
    if settings.auto_migrate:
        step("Applying migrations")
        await migrate.upgrade(prepared.url)
    if settings.auto_load_data and await database_is_empty(prepared.url):
        step("Loading the Pagila data")
        report = await loader.load_pagila(prepared.url, on_table=on_table)
        prepared.loaded_rows = sum(report.rows.values())
    return prepared
