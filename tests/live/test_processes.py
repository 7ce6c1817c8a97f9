"""Two server processes (uvicorn, as deployed) on loopback, sharing one PostgreSQL and one Redis:
a write on either reaches subscribers on the other; killing one loses no event for the other's
subscribers; an agent conversation started on one continues on the other."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from websockets.exceptions import ConnectionClosed

from config.settings import Settings
from tests.live.support import (
    ADMIN,
    DUE,
    REDIS_URL,
    SECRET,
    Http,
    Subscriber,
    channel,
    clerk,
    subscribed,
)
from tests.live.support import customer as customer_principal
from tests.live.test_events import RENTAL_EVENTS, active_customer, free_film

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Process:
    name: str
    popen: subprocess.Popen[bytes]
    port: int
    http: Http

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/graphql"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def server_process(name: str, env: dict[str, str], settings: Settings) -> Iterator[Process]:
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "pagila_graph.app:create_app_from_env",
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--no-access-log",
    ]
    popen = subprocess.Popen(command, cwd=ROOT, env=env)
    try:
        yield Process(name, popen, port, Http(f"http://127.0.0.1:{port}", settings))
    finally:
        if popen.poll() is None:
            popen.terminate()
            popen.wait(DUE)


async def started(process: Process) -> None:
    async def healthy() -> None:
        while True:
            assert process.popen.poll() is None, f"{process.name} exited"
            try:
                async with httpx.AsyncClient() as http:
                    if (await http.get(f"http://127.0.0.1:{process.port}/healthz")).is_success:
                        return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)

    await asyncio.wait_for(healthy(), DUE * 2)


@pytest.fixture
async def processes(live_url: str) -> AsyncIterator[tuple[Process, Process]]:
    events_channel = channel()
    env = {
        **os.environ,
        "ENVIRONMENT": "test",
        "DATABASE_URL": live_url,
        "REDIS_URL": REDIS_URL,
        "EVENTS_CHANNEL": events_channel,
        "JWT_SECRET": SECRET,
        "MODEL_PROVIDER": "scripted",
        "AUTO_MIGRATE": "false",
        "AUTO_LOAD_DATA": "false",
        "LOG_LEVEL": "WARNING",
        "RESPONSE_CACHE": "true",
        "RATE_LIMIT_KEY_PREFIX": f"pagila-graph-test:{uuid.uuid4().hex}",
    }
    settings = Settings(_env_file=None, jwt_secret=SECRET)  # type: ignore[call-arg]
    with server_process("A", env, settings) as a, server_process("B", env, settings) as b:
        await asyncio.gather(started(a), started(b))
        yield a, b


async def rent_and_return(process: Process, sql: asyncpg.Connection, film: int, who: int) -> int:
    staff = await clerk(sql, 1)
    rented = await process.http.mutate(
        "rentFilm",
        "rental { rentalId }",
        {"filmId": film, "customerId": who, "storeId": 1},
        as_=staff,
    )
    assert rented["errors"] == [], rented
    rental_id: int = rented["rental"]["rentalId"]
    back = await process.http.mutate(
        "returnRental", "amountDue", {"rentalId": rental_id}, as_=staff
    )
    assert back["errors"] == [], back
    return rental_id


async def warmed_up(
    sub: Subscriber, writer: Process, sql: asyncpg.Connection, film: int, who: int
) -> None:
    """graphql-transport-ws does not acknowledge a subscription and the server is another
    process: write until the subscriber hears one, then read what those writes sent."""
    first = asyncio.create_task(sub.data("rentalEvents"))
    sent: list[int] = []
    while not first.done():
        sent.append(await rent_and_return(writer, sql, film, who))
        await asyncio.wait({first}, timeout=0.2)
    seen = [await first]
    expected = [(kind, r) for r in sent for kind in ("RENTED", "RETURNED")]
    tail = expected[expected.index((seen[0]["kind"], seen[0]["rentalId"])) + 1 :]
    for _ in tail:
        event = await sub.data("rentalEvents")
        seen.append(event)
    assert [(e["kind"], e["rentalId"]) for e in seen[1:]] == tail


async def test_writes_on_one_process_reach_subscribers_on_the_other_and_survive_a_kill(
    processes: tuple[Process, Process], live_sql: asyncpg.Connection
) -> None:
    a, b = processes
    film = await free_film(live_sql, 1)
    who = await active_customer(live_sql, 1, skip=20)
    staff = await clerk(live_sql, 1)
    async with AsyncExitStack() as stack:
        on_b = await stack.enter_async_context(
            subscribed(b.ws_url, b.http.settings, RENTAL_EVENTS, {"store": 1}, as_=staff)
        )
        await warmed_up(on_b, a, live_sql, film, who)  # A's writes reach B
        on_a = await stack.enter_async_context(
            subscribed(a.ws_url, a.http.settings, RENTAL_EVENTS, {"store": 1}, as_=staff)
        )
        await warmed_up(on_a, b, live_sql, film, who)  # and B's reach A
        # B's subscriber also heard B's warm-up writes: read them away up to a marker
        marker = await rent_and_return(a, live_sql, film, who)
        for sub in (on_a, on_b):
            while (await sub.data("rentalEvents"))["rentalId"] != marker:
                pass
            assert (await sub.data("rentalEvents"))["kind"] == "RETURNED"

        from_a = [await rent_and_return(a, live_sql, film, who) for _ in range(3)]
        a.popen.send_signal(signal.SIGKILL)
        a.popen.wait(DUE)
        from_b = [await rent_and_return(b, live_sql, film, who) for _ in range(3)]

        got = [await on_b.data("rentalEvents") for _ in range(12)]
        expected = [(k, r) for r in from_a + from_b for k in ("RENTED", "RETURNED")]
        assert [(e["kind"], e["rentalId"]) for e in got] == expected
        # A's subscriber went down with A, after at most A's own events
        with pytest.raises(ConnectionClosed):
            while True:
                event = (await on_a.next())["data"]["rentalEvents"]
                assert event["rentalId"] in from_a


ASK = """mutation($q: String!, $c: Int) {
  askAgent(input: { question: $q, conversationId: $c }) {
    errors { code message } answer conversationId
  }
}"""
CONVERSATION = """query($id: Int!) {
  conversation(id: $id) { conversationId messages { role content } }
}"""


async def test_a_conversation_started_on_one_process_continues_on_the_other(
    processes: tuple[Process, Process], live_sql: asyncpg.Connection
) -> None:
    a, b = processes
    me = customer_principal(await active_customer(live_sql, 1, skip=21))
    first: dict[str, Any] = (
        await a.http(ASK, {"q": "Which films are about dinosaurs?", "c": None}, as_=me)
    )["askAgent"]
    assert first["errors"] == [], first
    conversation = first["conversationId"]
    assert conversation is not None

    second = (await b.http(ASK, {"q": "And any under $1?", "c": conversation}, as_=me))["askAgent"]
    assert second["errors"] == [] and second["conversationId"] == conversation, second

    for process in (a, b):
        found = (await process.http(CONVERSATION, {"id": conversation}, as_=me))["conversation"]
        assert [m["role"] for m in found["messages"]] == ["user", "assistant"] * 2, found
        assert found["messages"][2]["content"] == "And any under $1?"


FILM = "query($f: Int!) { film(filmId: $f) { title availableCopies(storeId: 1) } }"


async def test_cached_reads_are_never_stale_after_a_write_on_the_other_process(
    processes: tuple[Process, Process], live_sql: asyncpg.Connection
) -> None:
    a, b = processes
    film_id = await free_film(live_sql, 1, minimum=3)
    first = (await b.http(FILM, {"f": film_id}))["film"]
    await live_sql.execute("UPDATE film SET title = 'BEHIND' WHERE film_id = $1", film_id)
    # both processes answer from the one (Redis) cache: the SQL change is not seen
    assert (await b.http(FILM, {"f": film_id}))["film"] == first
    assert (await a.http(FILM, {"f": film_id}))["film"] == first

    staff = await clerk(live_sql, 1)
    copies = first["availableCopies"]
    for round_ in range(3):
        writer, reader = (a, b) if round_ % 2 == 0 else (b, a)
        title = f"ROUND {round_}"
        done = await writer.http.mutate(
            "updateFilm", "film { title }", {"filmId": film_id, "title": title}, as_=ADMIN
        )
        assert done["errors"] == []
        assert (await reader.http(FILM, {"f": film_id}))["film"] == {
            "title": title,
            "availableCopies": copies,
        }
        rented = await writer.http.mutate(
            "rentFilm",
            "rental { rentalId }",
            {
                "filmId": film_id,
                "customerId": await active_customer(live_sql, 1, 40 + round_),
                "storeId": 1,
            },
            as_=staff,
        )
        assert rented["errors"] == []
        copies -= 1
        assert (await reader.http(FILM, {"f": film_id}))["film"]["availableCopies"] == copies
