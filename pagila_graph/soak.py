"""`pagila-graph soak`: many simulated customers and staff against a real server for N minutes,
then the books are checked (issue 14; docs/reliability.md).

Each simulated customer loops: reads (films with their stock, its own rentals and balance),
rents a film for itself, returns one of its open rentals, asks the assistant (the scripted
model: only the model is replaced); staff record payments for it. Every write carries an
idempotency key, and some are sent twice with the same key on purpose.

Afterwards, straight from the database:
* every touched customer's `balance` (as the API answers it) equals `get_customer_balance`;
* no copy is out twice at once (no two rentals of one copy whose periods overlap);
* one payment (and one rental) per idempotency key: the payments written during the run are
  exactly those the keys stored, and every answer for one key named the same row.

Tokens are signed with the server's key (`JWT_SECRET`): the soak starts the server itself with
a key of its own, or is given a running server's URL and key.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import os
import random
import secrets
import signal
import socket
import sys
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import asyncpg
import httpx
import psutil
from pydantic import SecretStr

from config.settings import Environment, Settings
from domain.auth import Principal, Role
from pagila_graph.security import JwtCodec
from persistence.db import to_libpq_url

FILMS = (
    "query($f: FilmFilter, $after: String) { films(first: 10, after: $after, filter: $f) "
    "{ totalCount pageInfo { endCursor } nodes { filmId title rentalRate availableCopies } } }"
)
FILM = (
    "query($id: Int!) { film(filmId: $id) { title description length "
    "actors(first: 5) { nodes { firstName lastName } } categories { nodes { name } } "
    "availableCopies } }"
)
MINE = (
    "query($id: Int!) { customer(customerId: $id) { balance "
    "rentals(first: 20) { nodes { rentalId returnDate inventory { film { title } } } } "
    "payments(first: 5) { nodes { amount } } } }"
)
OPEN_RENTALS = (
    "query($id: Int!) { customer(customerId: $id) { rentals(first: 50) "
    "{ nodes { rentalId returnDate } } } }"
)
BALANCE = "query($id: Int!, $at: DateTime) { customer(customerId: $id) { balance(asOf: $at) } }"
RENT = (
    "mutation($input: RentFilmInput!) { rentFilm(input: $input) "
    "{ rental { rentalId } errors { code } } }"
)
RETURN = (
    "mutation($input: ReturnRentalInput!) { returnRental(input: $input) "
    "{ rental { rentalId } amountDue errors { code } } }"
)
PAY = (
    "mutation($input: RecordPaymentInput!) { recordPayment(input: $input) "
    "{ payment { paymentId } errors { code } } }"
)
ASK = "mutation($input: AskAgentInput!) { askAgent(input: $input) { answer errors { code } } }"
QUESTIONS = (
    "Is ACADEMY DINOSAUR in stock at store 1?",
    "Recommend a comedy under $1.",
    "Which films with dinosaurs do you have?",
    "What do I owe?",
    "Tell me about ALIEN CENTER.",
)
SEARCHES = ("DINOSAUR", "LOVE", "ACADEMY", "GOLD", "ZORRO", "AFRICAN")


@dataclass
class Tally:
    """What the run saw: per kind of request, the latencies and the outcomes."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    outcomes: Counter[str] = field(default_factory=Counter)
    #: "kind outcome" for every outcome but ok
    by_kind: Counter[str] = field(default_factory=Counter)
    #: idempotency key -> every row id an answer named for it
    payment_keys: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    rental_keys: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    touched: set[int] = field(default_factory=set)

    def note(self, kind: str, seconds: float, outcome: str) -> None:
        self.latencies[kind].append(seconds)
        self.outcomes[outcome] += 1
        if outcome != "ok":
            self.by_kind[f"{kind} {outcome}"] += 1

    @property
    def requests(self) -> int:
        return sum(len(v) for v in self.latencies.values())


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


class Client:
    def __init__(self, http: httpx.AsyncClient, tokens: JwtCodec, tally: Tally) -> None:
        self.http = http
        self.tokens = tokens
        self.tally = tally
        self._tokens: dict[tuple[Role, int, int | None], tuple[str, float]] = {}

    def token(self, role: Role, ident: int, store_id: int | None = None) -> str:
        key = (role, ident, store_id)
        cached = self._tokens.get(key)
        if cached is not None and cached[1] > time.monotonic():
            return cached[0]
        if role is Role.CUSTOMER:
            principal = Principal(user_id=10_000_000 + ident, role=role, customer_id=ident)
        else:
            principal = Principal(
                user_id=20_000_000 + ident, role=role, staff_id=ident, store_id=store_id
            )
        issued = self.tokens.issue(principal, uuid.uuid4())
        self._tokens[key] = (issued.token, time.monotonic() + 240)
        return issued.token

    async def graphql(
        self, kind: str, query: str, variables: dict[str, Any], token: str | None
    ) -> dict[str, Any] | None:
        """The answer's `data`, or None; the outcome is tallied (`ok`, a payload's error
        code, a top-level error code, an HTTP status or a transport failure)."""
        headers = {"authorization": f"Bearer {token}"} if token else {}
        started = time.perf_counter()
        try:
            response = await self.http.post(
                "/graphql", json={"query": query, "variables": variables}, headers=headers
            )
        except httpx.HTTPError as exc:
            self.tally.note(kind, time.perf_counter() - started, f"transport:{type(exc).__name__}")
            return None
        elapsed = time.perf_counter() - started
        try:
            body = response.json()
        except ValueError:
            self.tally.note(kind, elapsed, f"http:{response.status_code}")
            return None
        errors = body.get("errors") or []
        if errors:
            code = (errors[0].get("extensions") or {}).get("code", "NO_CODE")
            self.tally.note(kind, elapsed, f"error:{code}")
            return None
        data: dict[str, Any] = body.get("data") or {}
        refused = [
            e["code"]
            for value in data.values()
            if isinstance(value, dict)
            for e in value.get("errors") or []
        ]
        self.tally.note(kind, elapsed, f"refused:{refused[0]}" if refused else "ok")
        return data


@dataclass(frozen=True)
class People:
    customers: list[tuple[int, int]]  # (customer_id, store_id)
    staff: dict[int, int]  # store_id -> a staff member working there
    films: list[int]
    #: (film_id, store_id) of every store holding a copy of the film
    stock: list[tuple[int, int]]


async def cast(url: str, customers: int, rng: random.Random) -> People:
    conn = await asyncpg.connect(to_libpq_url(url))
    try:
        rows = await conn.fetch(
            "SELECT customer_id, store_id FROM customer WHERE activebool "
            "AND store_id IN (SELECT store_id FROM staff) ORDER BY customer_id"
        )
        staff_rows = await conn.fetch("SELECT store_id, min(staff_id) FROM staff GROUP BY 1")
        stock = [
            (r[0], r[1])
            for r in await conn.fetch(
                "SELECT DISTINCT film_id, store_id FROM inventory "
                "WHERE store_id IN (SELECT store_id FROM staff)"
            )
        ]
    finally:
        await conn.close()
    picked = rng.sample([(r[0], r[1]) for r in rows], min(customers, len(rows)))
    films = sorted({film for film, _ in stock})
    return People(picked, {r[0]: r[1] for r in staff_rows}, films, stock)


async def customer_loop(  # noqa: PLR0912 (one branch per kind of request)
    client: Client,
    people: People,
    me: tuple[int, int],
    deadline: float,
    rng: random.Random,
) -> None:
    customer_id, home = me
    tally = client.tally
    while time.monotonic() < deadline:
        roll = rng.random()
        mine = client.token(Role.CUSTOMER, customer_id)
        if roll < 0.30:
            search = {"titleContains": rng.choice(SEARCHES)} if rng.random() < 0.5 else None
            await client.graphql("films", FILMS, {"f": search}, None)
        elif roll < 0.45:
            await client.graphql("film", FILM, {"id": rng.choice(people.films)}, None)
        elif roll < 0.55:
            await client.graphql("mine", MINE, {"id": customer_id}, mine)
        elif roll < 0.70:
            tally.touched.add(customer_id)
            key = f"soak-rent-{uuid.uuid4().hex}"
            film, store = rng.choice(people.stock)
            rent = {
                "customerId": customer_id,
                "storeId": store,
                "filmId": film,
                "idempotencyKey": key,
            }
            for _ in range(2 if rng.random() < 0.15 else 1):  # sometimes a retry on purpose
                data = await client.graphql("rentFilm", RENT, {"input": rent}, mine)
                rental = (data or {}).get("rentFilm", {}) or {}
                if rental.get("rental"):
                    tally.rental_keys[key].add(rental["rental"]["rentalId"])
        elif roll < 0.82:
            tally.touched.add(customer_id)
            data = await client.graphql("openRentals", OPEN_RENTALS, {"id": customer_id}, mine)
            nodes = ((data or {}).get("customer") or {}).get("rentals", {}).get("nodes", [])
            open_ = [n["rentalId"] for n in nodes if n["returnDate"] is None]
            if open_:
                await client.graphql(
                    "returnRental", RETURN, {"input": {"rentalId": rng.choice(open_)}}, mine
                )
        elif roll < 0.94:
            tally.touched.add(customer_id)
            clerk = client.token(Role.STAFF, people.staff[home], home)  # their store's clerk
            key = f"soak-pay-{uuid.uuid4().hex}"
            amount = Decimal(rng.choice(("0.99", "1.99", "2.99", "4.99")))
            pay = {"customerId": customer_id, "amount": str(amount), "idempotencyKey": key}
            for _ in range(2 if rng.random() < 0.15 else 1):
                data = await client.graphql("recordPayment", PAY, {"input": pay}, clerk)
                payment = (data or {}).get("recordPayment", {}) or {}
                if payment.get("payment"):
                    tally.payment_keys[key].add(payment["payment"]["paymentId"])
        else:
            question = rng.choice(QUESTIONS)
            await client.graphql("askAgent", ASK, {"input": {"question": question}}, mine)


@dataclass
class Books:
    balances_checked: int
    balance_mismatches: list[tuple[int, str, str]]
    double_rented: list[int]
    payment_key_problems: list[str]
    rental_key_problems: list[str]

    @property
    def balanced(self) -> bool:
        return not (
            self.balance_mismatches
            or self.double_rented
            or self.payment_key_problems
            or self.rental_key_problems
        )


async def check_books(
    client: Client, url: str, tally: Tally, since: dt.datetime, admin_store: int
) -> Books:
    conn = await asyncpg.connect(to_libpq_url(url))
    try:
        mismatches: list[tuple[int, str, str]] = []
        admin = client.token(Role.ADMIN, 1, admin_store)
        now = dt.datetime.now(dt.UTC)
        for customer_id in sorted(tally.touched):
            data = await client.graphql(
                "check", BALANCE, {"id": customer_id, "at": now.isoformat()}, admin
            )
            api = ((data or {}).get("customer") or {}).get("balance")
            sql = await conn.fetchval("SELECT get_customer_balance($1, $2)", customer_id, now)
            if api is None or Decimal(str(api)) != Decimal(sql):
                mismatches.append((customer_id, str(api), str(sql)))
        double = [
            r[0]
            for r in await conn.fetch(
                "SELECT DISTINCT a.inventory_id FROM rental a JOIN rental b "
                "ON a.inventory_id = b.inventory_id AND a.rental_id < b.rental_id "
                "AND tstzrange(a.rental_date, a.return_date) && "
                "    tstzrange(b.rental_date, b.return_date) "
                "WHERE a.rental_date >= $1 OR b.rental_date >= $1",
                since,
            )
        ]
        payment_problems = await _keys_match(
            conn, tally.payment_keys, "recordPayment", "paymentId", "payment", since, tally
        )
        rental_problems = await _keys_match(
            conn, tally.rental_keys, "rentFilm", "rentalId", "rental", since, tally
        )
    finally:
        await conn.close()
    return Books(len(tally.touched), mismatches, double, payment_problems, rental_problems)


async def _keys_match(  # noqa: PLR0917
    conn: asyncpg.Connection,
    answered: dict[str, set[int]],
    operation: str,
    result_field: str,
    table: str,
    since: dt.datetime,
    tally: Tally,
) -> list[str]:
    """Each key answered one row id; the rows written since `since` for the touched customers
    are exactly those the soak's keys stored (no row without its key, none twice)."""
    problems = [f"key {k} answered {sorted(ids)}" for k, ids in answered.items() if len(ids) > 1]
    stored = await conn.fetch(
        "SELECT key, (result ->> $2)::int AS id FROM idempotency_key "
        "WHERE operation = $1 AND key LIKE 'soak-%' AND created_at >= $3",
        operation,
        result_field,
        since,
    )
    by_key = {r["key"]: r["id"] for r in stored}
    for key, ids in answered.items():
        if ids and by_key.get(key) not in ids:
            problems.append(f"key {key} answered {sorted(ids)}, stored {by_key.get(key)}")
    date = "payment_date" if table == "payment" else "rental_date"
    written = {
        r[0]
        for r in await conn.fetch(
            f"SELECT {table}_id FROM {table} WHERE {date} >= $1 AND customer_id = ANY($2)",
            since,
            sorted(tally.touched),
        )
    }
    keyed = {v for v in by_key.values() if v is not None}
    if written - keyed:
        problems.append(f"{len(written - keyed)} {table}s written without a soak key")
    if keyed - written:
        problems.append(f"{len(keyed - written)} keys name a {table} that is not there")
    return problems


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextlib.asynccontextmanager
async def started_server(settings: Settings, database_url: str) -> AsyncIterator[tuple[str, int]]:
    """`pagila-graph serve` in a child process, with a key of the soak's own, the scripted
    model and no rate limits (one client plays everyone); its URL and pid."""
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "JWT_SECRET": settings.jwt_secret.get_secret_value() if settings.jwt_secret else "",
        "MODEL_PROVIDER": "scripted",
        "RATE_LIMIT_ENABLED": "false",
        "ENVIRONMENT": Environment.DEVELOPMENT.value,
        "LOG_LEVEL": "WARNING",
        "WORKERS": "1",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "pagila_graph.cli",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=url, timeout=2) as http:
            for _ in range(600):
                if process.returncode is not None:
                    raise RuntimeError("The server exited while starting.")
                with contextlib.suppress(httpx.HTTPError):
                    if (await http.get("/readyz")).status_code == 200:
                        break
                await asyncio.sleep(0.2)
            else:
                raise RuntimeError("The server was not ready within 120 s.")
        yield url, process.pid
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), 30)
            except TimeoutError:
                process.kill()
                await process.wait()


@dataclass
class SoakReport:
    minutes: float
    customers: int
    tally: Tally
    books: Books
    rss_start_mb: float | None
    rss_end_mb: float | None
    load_start: tuple[float, float, float]
    load_end: tuple[float, float, float]
    elapsed_s: float

    def lines(self) -> list[str]:
        t = self.tally
        out = [
            f"soak: {self.elapsed_s:.0f} s, {self.customers} simulated customers, "
            f"{t.requests} requests ({t.requests / max(self.elapsed_s, 1e-9):.1f}/s)",
            "load average at start {:.2f} {:.2f} {:.2f}, at end {:.2f} {:.2f} {:.2f}".format(
                *self.load_start, *self.load_end
            ),
        ]
        if self.rss_start_mb is not None and self.rss_end_mb is not None:
            out.append(f"server RSS: {self.rss_start_mb:.0f} MB -> {self.rss_end_mb:.0f} MB")
        out.append("kind            count    p50 ms    p99 ms")
        every: list[float] = []
        for kind in sorted(t.latencies):
            values = t.latencies[kind]
            every += values
            out.append(
                f"{kind:<14} {len(values):>6} {percentile(values, 0.5) * 1000:>9.1f} "
                f"{percentile(values, 0.99) * 1000:>9.1f}"
            )
        out.append(
            f"{'all':<14} {len(every):>6} {percentile(every, 0.5) * 1000:>9.1f} "
            f"{percentile(every, 0.99) * 1000:>9.1f}"
        )
        out.append("outcomes: " + ", ".join(f"{k} {v}" for k, v in t.outcomes.most_common()))
        out.append("not ok: " + (", ".join(f"{k} {v}" for k, v in t.by_kind.most_common()) or "-"))
        b = self.books
        out.append(
            f"books: {b.balances_checked} balances checked, {len(b.balance_mismatches)} differ "
            f"from get_customer_balance; {len(b.double_rented)} copies out twice at once; "
            f"payment keys {len(t.payment_keys)} ({len(b.payment_key_problems)} problems); "
            f"rental keys {len(t.rental_keys)} ({len(b.rental_key_problems)} problems)"
        )
        out += [f"  {p}" for p in [*b.payment_key_problems, *b.rental_key_problems][:20]]
        out += [f"  balance {c}: API {a}, SQL {s}" for c, a, s in b.balance_mismatches[:20]]
        out.append("books balance" if b.balanced else "BOOKS DO NOT BALANCE")
        return out


async def soak(
    settings: Settings,
    database_url: str,
    *,
    minutes: float,
    customers: int = 40,
    connections: int = 16,
    server_url: str | None = None,
    seed: int | None = None,
    on_progress: Callable[[str], None] | None = None,
) -> SoakReport:
    """`customers` simulated customers at once, each waiting for its answer before its next
    request, over at most `connections` HTTP connections, against `server_url` (whose
    JWT_SECRET is `settings.jwt_secret`) or a server it starts; returns the report."""
    if settings.jwt_secret is None:
        settings = settings.model_copy(update={"jwt_secret": SecretStr(secrets.token_urlsafe(48))})
    rng = random.Random(seed)
    people = await cast(database_url, customers, rng)
    tally = Tally()
    load_start = os.getloadavg()
    since = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    async with contextlib.AsyncExitStack() as stack:
        pid: int | None = None
        if server_url is None:
            target, pid = await stack.enter_async_context(started_server(settings, database_url))
        else:
            target = server_url
        process = psutil.Process(pid) if pid is not None else None
        limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
        http = await stack.enter_async_context(
            httpx.AsyncClient(base_url=target, timeout=60, limits=limits)
        )
        client = Client(http, JwtCodec.from_settings(settings), tally)
        await client.graphql("warm", FILMS, {"f": None}, None)
        rss_start = process.memory_info().rss / 2**20 if process else None
        started = time.monotonic()
        deadline = started + minutes * 60

        async def progress() -> None:
            while time.monotonic() < deadline:
                await asyncio.sleep(30)
                if on_progress is not None:
                    on_progress(
                        f"{time.monotonic() - started:.0f} s: {tally.requests} requests, "
                        f"{sum(v for k, v in tally.outcomes.items() if k != 'ok')} not ok"
                    )

        reporter = asyncio.create_task(progress())
        await asyncio.gather(
            *(
                customer_loop(client, people, me, deadline, random.Random(rng.random()))
                for me in people.customers
            )
        )
        reporter.cancel()
        elapsed = time.monotonic() - started
        rss_end = process.memory_info().rss / 2**20 if process else None
        books = await check_books(client, database_url, tally, since, min(people.staff))
    return SoakReport(
        minutes=minutes,
        customers=len(people.customers),
        tally=tally,
        books=books,
        rss_start_mb=rss_start,
        rss_end_mb=rss_end,
        load_start=load_start,
        load_end=os.getloadavg(),
        elapsed_s=elapsed,
    )
