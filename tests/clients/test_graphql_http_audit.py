"""graphql-http's audit suite (the GraphQL-over-HTTP spec's server audits, from npm) against the
running server: every audit passes, none warns."""

from __future__ import annotations

from pathlib import Path

from config.settings import Settings
from pagila_graph.app import create_app
from persistence.db import Database
from tests.clients.conftest import run_node
from tests.loopback import serving


async def test_graphql_over_http_audit_has_no_error_and_no_warning(
    node_clients: Path, settings: Settings, database: Database
) -> None:
    async with serving(create_app(settings, database)) as port:
        results = await run_node(node_clients / "audit.mjs", f"http://127.0.0.1:{port}/graphql")
    assert len(results) >= 50  # the suite ran (60 audits in graphql-http 1.22)
    failing = [
        f"{r['status']} {r['id']} {r['name']}: {r['reason']}"
        for r in results
        if r["status"] != "ok"
    ]
    assert failing == []
