"""The zero-configuration path: embedded PostgreSQL, migrations and data, then a query."""

from __future__ import annotations

from pathlib import Path

import asyncpg
import httpx
import psutil
import pytest

from config.settings import Environment, Settings
from pagila_graph.app import create_app
from pagila_graph.bootstrap import prepare_database
from persistence.db import Database, create_engine


async def test_zero_config_bootstrap_serves_films(tmp_path: Path) -> None:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        environment=Environment.TEST,
        database_url=None,
        data_dir=tmp_path / "data",
    )
    steps: list[str] = []
    prepared = await prepare_database(settings, step=steps.append)
    assert prepared.embedded is not None
    try:
        assert prepared.loaded_rows > 49_000
        assert any("embedded PostgreSQL" in s for s in steps)
        assert (tmp_path / "data" / "pg" / "PG_VERSION").exists()

        db = Database(create_engine(prepared.url, pool_size=1))
        app = create_app(settings.model_copy(update={"database_url": prepared.url}), db)
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://t"
        ) as http:
            body = (
                await http.post(
                    "/graphql", json={"query": "{ films(first: 3) { nodes { title } } }"}
                )
            ).json()
            ready = await http.get("/readyz")
        await db.dispose()
        assert [f["title"] for f in body["data"]["films"]["nodes"]] == [
            "ACADEMY DINOSAUR",
            "ACE GOLDFINGER",
            "ADAPTATION HOLES",
        ]
        assert ready.status_code == 200

        # A second start reuses the data directory: no migration work, no reload.
        again = await prepare_database(settings)
        assert again.loaded_rows == 0
    finally:
        pid = prepared.embedded.handle.get_pid()
        prepared.embedded.stop()
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE

    with pytest.raises((OSError, asyncpg.PostgresError)):
        await asyncpg.connect(prepared.url, timeout=2)
