"""Request bodies larger than a limit are refused (413) before they are read whole.

A declared `Content-Length` over the limit is refused without reading a byte; a body sent in
chunks (or with a false length) is counted as it arrives and refused at the first byte past the
limit, so memory never holds more than the limit per request (50 MB `variables` bodies used to
be read, parsed and kept). The refusal is the GraphQL-shaped error every refusal has
(`http_protocol.refusal_response`: the negotiated media type, `code` `REQUEST_TOO_LARGE`, the
request id) plus the limit, so clients can tell it from other failures.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pagila_graph.http_protocol import RequestRefused, send_refusal

REQUEST_TOO_LARGE = "REQUEST_TOO_LARGE"


class _TooLarge(Exception):
    pass


def too_large(limit: int) -> RequestRefused:
    return RequestRefused(
        413,
        REQUEST_TOO_LARGE,
        f"The request body is larger than {limit} bytes.",
        # the rest of the body is not read: the connection cannot be reused
        {"connection": "close"},
        extensions={"maxBytes": limit},
    )


class BodySizeLimitMiddleware:
    """`multipart_max_bytes`: the limit of `multipart/form-data` requests (file uploads, whose
    own limit the mutation checks with a typed error); default: `max_bytes`."""

    def __init__(self, app: ASGIApp, max_bytes: int, multipart_max_bytes: int = 0) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.multipart_max_bytes = max(multipart_max_bytes, max_bytes)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        await send_refusal(too_large(limit), scope, receive, send)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = scope.get("headers") or ()
        limit = self.max_bytes
        for name, value in headers:
            if name == b"content-type" and value.lower().startswith(b"multipart/form-data"):
                limit = self.multipart_max_bytes
        for name, value in headers:
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = 0
                if declared > limit:
                    await self._refuse(scope, receive, send, limit)
                    return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _TooLarge
            return message

        async def watching_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, watching_send)
        except _TooLarge:
            if started:
                raise
            await self._refuse(scope, receive, send, limit)
