"""agentStream over real WebSockets (uvicorn on a loopback port, the `websockets` client), in
both protocols Strawberry speaks, plus cancellation of the model call when the client leaves."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect

from agents.service import AgentRunner
from config.settings import Settings
from pagila_graph.app import create_app
from persistence.db import Database
from persistence.unit_of_work import SqlUnitOfWorkFactory
from tests.agents.conftest import Sql, runner
from tests.agents.scripted import Reply, Say, ScriptTurn
from tests.agents.support import HeaderAuthenticator
from tests.loopback import serving

STREAM = """
subscription S($q: String!) {
  agentStream(question: $q) {
    __typename
    ... on RunStarted { runId }
    ... on AgentMessageDelta { agent delta }
    ... on ToolCallStarted { function arguments }
    ... on ToolCallFinished { function resultPreview }
    ... on HandoffOccurred { fromAgent toAgent reason }
    ... on RunCompleted { answer agent films { filmId title } }
    ... on RunFailed { code message }
  }
}
"""

Serve = Callable[[Database, AgentRunner | None], Awaitable[str]]


@pytest.fixture
async def serve(agent_settings: Settings) -> AsyncIterator[Serve]:
    async with AsyncExitStack() as servers:

        async def start(database: Database, agents: AgentRunner | None = None) -> str:
            app = create_app(agent_settings, database, HeaderAuthenticator(), agents=agents)
            port = await servers.enter_async_context(serving(app))
            return f"ws://127.0.0.1:{port}/graphql"

        yield start


async def transport_ws(ws: ClientConnection, question: str) -> list[dict[str, Any]]:
    await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
    assert json.loads(await ws.recv())["type"] == "connection_ack"
    subscribe = {"query": STREAM, "variables": {"q": question}}
    await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": subscribe}))
    events: list[dict[str, Any]] = []
    while True:
        message = json.loads(await ws.recv())
        if message["type"] == "complete":
            return events
        assert message["type"] == "next", message
        assert "errors" not in message["payload"], message
        events.append(message["payload"]["data"]["agentStream"])


async def legacy_ws(ws: ClientConnection, question: str) -> list[dict[str, Any]]:
    await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
    events: list[dict[str, Any]] = []
    subscribe = {"query": STREAM, "variables": {"q": question}}
    started = False
    while True:
        message = json.loads(await ws.recv())
        if message["type"] == "ka":
            continue
        if message["type"] == "connection_ack":
            await ws.send(json.dumps({"id": "1", "type": "start", "payload": subscribe}))
            started = True
            continue
        assert started, message
        if message["type"] == "complete":
            return events
        assert message["type"] == "data", message
        assert "errors" not in message["payload"], message
        events.append(message["payload"]["data"]["agentStream"])


def check_film_run(events: list[dict[str, Any]], expected: dict[int, str]) -> None:
    kinds = [e["__typename"] for e in events]
    assert kinds[0] == "RunStarted"
    assert kinds[-1] == "RunCompleted"
    assert kinds.index("ToolCallStarted") < kinds.index("ToolCallFinished")
    deltas = [e for e in events if e["__typename"] == "AgentMessageDelta"]
    assert len(deltas) > 1  # tokens arrive one by one, not as one final message
    completed = events[-1]
    # no chunk repeats: the deltas add up to the answer exactly
    assert "".join(d["delta"] for d in deltas).strip() == completed["answer"]
    assert completed["films"]
    assert {f["filmId"]: f["title"] for f in completed["films"]}.items() <= expected.items()


@pytest.mark.parametrize(
    ("protocol", "client"),
    [("graphql-transport-ws", transport_ws), ("graphql-ws", legacy_ws)],
)
async def test_agent_stream_over_websocket(
    serve: Serve,
    agents_db: Database,
    sql: Sql,
    protocol: str,
    client: Callable[[ClientConnection, str], Awaitable[list[dict[str, Any]]]],
) -> None:
    url = await serve(agents_db, None)
    rows = await sql.rows(
        "SELECT film_id, title FROM film"
        " WHERE fulltext @@ websearch_to_tsquery('english', 'dinosaurs') AND rental_rate <= 1"
    )
    async with connect(url, subprotocols=[protocol]) as ws:  # type: ignore[list-item]
        assert ws.subprotocol == protocol
        events = await client(ws, "anything with dinosaurs under $1?")
    check_film_run(events, {r["film_id"]: r["title"] for r in rows})


async def test_agent_stream_reports_a_refusal_as_run_failed(
    serve: Serve, agent_settings: Settings, agents_db: Database
) -> None:
    database = Database(agents_db.engine)
    no_model = agent_settings.model_copy(update={"model_provider": "none"})
    url = await serve(database, AgentRunner(no_model, SqlUnitOfWorkFactory(database)))
    async with connect(url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
        events = await transport_ws(ws, "hello")
    assert [e["__typename"] for e in events] == ["RunFailed"]
    assert events[0]["code"] == "MODEL_UNAVAILABLE"


async def test_closing_the_socket_cancels_the_model_call(
    serve: Serve, agent_settings: Settings, agents_db: Database
) -> None:
    calling = asyncio.Event()
    cancelled = asyncio.Event()

    async def slow_model(turn: ScriptTurn) -> Reply:
        calling.set()
        try:
            await asyncio.Event().wait()  # a model that never finishes
        except asyncio.CancelledError:
            cancelled.set()
            raise
        return Say("never")

    database = Database(agents_db.engine)
    agents = runner(agent_settings, database, slow_model)
    url = await serve(database, agents)
    async with connect(url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
        await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
        await ws.recv()
        payload = {"query": STREAM, "variables": {"q": "what is a good rainy-day plan?"}}
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
        await asyncio.wait_for(calling.wait(), 10)
    await asyncio.wait_for(cancelled.wait(), 10)
    for _ in range(100):  # the run's slot is released once its task has unwound
        if agents.active_runs == 0:
            break
        await asyncio.sleep(0.05)
    assert agents.active_runs == 0


async def test_an_http_client_leaving_cancels_ask_agent_and_its_model_call(
    serve: Serve, agent_settings: Settings, agents_db: Database
) -> None:
    import httpx

    calling = asyncio.Event()
    cancelled = asyncio.Event()

    async def slow_model(turn: ScriptTurn) -> Reply:
        calling.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.set()
            raise
        return Say("never")

    database = Database(agents_db.engine)
    agents = runner(agent_settings, database, slow_model)
    url = (await serve(database, agents)).replace("ws://", "http://")
    query = 'mutation { askAgent(input: {question: "a rainy-day plan?"}) { answer } }'
    async with httpx.AsyncClient() as client:
        request = asyncio.create_task(client.post(url, json={"query": query}))
        await asyncio.wait_for(calling.wait(), 10)
        request.cancel()  # the client gives up: its connection closes
        await asyncio.gather(request, return_exceptions=True)
    await asyncio.wait_for(cancelled.wait(), 10)
