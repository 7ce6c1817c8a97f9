"""Trusted hosts (TRUSTED_HOSTS, decision 0093) without parsing the same Host header on every
request (decision 0132)."""

from __future__ import annotations

from collections.abc import Sequence

from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

#: distinct accepted Host values remembered (a server answers to a handful of names)
MAX_REMEMBERED_HOSTS = 64


def _host(scope: Scope) -> bytes | None:
    """The first Host header, as Starlette reads it."""
    for name, value in scope.get("headers") or ():
        if name == b"host":
            return bytes(value)
    return None


class TrustedHosts:
    """Starlette's `TrustedHostMiddleware` decides; a Host value it let through once is let
    through directly afterwards (exact bytes, bounded). Refusals and redirects always come
    from Starlette's code."""

    def __init__(self, app: ASGIApp, allowed_hosts: Sequence[str]) -> None:
        self.app = app
        self.check = TrustedHostMiddleware(self._accepted, allowed_hosts=allowed_hosts)
        self.accepted: set[bytes] = set()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket") and _host(scope) in self.accepted:
            await self.app(scope, receive, send)
            return
        await self.check(scope, receive, send)

    async def _accepted(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            host = _host(scope)
            if host is not None and len(self.accepted) < MAX_REMEMBERED_HOSTS:
                self.accepted.add(host)
        await self.app(scope, receive, send)
