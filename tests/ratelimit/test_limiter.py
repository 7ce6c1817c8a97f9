"""The limiter itself, the same tests over process memory and over the real Redis."""

from __future__ import annotations

import pytest
from starlette.requests import HTTPConnection
from structlog.testing import capture_logs

from domain.auth import ANONYMOUS, Principal, Role
from domain.errors import RateLimited
from graph.rate_limits import LimitKind
from pagila_graph.rate_limiter import RateLimiter
from tests.ratelimit.support import STORAGES, limiter_for, redis_keys, unique_prefix

pytestmark = pytest.mark.parametrize("storage", STORAGES)


def connection(peer: str, forwarded_for: str | None = None) -> HTTPConnection:
    headers = [(b"x-forwarded-for", forwarded_for.encode())] if forwarded_for else []
    return HTTPConnection(
        {"type": "http", "client": (peer, 50000), "headers": headers, "path": "/graphql"}
    )


async def test_allows_up_to_the_limit_then_refuses_with_a_sane_retry_after(storage: str) -> None:
    async with limiter_for(storage, requests="3/minute") as limiter:
        verdicts = [await limiter.hit(LimitKind.REQUESTS, "user:1") for _ in range(5)]
    assert [v.allowed for v in verdicts] == [True, True, True, False, False]
    for refused in verdicts[3:]:
        # the oldest of the three hits leaves the one-minute window within a minute
        assert 1 <= refused.retry_after_seconds <= 60
        assert refused.retry_after_seconds == int(refused.retry_after_seconds)
    assert all(v.retry_after_seconds == 0 for v in verdicts[:3])


async def test_check_raises_rate_limited_with_the_retry_after(storage: str) -> None:
    async with limiter_for(storage, agent="1/hour") as limiter:
        await limiter.check(LimitKind.AGENT, "ip:10.0.0.1")
        with pytest.raises(RateLimited) as refused:
            await limiter.check(LimitKind.AGENT, "ip:10.0.0.1")
    assert refused.value.code == "RATE_LIMITED"
    assert 3500 < refused.value.retry_after_seconds <= 3600


async def test_each_caller_and_each_kind_has_its_own_count(storage: str) -> None:
    async with limiter_for(storage, requests="2/minute", agent="1/minute") as limiter:
        for _ in range(2):
            assert (await limiter.hit(LimitKind.REQUESTS, "user:1")).allowed
        assert not (await limiter.hit(LimitKind.REQUESTS, "user:1")).allowed
        # another user, an anonymous IP and the agent limit of the same user are untouched
        assert (await limiter.hit(LimitKind.REQUESTS, "user:2")).allowed
        assert (await limiter.hit(LimitKind.REQUESTS, "ip:127.0.0.1")).allowed
        assert (await limiter.hit(LimitKind.AGENT, "user:1")).allowed
        assert not (await limiter.hit(LimitKind.AGENT, "user:1")).allowed


async def test_identity_is_the_user_when_signed_in_else_the_peer_address(storage: str) -> None:
    async with limiter_for(storage) as limiter:
        user = Principal(user_id=7, role=Role.CUSTOMER, customer_id=7)
        assert limiter.identity(user, connection("10.1.1.1")) == "user:7"
        assert limiter.identity(ANONYMOUS, connection("10.1.1.1")) == "ip:10.1.1.1"
        # without trusted proxies X-Forwarded-For is the client's to forge: ignored
        forged = connection("10.1.1.1", forwarded_for="1.2.3.4")
        assert limiter.identity(ANONYMOUS, forged) == "ip:10.1.1.1"


async def test_forwarded_for_is_believed_only_from_trusted_proxies(storage: str) -> None:
    async with limiter_for(storage, trusted_proxies=("10.0.0.0/8",)) as limiter:
        # the proxy appended the client (203.0.113.5); the left part was sent by the client
        via_proxy = connection("10.0.0.2", forwarded_for="6.6.6.6, 203.0.113.5, 10.0.0.9")
        assert limiter.client_ip(via_proxy) == "203.0.113.5"
        direct = connection("198.51.100.1", forwarded_for="6.6.6.6")
        assert limiter.client_ip(direct) == "198.51.100.1"
        assert limiter.client_ip(connection("10.0.0.2")) == "10.0.0.2"


async def test_redis_counts_are_shared_between_workers_memory_counts_are_not(
    storage: str,
) -> None:
    prefix = unique_prefix()
    async with (
        limiter_for(storage, requests="2/minute", prefix=prefix) as worker_a,
        limiter_for(storage, requests="2/minute", prefix=prefix) as worker_b,
    ):
        assert (await worker_a.hit(LimitKind.REQUESTS, "user:1")).allowed
        assert (await worker_a.hit(LimitKind.REQUESTS, "user:1")).allowed
        third = await worker_b.hit(LimitKind.REQUESTS, "user:1")
        if storage == "redis":
            assert not third.allowed
            assert await redis_keys(prefix)  # the counts really are in Redis
        else:
            assert third.allowed
    if storage == "redis":
        assert await redis_keys(prefix) == []  # reset() cleaned up


async def test_unreachable_redis_falls_back_to_memory_and_warns(storage: str) -> None:
    # nothing listens on port 1: every Redis call fails at once
    url = "redis://127.0.0.1:1/0" if storage == "redis" else None
    limiter = RateLimiter({LimitKind.REQUESTS: "2/minute", LimitKind.AGENT: "1/minute"}, url)
    with capture_logs() as logs:
        verdicts = [await limiter.hit(LimitKind.REQUESTS, "ip:1.1.1.1") for _ in range(3)]
    assert [v.allowed for v in verdicts] == [True, True, False]  # still limited, per process
    warnings = [e for e in logs if e["event"] == "ratelimit.redis_unavailable"]
    # one warning, then memory only until the retry delay has passed
    assert len(warnings) == (1 if storage == "redis" else 0)
    assert all(w["log_level"] == "warning" for w in warnings)
