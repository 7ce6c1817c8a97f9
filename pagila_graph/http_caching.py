"""Conditional GET for GraphQL reads: an `ETag` on every successful GET answer, 304 on a matching
`If-None-Match` (decision 0117).

A GET query (a persisted query's hash, or a plain `?query=`) is a read; its answer is what the
database holds now, so the tag is the answer's own digest and every request is executed again:
a client (or a shared cache, for anonymous callers) revalidates with `no-cache` and gets 304 when
nothing changed, and a new answer the moment a committed write changed it. Nothing is ever served
stale, and no invalidation is needed. Answers with errors, other statuses, streamed
(multipart) answers and POSTs pass through untouched.
"""

from __future__ import annotations

import base64
import hashlib

import orjson
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

JSON_TYPES = ("application/json", "application/graphql-response+json")
#: answers larger than this are sent without a tag (hashing them is not worth holding them)
MAX_TAGGED_BYTES = 4 * 1024 * 1024


def entity_tag(body: bytes) -> str:
    digest = hashlib.sha256(body).digest()[:18]
    return '"' + base64.urlsafe_b64encode(digest).decode("ascii") + '"'


def etag_matches(header: str | None, etag: str) -> bool:
    """RFC 9110 If-None-Match: `*` or any listed tag equal to ours (weak comparison)."""
    if header is None:
        return False
    tags = [tag.strip() for tag in header.split(",")]
    return "*" in tags or any(tag.removeprefix("W/") == etag for tag in tags)


def _has_errors(body: bytes) -> bool:
    try:
        answer = orjson.loads(body)
    except orjson.JSONDecodeError:
        return True
    return not isinstance(answer, dict) or bool(answer.get("errors")) or "data" not in answer


class ConditionalGetMiddleware:
    """Tags successful GET answers on `path` and answers 304 when the client already has them."""

    def __init__(self, app: ASGIApp, path: str = "/graphql") -> None:
        self.app = app
        self.path = path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET" or scope["path"] != self.path:
            await self.app(scope, receive, send)
            return
        request_headers = Headers(scope=scope)
        start: Message | None = None
        chunks: list[bytes] = []
        size = 0
        passing = False

        async def buffering_send(message: Message) -> None:
            nonlocal start, size, passing
            if passing:
                await send(message)
                return
            if message["type"] == "http.response.start":
                content_type = Headers(raw=message.get("headers", [])).get("content-type", "")
                if message["status"] != 200 or not content_type.startswith(JSON_TYPES):
                    passing = True
                    await send(message)
                    return
                start = message
                return
            if message["type"] != "http.response.body" or start is None:
                await send(message)
                return
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if size > MAX_TAGGED_BYTES:
                passing = True
                await send(start)
                for chunk in chunks[:-1]:
                    await send({"type": "http.response.body", "body": chunk, "more_body": True})
                await send({**message, "body": chunks[-1]})
                return
            if message.get("more_body", False):
                return
            await self._finish(start, b"".join(chunks), request_headers, send)

        await self.app(scope, receive, buffering_send)

    async def _finish(self, start: Message, body: bytes, request: Headers, send: Send) -> None:
        if _has_errors(body):
            await send(start)
            await send({"type": "http.response.body", "body": body})
            return
        tag = entity_tag(body)
        headers = MutableHeaders(raw=list(start.get("headers", [])))
        headers["etag"] = tag
        # anonymous answers are the same for every anonymous caller: shared caches may keep them,
        # but everyone revalidates every time (no-cache), so nothing is served stale
        shared = "authorization" not in request
        headers["cache-control"] = "public, no-cache" if shared else "private, no-cache"
        vary = {v.strip() for v in headers.get("vary", "").split(",") if v.strip()}
        headers["vary"] = ", ".join(sorted(vary | {"Accept", "Authorization"}))
        if etag_matches(request.get("if-none-match"), tag):
            del headers["content-length"]
            if "content-type" in headers:
                del headers["content-type"]
            await send({"type": "http.response.start", "status": 304, "headers": headers.raw})
            await send({"type": "http.response.body", "body": b""})
            return
        await send({**start, "headers": headers.raw})
        await send({"type": "http.response.body", "body": body})
