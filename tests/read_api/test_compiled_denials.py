"""A row of customer data the caller may not see, met by the compiled statement at a fixed
response path (a root lookup by key or `node`): the statement answers the executor's null and
error itself (decision 0164) instead of handing the request to the executor.

Documents are built from templates over every root lookup of customer data, with keys drawn from
the data (a row of each store's customers, one that does not exist), alone, beside a public
field, two at once, and beside a field refused before any SQL; each is asked by every kind of
caller of both apps (executor only, compiled). The answers must be the same JSON. Where the
executor's answer holds exactly one error, the customer-data refusal, and nothing else was
refused, the compiled app must have run exactly one statement: the denial was answered in SQL.
Two denials (whose order the executor decides) and a denial beside another refusal go to the
executor, so those answers are the executor's on both sides."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from domain.customers.reads import customer_data_refusal
from graph.relay import to_global_id
from persistence.db import Database, StatementCounter
from tests.read_api.conftest import ADMIN, HEADER, customer, staff

CALLERS: list[dict[str, object] | None] = [
    None,
    customer(1),
    staff(1),
    staff(2),
    staff(1, "manager"),
    ADMIN,
]
LOOKUPS = {
    "Customer": "customer(customerId: {key}) {{ firstName rentals(first: 2) {{ totalCount }} }}",
    "Rental": "rental(rentalId: {key}) {{ rentalId customer {{ firstName }} }}",
    "Payment": "payment(paymentId: {key}) {{ amount rental {{ rentalId }} }}",
}
NODE = (
    'node(id: "{gid}") {{ __typename ... on Customer {{ firstName }} '
    "... on Rental {{ rentalId }} ... on Payment {{ amount }} }}"
)
#: beside the lookup: a public field, a second lookup, a field refused to most callers
BESIDES = ["", "films(first: 1) {{ totalCount }}", "{other}", "staffMember(staffId: 1) {{ email }}"]

KEYS_SQL = {
    "Customer": "SELECT min(customer_id) FROM customer WHERE store_id = :store",
    "Rental": "SELECT min(r.rental_id) FROM rental r JOIN customer c USING (customer_id) "
    "WHERE c.store_id = :store",
    "Payment": "SELECT min(p.payment_id) FROM payment p JOIN customer c USING (customer_id) "
    "WHERE c.store_id = :store",
}


@pytest.fixture(scope="module")
async def keys(database: Database) -> dict[str, list[int]]:
    """Per entity: a row of a store-1 customer, one of a store-2 customer, a missing key."""
    found: dict[str, list[int]] = {}
    async with database.engine.connect() as conn:
        for entity, sql in KEYS_SQL.items():
            rows = [(await conn.execute(text(sql), {"store": s})).scalar_one() for s in (1, 2)]
            found[entity] = [*rows, 999_999_999]
    return found


def documents(keys: dict[str, list[int]]) -> list[str]:
    lookups = [
        template.format(key=key) for entity, template in LOOKUPS.items() for key in keys[entity]
    ] + [
        NODE.format(gid=to_global_id(entity, key)) for entity in LOOKUPS for key in keys[entity][:2]
    ]
    found: list[str] = []
    for n, lookup in enumerate(lookups):
        other = "b: " + lookups[(n + 3) % len(lookups)]
        for beside in BESIDES:
            extra = beside.format(other=other).replace("{{", "{").replace("}}", "}")
            found.append("{ a: " + lookup + (" " + extra if extra else "") + " }")
    return found


def _sole_denial(answer: dict[str, Any]) -> bool:
    errors = answer.get("errors") or []
    refusal = customer_data_refusal()
    return len(errors) == 1 and errors[0]["message"] == str(refusal)


async def test_denied_rows_are_answered_by_the_statement(
    paths: tuple[httpx.AsyncClient, httpx.AsyncClient],
    database: Database,
    keys: dict[str, list[int]],
) -> None:
    executor, compiled = paths
    denied = 0
    for document in documents(keys):
        for caller in CALLERS:
            headers = {HEADER: json.dumps(caller)} if caller is not None else {}
            body = {"query": document}
            expected: Any = (await executor.post("/graphql", json=body, headers=headers)).json()
            with StatementCounter(database.engine) as counter:
                got: Any = (await compiled.post("/graphql", json=body, headers=headers)).json()
            # the same body again: the fast path's remembered statement (decision 0133)
            again: Any = (await compiled.post("/graphql", json=body, headers=headers)).json()
            context = f"{document} as {caller}"
            assert json.dumps(got) == json.dumps(expected), context
            assert json.dumps(again) == json.dumps(expected), context
            if _sole_denial(expected) and "staffMember" not in document:
                denied += 1
                assert len(counter.statements) == 1, f"{context}: {counter.statements}"
                assert counter.statements[0].endswith("AS data"), context
    print(f"\n{denied} answers with a denial, each from one statement")
    assert denied >= 20  # staff and customers meet other customers' rows in these documents
