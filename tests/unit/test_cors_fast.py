"""`pagila_graph.cors.Cors` (decision 0174) answers exactly as Starlette's `CORSMiddleware`:
the same response head (every header, in order) for generated requests with and without an
`Origin` header, responses with none, one or several `Vary` headers, and preflights."""

from __future__ import annotations

import asyncio
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.middleware.cors import CORSMiddleware
from starlette.types import Message, Receive, Scope, Send

from pagila_graph.cors import Cors

NAMES = [b"vary", b"content-type", b"x-request-id", b"cache-control", b"Vary"]
VALUES = [b"Accept", b"Accept-Encoding", b"application/json", b"no-store", b"Origin", b"x"]
ORIGINS = [None, b"https://app.example", b"https://evil.example", b"null"]
OPTIONS = [
    {"allow_origins": ["https://app.example"]},
    {"allow_origins": ["*"]},
    {"allow_origins": [], "allow_origin_regex": r"https://.*\.example"},
    {"allow_origins": ["https://app.example"], "allow_credentials": True},
]


def _app(head: list[tuple[bytes, bytes]]) -> Any:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": list(head)})
        await send({"type": "http.response.body", "body": b"{}"})

    return app


async def _heads(middleware: Any, scope: Scope) -> list[Message]:
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    await middleware(scope, receive, send)
    return sent


@settings(max_examples=300, deadline=None)
@given(
    head=st.lists(st.tuples(st.sampled_from(NAMES), st.sampled_from(VALUES)), max_size=5),
    origin=st.sampled_from(ORIGINS),
    method=st.sampled_from(["GET", "POST", "OPTIONS"]),
    preflight=st.booleans(),
    options=st.sampled_from(OPTIONS),
)
def test_the_same_head_as_starlettes(
    head: list[tuple[bytes, bytes]],
    origin: bytes | None,
    method: str,
    preflight: bool,
    options: dict[str, Any],
) -> None:
    headers = [(b"host", b"testserver")]
    if origin is not None:
        headers.append((b"origin", origin))
    if preflight:
        headers.append((b"access-control-request-method", b"POST"))

    def scope() -> Scope:
        return {"type": "http", "method": method, "path": "/graphql", "headers": list(headers)}

    ours = asyncio.run(_heads(Cors(_app(head), **options), scope()))
    theirs = asyncio.run(_heads(CORSMiddleware(_app(head), **options), scope()))
    assert ours == theirs
