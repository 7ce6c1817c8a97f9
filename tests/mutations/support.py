"""Helpers for write tests: a test Authenticator and a GraphQL caller acting as someone.

Until accounts (issue 7) exist, tests name the caller in the `X-Test-Principal` header:
`admin`, `staff:<staff_id>:<store_id>`, `manager:<staff_id>:<store_id>`, `customer:<id>`; no
header means anonymous.
"""

from __future__ import annotations

from typing import Any

import httpx
from starlette.requests import HTTPConnection

from domain.auth import ANONYMOUS, Principal, Role

HEADER = "x-test-principal"


class HeaderAuthenticator:
    async def authenticate(
        self, connection: HTTPConnection, connection_params: dict[str, object] | None = None
    ) -> Principal:
        return parse_principal(connection.headers.get(HEADER))


def parse_principal(value: str | None) -> Principal:
    if not value:
        return ANONYMOUS
    role, *ids = value.split(":")
    if role == "admin":
        return Principal(user_id=1, role=Role.ADMIN)
    if role == "customer":
        return Principal(role=Role.CUSTOMER, customer_id=int(ids[0]))
    return Principal(role=Role(role), staff_id=int(ids[0]), store_id=int(ids[1]))


def staff(staff_id: int, store_id: int) -> str:
    return f"staff:{staff_id}:{store_id}"


class Caller:
    """POSTs GraphQL as a given principal; asserts there are no top-level errors."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def __call__(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        who: str | None = None,
    ) -> dict[str, Any]:
        headers = {HEADER: who} if who else {}
        response = await self.http.post(
            "/graphql", json={"query": query, "variables": variables}, headers=headers
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        assert "errors" not in body, body["errors"]
        data: dict[str, Any] = body["data"]
        return data

    async def mutate(
        self, name: str, selection: str, input: dict[str, Any], *, who: str | None = None
    ) -> dict[str, Any]:
        """Run mutation `name(input:)`, selecting `selection` plus the typed errors."""
        query = (
            f"mutation($input: {name[0].upper()}{name[1:]}Input!) {{ {name}(input: $input) {{ "
            f"{selection} errors {{ __typename code message field }} }} }}"
        )
        payload: dict[str, Any] = (await self(query, {"input": input}, who=who))[name]
        return payload


def error_types(payload: dict[str, Any]) -> list[str]:
    return [e["__typename"] for e in payload["errors"]]
