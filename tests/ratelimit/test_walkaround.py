"""Issue 14, items 13-14: limits that could be walked around. Many accounts from one IP, many
registrations, wrong passwords for one account from many IPs, and a Redis that dies or hangs."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx

from graph.rate_limits import LimitKind
from pagila_graph.rate_limiter import REDIS_TIMEOUT_S, RateLimiter
from tests.ratelimit.test_http import QUERY, Client, client_for, user

__all__ = ["client_for"]  # the fixture, shared with test_http

REGISTER = """mutation($email: String!) { register(input: {email: $email, password: "short",
  firstName: "A", lastName: "B", storeId: 1,
  address: {address: "1 Road", district: "D", city: "C", country: "K", phone: "1"}}) {
  errors { __typename code } } }"""
LOGIN = """mutation { login(input: {email: "admin-target@example.org", password: "wrong guess 1"})
  { errors { __typename code } } }"""


async def test_accounts_from_one_ip_share_its_limit(client_for: Client) -> None:
    """Five self-registered accounts from one IP used to get five buckets of 120."""
    async with client_for(requests="3/minute", rate_limit_requests_per_ip="5/minute") as http:
        statuses = [
            (await http.post("/graphql", json=QUERY, headers=user(n))).status_code
            for n in (1, 2, 3, 4, 5, 6)
        ]
    assert statuses == [200, 200, 200, 200, 200, 429]


def error_codes(response: httpx.Response, field: str) -> list[str]:
    body: dict[str, Any] = response.json()
    return [e["code"] for e in body["data"][field]["errors"]]


async def test_registrations_are_limited_per_ip(client_for: Client) -> None:
    async with client_for(requests="100/minute", rate_limit_register="2/hour") as http:
        codes = [
            error_codes(
                await http.post(
                    "/graphql", json={"query": REGISTER, "variables": {"email": f"r{n}@x.org"}}
                ),
                "register",
            )
            for n in range(3)
        ]
    assert codes[0] == codes[1] != ["RATE_LIMITED"]  # refused for the weak password
    assert codes[2] == ["RATE_LIMITED"]


async def test_wrong_passwords_for_one_account_are_throttled_whatever_the_ip(
    client_for: Client,
) -> None:
    """420 wrong passwords against the admin from 11 IPs used to be accepted."""
    async with client_for(requests="100/minute", rate_limit_login_failures="2/minute") as http:
        codes = []
        for n in range(4):
            forwarded = {"x-forwarded-for": f"198.51.100.{n}"}  # untrusted: the peer counts,
            # and the account's count is the same whichever address sends it
            response = await http.post("/graphql", json={"query": LOGIN}, headers=forwarded)
            codes.append(error_codes(response, "login"))
    assert codes[:2] == [["INVALID_CREDENTIALS"]] * 2
    assert codes[2:] == [["RATE_LIMITED"]] * 2


async def test_a_dead_redis_keeps_the_window_it_had() -> None:
    """Memory counts alongside Redis: when Redis is gone the window goes on, not afresh."""
    limiter = RateLimiter({LimitKind.REQUESTS: "3/minute"}, "redis://127.0.0.1:1/0")
    verdicts = [(await limiter.hit(LimitKind.REQUESTS, "ip:9.9.9.9")).allowed for _ in range(5)]
    assert verdicts == [True, True, True, False, False]


async def test_a_hung_redis_costs_one_timeout_per_retry_period_not_one_per_request() -> None:
    """A Redis that accepts and never answers used to stall requests 1.5 s every ~6.5 s."""
    held: list[asyncio.StreamWriter] = []

    async def silent(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        limiter = RateLimiter({LimitKind.REQUESTS: "4/minute"}, f"redis://127.0.0.1:{port}/0")
        durations = []
        verdicts = []
        for _ in range(6):
            started = time.monotonic()
            verdicts.append((await limiter.hit(LimitKind.REQUESTS, "ip:8.8.8.8")).allowed)
            durations.append(time.monotonic() - started)
        # concurrent requests while the breaker is open wait for nothing either
        started = time.monotonic()
        await asyncio.gather(*(limiter.hit(LimitKind.REQUESTS, f"ip:{n}") for n in range(20)))
        burst = time.monotonic() - started
    finally:
        for writer in held:
            writer.close()
        server.close()
    assert verdicts == [True, True, True, True, False, False]  # limited all along, from memory
    # only the first hit waited for Redis (bounded by the timeout, generous for load)
    assert durations[0] >= REDIS_TIMEOUT_S * 0.9
    assert durations[0] < REDIS_TIMEOUT_S + 5
    assert sum(durations[1:]) < durations[0]
    assert burst < durations[0]
