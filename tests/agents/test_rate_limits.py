"""The agent limit is stricter than the general one and refuses before any model call or write;
WebSocket operations are counted one by one. Real uvicorn and `websockets` for the sockets;
memory and the real Redis for the counts."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect

from config.settings import Settings
from pagila_graph.app import create_app
from persistence.db import Database, StatementCounter
from tests.agents.conftest import Sql
from tests.loopback import serving
from tests.ratelimit.support import (
    STORAGES,
    USER_HEADER,
    UserHeaderAuthenticator,
    limiter_for,
    redis_url_for,
    unique_prefix,
)

ASK = """
mutation Ask($q: String!) {
  askAgent(input: {question: $q}) {
    answer conversationId
    errors { __typename code message ... on RateLimitedError { retryAfterSeconds } }
  }
}
"""
STREAM = """
subscription S($q: String!) {
  agentStream(question: $q) {
    __typename
    ... on RunCompleted { answer }
    ... on RunFailed { code message retryAfterSeconds }
  }
}
"""
FILMS = "{ films(first: 1) { totalCount } }"

Serve = Callable[..., Awaitable[str]]


@pytest.fixture(params=STORAGES)
async def serve(
    request: pytest.FixtureRequest, agent_settings: Settings, agents_db: Database
) -> AsyncIterator[Serve]:
    """Starts the app on a loopback port with the given limits; returns its ws:// URL."""
    storage: str = request.param
    prefix = unique_prefix()
    async with (
        limiter_for(storage, prefix=prefix),  # skips without Redis; cleans up
        AsyncExitStack() as servers,
    ):
        # a Database object of its own: the app gets the default (scripted) runner
        database = Database(agents_db.engine)

        async def start(requests: str = "10/minute", agent: str = "1/minute") -> str:
            limited = agent_settings.model_copy(
                update={
                    "rate_limit_enabled": True,
                    "rate_limit_requests": requests,
                    "rate_limit_agent": agent,
                    "redis_url": redis_url_for(storage),
                    "rate_limit_key_prefix": prefix,
                }
            )
            app = create_app(limited, database, UserHeaderAuthenticator())
            port = await servers.enter_async_context(serving(app))
            return f"ws://127.0.0.1:{port}/graphql"

        yield start


async def messages_of(sql: Sql, customer_id: int) -> int:
    [row] = await sql.rows(
        "SELECT count(*) AS n FROM message JOIN conversation USING (conversation_id)"
        " WHERE conversation.customer_id = $1",
        customer_id,
    )
    return int(row["n"])


async def test_ask_agent_is_refused_by_the_agent_limit_before_the_general_one(
    serve: Serve, sql: Sql
) -> None:
    url = (await serve(requests="10/minute", agent="1/minute")).replace("ws://", "http://")
    headers = {USER_HEADER: "571"}
    ask = {"query": ASK, "variables": {"q": "anything with dinosaurs under $1?"}}
    async with httpx.AsyncClient(timeout=30) as http:
        first = (await http.post(url, json=ask, headers=headers)).json()["data"]["askAgent"]
        assert first["errors"] == []
        assert first["answer"]
        written = await messages_of(sql, 571)
        assert written > 0  # a signed-in customer's answer is stored: the write path is live

        second = await http.post(url, json=ask, headers=headers)
        assert second.status_code == 200  # the request itself was within the general limit
        refused = second.json()["data"]["askAgent"]
        assert refused["answer"] is None
        assert refused["conversationId"] is None
        [error] = refused["errors"]
        assert error["__typename"] == "RateLimitedError"
        assert error["code"] == "RATE_LIMITED"
        assert 1 <= error["retryAfterSeconds"] <= 60
        assert await messages_of(sql, 571) == written  # the refused question wrote nothing

        # other fields still answer: only the agent limit is spent
        films = await http.post(url, json={"query": FILMS}, headers=headers)
        assert films.status_code == 200
        assert films.json()["data"]["films"]["totalCount"] > 0
        # another user has an agent budget of their own
        other = await http.post(url, json=ask, headers={USER_HEADER: "572"})
        assert other.json()["data"]["askAgent"]["errors"] == []


async def init(ws: ClientConnection, user: int) -> None:
    await ws.send(json.dumps({"type": "connection_init", "payload": {USER_HEADER: str(user)}}))
    assert json.loads(await ws.recv())["type"] == "connection_ack"


async def run_operation(
    ws: ClientConnection, op_id: str, query: str, variables: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    """Sends one graphql-transport-ws `subscribe`; returns its messages up to the end."""
    payload = {"query": query, "variables": variables or {}}
    await ws.send(json.dumps({"id": op_id, "type": "subscribe", "payload": payload}))
    received: list[dict[str, Any]] = []
    while True:
        message = json.loads(await asyncio.wait_for(ws.recv(), 30))
        assert message.get("id") == op_id, message
        received.append(message)
        if message["type"] in ("complete", "error"):
            return received


async def test_agent_stream_over_a_websocket_gets_a_typed_refusal(serve: Serve) -> None:
    url = await serve(requests="10/minute", agent="1/minute")
    async with connect(url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
        await init(ws, 573)
        first = await run_operation(ws, "1", STREAM, {"q": "anything with dinosaurs?"})
        events = [m["payload"]["data"]["agentStream"] for m in first if m["type"] == "next"]
        assert events[-1]["__typename"] == "RunCompleted"

        second = await run_operation(ws, "2", STREAM, {"q": "and with sharks?"})
    events = [m["payload"]["data"]["agentStream"] for m in second if m["type"] == "next"]
    assert len(events) == 1  # refused before the run started: no RunStarted, no tokens
    [failed] = events
    assert failed["__typename"] == "RunFailed"
    assert failed["code"] == "RATE_LIMITED"
    assert 1 <= failed["retryAfterSeconds"] <= 60


async def test_each_websocket_operation_counts_against_the_general_limit(
    serve: Serve, agents_db: Database
) -> None:
    url = await serve(requests="2/minute")
    async with connect(url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
        await init(ws, 574)  # opening the socket is not an operation: not counted
        for op_id in ("1", "2"):
            with StatementCounter(agents_db.engine) as allowed_counter:
                [result, complete] = await run_operation(ws, op_id, FILMS)
            assert allowed_counter.count > 0  # the counter sees this server's SQL
            assert result["type"] == "next"
            assert result["payload"]["data"]["films"]["totalCount"] > 0
            assert complete["type"] == "complete"
        with StatementCounter(agents_db.engine) as counter:
            refused = await run_operation(ws, "3", FILMS)
    assert counter.count == 0  # refused before execution: no SQL
    # graphql-transport-ws ends a refused operation with an `error` message; the socket stays
    [message] = refused
    assert message["type"] == "error"
    [error] = message["payload"]
    assert error["extensions"]["code"] == "RATE_LIMITED"
    assert 1 <= error["extensions"]["retryAfterSeconds"] <= 60


async def test_legacy_graphql_ws_operations_are_counted_too(serve: Serve) -> None:
    # the legacy protocol carries subscriptions only: two agent streams, general limit 1
    url = await serve(requests="1/minute", agent="10/minute")
    payload = {"query": STREAM, "variables": {"q": "anything with dinosaurs?"}}
    async with connect(url, subprotocols=["graphql-ws"]) as ws:  # type: ignore[list-item]
        await ws.send(json.dumps({"type": "connection_init", "payload": {USER_HEADER: "575"}}))
        received: dict[str, list[dict[str, Any]]] = {}
        for op_id in ("1", "2"):
            await ws.send(json.dumps({"id": op_id, "type": "start", "payload": payload}))
            received[op_id] = []
            while True:
                message = json.loads(await asyncio.wait_for(ws.recv(), 30))
                if message["type"] in ("connection_ack", "ka"):
                    continue
                if message["type"] == "complete":
                    break
                received[op_id].append(message)
    first = [m["payload"]["data"]["agentStream"]["__typename"] for m in received["1"]]
    assert first[-1] == "RunCompleted"
    # the second operation is refused before it runs: one `data` message with the error
    [refused] = received["2"]
    assert refused["type"] == "data"
    assert refused["payload"]["data"] is None
    [error] = refused["payload"]["errors"]
    assert error["extensions"]["code"] == "RATE_LIMITED"
    assert 1 <= error["extensions"]["retryAfterSeconds"] <= 60


async def test_websocket_operations_are_counted_per_user_named_in_connection_init(
    serve: Serve,
) -> None:
    # both sockets come from 127.0.0.1: were they counted per IP, the second user's first
    # operation would be refused too
    url = await serve(requests="1/minute")
    protocols: Any = ["graphql-transport-ws"]
    async with connect(url, subprotocols=protocols) as a, connect(url, subprotocols=protocols) as b:
        await init(a, 576)
        await init(b, 577)
        assert (await run_operation(a, "1", FILMS))[0]["type"] == "next"
        assert (await run_operation(b, "1", FILMS))[0]["type"] == "next"
        [refused] = await run_operation(a, "2", FILMS)
    assert refused["type"] == "error"
    assert refused["payload"][0]["extensions"]["code"] == "RATE_LIMITED"
