"""Conditional GET (decision 0117): GET answers carry an ETag and Cache-Control, a matching
If-None-Match gets 304 with no body, and a committed write changes the answer and its tag at
once — through persisted-query hashes and plain GET queries alike."""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from config.settings import Settings
from pagila_graph.app import create_app
from pagila_graph.http_caching import entity_tag, etag_matches
from persistence.db import Database
from tests.mutations.support import HEADER, HeaderAuthenticator

FILM_ID = 11
QUERY = "query Film($id: Int!) { film(filmId: $id) { title length } }"
HASH = hashlib.sha256(QUERY.encode()).hexdigest()
APQ = json.dumps({"persistedQuery": {"version": 1, "sha256Hash": HASH}})
VARIABLES = json.dumps({"id": FILM_ID})
SET_LENGTH = """mutation ($id: Int!, $length: Int!) {
  updateFilm(input: {filmId: $id, length: $length}) { errors { code message } film { length } }
}"""


@pytest.fixture
async def client(settings: Settings, database: Database) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, database, HeaderAuthenticator())
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        yield c


async def by_hash(client: httpx.AsyncClient, **headers: str) -> httpx.Response:
    params = {"extensions": APQ, "variables": VARIABLES}
    return await client.get("/graphql", params=params, headers=headers)


async def set_length(client: httpx.AsyncClient, length: int) -> None:
    response = await client.post(
        "/graphql",
        json={"query": SET_LENGTH, "variables": {"id": FILM_ID, "length": length}},
        headers={HEADER: "admin"},
    )
    assert response.json()["data"]["updateFilm"]["errors"] == [], response.text


async def test_a_persisted_read_is_revalidated_and_never_stale(client: httpx.AsyncClient) -> None:
    stored = await client.post(
        "/graphql",
        json={"query": QUERY, "variables": {"id": FILM_ID}, "extensions": json.loads(APQ)},
    )
    original = stored.json()["data"]["film"]["length"]
    first = await by_hash(client)
    assert first.status_code == 200 and first.json() == stored.json()
    tag = first.headers["etag"]
    assert first.headers["cache-control"] == "public, no-cache"
    assert {"Accept", "Authorization"} <= {v.strip() for v in first.headers["vary"].split(",")}

    again = await by_hash(client, **{"if-none-match": tag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == tag
    assert (await by_hash(client, **{"if-none-match": '"other"'})).status_code == 200

    try:
        await set_length(client, original + 1)
        changed = await by_hash(client, **{"if-none-match": tag})
        assert changed.status_code == 200
        assert changed.json()["data"]["film"]["length"] == original + 1
        assert changed.headers["etag"] != tag
    finally:
        await set_length(client, original)


async def test_answers_to_requests_with_credentials_are_private(
    client: httpx.AsyncClient,
) -> None:
    """Shared caches may keep only what every anonymous caller would get (this app's test
    authenticator ignores the header, so the answer itself is the anonymous one)."""
    params = {"query": "{ film(filmId: 1) { title } }"}
    signed = await client.get("/graphql", params=params, headers={"authorization": "Bearer x"})
    assert signed.status_code == 200 and signed.headers["cache-control"] == "private, no-cache"
    anonymous = await client.get("/graphql", params=params)
    assert anonymous.headers["cache-control"] == "public, no-cache"
    assert anonymous.headers["etag"] == signed.headers["etag"]


@pytest.mark.parametrize(
    "params",
    [
        {"query": "{ film(filmId: 1) { nope } }"},  # validation error
        {"extensions": json.dumps({"persistedQuery": {"version": 1, "sha256Hash": "0" * 64}})},
        {"query": "{ customer(customerId: 1) { firstName } }"},  # refused: needs sign-in
    ],
    ids=["invalid", "unknown hash", "refused field"],
)
async def test_answers_with_errors_carry_no_tag(
    client: httpx.AsyncClient, params: dict[str, Any]
) -> None:
    response = await client.get("/graphql", params=params)
    assert "etag" not in response.headers
    assert "errors" in response.json()


async def test_posts_carry_no_tag(client: httpx.AsyncClient) -> None:
    response = await client.post("/graphql", json={"query": "{ film(filmId: 1) { title } }"})
    assert response.status_code == 200 and "etag" not in response.headers


@given(st.binary(max_size=256), st.binary(max_size=256))
def test_tags_differ_when_bodies_do(a: bytes, b: bytes) -> None:
    assert (entity_tag(a) == entity_tag(b)) == (a == b)
    assert etag_matches(f'W/{entity_tag(a)}, "x"', entity_tag(a))
    assert etag_matches("*", entity_tag(a)) and not etag_matches(None, entity_tag(a))
