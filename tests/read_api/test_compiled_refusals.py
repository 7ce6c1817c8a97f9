"""Fields refused to the caller, on both read paths (decision 0135): every guarded field of the
schema, reached at the root, through a lookup of a row that exists and of one that does not,
through a nullable reference, a list and `node`, asked by each kind of caller. The compiled
answer must equal the executor's (data and errors: message, path, locations, code, in order)
and cost one statement when the compiled path answered. Documents are built from templates over
the permission matrix's guarded nested fields, not listed by hand."""

from __future__ import annotations

import json
from typing import Any

import httpx

from domain.auth import Access
from graph.permissions import MATRIX
from graph.relay import to_global_id
from persistence.db import Database, StatementCounter
from tests.read_api.conftest import ADMIN, HEADER, customer, staff

CALLERS: list[dict[str, object] | None] = [None, customer(1), staff(1), staff(2, "manager"), ADMIN]
#: guarded fields of Staff (the type the matrix protects fields of), with a selection each
GUARDED = sorted(
    c.split(".")[1]
    for c, r in MATRIX.items()
    if c.startswith("Staff.") and r.access is not Access.PUBLIC
)
SELECTIONS = {"email": "email", "address": "address { address }"}
PLACES = [
    "staffMember(staffId: {key}) {{ firstName {inner} }}",
    'node(id: "{gid}") {{ ... on Staff {{ firstName {inner} }} }}',
    "store(storeId: {key}) {{ storeId manager {{ {inner} }} }}",
    "staff(first: 2) {{ nodes {{ staffId {inner} }} }}",
    "stores(first: 1) {{ nodes {{ manager {{ {inner} }} }} }}",
]


def documents() -> list[str]:
    found: list[str] = []
    for place in PLACES:
        for key in (1, 2, 999_999):
            for chosen in ([g] for g in GUARDED):
                inner = " ".join(SELECTIONS[g] for g in chosen)
                gid = to_global_id("Staff", key)
                found.append("{ " + place.format(key=key, gid=gid, inner=inner) + " }")
            found.append(
                "{ "
                + place.format(
                    key=key,
                    gid=to_global_id("Staff", key),
                    inner=" ".join(SELECTIONS[g] for g in GUARDED),
                )
                + " }"
            )
    for root in (
        "customers { totalCount }",
        "rentals(first: 1) { totalCount }",
        "payments(first: 1) { totalCount }",
        "customer(customerId: 1) { firstName }",
        "rental(rentalId: 1) { rentalId }",
        "payment(paymentId: 16050) { amount }",
        "salesByStore { storeId }",
        "me { userId }",
    ):
        found.append("{ " + root + " }")
        found.append("{ " + root + " films(first: 1) { totalCount } }")
    return sorted(set(found))


async def test_refusals_are_the_executors(
    paths: tuple[httpx.AsyncClient, httpx.AsyncClient], database: Database
) -> None:
    executor, compiled = paths
    answered = 0
    for document in documents():
        for caller in CALLERS:
            headers = {HEADER: json.dumps(caller)} if caller is not None else {}
            expected: Any = (
                await executor.post("/graphql", json={"query": document}, headers=headers)
            ).json()
            with StatementCounter(database.engine) as counter:
                got: Any = (
                    await compiled.post("/graphql", json={"query": document}, headers=headers)
                ).json()
            context = f"{document} as {caller}"
            one = [s for s in counter.statements if s.endswith("AS data")]
            if one and len(counter.statements) == 1:
                answered += 1
                assert json.dumps(got) == json.dumps(expected), context
            elif "errors" not in expected:
                assert json.dumps(got) == json.dumps(expected), context
    print(f"\ncompiled {answered} of {len(documents()) * len(CALLERS)}")
    assert answered > len(documents())  # most compile, refusals included
