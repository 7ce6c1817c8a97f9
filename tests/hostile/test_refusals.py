"""Issue 14: the refusals made before GraphQL runs (the rate limit's 429, the body limit's 413)
answer like every other refusal: a GraphQL-shaped body with `extensions.code` and the request id,
under the media type the client negotiated, `Retry-After` on a 429."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import pytest

from config.settings import Settings
from pagila_graph.app import create_app
from persistence.db import Database
from tests.ratelimit.support import UserHeaderAuthenticator, unique_prefix

GRAPHQL_RESPONSE = "application/graphql-response+json"

#: Accept header -> the media type of the answer (GraphQL-over-HTTP's negotiation)
ACCEPTS = {
    None: "application/json",
    "application/json": "application/json",
    GRAPHQL_RESPONSE: GRAPHQL_RESPONSE,
    f"{GRAPHQL_RESPONSE}, application/json;q=0.9": GRAPHQL_RESPONSE,
    "*/*": "application/json",
}


@pytest.fixture
async def limited(settings: Settings, database: Database) -> AsyncIterator[httpx.AsyncClient]:
    """An app whose rate limit allows one request a minute (memory storage)."""
    update = {
        "rate_limit_enabled": True,
        "rate_limit_requests": "1/minute",
        "redis_url": None,
        "rate_limit_key_prefix": unique_prefix(),
    }
    app = create_app(settings.model_copy(update=update), database, UserHeaderAuthenticator())
    transport = httpx.ASGITransport(app=app, client=("192.0.2.77", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


def assert_refusal(
    response: httpx.Response, status: int, code: str, media_type: str
) -> dict[str, object]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].split(";")[0] == media_type
    body = response.json()
    assert set(body) == {"errors"}, body  # nothing ran: no `data` entry
    [error] = body["errors"]
    assert error["extensions"]["code"] == code
    assert error["extensions"]["requestId"] == response.headers["x-request-id"]
    assert error["message"]
    extensions: dict[str, object] = error["extensions"]
    return extensions


@pytest.mark.parametrize("accept", ACCEPTS)
async def test_the_429_is_a_typed_graphql_error_in_the_negotiated_media_type(
    accept: str | None, limited: httpx.AsyncClient
) -> None:
    headers = {"accept": accept} if accept else {}
    query = {"query": "{ __typename }"}
    first = await limited.post("/graphql", json=query, headers=headers)
    assert first.status_code == 200, first.text
    refused = await limited.post(
        "/graphql", json=query, headers={**headers, "x-request-id": "probe-429"}
    )
    extensions = assert_refusal(refused, 429, "RATE_LIMITED", ACCEPTS[accept])
    assert extensions["requestId"] == "probe-429"  # the client's id comes back in the body
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert int(refused.headers["retry-after"]) == pytest.approx(
        extensions["retryAfterSeconds"], abs=1
    )


@pytest.mark.parametrize("accept", ACCEPTS)
@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "chunked"])
async def test_the_413_is_a_typed_graphql_error_in_the_negotiated_media_type(
    accept: str | None, declared: bool, client: httpx.AsyncClient
) -> None:
    big = json.dumps({"query": "{ __typename }", "variables": {"x": "y" * 1_100_000}}).encode()

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(big), 100_000):
            yield big[start : start + 100_000]

    headers = {"content-type": "application/json"} | ({"accept": accept} if accept else {})
    refused = await client.post("/graphql", content=big if declared else chunks(), headers=headers)
    extensions = assert_refusal(refused, 413, "REQUEST_TOO_LARGE", ACCEPTS[accept])
    assert extensions["maxBytes"] == 1_000_000
    assert refused.headers["connection"] == "close"
