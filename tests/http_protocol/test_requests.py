"""The GraphQL-over-HTTP spec at the door: media types, request errors without `data`, a code on
every error, and malformed bodies answered as typed 400s (never a 500, always the request id)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from config.settings import Settings
from pagila_graph.app import create_app
from persistence.db import Database
from tests.loopback import serving

GRAPHQL_RESPONSE = "application/graphql-response+json"
ACCEPTS = {
    "graphql-response": GRAPHQL_RESPONSE,
    "json": "application/json",
    "any": "*/*",
    "none": None,
    "both, graphql-response preferred": f"{GRAPHQL_RESPONSE}, application/json;q=0.9",
    "both, json preferred": f"application/json, {GRAPHQL_RESPONSE};q=0.5",
}


def headers(accept: str | None) -> dict[str, str]:
    return {} if accept is None else {"accept": accept}


def expected_media(accept: str | None) -> str:
    if accept is None or accept.startswith(("application/json", "*/*")):
        return "application/json"
    return GRAPHQL_RESPONSE


def assert_refused(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """A typed JSON refusal: the status, one error with `code`, the request id in body and
    header, no `data`."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].split(";")[0] in ("application/json", GRAPHQL_RESPONSE)
    body = response.json()
    assert "data" not in body
    (error,) = body["errors"]
    assert error["extensions"]["code"] == code, body
    assert error["extensions"]["requestId"] == response.headers["x-request-id"]
    assert "Traceback" not in response.text
    return dict(error)


# --- request errors: codes, status, no data --------------------------------------------------

INVALID = "GRAPHQL_VALIDATION_FAILED"
REQUEST_ERRORS = {
    "parse": ({"query": "{ films(first: 2) { nodes { title }"}, "GRAPHQL_PARSE_FAILED"),
    "validation": (
        {"query": "{ films(first: 2) { nodes { nope } } }"},
        "GRAPHQL_VALIDATION_FAILED",
    ),
    "wrong argument type": (
        {"query": '{ film(filmId: "x") { title } }'},
        "GRAPHQL_VALIDATION_FAILED",
    ),
    "variable coercion": (
        {"query": "query F($n: Int!) { film(filmId: $n) { title } }", "variables": {"n": "x"}},
        "BAD_USER_INPUT",
    ),
    "missing variable": (
        {"query": "query F($n: Int!) { film(filmId: $n) { title } }"},
        "BAD_USER_INPUT",
    ),
    "too deep": (
        {
            "query": "{ films(first:1) { nodes { actors(first:1) { nodes { films(first:1) { nodes"
            " { actors(first:1) { nodes { films(first:1) { nodes { actors(first:1) { nodes"
            " { films(first:1) { nodes { title } } } } } } } } } } } } } } }"
        },
        "QUERY_TOO_DEEP",
    ),
}


@pytest.mark.parametrize("accept", ACCEPTS.values(), ids=ACCEPTS.keys())
@pytest.mark.parametrize("case", REQUEST_ERRORS.values(), ids=REQUEST_ERRORS.keys())
async def test_request_errors_have_a_code_and_no_data(
    client: httpx.AsyncClient, case: tuple[dict[str, Any], str], accept: str | None
) -> None:
    body, code = case
    response = await client.post("/graphql", json=body, headers=headers(accept))
    media = expected_media(accept)
    assert response.headers["content-type"].split(";")[0] == media
    # the spec: 200 for legacy application/json clients, 4xx for graphql-response+json ones
    assert response.status_code == (400 if media == GRAPHQL_RESPONSE else 200)
    answer = response.json()
    assert "data" not in answer
    assert answer["errors"]
    assert {e["extensions"]["code"] for e in answer["errors"]} == {code}


@pytest.mark.parametrize("accept", ACCEPTS.values(), ids=ACCEPTS.keys())
async def test_a_good_query_is_200_in_the_negotiated_media_type(
    client: httpx.AsyncClient, accept: str | None
) -> None:
    response = await client.post(
        "/graphql", json={"query": "{ film(filmId: 1) { title } }"}, headers=headers(accept)
    )
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == expected_media(accept)
    assert "accept" in response.headers["vary"].lower()
    assert response.json() == {"data": {"film": {"title": "ACADEMY DINOSAUR"}}}


async def test_a_field_error_keeps_data_and_status_200(client: httpx.AsyncClient) -> None:
    # an error during execution is a partial result, not a request error
    response = await client.post(
        "/graphql",
        json={"query": '{ a: film(filmId: 1) { title } b: node(id: "bm9wZQ") { id } }'},
        headers={"accept": GRAPHQL_RESPONSE},
    )
    assert response.status_code == 200
    body = response.json()
    assert body["data"]["a"] == {"title": "ACADEMY DINOSAUR"}
    assert all("code" in e["extensions"] for e in body["errors"])


async def test_unknown_operation_name_and_mutation_over_get(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/graphql", json={"query": "query A { film(filmId: 1) { title } }", "operationName": "B"}
    )
    assert_refused(response, 400, "OPERATION_RESOLUTION_FAILURE")
    response = await client.get(
        "/graphql",
        params={"query": 'mutation { login(input: {email: "a@b", password: "x"}) { __typename } }'},
        headers={"accept": "application/json"},
    )
    assert_refused(response, 405, "METHOD_NOT_ALLOWED")
    assert response.headers["allow"] == "POST"


# --- malformed bodies (issue 14, item 7) -----------------------------------------------------

MALFORMED = {
    "a string": b'"x"',
    "a number": b"42",
    "null": b"null",
    "true": b"true",
    "an array when batching is off": b'[{"query": "{ __typename }"}]',
    "invalid UTF-8": b'{"query": "{ __typename \xff\xfe }"}',
    "a lone surrogate": b'{"query": "{ __typename }", "operationName": "\\ud800"}',
    "arrays 100,000 deep": b"[" * 100_000 + b"]" * 100_000,
    "objects 100,000 deep": b'{"a":' * 100_000 + b"1" + b"}" * 100_000,
    "variables 100,000 deep": b'{"query": "{ __typename }", "variables": '
    + b'{"a":' * 100_000
    + b"1"
    + b"}" * 100_001,
    "not JSON": b"{query: films}",
    "empty": b"",
    "query not a string": b'{"query": 42}',
    "variables not an object": b'{"query": "{ __typename }", "variables": "x"}',
    "extensions not an object": b'{"query": "{ __typename }", "extensions": []}',
    "operationName not a string": b'{"query": "{ __typename }", "operationName": 1}',
    "no query": b'{"variables": {}}',
}


@pytest.mark.parametrize("body", MALFORMED.values(), ids=MALFORMED.keys())
@pytest.mark.parametrize("accept", [None, GRAPHQL_RESPONSE])
async def test_malformed_bodies_get_a_typed_400(
    client: httpx.AsyncClient, body: bytes, accept: str | None
) -> None:
    response = await client.post(
        "/graphql",
        content=body,
        headers={"content-type": "application/json", **headers(accept)},
    )
    assert_refused(response, 400, response.json()["errors"][0]["extensions"]["code"])
    assert response.json()["errors"][0]["extensions"]["code"] in (
        "BAD_REQUEST",
        "BATCHING_DISABLED",
    )


async def test_a_wrong_content_type_is_415(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/graphql", content=b"{ __typename }", headers={"content-type": "text/plain"}
    )
    assert_refused(response, 415, "UNSUPPORTED_MEDIA_TYPE")
    response = await client.post("/graphql", content=b'{"query": "{ __typename }"}')
    assert_refused(response, 415, "UNSUPPORTED_MEDIA_TYPE")


FUZZ = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(value=json_values)
async def test_any_json_body_is_answered_as_json_never_500(
    client: httpx.AsyncClient, value: object
) -> None:
    response = await client.post(
        "/graphql",
        content=json.dumps(value).encode(),
        headers={"content-type": "application/json"},
    )
    assert response.status_code < 500, response.text
    body = response.json()
    assert "errors" in body or "data" in body
    for error in body.get("errors", []):
        assert error["extensions"]["code"]


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=st.binary(max_size=200))
async def test_any_bytes_are_answered_as_json_never_500(
    client: httpx.AsyncClient, body: bytes
) -> None:
    response = await client.post(
        "/graphql", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code < 500, response.text
    for error in response.json().get("errors", []):
        assert error["extensions"]["code"]


async def test_websocket_request_errors_are_answered(
    settings: Settings, database: Database
) -> None:
    """graphql-transport-ws: a subscription that does not validate is an `error` message whose
    errors have the same codes as over HTTP; one that does not parse closes the socket with 4400
    and the syntax error (Strawberry's handling of that protocol), never a silent `complete`."""
    from websockets.asyncio.client import connect
    from websockets.exceptions import ConnectionClosedError

    async with serving(create_app(settings, database)) as port:
        url = f"ws://127.0.0.1:{port}/graphql"
        async with connect(url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
            await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
            assert json.loads(await ws.recv())["type"] == "connection_ack"
            invalid = "subscription { agentStream(question: 1) { __typename } }"
            await ws.send(
                json.dumps({"id": "1", "type": "subscribe", "payload": {"query": invalid}})
            )
            message = json.loads(await ws.recv())
            assert message["type"] == "error", message
            assert {e["extensions"]["code"] for e in message["payload"]} == {INVALID}
            unparsable = "subscription { agentStream("
            await ws.send(
                json.dumps({"id": "2", "type": "subscribe", "payload": {"query": unparsable}})
            )
            with pytest.raises(ConnectionClosedError) as closed:
                await ws.recv()
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 4400
            assert "Syntax Error" in closed.value.rcvd.reason
