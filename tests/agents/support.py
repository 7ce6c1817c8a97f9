"""Helpers of the agents' API tests: a header authenticator and an app over a scripted model."""

from __future__ import annotations

from starlette.requests import HTTPConnection

from domain.auth import ANONYMOUS, Principal, Role

CUSTOMER_HEADER = "x-test-customer"


class HeaderAuthenticator:
    """Tests only: `x-test-customer: N` makes the caller customer N (no tokens before issue 7)."""

    async def authenticate(
        self, connection: HTTPConnection, connection_params: dict[str, object] | None = None
    ) -> Principal:
        raw = connection.headers.get(CUSTOMER_HEADER)
        if connection_params and CUSTOMER_HEADER in connection_params:
            raw = str(connection_params[CUSTOMER_HEADER])
        if not raw:
            return ANONYMOUS
        customer_id = int(raw)
        return Principal(user_id=None, role=Role.CUSTOMER, customer_id=customer_id, store_id=None)


def customer(customer_id: int) -> Principal:
    return Principal(role=Role.CUSTOMER, customer_id=customer_id)
