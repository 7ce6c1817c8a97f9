"""Accounts through the real HTTP app (JwtAuthenticator, argon2, PostgreSQL). Everything a test
writes is rolled back (the `isolated_database` of tests/conftest.py)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from config.settings import Settings
from pagila_graph.app import create_app
from persistence.db import Database

#: cheap argon2 parameters: the tests check behaviour, not cost
FAST_ARGON2: dict[str, Any] = {"argon2_time_cost": 1, "argon2_memory_kib": 1024}
PASSWORD = "correct horse battery staple"

REGISTER = """
mutation R($input: RegisterInput!) {
  register(input: $input) {
    errors { __typename code field message }
    account { userId email role storeId customer { customerId firstName email } staff { staffId } }
    tokens { accessToken refreshToken tokenType accessTokenExpiresAt refreshTokenExpiresAt }
  }
}
"""
LOGIN = """
mutation L($input: LoginInput!) {
  login(input: $input) {
    errors { __typename code field message }
    account { userId email role }
    tokens { accessToken refreshToken }
  }
}
"""
REFRESH = """
mutation F($input: RefreshTokenInput!) {
  refreshToken(input: $input) {
    errors { __typename code field message }
    account { userId }
    tokens { accessToken refreshToken }
  }
}
"""
LOGOUT = """
mutation O($input: LogoutInput!) {
  logout(input: $input) { errors { __typename code message } loggedOut }
}
"""
CHANGE = """
mutation C($input: ChangePasswordInput!) {
  changePassword(input: $input) {
    errors { __typename code field message }
    tokens { accessToken refreshToken }
  }
}
"""
ME = "{ me { userId email role storeId customer { customerId lastName } staff { staffId } } }"


def unique_email() -> str:
    return f"user-{uuid.uuid4().hex[:12]}@example.org"


def registration(email: str, password: str = PASSWORD, **changes: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "email": email,
        "password": password,
        "firstName": "Ada",
        "lastName": "Lovelace",
        "storeId": 1,
        "address": {
            "address": "12 Analytical Row",
            "district": "Marylebone",
            "city": "London",
            "country": "United Kingdom",
            "phone": "0123456789",
        },
    }
    fields.update(changes)
    return fields


class AuthApi:
    """POST /graphql, optionally with a bearer token; returns (status, body)."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def raw(
        self, query: str, variables: dict[str, Any] | None = None, *, token: str | None = None
    ) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
        return await self.http.post(
            "/graphql", json={"query": query, "variables": variables}, headers=headers
        )

    async def __call__(
        self, query: str, variables: dict[str, Any] | None = None, *, token: str | None = None
    ) -> dict[str, Any]:
        response = await self.raw(query, variables, token=token)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def mutate(
        self, query: str, input: dict[str, Any], *, token: str | None = None
    ) -> dict[str, Any]:
        body = await self(query, {"input": input}, token=token)
        assert "errors" not in body, body["errors"]
        (payload,) = body["data"].values()
        result: dict[str, Any] = payload
        return result

    async def register(self, email: str, password: str = PASSWORD) -> dict[str, Any]:
        payload = await self.mutate(REGISTER, registration(email, password))
        assert payload["errors"] == [], payload["errors"]
        return payload

    async def login(self, email: str, password: str = PASSWORD) -> dict[str, Any]:
        return await self.mutate(LOGIN, {"email": email, "password": password})


@pytest.fixture
def auth_settings(settings: Settings) -> Settings:
    return settings.model_copy(update=FAST_ARGON2)


@pytest.fixture
async def auth_api(auth_settings: Settings, isolated_database: Database) -> AsyncIterator[AuthApi]:
    app = create_app(auth_settings, isolated_database)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield AuthApi(http)
