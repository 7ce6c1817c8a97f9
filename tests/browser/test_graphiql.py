"""GraphiQL as a newcomer meets it: served by the app itself (no CDN: every request that is not
to loopback is refused and recorded), it runs the preloaded catalogue query over HTTP and the
agentStream subscription over graphql-transport-ws, in real Chromium."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from playwright.async_api import Page, expect

from config.settings import Settings
from pagila_graph.app import create_app
from persistence.db import Database
from tests.agents.conftest import Sql, agent_settings, agents_db, agents_url, sql
from tests.browser.conftest import IsolatedPage
from tests.loopback import serving

__all__ = ["agent_settings", "agents_db", "agents_url", "sql"]  # fixtures used here

SCREENSHOT = Path(__file__).parents[2] / "docs" / "images" / "graphiql.png"


async def run_tab(page: Page, index: int, operation: str) -> None:
    await page.locator(".graphiql-tab").nth(index).click()
    await expect(page.locator(".graphiql-query-editor")).to_contain_text(operation)
    # GraphiQL re-reads the operation (its name and type) after a debounce; a run sooner would
    # send the previous tab's operation name
    await page.wait_for_timeout(1500)
    await page.locator(".graphiql-execute-button").click()


async def test_graphiql_runs_a_query_and_a_subscription_offline(
    isolated_page: IsolatedPage,
    agent_settings: Settings,
    agents_db: Database,
    sql: Sql,
    tmp_path: Path,
) -> None:
    rows = await sql.rows(
        "SELECT title FROM film WHERE title ILIKE '%dino%' ORDER BY title, film_id LIMIT 5"
    )
    titles = [r["title"] for r in rows]
    assert titles  # the preloaded query's variables must find something to show
    page = isolated_page.page
    async with serving(create_app(agent_settings, agents_db)) as port:
        response = await page.goto(f"http://127.0.0.1:{port}/graphql")
        assert response is not None and response.ok
        # the four preloaded operations, one tab each
        tabs = page.locator(".graphiql-tab")
        await expect(tabs).to_have_count(4, timeout=60_000)
        await expect(page.locator('button[aria-label="Show GraphiQL Explorer"]')).to_have_count(1)
        await expect(page.get_by_role("button", name="Headers")).to_have_count(1)
        await run_tab(page, 0, "query Catalogue")
        result = page.locator(".result-window")
        for title in titles:
            await expect(result).to_contain_text(title, timeout=60_000)
        await expect(result).to_contain_text('"totalCount"')
        shot = tmp_path / "graphiql.png"
        await page.screenshot(path=str(shot))

        # agentStream over graphql-transport-ws, answered by the scripted model
        await run_tab(page, 2, "subscription AgentStream")
        await expect(result).to_contain_text("RunCompleted", timeout=60_000)
        await expect(result).to_contain_text('"answer"')

    assert isolated_page.blocked == [], "GraphiQL tried to reach the network"
    assert shot.stat().st_size > 10_000
    # `UPDATE_SCREENSHOTS=1 pytest tests/browser` refreshes the README's picture
    if os.environ.get("UPDATE_SCREENSHOTS") == "1" or not SCREENSHOT.exists():
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, SCREENSHOT)


@pytest.mark.parametrize(
    "asset",
    [
        "vendor/graphiql.min.js",
        "vendor/graphiql.min.css",
        "vendor/react.production.min.js",
        "vendor/react-dom.production.min.js",
        "vendor/plugin-explorer.umd.js",
        "vendor/LICENSES.md",
        "pagila.js",
    ],
)
def test_every_graphiql_file_is_in_the_package(asset: str) -> None:
    from pagila_graph.app import GRAPHIQL_DIR, GRAPHIQL_HTML

    assert (GRAPHIQL_DIR / asset).stat().st_size > 0
    if asset.endswith(".js") or asset.endswith(".css"):
        assert f"graphiql-assets/{asset}" in GRAPHIQL_HTML
    assert "https://" not in GRAPHIQL_HTML  # no CDN
