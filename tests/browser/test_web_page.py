"""The customers' page (docs/web.md) in real Chromium against a running server (uvicorn on a
loopback port) with the scripted model: browse, a film, the assistant streaming, a hand-off,
an account renting and returning, and a refusal for going too fast."""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from decimal import Decimal
from itertools import pairwise
from typing import TYPE_CHECKING

import asyncpg
import pytest

from agents.service import AgentRunner
from config.settings import ModelProvider
from pagila_graph.app import create_app
from persistence.db import to_libpq_url
from persistence.unit_of_work import SqlUnitOfWorkFactory
from tests.agents.scripted import Reply, Say, ScriptedChatCompletion, ScriptTurn
from tests.browser.conftest import PHONE, artifact
from tests.conftest import open_database, pagila_database, settings_for
from tests.loopback import serving

if TYPE_CHECKING:
    from playwright.async_api import Browser, Page, WebSocketRoute

PASSWORD = "a long pass phrase 4 the page"


@pytest.fixture(scope="session")
async def web_db_url(server_url: str) -> AsyncIterator[str]:
    async with pagila_database(server_url, "pagila_web") as url:
        yield url


@pytest.fixture(scope="session")
async def site(web_db_url: str) -> AsyncIterator[str]:
    """The whole server (page, API, WebSocket) with the scripted model and its demo policy."""
    settings = settings_for(web_db_url, model_provider=ModelProvider.SCRIPTED, agent_timeout_s=60)
    async with AsyncExitStack() as stack:
        database = await stack.enter_async_context(open_database(web_db_url))
        port = await stack.enter_async_context(serving(create_app(settings, database)))
        yield f"http://127.0.0.1:{port}"


@pytest.fixture(scope="session")
async def strict_site(web_db_url: str) -> AsyncIterator[str]:
    """The same, with rate limits on: one assistant run per minute."""
    settings = settings_for(
        web_db_url,
        model_provider=ModelProvider.SCRIPTED,
        agent_timeout_s=60,
        rate_limit_enabled=True,
        rate_limit_agent="1/minute",
        rate_limit_requests="1000/minute",
    )
    async with AsyncExitStack() as stack:
        database = await stack.enter_async_context(open_database(web_db_url))
        port = await stack.enter_async_context(serving(create_app(settings, database)))
        yield f"http://127.0.0.1:{port}"


PREV_IS = "document.querySelector('#prev-page')?.disabled === {disabled}"


@pytest.fixture(scope="session")
async def modelless_site(web_db_url: str) -> AsyncIterator[str]:
    """The same, with no language model configured."""
    settings = settings_for(web_db_url, model_provider=ModelProvider.NONE)
    async with AsyncExitStack() as stack:
        database = await stack.enter_async_context(open_database(web_db_url))
        port = await stack.enter_async_context(serving(create_app(settings, database)))
        yield f"http://127.0.0.1:{port}"


class Stuck:
    """A model that never answers until cancelled; records the cancellation."""

    def __init__(self) -> None:
        self.started = asyncio.Event()
        self.cancelled = asyncio.Event()

    async def __call__(self, turn: ScriptTurn) -> Reply:
        self.started.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            self.cancelled.set()
            raise
        return Say("never")


@pytest.fixture
async def stuck_site(web_db_url: str) -> AsyncIterator[tuple[str, Stuck]]:
    """A server whose model hangs (a fresh one per test: the runner belongs to its database)."""
    settings = settings_for(web_db_url, model_provider=ModelProvider.SCRIPTED, agent_timeout_s=300)
    model = Stuck()
    async with AsyncExitStack() as stack:
        database = await stack.enter_async_context(open_database(web_db_url))
        agents = AgentRunner(
            settings,
            SqlUnitOfWorkFactory(database),
            ScriptedChatCompletion(model),  # type: ignore[arg-type]
        )
        app = create_app(settings, database, agents=agents)
        port = await stack.enter_async_context(serving(app))
        yield f"http://127.0.0.1:{port}", model


async def titles(page: Page) -> list[str]:
    return await page.locator("#film-list .film-title").all_inner_texts()


async def test_search_filter_and_page_through_films(page: Page, site: str) -> None:
    await page.goto(site + "/")
    await page.wait_for_selector("#film-list")
    first_page = await titles(page)
    assert len(first_page) == 12 and first_page == sorted(first_page)
    assert await page.inner_text("#result-count") == "1000 films"
    await page.click("#next-page")
    await page.wait_for_function(PREV_IS.format(disabled="false"))
    second_page = await titles(page)
    assert len(second_page) == 12 and second_page[0] > first_page[-1]
    await page.click("#prev-page")
    await page.wait_for_function(PREV_IS.format(disabled="true"))
    assert await titles(page) == first_page

    await page.fill("#search", "dinosaur")
    await page.press("#search", "Enter")
    await page.wait_for_selector("text=3 films")
    assert set(await titles(page)) == {"ACADEMY DINOSAUR", "CENTER DINOSAUR", "DINOSAUR SECRETARY"}
    await page.select_option("#rating", "PG")
    await page.wait_for_selector("text=2 films")
    assert set(await titles(page)) == {"ACADEMY DINOSAUR", "CENTER DINOSAUR"}
    await page.select_option("#sort", "length-desc")
    await page.wait_for_function("location.hash.includes('sort=length-desc')")
    await page.wait_for_selector("#film-list")
    assert await titles(page) == ["CENTER DINOSAUR", "ACADEMY DINOSAUR"]  # 152 and 86 minutes
    await page.screenshot(path=artifact("films-search"))


async def test_category_filter_and_a_film_page(page: Page, site: str, web_db_url: str) -> None:
    horror = await sql_value(
        web_db_url,
        "SELECT count(*) FROM film_category JOIN category USING (category_id) "
        "WHERE name = 'Horror'",
    )
    await page.goto(site + "/")
    await page.wait_for_selector("#category option >> text=Horror", state="attached")
    await page.select_option("#category", label="Horror")
    await page.wait_for_selector(f"text={horror} films")
    await page.click("#film-list .film-link >> nth=0")
    await page.wait_for_selector("#film-title")
    assert "Horror" in await page.inner_text("#film-categories")
    await page.goto(site + "/#/film/1")
    await page.wait_for_selector("#film-title >> text=ACADEMY DINOSAUR")
    actors = await page.locator("#film-actors li").all_inner_texts()
    assert len(actors) == await sql_value(
        web_db_url, "SELECT count(*) FROM film_actor WHERE film_id = 1"
    )
    per_store = await sql_rows(
        web_db_url,
        "SELECT store_id, count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM rental r "
        "WHERE r.inventory_id = i.inventory_id AND r.return_date IS NULL)) "
        "FROM inventory i WHERE film_id = 1 GROUP BY 1 ORDER BY 1",
    )
    stores = await page.locator("#availability th").all_inner_texts()
    copies = await page.locator("#availability .copies").all_inner_texts()
    assert stores == [f"Store {store}" for store, _ in per_store]
    assert copies == [f"{n} available" if n else "none available" for _, n in per_store]
    assert await page.locator("text=Sign in to rent").count() == len(per_store)
    await page.screenshot(path=artifact("film-detail"))


STREAM_RECORDER = """
window.__snapshots = [];
new MutationObserver(() => {
  const text = document.querySelector('.msg-assistant .msg-text');
  if (text) window.__snapshots.push(text.textContent);
}).observe(document, { subtree: true, childList: true, characterData: true });
"""


async def ask(page: Page, question: str) -> None:
    await page.fill("#chat-question", question)
    await page.press("#chat-question", "Enter")
    await page.wait_for_selector(".msg-assistant:last-child[aria-busy=false]")


async def test_a_film_question_streams_token_by_token(page: Page, site: str) -> None:
    await page.add_init_script(STREAM_RECORDER)
    await page.goto(site + "/")
    await ask(page, "Is ACADEMY DINOSAUR in stock at store 1?")
    answer = await page.inner_text(".msg-assistant .msg-text")
    assert "ACADEMY DINOSAUR" in answer and "store 1" in answer, answer
    assert await page.inner_text(".msg-assistant .msg-agent") == "Film search"
    snapshots: list[str] = [s for s in await page.evaluate("window.__snapshots") if s]
    growth = [s for i, s in enumerate(snapshots) if i == 0 or s != snapshots[i - 1]]
    # one delta per word: the text grew in many steps, each extending the one before
    assert len(growth) >= len(answer.split()) // 2 >= 3, growth
    assert all(b.startswith(a) and len(b) > len(a) for a, b in pairwise(growth))
    assert growth[-1].strip() == answer.strip()
    deltas = int(await page.get_attribute(".msg-assistant .msg-text", "data-delta-count") or 0)
    assert deltas >= len(growth)
    # the tool call is there, collapsed until opened
    steps = page.locator(".msg-assistant .steps-box")
    assert await steps.get_attribute("open") is None
    await steps.locator("summary").click()
    assert "FilmSearch.search_films" in await steps.inner_text()
    await page.screenshot(path=artifact("chat-film-question"))
    # the film card opens the film
    await page.click(".msg-assistant .film-link >> text=ACADEMY DINOSAUR")
    await page.wait_for_selector("#film-title >> text=ACADEMY DINOSAUR")


async def test_a_question_without_films_is_handed_to_the_general_agent(
    page: Page, site: str
) -> None:
    await page.goto(site + "/")
    await sign_up(page)  # conversations are kept for signed-in callers
    await ask(page, "Any film about zyxwvut quasars?")
    agent = page.locator(".msg-assistant .msg-agent")
    assert await agent.inner_text() == "General assistant"
    assert await agent.get_attribute("data-agent") == "LLMAgent"
    await page.click(".msg-assistant .steps-box summary")
    steps = await page.inner_text(".msg-assistant .steps")
    assert "Film search handed over to General assistant" in steps
    conversation = await page.inner_text("#chat-conversation")
    assert re.fullmatch(r"Conversation #\d+", conversation)
    # a follow-up continues the same conversation
    await ask(page, "Thanks, and anything with dinosaurs?")
    assert await page.inner_text("#chat-conversation") == conversation
    assert await page.locator(".msg-assistant").count() == 2


async def balance(page: Page) -> Decimal:
    return Decimal(await page.get_attribute("#balance", "data-amount") or "nan")


async def test_register_sign_in_rent_return_and_the_balance(
    page: Page, site: str, web_db_url: str, browser: Browser
) -> None:
    email = f"web-{uuid.uuid4().hex[:10]}@example.com"
    await page.goto(site + "/#/register")
    fields = {
        "#reg-first": "Web",
        "#reg-last": "Tester",
        "#reg-email": email,
        "#reg-password": "short",
        "#reg-address": "1 Test Street",
        "#reg-district": "Alberta",
        "#reg-city": "Lethbridge",
        "#reg-country": "Canada",
        "#reg-phone": "5551234",
    }
    for selector, value in fields.items():
        await page.fill(selector, value)
    await page.click("button[type=submit]")
    # the refusal is next to the password field, which gets the focus
    await page.wait_for_selector("#reg-password-error")
    assert await page.get_attribute("#reg-password", "aria-invalid") == "true"
    assert await page.evaluate("document.activeElement.id") == "reg-password"
    await page.fill("#reg-password", PASSWORD)
    await page.click("button[type=submit]")
    await page.wait_for_selector("#balance")
    assert await balance(page) == Decimal("0.00")

    await page.click("#sign-out")
    await page.wait_for_selector("#nav-signin")
    await page.click("#nav-signin")
    await page.fill("#signin-email", email)
    await page.fill("#signin-password", "not the password at all")
    await page.click("button[type=submit]")
    await page.wait_for_selector("#form-status >> text=Wrong e-mail or password.")
    await page.fill("#signin-password", PASSWORD)
    await page.click("button[type=submit]")
    await page.wait_for_selector("#balance")

    # someone else has the film open in another browser: its counts follow (filmAvailability)
    watcher_context = await browser.new_context()
    watcher = await watcher_context.new_page()
    watcher.set_default_timeout(60_000)
    await watcher.goto(site + "/#/film/1")
    store_1 = watcher.locator("#availability [data-store='1']")
    await store_1.filter(has_text="4 available").wait_for()

    await page.goto(site + "/#/film/1")  # ACADEMY DINOSAUR, $0.99
    await page.click("[data-rent-store='1']")
    await page.wait_for_selector("#rent-status >> text=Rented")
    assert await page.inner_text("#availability [data-store='1']") == "3 available"
    await store_1.filter(has_text="3 available").wait_for()  # no reload on the watcher's side
    # one rental, recorded with a staff member of the store it was rented at
    rentals = await sql_rows(
        web_db_url,
        "SELECT i.store_id, s.store_id AS staff_store FROM rental r "
        "JOIN customer c USING (customer_id) JOIN inventory i USING (inventory_id) "
        "JOIN staff s ON s.staff_id = r.staff_id WHERE c.email = $1",
        email,
    )
    assert [tuple(r) for r in rentals] == [(1, 1)]
    await page.click("#nav-account")
    await page.wait_for_selector("[data-return]")
    assert await balance(page) == Decimal("0.99")  # the rate is owed from the rental on
    await page.screenshot(path=artifact("account-rented"))
    await page.click("[data-return]")
    await page.wait_for_selector("#rental-status >> text=Returned")
    assert await page.locator("[data-return]").count() == 0
    assert await balance(page) == Decimal("0.99")  # returned on time: no late fee
    await store_1.filter(has_text="4 available").wait_for()
    await watcher_context.close()


async def test_going_too_fast_says_how_long_to_wait(page: Page, strict_site: str) -> None:
    await page.goto(strict_site + "/")
    await ask(page, "What can you do?")
    await ask(page, "And what else?")
    error = page.locator(".msg-assistant:last-child .kind-rate_limited")
    message = await error.inner_text()
    assert re.fullmatch(r"Too many requests\. Please try again in \d+ seconds?\.", message)
    assert await page.is_disabled("#chat-send")
    await page.screenshot(path=artifact("chat-rate-limited"))


async def test_cancel_stops_the_run_on_the_server(
    page: Page, stuck_site: tuple[str, Stuck]
) -> None:
    url, model = stuck_site
    await page.goto(url + "/")
    # a general question: the model must write it (catalogue look-ups may need no model call)
    await page.fill("#chat-question", "Tell me something nice about popcorn.")
    await page.press("#chat-question", "Enter")
    await page.wait_for_selector("#chat-cancel", state="visible")
    await asyncio.wait_for(model.started.wait(), timeout=120)
    assert await page.is_disabled("#chat-send")
    await page.click("#chat-cancel")
    await page.wait_for_selector(".msg-assistant >> text=Cancelled.")
    assert not await page.is_disabled("#chat-send")
    assert await page.is_hidden("#chat-cancel")
    # the page ended the subscription; the server cancelled the model call
    await asyncio.wait_for(model.cancelled.wait(), timeout=120)


async def test_without_a_model_the_assistant_says_so(page: Page, modelless_site: str) -> None:
    await page.goto(modelless_site + "/")
    await ask(page, "Is ACADEMY DINOSAUR in stock?")
    message = await page.inner_text(".msg-assistant .kind-model_unavailable")
    assert message.startswith("The assistant is not available right now")
    assert not await page.is_disabled("#chat-send")  # nothing to wait for: ask again later


async def test_on_a_phone_the_assistant_opens_from_the_header(page: Page, site: str) -> None:
    await page.set_viewport_size(PHONE)  # type: ignore[arg-type]
    await page.goto(site + "/")
    await page.wait_for_selector("#film-list")
    assert not await page.is_visible("#chat")
    await page.click(".chat-toggle")
    assert await page.is_visible("#chat-question")
    assert not await page.is_visible("#film-list")
    assert await page.get_attribute(".chat-toggle", "aria-expanded") == "true"
    assert await page.evaluate("document.activeElement.id") == "chat-question"
    await ask(page, "Is ACADEMY DINOSAUR in stock at store 1?")
    await page.screenshot(path=artifact("phone-assistant"))
    # a film card takes the phone to the film, closing the assistant
    await page.click(".msg-assistant .film-link >> text=ACADEMY DINOSAUR")
    await page.wait_for_selector("#film-title >> text=ACADEMY DINOSAUR")
    assert not await page.is_visible("#chat")
    # no sideways scrolling on a phone
    assert await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


async def test_keyboard_only_search(page: Page, site: str) -> None:
    await page.goto(site + "/")
    await page.wait_for_selector("#film-list")
    await page.keyboard.press("Tab")  # the skip link comes first
    assert await page.evaluate("document.activeElement.className") == "skip-link"
    await page.focus("#search")
    await page.keyboard.type("teacher")
    await page.keyboard.press("Enter")
    await page.wait_for_function("location.hash.includes('q=teacher')")
    await page.wait_for_selector("#film-list")
    first = page.locator("#film-list .film-link").first
    await first.focus()
    await page.keyboard.press("Enter")
    await page.wait_for_selector("#film-title")


async def test_every_form_control_has_a_label(page: Page, site: str) -> None:
    for route in ("/", "/#/signin", "/#/register"):
        await page.goto(site + route)
        await page.wait_for_load_state("networkidle")
        unlabelled = await page.evaluate(
            """[...document.querySelectorAll('input, select, textarea')]
               .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label'))
               .map(el => el.id || el.name)"""
        )
        assert unlabelled == [], (route, unlabelled)


async def sql_rows(url: str, query: str, *args: object) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(to_libpq_url(url))
    try:
        return list(await conn.fetch(query, *args))
    finally:
        await conn.close()


async def sql_value(url: str, query: str, *args: object) -> int:
    return int((await sql_rows(url, query, *args))[0][0])


REGISTER = """
async (email) => {
  const query = `mutation R($input: RegisterInput!) { register(input: $input) {
    errors { message } tokens { accessToken accessTokenExpiresAt refreshToken } } }`;
  const input = { email, password: %s, firstName: "Chat", lastName: "Tester", storeId: 1,
    address: { address: "2 Test Street", district: "Alberta", city: "Lethbridge",
               country: "Canada", phone: "5551234" } };
  const response = await fetch("/graphql", { method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query, variables: { input } }) });
  const { data } = await response.json();
  if (data.register.errors.length) throw new Error(data.register.errors[0].message);
  localStorage.setItem("pagila.session", JSON.stringify(data.register.tokens));
}
"""


async def sign_up(page: Page) -> str:
    """A new customer account, signed in on this page (through the API, like the form)."""
    email = f"chat-{uuid.uuid4().hex[:10]}@example.com"
    await page.evaluate(REGISTER % json.dumps(PASSWORD), email)
    await page.reload()
    await page.wait_for_selector("#nav-account")
    return email


async def test_a_lost_connection_is_shown_and_reconnected(page: Page, site: str) -> None:
    """The page's socket is cut, then refused while the "server" is away: the page says so and
    reconnects by itself when it is back; the assistant then answers as before."""
    sockets: list[WebSocketRoute] = []
    away = False

    async def relay(socket: WebSocketRoute) -> None:
        if away:
            await socket.close(code=1012, reason="server away")  # Service Restart
        else:
            socket.connect_to_server()
            sockets.append(socket)

    await page.route_web_socket(re.compile(r".*/graphql$"), relay)
    await page.goto(site + "/")
    # the page keeps one socket open from the start
    await page.wait_for_selector("#chat-connection[data-state=connected]", state="attached")
    away = True
    await sockets[-1].close(code=1012, reason="cut by the test")
    banner = page.locator("#chat-connection")
    await banner.filter(has_text="reconnecting automatically").wait_for()
    away = False
    await page.wait_for_selector("#chat-connection[data-state=connected]", state="attached")
    assert await banner.inner_text() == ""
    assert len(sockets) >= 2
    await ask(page, "What can you do?")
    assert await page.inner_text(".msg-assistant .msg-text")
