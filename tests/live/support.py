"""Helpers of the live-event tests: signed tokens, a GraphQL-over-HTTP caller and a
graphql-transport-ws subscriber, usable against any server (in this process or another)."""

from __future__ import annotations

import asyncio
import json
import os
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import httpx
from websockets.asyncio.client import ClientConnection, connect

from config.settings import Settings
from domain.auth import Principal, Role
from pagila_graph.events import LocalEventHub
from pagila_graph.security import JwtCodec

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
SECRET = "live-events-test-signing-secret-of-32-bytes-or-more"
#: a guard against a hang, not a timing assertion: a message that is due comes in well under it
DUE = 60.0


def channel() -> str:
    """A pub/sub channel of this test alone (other suites share the Redis server)."""
    return f"pagila-graph-test:{uuid.uuid4().hex}:events"


def token(settings: Settings, principal: Principal) -> str:
    return JwtCodec.from_settings(settings).issue(principal, uuid.uuid4()).token


def staff(store_id: int, staff_id: int, role: Role = Role.STAFF) -> Principal:
    return Principal(user_id=1000 + staff_id, role=role, staff_id=staff_id, store_id=store_id)


async def clerk(sql: asyncpg.Connection, store_id: int, role: Role = Role.STAFF) -> Principal:
    """A staff member of the store (Pagila's staff work at many stores; inventory is at 1, 2)."""
    staff_id: int = await sql.fetchval(
        "SELECT staff_id FROM staff WHERE store_id = $1 ORDER BY staff_id LIMIT 1", store_id
    )
    if staff_id is None:  # store 2 has inventory and customers but no staff in this data set
        staff_id = await sql.fetchval(
            "INSERT INTO staff (first_name, last_name, address_id, store_id, username) "
            "VALUES ('LIVE', 'CLERK', 1, $1, $2) RETURNING staff_id",
            store_id,
            f"live-clerk-{store_id}",
        )
    return staff(store_id, staff_id, role)


def customer(customer_id: int) -> Principal:
    return Principal(user_id=2000 + customer_id, role=Role.CUSTOMER, customer_id=customer_id)


ADMIN = Principal(user_id=1, role=Role.ADMIN, staff_id=1)


class Http:
    def __init__(self, base_url: str, settings: Settings) -> None:
        self.base_url = base_url
        self.settings = settings

    async def __call__(
        self, query: str, variables: dict[str, Any] | None = None, *, as_: Principal | None = None
    ) -> dict[str, Any]:
        headers = {"authorization": f"Bearer {token(self.settings, as_)}"} if as_ else {}
        async with httpx.AsyncClient(base_url=self.base_url, timeout=DUE) as http:
            response = await http.post(
                "/graphql", json={"query": query, "variables": variables}, headers=headers
            )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        assert "errors" not in body, body["errors"]
        data: dict[str, Any] = body["data"]
        return data

    async def raw(
        self, query: str, variables: dict[str, Any] | None = None, *, as_: Principal | None = None
    ) -> dict[str, Any]:
        """The whole body, errors included."""
        headers = {"authorization": f"Bearer {token(self.settings, as_)}"} if as_ else {}
        async with httpx.AsyncClient(base_url=self.base_url, timeout=DUE) as http:
            response = await http.post(
                "/graphql", json={"query": query, "variables": variables}, headers=headers
            )
        body: dict[str, Any] = response.json()
        return body

    async def mutate(
        self, name: str, selection: str, input: dict[str, Any], *, as_: Principal
    ) -> dict[str, Any]:
        query = (
            f"mutation($input: {name[0].upper()}{name[1:]}Input!) {{ {name}(input: $input) {{ "
            f"{selection} errors {{ __typename code message }} }} }}"
        )
        payload: dict[str, Any] = (await self(query, {"input": input}, as_=as_))[name]
        return payload


class Subscriber:
    """One graphql-transport-ws connection carrying one subscription."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws

    async def next(self) -> dict[str, Any]:
        """The next `next` payload ({"data": ...} or {"errors": ...}); {"complete": True} when
        the server completed the subscription."""
        while True:
            message = json.loads(await asyncio.wait_for(self.ws.recv(), DUE))
            if message["type"] == "next":
                payload: dict[str, Any] = message["payload"]
                return payload
            if message["type"] == "complete":
                return {"complete": True}
            if message["type"] == "error":  # ends the operation: no `complete` follows
                return {"errors": message["payload"], "ended": True}
            assert message["type"] == "ping", message

    async def data(self, field: str) -> dict[str, Any]:
        payload = await self.next()
        assert "errors" not in payload, payload
        found: dict[str, Any] = payload["data"][field]
        return found


@asynccontextmanager
async def subscribed(
    ws_url: str,
    settings: Settings,
    query: str,
    variables: dict[str, Any] | None = None,
    *,
    as_: Principal | None = None,
    hub: LocalEventHub | None = None,
) -> AsyncIterator[Subscriber]:
    """A subscription sent. graphql-transport-ws acknowledges nothing when a subscription
    starts: with `hub` (a server of this process), the block starts once the hub has one more
    subscriber; otherwise wait for a first message the subscription sends by itself."""
    params = {"Authorization": f"Bearer {token(settings, as_)}"} if as_ else {}
    async with connect(ws_url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
        await ws.send(json.dumps({"type": "connection_init", "payload": params}))
        ack = json.loads(await asyncio.wait_for(ws.recv(), DUE))
        assert ack["type"] == "connection_ack", ack
        payload = {"query": query, "variables": variables or {}}
        before = hub.subscriber_count if hub is not None else 0
        await ws.send(json.dumps({"id": "s", "type": "subscribe", "payload": payload}))
        if hub is not None:
            await asyncio.wait_for(until(lambda: hub.subscriber_count > before), DUE)
        yield Subscriber(ws)


async def until(condition: Callable[[], bool]) -> None:
    """Polls state of the server under test (it offers no event for it); callers bound it."""
    while not condition():  # noqa: ASYNC110
        await asyncio.sleep(0.01)
