"""The fast path for repeated compiled POSTs (decision 0133, pagila_graph/fast_path.py): its
answers are the view's, byte for byte, for generated documents and every kind of caller; it
never answers one caller with another's statement; only plain single-operation POSTs use it.

The reference is an app with COMPILED_FAST_PATH off (every request through Strawberry's view).
"""

from __future__ import annotations

import json
import random
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from config.settings import Settings
from graph.schema import build_schema
from pagila_graph.app import GraphQLApp, create_app
from persistence.db import Database
from tests.read_api.conftest import ADMIN, HEADER, HeaderAuthenticator, customer, staff
from tests.read_api.generated import DocumentGenerator
from tests.read_api_support import graphql_view

DOCUMENTS = 60
SEED = 20261205

CALLERS: list[dict[str, object] | None] = [
    None,
    customer(1),
    customer(2),
    staff(1),
    staff(2, "manager"),
    ADMIN,
]
ACCEPTS = [None, "application/graphql-response+json", "application/json", "*/*"]

Answer = tuple[int, bytes, list[tuple[str, str]]]


def _view(app: Starlette) -> GraphQLApp:
    return graphql_view(app)


def _lane(app: Starlette) -> int:
    memo = _view(app).fast_path
    assert memo is not None
    return memo.lane_answers


def _hits(app: Starlette) -> int:
    memo = _view(app).fast_path
    assert memo is not None
    return memo.hits


async def _post(
    client: httpx.AsyncClient,
    body: bytes,
    caller: object,
    accept: str | None = None,
    content_type: str = "application/json",
) -> Answer:
    headers = {"content-type": content_type}
    if caller is not None:
        headers[HEADER] = json.dumps(caller)
    if accept is not None:
        headers["accept"] = accept
    response = await client.post("/graphql", content=body, headers=headers)
    kept = [(k, v) for k, v in response.headers.multi_items() if k != "x-request-id"]
    return response.status_code, response.content, kept


@pytest.fixture(scope="module")
async def apps(
    settings: Settings, database: Database
) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient, Starlette]]:
    reference = create_app(
        settings.model_copy(update={"compiled_fast_path": False}), database, HeaderAuthenticator()
    )
    fast = create_app(
        settings.model_copy(update={"compiled_fast_path": True}), database, HeaderAuthenticator()
    )
    assert _view(reference).fast_path is None
    async with (
        httpx.AsyncClient(transport=httpx.ASGITransport(app=reference), base_url="http://t") as a,
        httpx.AsyncClient(transport=httpx.ASGITransport(app=fast), base_url="http://t") as b,
    ):
        yield a, b, fast


def _body(query: str, variables: dict[str, Any]) -> bytes:
    return json.dumps({"query": query, "variables": variables}).encode()


async def test_repeated_requests_answer_as_the_view(
    apps: tuple[httpx.AsyncClient, httpx.AsyncClient, Starlette], settings: Settings
) -> None:
    """Generated documents, each caller kind and Accept value: the second and third identical
    requests (memo hits where the first was compiled) are the reference app's answer exactly:
    status, body bytes, headers (but the request id)."""
    reference, fast, app = apps
    generator = DocumentGenerator(build_schema(settings)._schema, random.Random(SEED))
    remembered = 0
    for n in range(DOCUMENTS):
        query, variables = generator.document()
        body = _body(query, variables)
        caller = CALLERS[n % len(CALLERS)]
        accept = ACCEPTS[n % len(ACCEPTS)]
        expected = await _post(reference, body, caller, accept)
        generator.observe(json.loads(expected[1]))
        first = await _post(fast, body, caller, accept)
        before, lane = _hits(app), _lane(app)
        again = [await _post(fast, body, caller, accept) for _ in range(2)]
        context = f"document {n} as {caller}, Accept {accept}: {query} {variables}"
        if _hits(app) == before:
            continue  # not compiled (or handed to the executor): the view answered each time
        assert _hits(app) == before + 2, context
        assert _lane(app) == lane + 2, context  # both below the view (decision 0160)
        remembered += 1
        assert first == expected, context
        assert again == [expected, expected], context
    # the generator draws from the whole schema; a low share would mean the memo stopped
    # serving what the compiled path serves
    assert remembered >= DOCUMENTS // 10, remembered


async def test_never_another_callers_statement(
    apps: tuple[httpx.AsyncClient, httpx.AsyncClient, Starlette], settings: Settings
) -> None:
    """The same body from each caller in turn, several rounds: each gets its own answer (the
    reference's for that caller), and some documents do answer callers differently."""
    reference, fast, app = apps
    generator = DocumentGenerator(build_schema(settings)._schema, random.Random(SEED + 1))
    differing = 0
    hits = _hits(app)
    for n in range(DOCUMENTS // 3):
        query, variables = generator.document()
        body = _body(query, variables)
        expected = {json.dumps(caller): await _post(reference, body, caller) for caller in CALLERS}
        differing += len({answer[1] for answer in expected.values()}) > 1
        for _ in range(3):
            for caller in CALLERS:
                got = await _post(fast, body, caller)
                assert got == expected[json.dumps(caller)], f"{n} as {caller}: {query}"
    assert _hits(app) > hits
    assert differing > 0


async def test_a_customers_document_with_refusals_is_theirs(
    apps: tuple[httpx.AsyncClient, httpx.AsyncClient, Starlette],
) -> None:
    """A document reading customer data: refused fields (null and an error) for anonymous
    callers and others' customers, served from the memo exactly as the view serves them."""
    reference, fast, app = apps
    who = "staff(first: 2) { nodes { staffId email } } customer(customerId: 1) { firstName }"
    body = _body(f"query Who {{ {who} }}", {})
    answers = set()
    hits = _hits(app)
    for _ in range(3):
        for caller in CALLERS:
            expected = await _post(reference, body, caller)
            assert await _post(fast, body, caller) == expected
            answers.add(expected[1])
    assert len(answers) > 1
    assert _hits(app) > hits


async def test_only_plain_single_posts_use_it(
    apps: tuple[httpx.AsyncClient, httpx.AsyncClient, Starlette],
) -> None:
    """GET, a batch, a persisted query's extension, another content type: never remembered."""
    _, fast, app = apps
    memo = _view(app).fast_path
    assert memo is not None
    query = "query Films { films(first: 1) { nodes { title } } }"
    size, hits = len(memo), memo.hits
    for _ in range(3):
        get = await fast.get("/graphql", params={"query": query})
        assert get.status_code == 200
        batch = await _post(fast, json.dumps([{"query": query}]).encode(), None)
        assert batch[0] in {200, 400}
        persisted = json.dumps(
            {"query": query, "extensions": {"persistedQuery": {"version": 1, "sha256Hash": "0"}}}
        )
        assert (await _post(fast, persisted.encode(), None))[0] in {200, 400}
        text = await _post(fast, json.dumps({"query": query}).encode(), None, None, "text/plain")
        assert text[0] == 415
    assert (len(memo), memo.hits) == (size, hits)
    # the same document as a plain POST is remembered
    for _ in range(2):
        assert (await _post(fast, json.dumps({"query": query}).encode(), None))[0] == 200
    assert memo.hits == hits + 1


async def test_metrics_count_fast_answers(
    apps: tuple[httpx.AsyncClient, httpx.AsyncClient, Starlette],
) -> None:
    _, fast, app = apps
    metrics = app.state.metrics
    if metrics is None:
        pytest.skip("metrics are off in these settings")
    labels = {"operation": "FastCounted", "type": "query", "path": "compiled"}
    name = "pagila_graphql_operation_seconds_count"
    before = metrics.registry.get_sample_value(name, labels) or 0
    hits = _hits(app)
    body = json.dumps({"query": "query FastCounted { films(first: 1) { nodes { title } } }"})
    for _ in range(3):
        assert (await _post(fast, body.encode(), None))[0] == 200
    assert _hits(app) == hits + 2
    assert metrics.registry.get_sample_value(name, labels) == before + 3


async def test_response_cache_kept_in_the_loop(settings: Settings, database: Database) -> None:
    """With the response cache on, a memo hit asks the cache first, as the view does: the
    answers stay the view's."""
    on = settings.model_copy(update={"response_cache": True, "compiled_fast_path": True})
    off = settings.model_copy(update={"response_cache": True, "compiled_fast_path": False})
    fast_app = create_app(on, database, HeaderAuthenticator())
    reference_app = create_app(off, database, HeaderAuthenticator())
    body = json.dumps({"query": "query Cached { films(first: 3) { nodes { title } } }"}).encode()
    fast_transport = httpx.ASGITransport(app=fast_app)
    reference_transport = httpx.ASGITransport(app=reference_app)
    async with (
        httpx.AsyncClient(transport=fast_transport, base_url="http://t") as f,
        httpx.AsyncClient(transport=reference_transport, base_url="http://t") as r,
    ):
        expected = await _post(r, body, None)
        answers = [await _post(f, body, None) for _ in range(4)]
    assert answers == [expected] * 4


async def test_a_failed_statement_goes_back_to_the_view(
    apps: tuple[httpx.AsyncClient, httpx.AsyncClient, Starlette],
    database: Database,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The database fails under a remembered statement: the entry is dropped and the view
    answers (here the executor, the compiled statement failing there too), as it would have."""
    reference, fast, app = apps
    memo = _view(app).fast_path
    assert memo is not None
    body = json.dumps({"query": "query Failing { films(first: 2) { nodes { title } } }"}).encode()
    for _ in range(2):
        await _post(fast, body, None)
    assert len(memo.entries) and any(key[0] == body for key in memo.entries)

    async def unavailable(sql: str, params: object, *, replica: bool = False) -> str:
        raise ConnectionResetError("the database went away")

    monkeypatch.setattr(database, "fetch_json", unavailable)
    expected = await _post(reference, body, None)
    hits = memo.hits
    assert await _post(fast, body, None) == expected
    assert memo.hits == hits + 1  # found, run, failed: dropped
    assert not any(key[0] == body for key in memo.entries)


# --- The lane below the middlewares (decision 0160) ---------------------------------------------


async def test_what_the_lane_leaves_to_the_view_is_answered_the_same(
    apps: tuple[httpx.AsyncClient, httpx.AsyncClient, Starlette],
) -> None:
    """A remembered document sent cross-origin (CORS decorates the head), without a declared
    length (chunked), with a false length, or too big for the memo: the normal path answers,
    as the reference does."""
    reference, fast, app = apps
    body = json.dumps({"query": "query Lane { films(first: 2) { nodes { title } } }"}).encode()
    for _ in range(3):
        await _post(fast, body, None)
    lane = _lane(app)

    async def chunks() -> AsyncIterator[bytes]:
        yield body[:10]
        yield body[10:]

    async def both(content: Callable[[], Any], headers: dict[str, str]) -> tuple[Answer, Answer]:
        answers = []
        for client in (reference, fast):
            response = await client.post("/graphql", content=content(), headers=headers)
            kept = [(k, v) for k, v in response.headers.multi_items() if k != "x-request-id"]
            answers.append((response.status_code, response.content, kept))
        return answers[0], answers[1]

    json_type = {"content-type": "application/json"}
    expected, got = await both(lambda: body, {**json_type, "origin": "http://t"})
    assert got == expected
    assert any(name.startswith("access-control-") for name, _ in got[2])
    expected, got = await both(chunks, json_type)
    assert got == expected and got[0] == 200
    big = json.dumps({"query": "query Lane { films(first: 2) { nodes { title } } }"})
    padded = (big[:-1] + ', "pad": "' + "x" * 9000 + '"}').encode()
    expected, got = await both(lambda: padded, json_type)
    assert got == expected
    assert _lane(app) == lane


async def test_the_rate_limit_counts_lane_answers(settings: Settings, database: Database) -> None:
    """The lane sits below the rate limit: remembered documents are counted and refused like
    any request once the caller's budget is spent."""
    limited = settings.model_copy(
        update={
            "compiled_fast_path": True,
            "rate_limit_enabled": True,
            "rate_limit_requests": "5/minute",
            "redis_url": None,
        }
    )
    app = create_app(limited, database, HeaderAuthenticator())
    body = json.dumps({"query": "query Limited { films(first: 1) { nodes { title } } }"})
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        statuses = [(await _post(c, body.encode(), None))[0] for _ in range(8)]
    assert statuses[:5] == [200] * 5
    assert statuses[5:] == [429] * 3
    assert _lane(app) >= 3  # the 2nd..5th were the lane's


def _documents(app: Starlette) -> int:
    memo = _view(app).fast_path
    assert memo is not None
    return memo.document_answers


async def test_a_known_document_with_a_new_body_answers_as_the_view(
    apps: tuple[httpx.AsyncClient, httpx.AsyncClient, Starlette], settings: Settings
) -> None:
    """Decision 0166: generated documents, each caller kind and Accept value; after the view
    answered a document compiled, another body of it (the same request written differently:
    keys in another order, spaces) is answered by the lane as a new document request — and is
    the reference app's answer exactly."""
    reference, fast, app = apps
    generator = DocumentGenerator(build_schema(settings)._schema, random.Random(SEED + 1))
    answered = 0
    for n in range(DOCUMENTS):
        query, variables = generator.document()
        caller = CALLERS[n % len(CALLERS)]
        accept = ACCEPTS[(n + 1) % len(ACCEPTS)]
        first_body = _body(query, variables)
        expected = await _post(reference, first_body, caller, accept)
        generator.observe(json.loads(expected[1]))
        before = _hits(app)
        assert await _post(fast, first_body, caller, accept) == expected
        await _post(fast, first_body, caller, accept)
        other = json.dumps({"variables": variables, "query": query}, indent=1).encode()
        expected_other = await _post(reference, other, caller, accept)
        documents = _documents(app)
        got = await _post(fast, other, caller, accept)
        context = f"document {n} as {caller}, Accept {accept}: {query} {variables}"
        assert got == expected_other, context
        if _hits(app) > before:  # compiled and remembered: the lane knows the document
            assert _documents(app) == documents + 1, context
            answered += 1
    assert answered >= DOCUMENTS // 10, answered


async def test_new_variables_of_a_known_document_answer_as_the_view(
    apps: tuple[httpx.AsyncClient, httpx.AsyncClient, Starlette],
) -> None:
    """A document asked with one key after another (rows of both stores' customers, rows
    that do not exist), by every kind of caller: each answer the reference app's, and, once
    the view has answered the document compiled for a caller, the rest from the lane."""
    reference, fast, app = apps
    documents = [
        "query($k: Int!) { rental(rentalId: $k) { rentalId returnDate customer { lastName } } }",
        "query($k: Int!) { customer(customerId: $k) { email rentals(first: 2) { totalCount } } }",
        "query Film($k: Int!) { film(filmId: $k) { title actors(first: 3) { nodes { actorId } } } }"
        " query Other { languages { totalCount } }",  # two operations: the name chooses
    ]
    rng = random.Random(166)
    answered = asked = 0
    keys = list(range(1, 1000, 7))  # a key asked twice is the body's memo (test above)
    rng.shuffle(keys)
    for query in documents:
        for caller in CALLERS:
            accept = rng.choice(ACCEPTS)
            for _ in range(6):
                variables = {"k": keys.pop() if rng.random() < 0.8 else 999_999 + asked}
                request: dict[str, Any] = {"query": query, "variables": variables}
                if "query Film" in query:
                    request["operationName"] = "Film"
                body = json.dumps(request).encode()
                expected = await _post(reference, body, caller, accept)
                before = _documents(app)
                assert await _post(fast, body, caller, accept) == expected, (query, caller, body)
                answered += _documents(app) - before
                asked += 1
    print(f"\n{answered} of {asked} answered by the lane as a known document")
    # not the first request per document and caller (the view's), nor customer data asked
    # anonymously (refused by the executor), nor two denials
    assert answered >= asked // 2
