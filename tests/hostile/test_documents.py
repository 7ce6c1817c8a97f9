"""Issue 14, items 1, 2 and 5: no document or body a client sends may freeze the server.

Each reproduction of the issue is refused with a typed error before any SQL runs, and while
they are processed together the event loop is never kept busy for more than 100 ms (measured as
the loop thread's CPU time between two ticks of a ticker, see loopwatch.py).
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest

from persistence.db import Database, StatementCounter
from tests.hostile.loopwatch import watch_loop


def fan_out(levels: int, width: int = 10) -> str:
    """`fragment Fi on Query { ...F(i-1) x width }`: 646 bytes at 7 levels expand to 10^7."""
    parts = ["fragment F0 on Query { __typename }"]
    for i in range(1, levels + 1):
        parts.append(f"fragment F{i} on Query {{ {' '.join([f'...F{i - 1}'] * width)} }}")
    return f"query {{ ...F{levels} }}\n" + "\n".join(parts)


def repeated(part: str, times: int) -> str:
    return "{ films(first: 1) { nodes { " + part * times + "} } }"


#: name → (document, the code it is refused with)
HOSTILE: dict[str, tuple[str, str]] = {
    "fragment fan-out, 7 levels": (fan_out(7), "QUERY_TOO_COMPLEX"),
    "fragment fan-out, 11 levels": (fan_out(11), "QUERY_TOO_COMPLEX"),
    "10,000 @include directives": (
        repeated("title @include(if: true) ", 10_000),
        "DOCUMENT_TOO_LARGE",
    ),
    "1,000 aliases": (
        "{ " + " ".join(f"a{i}: films(first: 1) {{ totalCount }}" for i in range(1000)) + " }",
        "DOCUMENT_TOO_LARGE",
    ),
    "300 aliases in 4 KB": (
        "{ " + " ".join(f"a{i}: __typename" for i in range(300)) + " }",
        "TOO_MANY_ALIASES",
    ),
    "a 500 KB comment": ("#" + "x" * 500_000 + "\n{ __typename }", "DOCUMENT_TOO_LARGE"),
    "20,000 comments": ("#\n" * 20_000 + "{ __typename }", "DOCUMENT_TOO_LARGE"),
    "nested 3,000 deep": ("{" + "films { " * 3000 + "}" * 3000 + "}", "DOCUMENT_TOO_LARGE"),
    "nested 400 deep": ("{" + "films { " * 400 + "}" * 400 + "}", "DOCUMENT_TOO_LARGE"),
    "nested 40 deep": ("{" + "films { " * 40 + "}" * 40 + "}", "QUERY_TOO_DEEP"),
    "2,000 fields, 3 KB document": (
        "{ films(first: 1) { nodes { ...A ...A ...A ...A ...A ...A ...A ...A } } }"
        " fragment A on Film { " + "title " * 300 + "}",
        "QUERY_TOO_COMPLEX",
    ),
    "fragment fan-out under empty selections": (
        fan_out(9).replace("fragment F0 on Query { __typename }", "fragment F0 on Query { }"),
        "QUERY_TOO_COMPLEX",
    ),
}


def body(query: str, variables: dict[str, Any] | None = None) -> bytes:
    return json.dumps({"query": query, "variables": variables}).encode()


async def post(http: httpx.AsyncClient, content: bytes) -> httpx.Response:
    return await http.post(
        "/graphql", content=content, headers={"content-type": "application/json"}
    )


@pytest.mark.parametrize("name", HOSTILE)
async def test_each_hostile_document_is_refused_before_any_sql(
    name: str, client: httpx.AsyncClient, database: Database
) -> None:
    document, code = HOSTILE[name]
    with StatementCounter(database.engine) as counter:
        response = await post(client, body(document))
    assert response.status_code == 200, response.text[:300]
    errors = response.json()["errors"]
    assert [e["extensions"]["code"] for e in errors] == [code], errors
    assert counter.count == 0


async def test_a_valid_large_document_is_still_answered(client: httpx.AsyncClient) -> None:
    """Below every limit, a document of 200 same-named fields with sub-selections (validated
    off the loop: it expands to more selections than the on-loop budget) runs as before."""
    document = "{ " + "films(first: 1) { nodes { title } } " * 200 + "}"
    response = await post(client, body(document))
    assert response.json() == {"data": {"films": {"nodes": [{"title": "ACADEMY DINOSAUR"}]}}}


async def test_bodies_over_the_limit_are_refused_with_413(client: httpx.AsyncClient) -> None:
    """Item 5: a 50 MB `variables` body used to be read and kept. Declared or not."""
    big = body("{ __typename }", {"x": "y" * 2_000_000})
    response = await post(client, big)
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"] == {
        "code": "REQUEST_TOO_LARGE",
        "maxBytes": 1_000_000,
        "requestId": response.headers["x-request-id"],
    }

    async def chunks() -> Any:  # no Content-Length: counted as it arrives
        for _ in range(30):
            yield b" " * 100_000

    response = await client.post(
        "/graphql", content=chunks(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "REQUEST_TOO_LARGE"


async def test_the_event_loop_is_never_blocked_while_hostile_documents_arrive(
    client: httpx.AsyncClient,
) -> None:
    """The issue's freeze reproductions, each several times and all at once, plus valid large
    documents that are parsed and validated off the loop: the loop is never busy for more than
    100 ms at a stretch and /healthz answers meanwhile."""
    bodies = [body(document) for document, _ in HOSTILE.values()]
    valid = [body("{ " + f"films(first: {n}) {{ nodes {{ title }} }} " * 200 + "}") for n in (2, 3)]
    too_big = body("{ __typename }", {"x": "y" * 5_000_000})
    await post(client, body("{ __typename }"))  # warm: the first request imports lazily
    async with watch_loop() as lag:
        responses = await asyncio.gather(
            *(post(client, b) for b in bodies * 3),
            *(post(client, b) for b in valid),
            post(client, too_big),
            client.get("/healthz"),
        )
    assert all(r.status_code in (200, 413) for r in responses)
    assert responses[-1].json() == {"status": "ok"}
    assert lag.ticks > 0
    assert lag.max_cpu_s < 0.1, f"the loop was busy {lag.max_cpu_s:.3f} s at a stretch"
