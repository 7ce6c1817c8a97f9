"""Issue 14 item 12: a write that fails after its COMMIT was sent says so (OUTCOME_UNKNOWN,
`retryable: true`), never SERVICE_UNAVAILABLE (which promises nothing was written), and a retry
with the same idempotency key writes once.

The database is real; a proxy between the app and it (tests/faults/wire.py) loses the server's
answer to a COMMIT — the server committed, the app sees its connection drop — or cuts the
connection of the query after one, or before one. A load test terminates the app's backends
(`pg_terminate_backend`) at random under concurrent payments and compares every answer with
what the database holds afterwards.
"""

from __future__ import annotations

import asyncio
import random
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import asyncpg
import httpx
import pytest
from sqlalchemy.engine import make_url

from config.settings import Settings
from pagila_graph.app import create_app
from persistence.db import Database, create_engine
from tests.conftest import settings_for
from tests.faults.wire import WireProxy
from tests.mutations.fixtures import counter_with_copies, new_customer
from tests.mutations.support import HEADER, HeaderAuthenticator, staff

ADMIN = "admin"


@dataclass
class Rig:
    http: httpx.AsyncClient
    proxy: WireProxy
    application_name: str

    async def mutate(self, name: str, selection: str, input: dict[str, Any], who: str) -> Any:
        query = (
            f"mutation($input: {name[0].upper()}{name[1:]}Input!) {{ {name}(input: $input) {{ "
            f"{selection} errors {{ code }} }} }}"
        )
        response = await self.http.post(
            "/graphql", json={"query": query, "variables": {"input": input}}, headers={HEADER: who}
        )
        assert response.status_code in (200, 503), response.text
        body: dict[str, Any] = response.json()
        assert "Traceback" not in response.text and "asyncpg" not in response.text
        return body


def codes(body: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors") or []]


@pytest.fixture
async def rig(faults_url: str) -> AsyncIterator[Rig]:
    url = make_url(faults_url)
    # libpq's `?host=/dir&port=N` (the embedded server's Unix socket) names the server too
    query = dict(url.query)
    socket_dir, socket_port = query.pop("host", None), query.pop("port", None)
    upstream = (
        (str(socket_dir), int(str(socket_port or 5432)))
        if socket_dir
        else (url.host or "127.0.0.1", url.port or 5432)
    )
    proxy = await WireProxy(*upstream).start()
    name = f"faults-{uuid.uuid4().hex[:8]}"
    proxied = url.set(host="127.0.0.1", port=proxy.port, query={**query, "ssl": "disable"})
    database = Database(
        create_engine(
            proxied.render_as_string(hide_password=False),
            pool_size=4,
            max_overflow=0,
            application_name=name,
            connect_timeout_s=5,
            pool_timeout_s=5,
            command_timeout_s=10,
        )
    )
    settings: Settings = settings_for(faults_url)
    app = create_app(settings, database, HeaderAuthenticator())
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://t"
        ) as http:
            yield Rig(http, proxy, name)
    finally:
        await database.dispose()
        await proxy.stop()


# --- one mutation of each kind, with what it writes --------------------------------------------


@dataclass
class Write:
    """A mutation, its input (made fresh for each run) and a count of the rows it writes."""

    name: str
    selection: str
    who: str
    make: Callable[[asyncpg.Connection], Awaitable[tuple[dict[str, Any], Any]]]
    count: Callable[[asyncpg.Connection, Any], Awaitable[int]]


async def _payment(sql: asyncpg.Connection) -> tuple[dict[str, Any], Any]:
    counter = await counter_with_copies(sql)
    customer = await new_customer(sql, counter.store_id)
    await sql.execute(
        "INSERT INTO rental (rental_date, inventory_id, customer_id, staff_id) "
        "VALUES (now(), $1, $2, $3)",
        counter.inventory_ids[0],
        customer,
        counter.staff_id,
    )
    return {"customerId": customer, "amount": "3.50"}, (customer, counter)


async def _rent(sql: asyncpg.Connection) -> tuple[dict[str, Any], Any]:
    counter = await counter_with_copies(sql)
    customer = await new_customer(sql, counter.store_id)
    return (
        {"customerId": customer, "storeId": counter.store_id, "filmId": counter.film_id},
        (customer, counter),
    )


async def _return(sql: asyncpg.Connection) -> tuple[dict[str, Any], Any]:
    counter = await counter_with_copies(sql)
    customer = await new_customer(sql, counter.store_id)
    rental = await sql.fetchval(
        "INSERT INTO rental (rental_date, inventory_id, customer_id, staff_id) "
        "VALUES (now() - interval '1 day', $1, $2, $3) RETURNING rental_id",
        counter.inventory_ids[0],
        customer,
        counter.staff_id,
    )
    return {"rentalId": rental}, (rental, counter)


async def _category(sql: asyncpg.Connection) -> tuple[dict[str, Any], Any]:
    name = f"Fault {uuid.uuid4().hex[:12]}"
    return {"name": name}, name


async def _deactivate(sql: asyncpg.Connection) -> tuple[dict[str, Any], Any]:
    counter = await counter_with_copies(sql)
    customer = await new_customer(sql, counter.store_id)
    return {"customerId": customer}, customer


def _staff_of(made: Any) -> str:
    counter = made[1]
    return staff(counter.staff_id, counter.store_id)


WRITES = {
    "recordPayment": Write(
        "recordPayment",
        "payment { paymentId }",
        "",
        _payment,
        lambda sql, made: sql.fetchval(
            "SELECT count(*) FROM payment WHERE customer_id = $1", made[0]
        ),
    ),
    "rentFilm": Write(
        "rentFilm",
        "rental { rentalId }",
        "",
        _rent,
        lambda sql, made: sql.fetchval(
            "SELECT count(*) FROM rental WHERE customer_id = $1", made[0]
        ),
    ),
    "returnRental": Write(
        "returnRental",
        "rental { rentalId }",
        "",
        _return,
        lambda sql, made: sql.fetchval(
            "SELECT count(*) FROM rental WHERE rental_id = $1 AND return_date IS NOT NULL",
            made[0],
        ),
    ),
    "createCategory": Write(
        "createCategory",
        "category { name }",
        ADMIN,
        _category,
        lambda sql, made: sql.fetchval("SELECT count(*) FROM category WHERE name = $1", made),
    ),
    "deactivateCustomer": Write(
        "deactivateCustomer",
        "customer { customerId }",
        ADMIN,
        _deactivate,
        lambda sql, made: sql.fetchval(
            "SELECT count(*) FROM customer WHERE customer_id = $1 AND NOT activebool", made
        ),
    ),
}


async def run_write(rig: Rig, sql: asyncpg.Connection, write: Write) -> tuple[Any, Any]:
    input, made = await write.make(sql)
    who = write.who or _staff_of(made)
    return await rig.mutate(write.name, write.selection, input, who), made


@pytest.mark.parametrize("name", list(WRITES))
async def test_a_lost_commit_answer_is_outcome_unknown(
    rig: Rig, sql: asyncpg.Connection, name: str
) -> None:
    """The server committed; the answer to COMMIT never reached the app."""
    write = WRITES[name]
    rig.proxy.lose_commit_answers = 1
    body, made = await run_write(rig, sql, write)
    assert rig.proxy.commits_lost == 1
    assert codes(body) == ["OUTCOME_UNKNOWN"], body
    error = body["errors"][0]
    assert error["extensions"]["retryable"] is True
    assert "committed" not in error["extensions"]  # the app cannot know
    assert "idempotency key" in error["message"]
    assert await write.count(sql, made) == 1  # it was saved: "unavailable" would have lied


@pytest.mark.parametrize("name", list(WRITES))
async def test_a_failed_read_back_after_the_commit_is_outcome_unknown_committed(
    rig: Rig, sql: asyncpg.Connection, name: str
) -> None:
    """Every read after the COMMIT fails (the write lane's payload statement, then the
    resolver's own read-back on a new connection, decision 0176)."""
    write = WRITES[name]
    rig.proxy.arm_cut_after_commit(queries=3)
    body, made = await run_write(rig, sql, write)
    assert rig.proxy.queries_cut >= 1
    assert codes(body) == ["OUTCOME_UNKNOWN"], body
    assert body["errors"][0]["extensions"]["committed"] is True
    assert await write.count(sql, made) == 1


@pytest.mark.parametrize("name", list(WRITES))
async def test_a_payload_read_lost_once_after_the_commit_is_read_again(
    rig: Rig, sql: asyncpg.Connection, name: str
) -> None:
    """The write lane's payload statement lost with its connection: the operation goes to the
    executor, the resolver's deferred read-back runs on a new connection (a read in autocommit
    has no transaction to lose, decisions 0175-0176), and the client gets the write's result,
    written once — not OUTCOME_UNKNOWN for a write whose result could still be read."""
    write = WRITES[name]
    rig.proxy.arm_cut_after_commit(queries=1)
    body, made = await run_write(rig, sql, write)
    assert rig.proxy.queries_cut == 1
    assert codes(body) == [], body
    payload = body["data"][write.name]
    assert payload["errors"] == [] and all(v is not None for v in payload.values()), body
    assert await write.count(sql, made) == 1


@pytest.mark.parametrize("name", list(WRITES))
async def test_a_failure_before_the_commit_is_service_unavailable_and_nothing_is_written(
    rig: Rig, sql: asyncpg.Connection, name: str
) -> None:
    write = WRITES[name]
    warm, _ = await run_write(rig, sql, write)  # the pool's connections are open: the cut
    assert warm["data"][write.name]["errors"] == [], warm  # falls inside the transaction
    rig.proxy.cut_next_queries = 1
    body, made = await run_write(rig, sql, write)
    assert rig.proxy.queries_cut == 1
    assert codes(body) == ["SERVICE_UNAVAILABLE"], body
    assert await write.count(sql, made) == 0
    # and the app is usable again at once: the next write succeeds
    again, _ = await run_write(rig, sql, write)
    assert "errors" not in again and again["data"][write.name]["errors"] == [], again


async def test_a_keyed_payment_retried_after_outcome_unknown_is_recorded_once(
    rig: Rig, sql: asyncpg.Connection
) -> None:
    input, made = await _payment(sql)
    keyed = {**input, "idempotencyKey": f"pay-{uuid.uuid4().hex}"}
    rig.proxy.lose_commit_answers = 1
    first = await rig.mutate("recordPayment", "payment { paymentId }", keyed, _staff_of(made))
    assert codes(first) == ["OUTCOME_UNKNOWN"]
    retried = await rig.mutate("recordPayment", "payment { paymentId }", keyed, _staff_of(made))
    assert retried["data"]["recordPayment"]["errors"] == []
    paid = await sql.fetch("SELECT payment_id FROM payment WHERE customer_id = $1", made[0])
    assert [r["payment_id"] for r in paid] == [
        retried["data"]["recordPayment"]["payment"]["paymentId"]
    ]


# --- terminated backends under write load -------------------------------------------------------

PAYMENTS = 48
CONCURRENCY = 8


async def test_terminated_connections_under_payment_load_never_hide_a_committed_write(
    rig: Rig, sql: asyncpg.Connection
) -> None:
    """48 payments, 8 at a time, half with idempotency keys, while another connection
    terminates one of the app's backends every 10-80 ms. Afterwards: every payment answered as
    recorded is there once; every one answered with an error other than OUTCOME_UNKNOWN is not
    there at all; keyed ones retried until answered are there exactly once."""
    made = [await _payment(sql) for _ in range(PAYMENTS)]
    keys = {i: f"load-{uuid.uuid4().hex}" for i in range(0, PAYMENTS, 2)}
    stop = asyncio.Event()
    killed = 0

    async def terminator() -> None:
        nonlocal killed
        while not stop.is_set():
            killed += await sql.fetchval(
                "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE application_name = $1 ORDER BY random() LIMIT 1) t",
                rig.application_name,
            )
            await asyncio.sleep(random.uniform(0.01, 0.08))

    gate = asyncio.Semaphore(CONCURRENCY)
    answers: dict[int, list[str]] = {}

    async def pay(i: int) -> None:
        input, (_, counter) = made[i]
        if i in keys:
            input = {**input, "idempotencyKey": keys[i]}
        async with gate:
            who = staff(counter.staff_id, counter.store_id)
            body = await rig.mutate("recordPayment", "payment { paymentId }", input, who)
        payload = (body.get("data") or {}).get("recordPayment")
        answers[i] = codes(body) or (["OK"] if payload and not payload["errors"] else ["REFUSED"])

    killing = asyncio.create_task(terminator())
    try:
        await asyncio.gather(*(pay(i) for i in range(PAYMENTS)))
    finally:
        stop.set()
        await killing

    tally = Counter(code for answer in answers.values() for code in answer)
    assert killed > 0 and tally["OK"] < PAYMENTS, tally  # the fault did happen
    assert set(tally) <= {"OK", "OUTCOME_UNKNOWN", "SERVICE_UNAVAILABLE"}, tally

    # keyed ones: retry (the faults are over) until answered; each must be there exactly once
    for i, key in keys.items():
        input, (_, counter) = made[i]
        for _ in range(5):
            body = await rig.mutate(
                "recordPayment",
                "payment { paymentId }",
                {**input, "idempotencyKey": key},
                staff(counter.staff_id, counter.store_id),
            )
            if not codes(body):
                break
        assert body["data"]["recordPayment"]["errors"] == [], body

    saved_unknown = 0
    for i, answer in answers.items():
        customer = made[i][1][0]
        rows = await sql.fetchval("SELECT count(*) FROM payment WHERE customer_id = $1", customer)
        if i in keys or answer == ["OK"]:
            assert rows == 1, (i, answer)
        elif answer == ["SERVICE_UNAVAILABLE"]:
            assert rows == 0, (i, answer)  # a committed write reported as "nothing written"
        else:
            assert rows in (0, 1)
            saved_unknown += rows
    print(
        f"terminated backends under load: {dict(tally)}, {killed} backends killed, "
        f"{saved_unknown} unkeyed OUTCOME_UNKNOWN saved"
    )
