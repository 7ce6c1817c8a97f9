"""CORS (Starlette's `CORSMiddleware`) without its per-response work for requests that carry
no `Origin` header (decision 0174).

Starlette wraps every HTTP response's `send` to decide the CORS headers; a request without
`Origin` (a server-to-server client, a same-origin page, a benchmark) only ever gets
`Vary: Origin` added to its response head. Here such a request's `send` adds exactly that —
the same header list Starlette's `MutableHeaders` would leave — without building `Headers`
objects per request; requests with an `Origin` header, and preflights, are Starlette's.
"""

from __future__ import annotations

from collections.abc import Iterable

from starlette.middleware.cors import CORSMiddleware
from starlette.types import Message, Receive, Scope, Send
from typing_extensions import override

_VARY = b"vary"


class Cors(CORSMiddleware):
    @override
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or any(name == b"origin" for name, _ in scope["headers"]):
            await super().__call__(scope, receive, send)
            return

        async def vary_origin(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = with_vary_origin(message.get("headers") or ())
            await send(message)

        await self.app(scope, receive, vary_origin)


def with_vary_origin(headers: Iterable[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """The head's headers as Starlette's `headers["Vary"] = ", ".join([*vary, "Origin"])`
    leaves them: the `Vary` values joined with `Origin` in the first `Vary` header's place,
    the other `Vary` headers removed; appended last when there was none."""
    listed = list(headers)
    found = [i for i, (name, _) in enumerate(listed) if name == _VARY]
    values = [listed[i][1].decode("latin-1") for i in found]
    joined = ", ".join([*values, "Origin"]).encode("latin-1")
    for i in reversed(found[1:]):
        del listed[i]
    if found:
        listed[found[0]] = (_VARY, joined)
    else:
        listed.append((_VARY, joined))
    return listed
