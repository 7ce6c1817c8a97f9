"""Rate limits per caller: a signed-in user by id, anyone else by client IP.

Two limits, both moving windows (docs/decisions/0090): `requests` counts every HTTP request to
/graphql and every operation sent over a WebSocket; `agent` counts `askAgent` and `agentStream`
on top of that, because each one costs model calls. Counters live in Redis when `REDIS_URL` is set
(shared by every worker) and in process memory otherwise. When Redis cannot be reached the
limiter keeps counting in memory, per process, and logs a warning (decision 0092).

The HTTP side is `RateLimitMiddleware` (refuses before the body is read: 429 and `Retry-After`);
WebSocket operations and the agent limit are checked by the GraphQL layer (graph/rate_limits.py).
"""

from __future__ import annotations

import asyncio
import ipaddress
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from limits import RateLimitItem, parse_many
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError
from starlette.requests import HTTPConnection, Request
from starlette.types import ASGIApp, Receive, Scope, Send

from config.logging import get_logger
from config.settings import Settings
from domain.auth import ANONYMOUS, Principal
from domain.errors import DomainError, RateLimited
from graph.rate_limits import LimitKind
from pagila_graph.auth import Authenticator
from pagila_graph.http_protocol import RequestRefused, send_refusal

log = get_logger(__name__)

#: After Redis fails, how long to count in memory before trying Redis again.
REDIS_RETRY_AFTER_S = 5.0
#: Seconds to wait for Redis before falling back to memory (a rate limit must not stall a request).
REDIS_TIMEOUT_S = 0.5

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True, slots=True)
class Verdict:
    allowed: bool
    retry_after_seconds: float = 0.0  # whole seconds, at least 1 when refused


def redis_storage_uri(redis_url: str) -> str:
    """`redis://…` (the setting) → `async+redis://…` (limits' scheme for its asyncio storage)."""
    return redis_url if redis_url.startswith("async+") else f"async+{redis_url}"


class RateLimiter:
    """Counts hits per (kind, caller) and says whether the next one is allowed."""

    def __init__(
        self,
        limits: dict[LimitKind, str],
        redis_url: str | None = None,
        key_prefix: str = "pagila-graph",
        trusted_proxies: Sequence[str] = (),
    ) -> None:
        #: each kind may have several windows ("5/minute;20/hour": a stepped back-off); a hit
        #: is allowed when every window allows it
        self.items: dict[LimitKind, list[RateLimitItem]] = {
            k: parse_many(v) for k, v in limits.items()
        }
        self.key_prefix = key_prefix
        #: told about every refusal (the metrics of pagila_graph/telemetry.py)
        self.on_refused: Callable[[LimitKind], None] | None = None
        self.trusted_proxies: list[IPNetwork] = [
            ipaddress.ip_network(p, strict=False) for p in trusted_proxies
        ]
        self._memory = MovingWindowRateLimiter(MemoryStorage())
        self._redis_storage: Storage | None = None
        self._redis: MovingWindowRateLimiter | None = None
        if redis_url:
            self._redis_storage = RedisStorage(
                redis_storage_uri(redis_url),
                wrap_exceptions=True,
                key_prefix=key_prefix,
                connect_timeout=REDIS_TIMEOUT_S,
                stream_timeout=REDIS_TIMEOUT_S,
            )
            self._redis = MovingWindowRateLimiter(self._redis_storage)
        self._redis_down_until = 0.0
        self._probing = False  # one request at a time finds out whether Redis is back

    @classmethod
    def from_settings(cls, settings: Settings) -> RateLimiter | None:
        """The app's limiter, or None when rate limits are off."""
        if not settings.rate_limits_enabled:
            return None
        return cls(
            {
                LimitKind.REQUESTS: settings.rate_limit_requests,
                LimitKind.AGENT: settings.rate_limit_agent,
                LimitKind.PER_IP: settings.rate_limit_requests_per_ip,
                LimitKind.REGISTER: settings.rate_limit_register,
                LimitKind.LOGIN_FAILURES: settings.rate_limit_login_failures,
            },
            redis_url=settings.redis_url,
            key_prefix=settings.rate_limit_key_prefix,
            trusted_proxies=settings.trusted_proxies,
        )

    @property
    def uses_redis(self) -> bool:
        return self._redis is not None

    # --- who is calling ---------------------------------------------------------------------

    def client_ip(self, connection: HTTPConnection) -> str:
        """The peer address, or, when the peer is a trusted proxy, the rightmost address of
        `X-Forwarded-For` that is not itself a trusted proxy (the left part is the client's to
        forge, the right part was appended by proxies we trust)."""
        peer = connection.client.host if connection.client else "unknown"
        if not self._is_trusted(peer):
            return peer
        forwarded = [
            hop.strip()
            for header in connection.headers.getlist("x-forwarded-for")
            for hop in header.split(",")
            if hop.strip()
        ]
        for hop in reversed(forwarded):
            if not self._is_trusted(hop):
                return hop
        return forwarded[0] if forwarded else peer

    def _is_trusted(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in self.trusted_proxies)

    def identity(self, principal: Principal, connection: HTTPConnection) -> str:
        """The key a caller is counted under: the user when signed in, else the client IP."""
        if principal.user_id is not None:
            return f"user:{principal.user_id}"
        return f"ip:{self.client_ip(connection)}"

    # --- counting ---------------------------------------------------------------------------

    async def hit(self, kind: LimitKind, identity: str) -> Verdict:
        """Count one hit of `kind` for `identity`; refused hits are not counted."""
        verdict = await self._count(kind, identity)
        if not verdict.allowed and self.on_refused is not None:
            self.on_refused(kind)
        return verdict

    def ip_identity(self, connection: HTTPConnection) -> str:
        """The client IP as a key, whoever is signed in."""
        return f"ip:{self.client_ip(connection)}"

    def _redis_usable(self) -> bool:
        """A circuit breaker: after a failure Redis is left alone for REDIS_RETRY_AFTER_S, then
        one request (the probe) tries it while the others keep to memory, so a hung Redis
        costs one request one timeout per retry period, not every request."""
        if self._redis is None or time.monotonic() < self._redis_down_until:
            return False
        return not (self._redis_down_until and self._probing)

    async def _count(self, kind: LimitKind, identity: str, *, test_only: bool = False) -> Verdict:
        """Memory always counts too (per process): when Redis fails, the window goes on from
        what this process saw instead of starting afresh, and a Redis that comes back empty
        (restarted) cannot hand out a second full window while memory still remembers."""
        items = self.items[kind]
        local = await self._apply(self._memory, items, kind, identity, test_only)
        if not local.allowed or not self._redis_usable():
            return local
        probing = bool(self._redis_down_until)
        self._probing = probing
        assert self._redis is not None
        try:
            verdict = await asyncio.wait_for(
                self._apply(self._redis, items, kind, identity, test_only), REDIS_TIMEOUT_S
            )
        except (StorageError, OSError, TimeoutError) as exc:
            self._redis_down_until = time.monotonic() + REDIS_RETRY_AFTER_S
            log.warning(
                "ratelimit.redis_unavailable",
                error=str(exc) or type(exc).__name__,
                fallback="memory, per process",
                retry_in_s=REDIS_RETRY_AFTER_S,
            )
            return local
        finally:
            if probing:
                self._probing = False
        self._redis_down_until = 0.0
        return verdict

    async def _apply(
        self,
        strategy: MovingWindowRateLimiter,
        items: Sequence[RateLimitItem],
        kind: str,
        identity: str,
        test_only: bool,
    ) -> Verdict:
        for item in items:  # refused by any window: nothing is counted
            if not await strategy.test(item, kind, identity):
                return await self._refusal(strategy, item, kind, identity)
        if not test_only:
            for item in items:
                if not await strategy.hit(item, kind, identity):
                    return await self._refusal(strategy, item, kind, identity)
        return Verdict(allowed=True)

    async def _refusal(
        self, strategy: MovingWindowRateLimiter, item: RateLimitItem, kind: str, identity: str
    ) -> Verdict:
        stats = await strategy.get_window_stats(item, kind, identity)
        # the oldest hit of a full window leaves it at reset_time: one more is allowed then
        wait = stats.reset_time - time.time()
        return Verdict(allowed=False, retry_after_seconds=float(max(1, math.ceil(wait))))

    async def allowed(self, kind: LimitKind, identity: str) -> Verdict:
        """Whether one more hit would be allowed, without counting it (a login is counted only
        when it fails)."""
        return await self._count(kind, identity, test_only=True)

    async def blocked(self, kind: LimitKind, identity: str) -> None:
        """Raises `RateLimited` when one more hit would be refused; counts nothing."""
        verdict = await self.allowed(kind, identity)
        if not verdict.allowed:
            if self.on_refused is not None:
                self.on_refused(kind)
            raise RateLimited(verdict.retry_after_seconds)

    async def check(self, kind: LimitKind, identity: str) -> None:
        """`hit`, raising `RateLimited` when refused."""
        verdict = await self.hit(kind, identity)
        if not verdict.allowed:
            raise RateLimited(verdict.retry_after_seconds)

    async def reset(self) -> None:
        """Forget every count (the Redis keys under `key_prefix` too)."""
        await self._memory.storage.reset()
        if self._redis_storage is not None:
            await self._redis_storage.reset()


class AuthenticateOnce:
    """Authenticates an HTTP request once: the rate-limit middleware and the GraphQL context
    both ask who the caller is. WebSocket callers (credentials in `connection_init`) and
    refused credentials are not remembered."""

    STATE_KEY = "pagila_graph.principal"

    def __init__(self, authenticator: Authenticator) -> None:
        self.authenticator = authenticator

    async def authenticate(
        self, connection: HTTPConnection, connection_params: dict[str, object] | None = None
    ) -> Principal:
        if connection.scope["type"] != "http" or connection_params is not None:
            return await self.authenticator.authenticate(connection, connection_params)
        state = connection.scope.setdefault("state", {})
        principal = state.get(self.STATE_KEY)
        if not isinstance(principal, Principal):
            principal = await self.authenticator.authenticate(connection)
            state[self.STATE_KEY] = principal
        return principal


class RateLimitMiddleware:
    """Counts each HTTP request to `path` against the `requests` limit before anything else
    runs (the body is not even read); refuses with 429, `Retry-After` and a GraphQL error."""

    def __init__(
        self, app: ASGIApp, limiter: RateLimiter, authenticator: Authenticator, path: str
    ) -> None:
        self.app = app
        self.limiter = limiter
        self.authenticator = authenticator
        self.path = path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != self.path or scope["method"] == "OPTIONS":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        try:
            principal = await self.authenticator.authenticate(request)
        except DomainError:  # a bad credential: count by IP; the GraphQL layer answers it
            principal = ANONYMOUS
        verdict = await self.limiter.hit(LimitKind.PER_IP, self.limiter.ip_identity(request))
        if verdict.allowed:
            verdict = await self.limiter.hit(
                LimitKind.REQUESTS, self.limiter.identity(principal, request)
            )
        if verdict.allowed:
            await self.app(scope, receive, send)
            return
        await send_refusal(rate_limited(verdict.retry_after_seconds), scope, receive, send)


def rate_limited(retry_after_seconds: float) -> RequestRefused:
    """The 429 answer: the shape of every refusal (http_protocol.refusal_response) plus
    `retryAfterSeconds`, and `Retry-After` in whole seconds."""
    refusal = RateLimited(retry_after_seconds)
    return RequestRefused(
        429,
        refusal.code,
        refusal.message,
        {"retry-after": str(math.ceil(retry_after_seconds))},
        extensions={"retryAfterSeconds": retry_after_seconds},
    )
