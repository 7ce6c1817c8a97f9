"""Helpers of the rate-limit tests: limiters over memory or the real Redis, a test
authenticator that knows user ids, and an app with small limits."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from starlette.requests import HTTPConnection

from domain.auth import ANONYMOUS, Principal, Role
from graph.rate_limits import LimitKind
from pagila_graph.rate_limiter import RateLimiter

#: The Redis the suite uses (CI runs one at 127.0.0.1:6379); keys go under a unique prefix.
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
STORAGES = ["memory", "redis"]
USER_HEADER = "x-test-user"


def unique_prefix() -> str:
    return f"pagila-graph-test-{uuid.uuid4().hex[:12]}"


def redis_url_for(storage: str) -> str | None:
    return REDIS_URL if storage == "redis" else None


@asynccontextmanager
async def limiter_for(
    storage: str,
    *,
    requests: str = "3/minute",
    agent: str = "1/minute",
    trusted_proxies: tuple[str, ...] = (),
    prefix: str | None = None,
) -> AsyncIterator[RateLimiter]:
    """A limiter over `storage`; its Redis keys are deleted afterwards."""
    limiter = RateLimiter(
        {LimitKind.REQUESTS: requests, LimitKind.AGENT: agent},
        redis_url=redis_url_for(storage),
        key_prefix=prefix or unique_prefix(),
        trusted_proxies=trusted_proxies,
    )
    if storage == "redis" and not await redis_available():
        pytest.skip(f"no Redis at {REDIS_URL} (set TEST_REDIS_URL)")
    try:
        yield limiter
    finally:
        await limiter.reset()


async def redis_available() -> bool:
    import coredis

    client = coredis.Redis.from_url(REDIS_URL, connect_timeout=1, stream_timeout=1)
    try:
        return bool(await client.ping())
    except Exception:  # unreachable in any way: the Redis half is skipped
        return False


async def redis_keys(prefix: str) -> list[str]:
    import coredis

    client = coredis.Redis.from_url(REDIS_URL, decode_responses=True)
    return sorted(await client.keys(f"{prefix}*"))


class UserHeaderAuthenticator:
    """Tests only: `x-test-user: N` makes the caller user N (customer N); no header: anonymous."""

    async def authenticate(
        self, connection: HTTPConnection, connection_params: dict[str, object] | None = None
    ) -> Principal:
        raw = connection.headers.get(USER_HEADER)
        if connection_params and USER_HEADER in connection_params:
            raw = str(connection_params[USER_HEADER])
        if not raw:
            return ANONYMOUS
        return Principal(user_id=int(raw), role=Role.CUSTOMER, customer_id=int(raw))
