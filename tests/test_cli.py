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
    from config.settings import get_settings

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


def test_version_and_short_help() -> None:
    from importlib.metadata import version

    for flag in ("--version", "-V"):
        result = CliRunner().invoke(app, [flag])
        assert result.exit_code == 0
        assert result.stdout.strip() == f"pagila-graph {version('pagila-graph')}"
    for args in (["-h"], ["load-data", "-h"], ["eval", "-h"]):
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 0, args
        assert "Usage:" in result.stdout


def _choice_options() -> list[tuple[str, str, list[str]]]:
    """(command, option, choices) for every option of the CLI typed as an Enum."""
    import enum
    import typing

    found = []
    for registered in app.registered_commands:
        callback = registered.callback
        assert callback is not None
        command = registered.name or callback.__name__.replace("_", "-")
        for name, hint in typing.get_type_hints(callback).items():
            enums = [t for t in typing.get_args(hint) or (hint,) if isinstance(t, enum.EnumMeta)]
            if enums:
                option = "--" + name.replace("_", "-")
                found.append((command, option, [str(m.value) for m in enums[0]]))
    return found


def test_closed_sets_are_choices() -> None:
    options = {(command, option) for command, option, _ in _choice_options()}
    assert {("load-data", "--accounts"), ("eval", "--provider")} <= options


@pytest.mark.parametrize(("command", "option", "choices"), _choice_options())
def test_a_value_outside_the_choices_is_refused_naming_them(
    command: str, option: str, choices: list[str]
) -> None:
    result = CliRunner().invoke(app, [command, option, "no-such-value"])
    assert result.exit_code == 2
    assert "Invalid value" in result.output
    assert all(choice in result.output for choice in choices)


@pytest.mark.parametrize(("command", "option", "choices"), _choice_options())
def test_the_shell_completes_each_choice(command: str, option: str, choices: list[str]) -> None:
    """What bash gets back when the user presses Tab after the option (click's protocol)."""
    env = {
        **os.environ,
        "_PAGILA_GRAPH_COMPLETE": "complete_bash",
        "COMP_WORDS": f"pagila-graph {command} {option} ",
        "COMP_CWORD": "3",
    }
    script = [sys.executable, "-c", "from pagila_graph.cli import main; main()"]
    result = subprocess.run(script, env=env, capture_output=True, text=True, check=True)
    assert result.stdout.split() == choices


def test_completion_scripts_are_offered() -> None:
    result = CliRunner().invoke(app, ["--show-completion", "bash"])
    assert result.exit_code == 0
    assert "_PAGILA_GRAPH_COMPLETE" in result.stdout
