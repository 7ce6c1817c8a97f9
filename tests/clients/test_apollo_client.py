"""Apollo Client (npm) with its persisted-queries link, against the running server: automatic
persisted queries (hash first, by GET; the query once when the server does not know it), and
the allow-list (`PERSISTED_QUERIES=only`) filled by `pagila-graph register-operations`."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from typing import Any

from config.settings import PersistedQueriesMode, Settings
from pagila_graph.app import create_app
from persistence.db import Database
from tests.clients.conftest import run_node
from tests.loopback import serving

FILM_1 = {"film": {"filmId": 1, "title": "ACADEMY DINOSAUR"}}


async def apollo(settings: Settings, database: Database, node_clients: Path) -> list[Any]:
    async with serving(create_app(settings, database)) as port:
        results: list[Any] = await run_node(
            node_clients / "apollo.mjs", f"http://127.0.0.1:{port}/graphql"
        )
    return results


def shape(exchanges: list[dict[str, Any]]) -> list[tuple[str, bool, list[str]]]:
    return [(e["method"], e["sentQuery"], e["codes"]) for e in exchanges]


async def test_automatic_persisted_queries(
    node_clients: Path, settings: Settings, database: Database
) -> None:
    first, again, films, other = await apollo(settings, database, node_clients)
    assert first["data"] == FILM_1
    # the hash alone by GET; unknown, so the query once (POST), which the server stores
    assert shape(first["exchanges"]) == [
        ("GET", False, ["PERSISTED_QUERY_NOT_FOUND"]),
        ("POST", True, []),
    ]
    assert again["data"] == FILM_1
    assert shape(again["exchanges"]) == [("GET", False, [])]  # the hash alone is enough now
    assert [n["filmId"] for n in films["data"]["films"]["nodes"]] == [1, 2]
    assert other["data"] == {"film": {"title": "ACE GOLDFINGER"}}  # anything runs


async def test_only_registered_operations_run(
    node_clients: Path, settings: Settings, database: Database, tmp_path: Path
) -> None:
    manifest = tmp_path / "persisted-queries.json"
    cli = await asyncio.create_subprocess_exec(
        str(Path(sys.executable).parent / "pagila-graph"),
        "register-operations",
        str(node_clients / "operations.graphql"),
        "--manifest",
        str(manifest),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "REDIS_URL": "", "ENVIRONMENT": "test"},
    )
    _, err = await cli.communicate()
    assert cli.returncode == 0, err.decode()
    assert "Registered 2 operation(s)" in err.decode()
    only = settings.model_copy(
        update={
            "persisted_queries": PersistedQueriesMode.ONLY,
            "persisted_queries_manifest": manifest,
        }
    )
    first, again, films, other = await apollo(only, database, node_clients)
    # registered: known by hash at once (Apollo's printer and ours agree on the text)
    assert first["data"] == FILM_1
    assert shape(first["exchanges"]) == [("GET", False, [])]
    assert again["data"] == FILM_1
    assert [n["filmId"] for n in films["data"]["films"]["nodes"]] == [1, 2]
    # not registered: unknown by hash, and refused with its text
    assert other["data"] is None
    assert other["error"] == ["PERSISTED_QUERY_NOT_ALLOWED"]
    assert shape(other["exchanges"]) == [
        ("GET", False, ["PERSISTED_QUERY_NOT_FOUND"]),
        ("POST", True, ["PERSISTED_QUERY_NOT_ALLOWED"]),
    ]
