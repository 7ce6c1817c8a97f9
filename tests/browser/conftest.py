"""Browser fixtures, shared by every browser test: real Debian Chromium driven by Python
Playwright, every request that is not to a loopback address refused (and recorded)."""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.async_api import (
    Browser,
    BrowserContext,
    Page,
    Route,
    WebSocketRoute,
    async_playwright,
)

from tests.browser.chromium import CHROMIUM_ARGS, ensure_chromium, why_not

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = ensure_chromium()
    if path is None:
        pytest.skip(f"browser tests skipped: {why_not()}")
    return path


@pytest.fixture(scope="session")
async def browser(chromium_path: str) -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=chromium_path, args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield launched
        finally:
            await launched.close()


@dataclass
class IsolatedPage:
    """A page whose requests may only reach loopback; `blocked` lists what it tried."""

    page: Page
    context: BrowserContext
    blocked: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)


def is_loopback(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme in ("data", "blob", "about"):
        return True
    return (parts.hostname or "") in LOOPBACK_HOSTS


@pytest.fixture
async def isolated_page(browser: Browser) -> AsyncIterator[IsolatedPage]:
    context = await browser.new_context(viewport={"width": 1400, "height": 860})
    page = await context.new_page()
    isolated = IsolatedPage(page=page, context=context)

    async def guard(route: Route) -> None:
        if is_loopback(route.request.url):
            await route.continue_()
        else:
            isolated.blocked.append(route.request.url)
            await route.abort("blockedbyclient")

    async def guard_socket(socket: WebSocketRoute) -> None:
        if is_loopback(socket.url):
            socket.connect_to_server()
        else:
            isolated.blocked.append(socket.url)
            await socket.close(code=1008, reason="blocked by the test")

    await context.route("**/*", guard)
    await context.route_web_socket(re.compile(".*"), guard_socket)
    page.on(
        "console",
        lambda message: (
            isolated.console_errors.append(message.text) if message.type == "error" else None
        ),
    )
    try:
        yield isolated
    finally:
        await context.close()


# --- the customers' page (tests/browser/test_web_page.py) ------------------------------------

ARTIFACTS = Path(
    os.environ.get(
        "BROWSER_ARTIFACTS", Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"
    )
)
PHONE = {"width": 390, "height": 844}


def artifact(name: str) -> Path:
    """Where a screenshot called `name` goes (test-artifacts/browser/, or BROWSER_ARTIFACTS)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS / f"{re.sub(r'[^A-Za-z0-9_.-]+', '-', name)}.png"


@pytest.fixture
async def page(isolated_page: IsolatedPage, request: pytest.FixtureRequest) -> AsyncIterator[Page]:
    """`isolated_page`'s page (loopback only), with a 60 s default wait (a busy 2-core machine,
    not a performance bound); uncaught page errors and blocked requests fail the test, and a
    failing test leaves a full-page screenshot in the artifacts."""
    tab = isolated_page.page
    tab.set_default_timeout(60_000)
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    yield tab
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        await tab.screenshot(path=artifact(f"{request.node.name}-failure"), full_page=True)
    assert not errors, f"uncaught errors in the page: {errors}"
    assert not isolated_page.blocked, f"requests off loopback: {isolated_page.blocked}"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if report.when == "call":
        item.rep_call = report  # type: ignore[attr-defined]
    return report
