"""Rate limits inside GraphQL: each WebSocket operation, and the stricter agent limit.

Whole HTTP requests are limited before GraphQL runs (pagila_graph/rate_limiter.py); an operation
sent over an open WebSocket never passes that middleware, so it is counted here, after parsing
and validation and before anything executes. A refusal is a `RateLimited` domain error: queries
and subscriptions get a GraphQL error with `extensions.code = RATE_LIMITED` and
`retryAfterSeconds`, `askAgent` a `RateLimitedError` in its `errors`, `agentStream` a `RunFailed`
event with `retryAfterSeconds`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

from starlette.requests import HTTPConnection
from starlette.websockets import WebSocket
from strawberry.extensions import SchemaExtension
from typing_extensions import override

from domain.auth import Principal

if TYPE_CHECKING:
    from graph.context import Context


class LimitKind(StrEnum):
    REQUESTS = "requests"  # per caller: the user when signed in, else the IP
    AGENT = "agent"
    PER_IP = "ip"  # every HTTP request of an IP, whoever signs in (accounts are free to make)
    REGISTER = "register"  # new accounts per IP
    LOGIN_FAILURES = "login-failures"  # wrong passwords per account: a stepped back-off


class CallerLimiter(Protocol):
    """The port the GraphQL layer counts callers through; the composition root injects the
    moving-window limiter (pagila_graph/rate_limiter.py) into the context."""

    def identity(self, principal: Principal, connection: HTTPConnection) -> str:
        """The key a caller is counted under."""
        ...

    def ip_identity(self, connection: HTTPConnection) -> str:
        """The client IP as a key, whoever is signed in."""
        ...

    async def check(self, kind: LimitKind, identity: str) -> None:
        """Count one hit of `kind` for `identity`; raises `RateLimited` when over the limit."""
        ...

    async def blocked(self, kind: LimitKind, identity: str) -> None:
        """Raises `RateLimited` when one more hit would be refused; counts nothing."""
        ...


async def check_rate_limit(context: Context, kind: LimitKind) -> None:
    """Count one hit of `kind` for the caller; raises `RateLimited` when over the limit."""
    limiter = context.rate_limiter
    if limiter is None:  # rate limits are off
        return
    await limiter.check(kind, limiter.identity(context.principal, context.request))


class WebSocketRateLimitExtension(SchemaExtension):
    """Counts every operation of a WebSocket against the `requests` limit."""

    @override
    async def on_execute(self) -> AsyncIterator[None]:
        context: Context = self.execution_context.context
        if isinstance(context.request, WebSocket):
            await check_rate_limit(context, LimitKind.REQUESTS)
        yield
