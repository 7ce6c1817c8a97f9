"""`me` on the compiled path (decision 0135): the caller's own account and records in one
statement, equal to the executor's answer; a disabled or missing account is the executor's
UNAUTHENTICATED error (the statement hands such a request over). Accounts are written in a
rolled-back transaction: the shared data has none."""

from __future__ import annotations

import json
from typing import Any

import httpx
from sqlalchemy import text

from config.settings import Settings
from pagila_graph.app import create_app
from persistence.db import Database, StatementCounter
from tests.read_api.conftest import HEADER, HeaderAuthenticator

ACCOUNT = "userId email role active storeId createdAt lastLoginAt"
CUSTOMER = (
    "customer { customerId firstName balance rentals(first: 2) { nodes { rentalId dueDate } } }"
)
STAFF = "staff { staffId email address { phone city { city } } }"
#: what each kind of account asks (a customer asking `staff { email }` is refused below a
#: nullable reference: the executor answers that, see planning.py `refused`)
ME = {
    "customer": f"{{ me {{ {ACCOUNT} {CUSTOMER} staff {{ staffId }} }} }}",
    "staff": f"{{ me {{ {ACCOUNT} {CUSTOMER} {STAFF} }} }}",
}

ACCOUNTS = [  # (email, role, customer_id, staff_id, active)
    ("me-customer@example.org", "customer", 1, None, True),
    ("me-staff@example.org", "staff", None, 2, True),
    ("me-manager@example.org", "manager", None, 3, True),
    ("me-admin@example.org", "admin", None, 4, True),
    ("me-disabled@example.org", "customer", 3, None, False),
]


async def test_me_compiled_equals_executor(settings: Settings, isolated_database: Database) -> None:
    callers: list[tuple[dict[str, Any], bool]] = []
    bind = isolated_database._bind  # the test's transaction (rolled back afterwards)
    assert bind is not None
    for email, role, customer_id, staff_id, active in ACCOUNTS:
        row = (
            await bind.execute(
                text(
                    "INSERT INTO app_user (email, password_hash, role, customer_id, staff_id,"
                    " active) VALUES (:e, 'x', :r, :c, :s, :a) RETURNING user_id,"
                    " coalesce((SELECT store_id FROM customer WHERE customer_id = :c),"
                    " (SELECT store_id FROM staff WHERE staff_id = :s))"
                ),
                {"e": email, "r": role, "c": customer_id, "s": staff_id, "a": active},
            )
        ).one()
        principal = {
            "user_id": row[0],
            "role": role,
            "customer_id": customer_id,
            "staff_id": staff_id,
            "store_id": row[1],
        }
        callers.append((principal, active))
    callers.append(({"user_id": 99_999_999, "role": "admin"}, False))  # no such account
    apps = [
        create_app(
            settings.model_copy(update={"compiled_reads": compiled}),
            isolated_database,
            HeaderAuthenticator(),
        )
        for compiled in (False, True)
    ]
    async with (
        httpx.AsyncClient(transport=httpx.ASGITransport(app=apps[0]), base_url="http://t") as a,
        httpx.AsyncClient(transport=httpx.ASGITransport(app=apps[1]), base_url="http://t") as b,
    ):
        for principal, active in callers:
            headers = {HEADER: json.dumps(principal)}
            query = ME["customer" if principal["role"] == "customer" else "staff"]
            expected = (await a.post("/graphql", json={"query": query}, headers=headers)).json()
            with StatementCounter(isolated_database.engine) as counter:
                got = (await b.post("/graphql", json={"query": query}, headers=headers)).json()
            assert json.dumps(got) == json.dumps(expected), principal
            compiled = [s for s in counter.statements if s.endswith("AS data")]
            assert len(compiled) == 1, counter.statements
            if active:
                assert len(counter.statements) == 1, counter.statements
                assert got["data"]["me"]["userId"] == principal["user_id"]
            else:  # handed to the executor, which refuses
                assert len(counter.statements) > 1
                assert got["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
