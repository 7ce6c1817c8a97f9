"""CORS and trusted hosts are settings, applied by Starlette's middleware."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import httpx
import pytest

from config.settings import Environment, Settings
from pagila_graph.app import create_app
from persistence.db import Database

Client = Callable[..., AbstractAsyncContextManager[httpx.AsyncClient]]


@pytest.fixture
def client_with(settings: Settings, database: Database) -> Client:
    @asynccontextmanager
    async def make(
        base_url: str = "http://testserver", **update: Any
    ) -> AsyncIterator[httpx.AsyncClient]:
        app = create_app(settings.model_copy(update=update), database)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=base_url) as http:
            yield http

    return make


def preflight(origin: str) -> dict[str, str]:
    return {
        "origin": origin,
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type, authorization",
    }


async def test_a_preflight_from_an_allowed_origin_is_answered(client_with: Client) -> None:
    async with client_with(cors_allow_origins=["https://shop.example.com"]) as http:
        response = await http.options("/graphql", headers=preflight("https://shop.example.com"))
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "https://shop.example.com"
    assert "POST" in response.headers["access-control-allow-methods"]
    assert "authorization" in response.headers["access-control-allow-headers"].lower()
    assert "access-control-allow-credentials" not in response.headers  # off by default


async def test_a_preflight_from_another_origin_is_refused(client_with: Client) -> None:
    async with client_with(cors_allow_origins=["https://shop.example.com"]) as http:
        response = await http.options("/graphql", headers=preflight("https://evil.example.net"))
    assert response.status_code == 400
    assert "access-control-allow-origin" not in response.headers


async def test_a_simple_request_exposes_retry_after_and_the_request_id(
    client_with: Client,
) -> None:
    async with client_with(cors_allow_origins=["https://shop.example.com"]) as http:
        response = await http.post(
            "/graphql",
            json={"query": "{ __typename }"},
            headers={"origin": "https://shop.example.com"},
        )
    assert response.headers["access-control-allow-origin"] == "https://shop.example.com"
    exposed = response.headers["access-control-expose-headers"].lower()
    assert "retry-after" in exposed
    assert "x-request-id" in exposed


async def test_development_allows_local_front_ends_only(client_with: Client) -> None:
    async with client_with(environment=Environment.DEVELOPMENT) as http:
        local = await http.options("/graphql", headers=preflight("http://localhost:5173"))
        remote = await http.options("/graphql", headers=preflight("https://example.com"))
    assert local.status_code == 200
    assert local.headers["access-control-allow-origin"] == "http://localhost:5173"
    assert remote.status_code == 400


async def test_a_request_with_an_untrusted_host_is_refused(client_with: Client) -> None:
    async with client_with(
        base_url="http://attacker.example", trusted_hosts=["api.example.com"]
    ) as http:
        refused = await http.post("/graphql", json={"query": "{ __typename }"})
    assert refused.status_code == 400
    async with client_with(
        base_url="http://api.example.com", trusted_hosts=["api.example.com"]
    ) as http:
        allowed = await http.post("/graphql", json={"query": "{ __typename }"})
    assert allowed.status_code == 200
    assert allowed.json() == {"data": {"__typename": "Query"}}


def test_production_defaults_are_strict_and_development_defaults_are_open() -> None:
    production = Settings(_env_file=None, environment=Environment.PRODUCTION)  # type: ignore[call-arg]
    development = Settings(_env_file=None)  # type: ignore[call-arg]
    assert production.allowed_hosts == ["localhost", "127.0.0.1"]
    assert production.cors_origins == ([], None)
    assert development.allowed_hosts == ["*"]
    origins, regex = development.cors_origins
    assert origins == []
    assert regex is not None


def test_lists_come_from_comma_separated_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRUSTED_HOSTS", "api.example.com, *.example.org")
    monkeypatch.setenv("CORS_ALLOW_ORIGINS", "https://a.example,https://b.example")
    monkeypatch.setenv("TRUSTED_PROXIES", "10.0.0.0/8")
    configured = Settings(_env_file=None)  # type: ignore[call-arg]
    assert configured.allowed_hosts == ["api.example.com", "*.example.org"]
    assert configured.cors_origins == (["https://a.example", "https://b.example"], None)
    assert configured.trusted_proxies == ["10.0.0.0/8"]


def test_a_malformed_proxy_address_is_refused_at_start_up() -> None:
    with pytest.raises(ValueError, match=r"proxy\.example"):
        Settings(_env_file=None, trusted_proxies=["10.0.0.0/8", "proxy.example"])  # type: ignore[call-arg]


def test_a_malformed_rate_limit_is_refused_at_start_up() -> None:
    with pytest.raises(ValueError, match="rate limit"):
        Settings(_env_file=None, rate_limit_agent="ten a minute")  # type: ignore[call-arg]
    with pytest.raises(ValueError, match="one rate limit expected"):
        Settings(_env_file=None, rate_limit_requests="5/second;100/hour")  # type: ignore[call-arg]
    assert Settings(_env_file=None, rate_limit_agent="100 per hour").rate_limit_agent  # type: ignore[call-arg]


@pytest.mark.parametrize(
    ("allowed", "refused"),
    [
        ("api.example.com", "attacker.example"),
        ("api.example.com:8000", "api.example.com.attacker.example"),
        ("a.example.com", "example.com"),
        ("API.EXAMPLE.COM", "api.example.co"),
    ],
)
async def test_a_host_once_accepted_does_not_open_the_door_to_others(
    client_with: Client, allowed: str, refused: str
) -> None:
    """The accepted Host values are remembered (pagila_graph/hosts.py): before and after,
    another value is refused, however often the accepted one came."""
    async with client_with(trusted_hosts=["api.example.com", "*.example.com"]) as http:
        answers = []
        for host in (refused, allowed, allowed, refused, allowed):
            response = await http.post(
                "/graphql", json={"query": "{ __typename }"}, headers={"host": host}
            )
            answers.append(response.status_code)
    assert answers == [400, 200, 200, 400, 200]
