"""WebSocket authentication over a real uvicorn server: the access token travels in the
`connection_init` payload (both protocols); a bad token is refused at connection_init."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from config.settings import Settings
from domain.auth import Principal, Role
from pagila_graph.app import create_app
from pagila_graph.security import Argon2PasswordHasher, JwtCodec
from persistence.db import Database
from tests.loopback import serving

ME = "query { me { email role storeId customer { customerId } staff { staffId } } }"
CUSTOMER_ONE = "query { customer(customerId: 1) { firstName } }"


@pytest.fixture
async def server(auth_settings: Settings, database: Database) -> AsyncIterator[str]:
    async with serving(create_app(auth_settings, database)) as port:
        yield f"127.0.0.1:{port}"


def token_for(settings: Settings, principal: Principal) -> str:
    return JwtCodec.from_settings(settings).issue(principal, uuid.uuid4()).token


CUSTOMER = Principal(user_id=7, role=Role.CUSTOMER, customer_id=1, store_id=1)


async def transport_ws(ws: ClientConnection, payload: dict[str, Any], query: str) -> dict[str, Any]:
    await ws.send(json.dumps({"type": "connection_init", "payload": payload}))
    assert json.loads(await ws.recv())["type"] == "connection_ack"
    await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": query}}))
    message = json.loads(await ws.recv())
    assert message["type"] == "next", message
    result: dict[str, Any] = message["payload"]
    return result


async def legacy_ack(server: str, payload: dict[str, Any]) -> dict[str, Any]:
    """Strawberry's legacy `graphql-ws` runs subscriptions only (and ours need a model), so for
    it we check what connection_init answers."""
    async with connect(
        f"ws://{server}/graphql",
        subprotocols=["graphql-ws"],  # type: ignore[list-item]
    ) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": payload}))
        message: dict[str, Any] = json.loads(await ws.recv())
    return message


@pytest.mark.parametrize("style", ["authorization", "token"])
async def test_connection_init_token_names_the_caller(
    server: str, auth_settings: Settings, style: str
) -> None:
    token = token_for(auth_settings, CUSTOMER)
    payload = {"Authorization": f"Bearer {token}"} if style == "authorization" else {"token": token}
    async with connect(
        f"ws://{server}/graphql",
        subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
    ) as ws:
        result = await transport_ws(ws, payload, CUSTOMER_ONE)
    assert result == {"data": {"customer": {"firstName": "MARY"}}}
    assert (await legacy_ack(server, payload))["type"] == "connection_ack"


async def test_without_a_token_the_socket_is_anonymous(server: str) -> None:
    async with connect(
        f"ws://{server}/graphql",
        subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
    ) as ws:
        result = await transport_ws(ws, {}, CUSTOMER_ONE)
    assert result["errors"][0]["extensions"]["code"] in ("UNAUTHENTICATED", "PERMISSION_DENIED")


async def test_bad_token_is_refused_at_connection_init(server: str) -> None:
    async with connect(
        f"ws://{server}/graphql",
        subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
    ) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": {"token": "x.y.z"}}))
        with pytest.raises(ConnectionClosed) as closed:
            await ws.recv()
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403

    message = await legacy_ack(server, {"token": "x.y.z"})
    assert message["type"] == "connection_error"
    assert message["payload"]["code"] == "INVALID_TOKEN"


async def test_login_over_http_then_me_over_websocket(
    server: str, auth_settings: Settings, database: Database
) -> None:
    """A real account (staff member 2, committed), signed in over HTTP, read over WebSocket."""
    email = f"ws-{uuid.uuid4().hex[:10]}@example.org"
    password = "websocket passphrase"
    kit_hash = await _hash(auth_settings, password)
    async with database.session() as session:
        user_id = await session.scalar(
            text(
                "INSERT INTO app_user (email, password_hash, role, staff_id) "
                "VALUES (:email, :hash, 'staff', 2) RETURNING user_id"
            ),
            {"email": email, "hash": kit_hash},
        )
        store_id = await session.scalar(text("SELECT store_id FROM staff WHERE staff_id = 2"))
        await session.commit()
    try:
        async with httpx.AsyncClient(base_url=f"http://{server}") as http:
            login = await http.post(
                "/graphql",
                json={
                    "query": "mutation($i: LoginInput!) { login(input: $i) "
                    "{ errors { code } tokens { accessToken } } }",
                    "variables": {"i": {"email": email, "password": password}},
                },
            )
        access = login.json()["data"]["login"]["tokens"]["accessToken"]
        async with connect(
            f"ws://{server}/graphql",
            subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
        ) as ws:
            result = await transport_ws(ws, {"Authorization": f"Bearer {access}"}, ME)
        me = {"email": email, "role": "STAFF", "storeId": store_id, "customer": None}
        assert result == {"data": {"me": {**me, "staff": {"staffId": 2}}}}
        # a client that can set headers may send the token on the upgrade request instead
        async with connect(
            f"ws://{server}/graphql",
            subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
            additional_headers={"Authorization": f"Bearer {access}"},
        ) as ws:
            result = await transport_ws(ws, {}, ME)
        assert result["data"]["me"]["email"] == email
    finally:
        async with database.session() as session:
            await session.execute(text("DELETE FROM app_user WHERE user_id = :id"), {"id": user_id})
            await session.commit()


async def _hash(settings: Settings, password: str) -> str:
    return await Argon2PasswordHasher.from_settings(settings).hash(password)
