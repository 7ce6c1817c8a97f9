from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time

import asyncpg
import pytest
from typer.testing import CliRunner

from pagila_graph.cli import app


def test_help_lists_the_commands_quickly() -> None:
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "pagila_graph.cli", "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    elapsed = time.perf_counter() - started
    for command in ("serve", "migrate", "load-data", "db-url"):
        assert command in result.stdout
    print(f"--help took {elapsed:.2f} s")


def test_help_does_not_import_the_heavy_stack() -> None:
    code = (
        "import sys, pagila_graph.cli;"
        "heavy = [m for m in ('semantic_kernel', 'strawberry', 'uvicorn', 'sqlalchemy')"
        " if m in sys.modules]; print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize(
    ("configured", "flag", "expected"),
    [
        ("postgres://u:p@db:5432/x", [], "postgresql://u:p@db:5432/x"),
        ("postgresql://u@db/x?sslmode=require", [], "postgresql://u@db/x?sslmode=require"),
        (
            "postgresql://u@db/x?sslmode=require",
            ["--sqlalchemy"],
            "postgresql+asyncpg://u@db/x?ssl=require",
        ),
    ],
)
def test_db_url_prints_the_configured_url(
    monkeypatch: pytest.MonkeyPatch, configured: str, flag: list[str], expected: str
) -> None:
    from pagila_graph.config import get_settings

    monkeypatch.setenv("DATABASE_URL", configured)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["db-url", *flag])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert result.output.strip() == expected


def test_load_data_refuses_a_loaded_database(pagila_url: str) -> None:
    env = {**os.environ, "DATABASE_URL": pagila_url, "LOG_LEVEL": "WARNING"}
    result = subprocess.run(
        [sys.executable, "-m", "pagila_graph.cli", "load-data"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert result.returncode == 1
    assert "--force" in result.stderr


async def test_purge_keys_deletes_only_keys_older_than_asked(empty_database_url: str) -> None:
    from persistence import migrate

    await migrate.upgrade(empty_database_url)
    conn = await asyncpg.connect(empty_database_url)
    try:
        await conn.execute(
            "INSERT INTO idempotency_key (principal, operation, key, request_hash, created_at)"
            " VALUES ('customer:1', 'rentFilm', 'old', 'h', now() - interval '30 hours'),"
            " ('customer:1', 'rentFilm', 'recent', 'h', now() - interval '2 hours')"
        )
        env = {**os.environ, "DATABASE_URL": empty_database_url, "LOG_LEVEL": "WARNING"}
        result = await asyncio.to_thread(
            subprocess.run,
            [sys.executable, "-m", "pagila_graph.cli", "purge-keys", "--older-than-hours", "24"],
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        assert "Deleted 1 idempotency key" in result.stdout + result.stderr
        left = await conn.fetch("SELECT key FROM idempotency_key")
    finally:
        await conn.close()
    assert [r["key"] for r in left] == ["recent"]
