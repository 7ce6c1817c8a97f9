"""How a request becomes a `Principal`. The app takes an `Authenticator`; the default knows only
anonymous callers until accounts and tokens exist (issue 7 replaces it with JWT)."""

from __future__ import annotations

from typing import Protocol

from starlette.requests import HTTPConnection

from domain.auth import ANONYMOUS, Principal


class Authenticator(Protocol):
    async def authenticate(
        self, connection: HTTPConnection, connection_params: dict[str, object] | None = None
    ) -> Principal:
        """The caller of an HTTP request, or of a WebSocket (with its `connection_init`
        payload). Raise `domain.errors.Unauthenticated` for a bad or expired credential."""
        ...


class AnonymousAuthenticator:
    async def authenticate(
        self, connection: HTTPConnection, connection_params: dict[str, object] | None = None
    ) -> Principal:
        return ANONYMOUS
