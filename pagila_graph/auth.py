"""How a request becomes a `Principal`. The app takes an `Authenticator`; by default the
`JwtAuthenticator` (tests may pass another, e.g. one reading a test header)."""

from __future__ import annotations

from typing import Protocol

from starlette.requests import HTTPConnection

from domain.auth import ANONYMOUS, Principal
from domain.errors import InvalidToken


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


class TokenDecoder(Protocol):
    def decode(self, token: str) -> Principal:
        """Raise `domain.errors.InvalidToken` for a token that is not ours and current."""
        ...


class JwtAuthenticator:
    """The caller named by a signed access token (pagila_graph/security.py, decision 0072).

    HTTP: `Authorization: Bearer <token>`. WebSocket: the `connection_init` payload, as
    `{"Authorization": "Bearer <token>"}` (any case of the key) or `{"token": "<token>"}`
    (browsers cannot set headers on a WebSocket), else the upgrade request's header. No
    credential at all is an anonymous caller; a bad one is refused (`InvalidToken`), never
    silently downgraded to anonymous.
    """

    def __init__(self, tokens: TokenDecoder) -> None:
        self._tokens = tokens

    async def authenticate(
        self, connection: HTTPConnection, connection_params: dict[str, object] | None = None
    ) -> Principal:
        token = None
        if connection.scope["type"] == "websocket":
            token = _token_from_params(connection_params or {})
        if token is None:  # HTTP, or a WebSocket client that set the header on the upgrade
            token = _bearer(connection.headers.get("authorization"))
        return ANONYMOUS if token is None else self._tokens.decode(token)


def _bearer(value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidToken("The Authorization value must be a string.")
    scheme, _, token = value.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise InvalidToken("Send the access token as `Authorization: Bearer <token>`.")
    return token.strip()


def _token_from_params(params: dict[str, object]) -> str | None:
    for key, value in params.items():
        if key.lower() == "authorization":
            return _bearer(value)
    token = params.get("token")
    if token is None:
        return None
    if not isinstance(token, str) or not token:
        raise InvalidToken("`token` must be the access token.")
    return token
