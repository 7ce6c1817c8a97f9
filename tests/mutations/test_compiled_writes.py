"""Compiled mutations (decision 0169) against the executor, on generated documents.

Two copies of Pagila, two apps: one with the write lane (COMPILED_WRITES, the default), one
without. The same generated script of counter operations — rent by copy or by film, return,
pay, refusals, a customer of the other store (whose rental only the executor may write back),
two mutations in one operation — runs against both, each document's payload selection drawn
at random from the schema (scalars, typed errors with fragments, related objects, aliases,
`__typename`). Every answer must be equal (times written during the run aside), the books of
both databases too (nothing written twice when the lane hands an operation to the executor),
and the lane must have answered most operations itself and handed some over.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import re
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import httpx
import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
    GraphQLSchema,
)
from sqlalchemy.engine import make_url

from config.settings import Settings
from domain.rentals.counter import RentingService
from graph.schema import build_schema
from pagila_graph.app import GraphQLApp, create_app
from persistence.db import StatementCounter
from tests.conftest import open_database, pagila_database, settings_for
from tests.mutations.support import HEADER, HeaderAuthenticator
from tests.read_api_support import graphql_view

SEEDS = (11, 29, 47)
STEPS = 24


@pytest.fixture(scope="module")
async def apps(server_url: str) -> AsyncIterator[tuple[Any, Any, str, str]]:
    """(lane client, executor client, lane database URL, executor database URL)."""
    async with (
        pagila_database(server_url, "pagila_lane") as lane_url,
        pagila_database(server_url, "pagila_nolane") as plain_url,
        open_database(lane_url) as lane_db,
        open_database(plain_url) as plain_db,
    ):
        lane_app = create_app(settings_for(lane_url), lane_db, HeaderAuthenticator())
        plain_app = create_app(
            settings_for(plain_url, compiled_writes=False), plain_db, HeaderAuthenticator()
        )
        async with (
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=lane_app), base_url="http://testserver"
            ) as lane,
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=plain_app), base_url="http://testserver"
            ) as plain,
        ):
            yield lane, plain, lane_url, plain_url


def _view(client: httpx.AsyncClient) -> GraphQLApp:
    """The GraphQL view of the client's app (its write lane's counters)."""
    return graphql_view(client._transport.app)  # type: ignore[attr-defined]


# --- documents from the schema ----------------------------------------------------------


def _named(output: GraphQLOutputType) -> Any:
    while isinstance(output, GraphQLNonNull | GraphQLList):
        output = output.of_type
    return output


def _plain(field: GraphQLField) -> bool:
    """A field any selection may take: no required argument."""
    return all(
        not isinstance(a.type, GraphQLNonNull) or a.default_value is not None
        for a in field.args.values()
    )


def _selection(
    schema: GraphQLSchema, owner: GraphQLObjectType, rng: random.Random, depth: int
) -> str:
    """A random selection of `owner`'s fields: scalars, and objects to `depth` levels."""
    parts: list[str] = []
    names = [n for n, f in owner.fields.items() if _plain(f) and not f.args]
    rng.shuffle(names)
    for name in names[: rng.randint(1, 5)]:
        inner = _named(owner.fields[name].type)
        alias = f"a{rng.randint(0, 99)}_{name}: " if rng.random() < 0.2 else ""
        if isinstance(inner, GraphQLScalarType | GraphQLEnumType):
            parts.append(alias + name)
        elif isinstance(inner, GraphQLObjectType) and depth > 0 and not _connection(inner):
            parts.append(f"{alias}{name} {{ {_selection(schema, inner, rng, depth - 1)} }}")
    if not parts or rng.random() < 0.2:
        parts.append("__typename")
    return " ".join(dict.fromkeys(parts))


def _connection(owner: GraphQLObjectType) -> bool:
    return owner.name.endswith("Connection")


def _errors(schema: GraphQLSchema, rng: random.Random) -> str:
    interface = schema.get_type("UserError")
    assert isinstance(interface, GraphQLInterfaceType)
    names = ["__typename", "code", "message", "field"]
    chosen = [n for n in names if rng.random() < 0.6] or ["message"]
    if rng.random() < 0.3:
        concrete = rng.choice(schema.get_possible_types(interface))
        chosen.append(f"... on {concrete.name} {{ message }}")
    return f"errors {{ {' '.join(chosen)} }}"


def _payload(schema: GraphQLSchema, mutation: str, rng: random.Random) -> str:
    root = schema.mutation_type
    assert root is not None
    payload = _named(root.fields[mutation].type)
    parts = [_errors(schema, rng)] if rng.random() < 0.85 else []
    for name, field in payload.fields.items():
        inner = _named(field.type)
        if name == "errors" or rng.random() < 0.3:
            continue
        if isinstance(inner, GraphQLObjectType):
            parts.append(f"{name} {{ {_selection(schema, inner, rng, 2)} }}")
        else:
            parts.append(name)
    if rng.random() < 0.2:
        parts.append("__typename")
    return " ".join(parts) or "__typename"


# --- the script -------------------------------------------------------------------------


class Script:
    """Counter operations over both databases' identical data: what to rent, to whom."""

    def __init__(self, schema: GraphQLSchema, rng: random.Random, slots: dict[str, Any]):
        self.schema = schema
        self.rng = rng
        self.copies: list[int] = slots["copies"]
        self.films: list[int] = slots["films"]
        self.own: list[int] = slots["own"]
        self.others: list[int] = slots["others"]
        self.home: int = slots["home"]
        self.staff: list[str] = slots["staff"]
        self.rented: list[int] = []  # rental ids both servers wrote, in order

    def step(self) -> tuple[str, dict[str, Any], str | None]:
        """(document, variables, caller) of the next operation."""
        rng = self.rng
        kind = rng.choice(
            ["rent", "rent", "rent_film", "rent_other", "return", "return", "pay", "refused"]
        )
        staff1, staff2 = self.staff
        home = self.home
        if kind == "return" and self.rented:
            rental = rng.choice(self.rented)
            payload = _payload(self.schema, "returnRental", rng)
            return (
                f"mutation($r: Int!) {{ back: returnRental(input: {{rentalId: $r}}) "
                f"{{ {payload} }} }}",
                {"r": rental},
                rng.choice([staff1, "admin", staff2]),
            )
        if kind == "pay" and self.rented:
            payload = _payload(self.schema, "recordPayment", rng)
            return (
                "mutation($c: Int!, $a: Decimal!) { recordPayment(input: {customerId: $c, "
                f"amount: $a}}) {{ {payload} }} }}",
                {"c": rng.choice(self.own), "a": rng.choice(["0.99", "2.50", "-1"])},
                staff1,
            )
        if kind == "refused":
            payload = _payload(self.schema, "rentFilm", rng)
            return (
                "mutation($c: Int!, $i: Int!) { rentFilm(input: {customerId: $c, "
                f"storeId: {home}, inventoryId: $i}}) {{ {payload} }} }}",
                {"c": rng.choice(self.own), "i": rng.choice(self.copies)},
                rng.choice([None, staff2, f"customer:{rng.choice(self.others)}"]),
            )
        customer = rng.choice(self.others if kind == "rent_other" else self.own)
        payload = _payload(self.schema, "rentFilm", rng)
        target = (
            f"filmId: {rng.choice(self.films)}"
            if kind == "rent_film"
            else f"inventoryId: {rng.choice(self.copies)}"
        )
        second = ""
        if self.rented and rng.random() < 0.25:  # two root fields: run in order
            second = (
                f" back: returnRental(input: {{rentalId: {rng.choice(self.rented)}}}) "
                f"{{ {_payload(self.schema, 'returnRental', rng)} }}"
            )
        return (
            f"mutation($c: Int!) {{ rentFilm(input: {{customerId: $c, storeId: {home}, {target}}}) "
            f"{{ {payload} }}{second} }}",
            {"c": customer},
            staff1,
        )


_RECENT = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)?")


def _normalised(body: dict[str, Any], since: dt.datetime) -> str:
    """The body with times written during the run (now, due dates from now) replaced."""

    def recent(match: re.Match[str]) -> str:
        try:
            value = dt.datetime.fromisoformat(match.group(0).replace("Z", "+00:00"))
        except ValueError:
            return match.group(0)
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return "<recent>" if value >= since else match.group(0)

    return _RECENT.sub(recent, json.dumps(body, sort_keys=True))


async def _post(
    client: httpx.AsyncClient, query: str, variables: dict[str, Any], who: str | None
) -> dict[str, Any]:
    headers = {HEADER: who} if who else {}
    response = await client.post(
        "/graphql", json={"query": query, "variables": variables}, headers=headers
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def _latest_rental(url: str) -> int:
    conn = await asyncpg.connect(url)
    try:
        latest: int = await conn.fetchval("SELECT max(rental_id) FROM rental")
        return latest
    finally:
        await conn.close()


async def _written_rentals(url: str, after: int) -> list[int]:
    """The rentals written since `after` (the same ids in both databases)."""
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch(
            "SELECT rental_id FROM rental WHERE rental_id > $1 ORDER BY 1", after
        )
        return [r[0] for r in rows]
    finally:
        await conn.close()


async def _slots(url: str) -> dict[str, Any]:
    """Two stores that have staff (the counter's and another), copies in stock at the first,
    active customers of each."""
    conn = await asyncpg.connect(url)
    try:
        # the counter: a store with staff, copies and customers; staff of another store;
        # customers registered at another store (served at the counter, decision 0150)
        home, clerk = await conn.fetchrow(
            "SELECT s.store_id, min(s.staff_id) FROM staff s WHERE EXISTS (SELECT 1 FROM "
            "inventory i WHERE i.store_id = s.store_id) AND (SELECT count(*) FROM customer c "
            "WHERE c.store_id = s.store_id AND c.activebool) >= 6 GROUP BY s.store_id "
            "ORDER BY s.store_id LIMIT 1"
        )
        elsewhere = await conn.fetchrow(
            "SELECT store_id, min(staff_id) FROM staff WHERE store_id <> $1 GROUP BY store_id "
            "ORDER BY store_id LIMIT 1",
            home,
        )
        away = await conn.fetchval(
            "SELECT store_id FROM customer WHERE store_id <> $1 AND activebool "
            "GROUP BY store_id HAVING count(*) >= 6 ORDER BY store_id LIMIT 1",
            home,
        )
        copies = await conn.fetch(
            "SELECT inventory_id FROM inventory i WHERE store_id = $1 AND NOT EXISTS (SELECT 1 "
            "FROM rental r WHERE r.inventory_id = i.inventory_id AND r.return_date IS NULL) "
            "ORDER BY 1 LIMIT 12",
            home,
        )
        films = await conn.fetch(
            "SELECT DISTINCT film_id FROM inventory WHERE store_id = $1 ORDER BY 1 LIMIT 6", home
        )
        customers = "SELECT customer_id FROM customer WHERE store_id = $1 AND activebool "
        own = await conn.fetch(customers + "ORDER BY 1 LIMIT 6", home)
        others = await conn.fetch(customers + "ORDER BY 1 LIMIT 6", away)
    finally:
        await conn.close()
    return {
        "home": home,
        "copies": [r[0] for r in copies],
        "films": [r[0] for r in films],
        "own": [r[0] for r in own],
        "others": [r[0] for r in others],
        # who works at each store: "staff:<staff_id>:<store_id>"
        "staff": [f"staff:{clerk}:{home}", f"staff:{elsewhere[1]}:{elsewhere[0]}"],
    }


async def _books(url: str) -> list[Any]:
    conn = await asyncpg.connect(url)
    try:
        return [
            await conn.fetchval("SELECT count(*) FROM rental"),
            await conn.fetchval("SELECT count(*) FROM rental WHERE return_date IS NULL"),
            await conn.fetchval("SELECT count(*) FROM payment"),
            await conn.fetchval("SELECT coalesce(sum(amount), 0)::text FROM payment"),
        ]
    finally:
        await conn.close()


@pytest.mark.parametrize("seed", SEEDS)
async def test_generated_mutations_answer_as_the_executor(
    apps: tuple[httpx.AsyncClient, httpx.AsyncClient, str, str], seed: int
) -> None:
    lane, plain, lane_url, plain_url = apps
    schema = build_schema(Settings(_env_file=None))._schema  # type: ignore[call-arg]
    script = Script(schema, random.Random(seed), await _slots(lane_url))
    view = _view(lane)
    assert view.writes is not None and _view(plain).writes is None
    answered, handed = view.writes.answered, view.writes.handed_over
    since = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=5)
    start = await _latest_rental(lane_url)
    assert start == await _latest_rental(plain_url)
    for step in range(STEPS):
        query, variables, who = script.step()
        mine = await _post(lane, query, variables, who)
        theirs = await _post(plain, query, variables, who)
        assert _normalised(mine, since) == _normalised(theirs, since), (step, query, who)
        script.rented = await _written_rentals(lane_url, start)
    assert await _books(lane_url) == await _books(plain_url)
    assert len(script.rented) >= 3, "the script rented too little to test anything"
    assert view.writes.answered - answered >= STEPS // 3
    assert view.writes.handed_over >= handed  # counted; the served case below pins one


async def test_a_row_only_the_executor_may_write_back_is_handed_over_written_once(
    apps: tuple[httpx.AsyncClient, httpx.AsyncClient, str, str],
) -> None:
    """Staff renting to a customer of the other store (decision 0150): the rental is customer
    data outside the staff's scope, which the statement hands back; the executor writes the
    payload from the settled rental — the customer included, served — and rents once."""
    lane, plain, lane_url, plain_url = apps
    slots = await _slots(lane_url)
    view = _view(lane)
    assert view.writes is not None
    query = (
        "mutation($c: Int!, $s: Int!, $i: Int!) { rentFilm(input: {customerId: $c, storeId: $s, "
        "inventoryId: $i}) { errors { code } rental { rentalId customer { customerId "
        "firstName } film { title } } } }"
    )
    before = await _books(lane_url)
    handed = view.writes.handed_over
    conn = await asyncpg.connect(lane_url)
    try:  # a copy no other test here rents (those take the first twelve)
        copy = await conn.fetchval(
            "SELECT max(inventory_id) FROM inventory i WHERE store_id = $1 AND NOT EXISTS "
            "(SELECT 1 FROM rental r WHERE r.inventory_id = i.inventory_id "
            "AND r.return_date IS NULL)",
            slots["home"],
        )
    finally:
        await conn.close()
    variables = {"c": slots["others"][-1], "s": slots["home"], "i": copy}
    mine = await _post(lane, query, variables, slots["staff"][0])
    theirs = await _post(plain, query, variables, slots["staff"][0])
    assert mine == theirs
    assert mine["data"]["rentFilm"]["errors"] == [], mine
    assert mine["data"]["rentFilm"]["rental"]["customer"]["customerId"] == variables["c"]
    assert view.writes.handed_over == handed + 1
    after = await _books(lane_url)
    assert after[0] == before[0] + 1  # one rental, not two
    assert await _books(plain_url) == after


async def test_a_resolver_that_raises_is_reported_by_the_executor_and_runs_once(
    apps: tuple[httpx.AsyncClient, httpx.AsyncClient, str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A resolver's error after the lane ran it is settled: the executor reports it as its
    own (masked, with its path), without calling the resolver again."""
    lane, plain, lane_url, _ = apps
    slots = await _slots(lane_url)
    calls: list[int] = []

    async def failing(self: RentingService, principal: Any, rental_id: int, *_: Any) -> Any:
        calls.append(rental_id)
        raise RuntimeError("the service failed")

    monkeypatch.setattr(RentingService, "return_rental", failing)
    query = "mutation($r: Int!) { returnRental(input: {rentalId: $r}) { errors { code } } }"
    view = _view(lane)
    assert view.writes is not None
    handed = view.writes.handed_over
    mine = await _post(lane, query, {"r": 1}, slots["staff"][0])
    assert calls == [1]
    theirs = await _post(plain, query, {"r": 1}, slots["staff"][0])
    assert calls == [1, 1]
    assert view.writes.handed_over == handed + 1
    assert mine["data"] is None and theirs["data"] is None

    def masked(body: dict[str, Any]) -> str:
        return re.sub(r"[0-9a-f]{32}", "<request id>", json.dumps(body))

    assert "Internal server error" in masked(mine)
    assert masked(mine) == masked(theirs)


async def test_the_lane_reads_a_written_row_once(
    apps: tuple[httpx.AsyncClient, httpx.AsyncClient, str, str],
) -> None:
    """Decision 0176: the resolver's read-back of the row it wrote is deferred to the lane's
    statement; a rent the lane answers runs the counter's three statements (the parties, the
    copy locked, the rental added) and the payload's one, nothing else."""
    lane, plain, lane_url, _ = apps
    slots = await _slots(lane_url)
    view = _view(lane)
    assert view.writes is not None
    answered = view.writes.answered
    query = (
        "mutation($c: Int!, $s: Int!, $i: Int!) { rentFilm(input: {customerId: $c, storeId: $s, "
        "inventoryId: $i}) { errors { code } rental { rentalId film { title } } } }"
    )
    copy = (await _free_copies(lane_url, slots["home"], 1))[0]
    variables = {"c": slots["own"][1], "s": slots["home"], "i": copy}
    with StatementCounter(view.database.engine) as counter:
        mine = await _post(lane, query, variables, slots["staff"][0])
    assert view.writes.answered == answered + 1
    assert mine["data"]["rentFilm"]["errors"] == [] and mine["data"]["rentFilm"]["rental"]
    assert len(counter.statements) == 4, counter.statements
    assert "INSERT INTO rental" in counter.statements[2]
    assert "json_build_object" in counter.statements[3]
    assert mine == await _post(plain, query, variables, slots["staff"][0])


@pytest.mark.parametrize("selected", [True, False])
async def test_a_row_gone_before_its_read_back_is_the_executors_refusal(
    apps: tuple[httpx.AsyncClient, httpx.AsyncClient, str, str],
    monkeypatch: pytest.MonkeyPatch,
    selected: bool,
) -> None:
    """The rental deleted between the rent's commit and the payload's read: the lane hands
    the operation over and the deferred read-back runs as the resolver would have run it
    (decision 0176) — the executor's NOT_FOUND, rental null, whether the payload selects
    the rental or not; written once."""
    lane, plain, lane_url, plain_url = apps
    slots = await _slots(lane_url)
    view = _view(lane)
    assert view.writes is not None
    rent = RentingService.rent_film

    async def rent_then_delete(self: RentingService, principal: Any, command: Any) -> Any:
        rental = await rent(self, principal, command)
        url = lane_url if _on(self, lane_url) else plain_url
        conn = await asyncpg.connect(url)
        try:
            await conn.execute("DELETE FROM rental WHERE rental_id = $1", rental.rental_id)
        finally:
            await conn.close()
        return rental

    monkeypatch.setattr(RentingService, "rent_film", rent_then_delete)
    selection = "errors { code } rental { rentalId customer { customerId } }"
    query = (
        "mutation($c: Int!, $s: Int!, $i: Int!) { rentFilm(input: {customerId: $c, storeId: $s, "
        f"inventoryId: $i}}) {{ {selection if selected else 'errors { code message }'} }} }}"
    )
    copy = (await _free_copies(lane_url, slots["home"], 1))[0]
    variables = {"c": slots["own"][2], "s": slots["home"], "i": copy}
    handed = view.writes.handed_over
    before = await _books(lane_url)
    mine = await _post(lane, query, variables, slots["staff"][0])
    theirs = await _post(plain, query, variables, slots["staff"][0])
    assert mine == theirs
    assert [e["code"] for e in mine["data"]["rentFilm"]["errors"]] == ["NOT_FOUND"]
    assert view.writes.handed_over == handed + 1
    assert await _books(lane_url) == before  # written once, then deleted
    assert await _books(plain_url) == before


def _on(service: RentingService, url: str) -> bool:
    """Whether the service's unit of work writes to the database at `url`."""
    database = service._uow._database  # type: ignore[attr-defined]
    return bool(database.engine.url.database == make_url(url).database)


@pytest.mark.parametrize("where", ["literal", "variable"])
async def test_a_refused_input_string_is_the_normal_paths_refusal(
    apps: tuple[httpx.AsyncClient, httpx.AsyncClient, str, str], where: str
) -> None:
    """Input strings are checked before anything runs: a NUL in a literal (checked once per
    document) or in a variable (per request) is the normal path's INVALID_INPUT, nothing
    rented, and the lane neither answers nor hands anything over."""
    lane, plain, lane_url, _ = apps
    slots = await _slots(lane_url)
    key = "a\u0000b"
    if where == "literal":
        query = (
            "mutation($c: Int!, $s: Int!, $i: Int!) { rentFilm(input: {customerId: $c, "
            f"storeId: $s, inventoryId: $i, idempotencyKey: {json.dumps(key)}}}) "
            "{ errors { code } rental { rentalId } } }"
        )
        variables: dict[str, Any] = {}
    else:
        query = (
            "mutation($c: Int!, $s: Int!, $i: Int!, $k: String) { rentFilm(input: "
            "{customerId: $c, storeId: $s, inventoryId: $i, idempotencyKey: $k}) "
            "{ errors { code } rental { rentalId } } }"
        )
        variables = {"k": key}
    variables |= {"c": slots["own"][0], "s": slots["home"], "i": slots["copies"][0]}
    view = _view(lane)
    assert view.writes is not None
    counts = (view.writes.answered, view.writes.handed_over)
    before = await _books(lane_url)
    mine = await _post(lane, query, variables, slots["staff"][0])
    assert mine == await _post(plain, query, variables, slots["staff"][0])
    assert mine.get("data") is None
    assert mine["errors"][0]["extensions"]["code"] == "INVALID_INPUT"
    assert (view.writes.answered, view.writes.handed_over) == counts
    assert await _books(lane_url) == before


RENT_DOCUMENT = (
    "mutation Rent($c: Int!, $s: Int!, $i: Int!) { rentFilm(input: {customerId: $c, storeId: $s, "
    "inventoryId: $i}) { errors { code message } rental { rentalId inventory { inventoryId } "
    "customer { customerId } film { title } } } }"
)
RETURN_DOCUMENT = (
    "mutation Back($r: Int!) { returnRental(input: {rentalId: $r}) { errors { code } "
    "rental { rentalId returnDate } charge amountDue } }"
)


async def _exchange(
    client: httpx.AsyncClient, query: str, variables: dict[str, Any], who: str
) -> tuple[int, list[tuple[str, str]], dict[str, Any]]:
    response = await client.post(
        "/graphql", json={"query": query, "variables": variables}, headers={HEADER: who}
    )
    volatile = {"content-length", "x-request-id"}
    headers = [(k, v) for k, v in response.headers.items() if k not in volatile]
    return response.status_code, headers, response.json()


async def test_a_known_mutation_document_is_answered_below_the_view(
    apps: tuple[httpx.AsyncClient, httpx.AsyncClient, str, str],
) -> None:
    """Decision 0172: once the view's write lane answered a document for a caller, the same
    document with other variables is answered by FastLane through the same lane — the same
    status, headers and answer as the executor gives."""
    lane, plain, lane_url, plain_url = apps
    slots = await _slots(lane_url)
    memo = _view(lane).fast_path
    assert memo is not None
    who = slots["staff"][0]
    since = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=5)
    before = memo.write_answers
    copies = await _free_copies(lane_url, slots["home"], 5)
    assert copies == await _free_copies(plain_url, slots["home"], 5)
    for n, copy in enumerate(copies):
        variables = {"c": slots["own"][n % len(slots["own"])], "s": slots["home"], "i": copy}
        mine = await _exchange(lane, RENT_DOCUMENT, variables, who)
        theirs = await _exchange(plain, RENT_DOCUMENT, variables, who)
        assert mine[:2] == theirs[:2]
        assert _normalised(mine[2], since) == _normalised(theirs[2], since)
        rental = mine[2]["data"]["rentFilm"]["rental"]["rentalId"]
        back = await _exchange(lane, RETURN_DOCUMENT, {"r": rental}, who)
        assert back[:2] == (await _exchange(plain, RETURN_DOCUMENT, {"r": rental}, who))[:2]
        assert back[2]["data"]["returnRental"]["errors"] == []
    # the first of each document went through the view, the others below it
    assert memo.write_answers - before == 2 * (len(copies) - 1)
    assert await _books(lane_url) == await _books(plain_url)


async def test_fastlane_hands_a_written_operation_to_the_view_settled(
    apps: tuple[httpx.AsyncClient, httpx.AsyncClient, str, str],
) -> None:
    """A document FastLane answers, asked for a customer of another store: the payload's rental
    is the executor's to write back, so the operation goes down the normal path with its write
    settled — answered as the executor answers, the copy rented once."""
    lane, plain, lane_url, plain_url = apps
    slots = await _slots(lane_url)
    memo, writes = _view(lane).fast_path, _view(lane).writes
    assert memo is not None and writes is not None
    who = slots["staff"][0]
    copies = await _free_copies(lane_url, slots["home"], 2)
    first = {"c": slots["own"][0], "s": slots["home"], "i": copies[0]}
    await _exchange(lane, RENT_DOCUMENT, first, who)  # the view's lane answers: head known
    await _exchange(plain, RENT_DOCUMENT, first, who)
    answered, handed, books = memo.write_answers, writes.handed_over, await _books(lane_url)
    other = {"c": slots["others"][0], "s": slots["home"], "i": copies[1]}
    mine = await _exchange(lane, RENT_DOCUMENT, other, who)
    theirs = await _exchange(plain, RENT_DOCUMENT, other, who)
    assert mine[:2] == theirs[:2]
    assert mine[2]["data"]["rentFilm"]["rental"]["customer"]["customerId"] == other["c"]
    assert (
        mine[2]["data"]["rentFilm"]["rental"]["rentalId"]
        == (theirs[2]["data"]["rentFilm"]["rental"]["rentalId"])
    )
    assert (memo.write_answers, writes.handed_over) == (answered, handed + 1)
    assert (await _books(lane_url))[0] == books[0] + 1  # rented once
    assert await _books(lane_url) == await _books(plain_url)


async def _free_copies(url: str, store: int, n: int) -> list[int]:
    """Copies in stock at `store`, from the end of the inventory (the scripts take the first)."""
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch(
            "SELECT inventory_id FROM inventory i WHERE store_id = $1 AND NOT EXISTS (SELECT 1 "
            "FROM rental r WHERE r.inventory_id = i.inventory_id AND r.return_date IS NULL) "
            "ORDER BY 1 DESC LIMIT $2",
            store,
            n,
        )
        return [r[0] for r in rows]
    finally:
        await conn.close()
