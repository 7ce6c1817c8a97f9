"""Automatic persisted queries (Apollo's protocol) in memory and in Redis, the allow-list mode,
and every malformed `persistedQuery` answered with a code (the Apollo Client test in
tests/clients drives the same paths with the real client)."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from config.settings import PersistedQueriesMode, Settings
from pagila_graph.app import create_app
from pagila_graph.persisted_queries import MemoryStore, normalised, operations_of
from persistence.db import Database
from tests.ratelimit.support import REDIS_URL, redis_available, redis_keys, unique_prefix

QUERY = "query Film { film(filmId: 3) { title } }"
HASH = hashlib.sha256(QUERY.encode()).hexdigest()
FILM_3 = {"film": {"title": "ADAPTATION HOLES"}}
GRAPHQL_RESPONSE = "application/graphql-response+json"

Clients = Callable[..., Any]


@asynccontextmanager
async def app_client(
    base: Settings, database: Database, **overrides: Any
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(base.model_copy(update=overrides), database)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        yield client


def extension(hash_: str = HASH) -> dict[str, Any]:
    return {"persistedQuery": {"version": 1, "sha256Hash": hash_}}


async def by_hash(client: httpx.AsyncClient, accept: str = "*/*") -> httpx.Response:
    return await client.get(
        "/graphql",
        params={"extensions": json.dumps(extension())},
        headers={"accept": accept},
    )


@pytest.fixture
async def storage_settings(
    request: pytest.FixtureRequest, settings: Settings
) -> AsyncIterator[Settings]:
    if request.param == "memory":
        yield settings
        return
    if not await redis_available():
        pytest.skip(f"no Redis at {REDIS_URL} (set TEST_REDIS_URL)")
    prefix = unique_prefix()
    yield settings.model_copy(update={"redis_url": REDIS_URL, "rate_limit_key_prefix": prefix})
    import coredis

    client = coredis.Redis.from_url(REDIS_URL, decode_responses=True)
    keys = await client.keys(f"{prefix}*")
    if keys:
        await client.delete(list(keys))


@pytest.mark.parametrize("storage_settings", ["memory", "redis"], indirect=True)
async def test_automatic_persisted_queries(storage_settings: Settings, database: Database) -> None:
    shared = storage_settings.redis_url is not None
    async with app_client(storage_settings, database) as worker:
        unknown = await by_hash(worker)
        assert unknown.status_code == 200  # application/json: a request error keeps 200
        assert "data" not in unknown.json()
        assert unknown.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
        strict = await by_hash(worker, accept=GRAPHQL_RESPONSE)
        assert strict.status_code == 400
        stored = await worker.post("/graphql", json={"query": QUERY, "extensions": extension()})
        assert stored.json() == {"data": FILM_3}
        known = await by_hash(worker)
        assert known.status_code == 200 and known.json() == {"data": FILM_3}
    # another worker process: sees it through Redis; with memory only its own cache counts
    async with app_client(storage_settings, database) as other_worker:
        answer = (await by_hash(other_worker)).json()
        if shared:
            assert answer == {"data": FILM_3}
            prefix = storage_settings.rate_limit_key_prefix
            assert await redis_keys(prefix) == [f"{prefix}:pq:automatic:{HASH}"]
        else:
            assert answer["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"


BAD_PERSISTED = {
    "hash of another query": extension(hashlib.sha256(b"{ __typename }").hexdigest()),
    "version 2": {"persistedQuery": {"version": 2, "sha256Hash": HASH}},
    "upper-case hash": extension(HASH.upper()),
    "short hash": extension(HASH[:10]),
    "hash not a string": {"persistedQuery": {"version": 1, "sha256Hash": 7}},
    "not an object": {"persistedQuery": "yes"},
}


@pytest.mark.parametrize("extensions", BAD_PERSISTED.values(), ids=BAD_PERSISTED.keys())
async def test_malformed_persisted_queries_are_400(
    client: httpx.AsyncClient, extensions: dict[str, Any]
) -> None:
    response = await client.post("/graphql", json={"query": QUERY, "extensions": extensions})
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=70),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.sampled_from(["version", "sha256Hash", "x"]), children, max_size=3)
    ),
    max_leaves=8,
)


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(persisted=json_values, with_query=st.booleans())
async def test_any_persisted_query_extension_gets_a_coded_answer(
    client: httpx.AsyncClient, persisted: object, with_query: bool
) -> None:
    body: dict[str, Any] = {"extensions": {"persistedQuery": persisted}}
    if with_query:
        body["query"] = QUERY
    response = await client.post("/graphql", json=body)
    assert response.status_code < 500
    answer = response.json()
    if "errors" in answer:
        assert all(e["extensions"]["code"] for e in answer["errors"])
    else:
        assert answer == {"data": FILM_3}


async def test_off_says_not_supported(settings: Settings, database: Database) -> None:
    async with app_client(settings, database, persisted_queries=PersistedQueriesMode.OFF) as c:
        answer = (await by_hash(c)).json()
        assert answer["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_SUPPORTED"
        plain = await c.post("/graphql", json={"query": QUERY})
        assert plain.json() == {"data": FILM_3}


async def test_registered_in_redis_is_seen_by_a_running_server(
    settings: Settings, database: Database, tmp_path: Path
) -> None:
    if not await redis_available():
        pytest.skip(f"no Redis at {REDIS_URL} (set TEST_REDIS_URL)")
    prefix = unique_prefix()
    file = tmp_path / "client.graphql"
    file.write_text(QUERY, encoding="utf-8")
    only = {
        "persisted_queries": PersistedQueriesMode.ONLY,
        "redis_url": REDIS_URL,
        "rate_limit_key_prefix": prefix,
        "persisted_queries_manifest": tmp_path / "none-yet.json",
    }
    async with app_client(settings, database, **only) as server:
        before = await server.post("/graphql", json={"query": QUERY})
        assert before.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_ALLOWED"
        cli = await asyncio.create_subprocess_exec(
            str(Path(sys.executable).parent / "pagila-graph"),
            "register-operations",
            str(file),
            "--manifest",
            str(tmp_path / "manifest.json"),
            stderr=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            env={**os.environ, "REDIS_URL": REDIS_URL, "RATE_LIMIT_KEY_PREFIX": prefix},
        )
        _, err = await cli.communicate()
        assert cli.returncode == 0, err.decode()
        registered = hashlib.sha256(normalised(QUERY).encode()).hexdigest()
        # the client's own text (not normalised) is accepted: it normalises to a registered one
        after = await server.post("/graphql", json={"query": QUERY})
        assert after.json() == {"data": FILM_3}
        by_registered_hash = await server.post(
            "/graphql", json={"extensions": extension(registered)}
        )
        assert by_registered_hash.json() == {"data": FILM_3}
        other = await server.post("/graphql", json={"query": "{ film(filmId: 4) { title } }"})
        assert other.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_ALLOWED"
    import coredis

    redis = coredis.Redis.from_url(REDIS_URL, decode_responses=True)
    await redis.delete(list(await redis.keys(f"{prefix}*")))


async def test_register_operations_refuses_what_the_schema_does_not_have(
    tmp_path: Path,
) -> None:
    file = tmp_path / "bad.graphql"
    file.write_text("query Bad { film(filmId: 1) { nope } }", encoding="utf-8")
    cli = await asyncio.create_subprocess_exec(
        str(Path(sys.executable).parent / "pagila-graph"),
        "register-operations",
        str(file),
        "--manifest",
        str(tmp_path / "manifest.json"),
        stderr=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        env={**os.environ, "REDIS_URL": ""},
    )
    _, err = await cli.communicate()
    assert cli.returncode == 1
    assert "nope" in err.decode()
    assert not (tmp_path / "manifest.json").exists()


async def test_the_memory_cache_is_bounded_in_characters_too() -> None:
    store = MemoryStore(max_automatic=100, max_chars=1_000)
    for n in range(10):
        await store.put("automatic", f"h{n}", str(n) * 300)
    kept = [n for n in range(10) if await store.get("automatic", f"h{n}") is not None]
    assert kept == [7, 8, 9]  # 900 characters: the most recent that fit
    await store.put("automatic", "h9", "9")  # replacing an entry gives its room back
    await store.put("automatic", "big", "x" * 1_000)
    assert await store.get("automatic", "big") is not None
    assert await store.get("automatic", "h9") is None  # dropped to make room


async def test_the_memory_cache_is_bounded() -> None:
    store = MemoryStore(max_automatic=3)
    for n in range(5):
        await store.put("automatic", f"h{n}", f"q{n}")
    assert [await store.get("automatic", f"h{n}") for n in range(5)] == [
        None,
        None,
        "q2",
        "q3",
        "q4",
    ]


def test_each_operation_is_registered_with_the_fragments_it_uses() -> None:
    from graphql import parse

    document = parse(
        "query A { film(filmId: 1) { ...F } } query B { films(first: 1) { nodes { title } } }"
        " fragment F on Film { title ...G } fragment G on Film { filmId } fragment H on Film"
        " { length }"
    )
    a, b = operations_of(document)
    assert (a.name, b.name) == ("A", "B")
    assert "fragment F" in a.body and "fragment G" in a.body and "fragment H" not in a.body
    assert "fragment" not in b.body
    assert a.id == hashlib.sha256(a.body.encode()).hexdigest()
    assert normalised(a.body) == a.body  # canonical already


async def test_persisted_and_batched_reads_still_take_the_compiled_path(
    settings: Settings, database: Database
) -> None:
    """The query a hash stands for, and each read of a batch, is answered by the one compiled
    statement (graph/compiled.py), as a lone POST is."""
    from persistence.db import StatementCounter

    query = "{ films(first: 3) { nodes { title language { name } } } }"
    persisted = {"persistedQuery": {"version": 1, "sha256Hash": sha(query)}}
    async with app_client(settings, database, batch_max_operations=2) as client:
        await client.post("/graphql", json={"query": query, "extensions": persisted})
        with StatementCounter(database.engine) as counter:
            by_hash = await client.get("/graphql", params={"extensions": json.dumps(persisted)})
        assert len(by_hash.json()["data"]["films"]["nodes"]) == 3, by_hash.text
        assert len(counter.statements) == 1 and "json_build_object" in counter.statements[0]
        with StatementCounter(database.engine) as counter:
            batch = await client.post("/graphql", json=[{"query": query}, {"query": query}])
        assert [len(a["data"]["films"]["nodes"]) for a in batch.json()] == [3, 3], batch.text
        assert len(counter.statements) == 2
        assert all("json_build_object" in s for s in counter.statements)
        # compiled answers and the executor's side by side in one batch
        mixed = await client.post("/graphql", json=[{"query": query}, {"query": "{ nope }"}])
        compiled, refused = mixed.json()
        assert len(compiled["data"]["films"]["nodes"]) == 3
        assert refused["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()
