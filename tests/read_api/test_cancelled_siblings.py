"""A field whose error nulls its parent makes graphql-core cancel that parent's pending
fields. Fields elsewhere in the document that wait for the same DataLoader key must still get
their answer: the cancelled field stops waiting, the shared batch goes on (graph/context.py
`SharedLoader`). Before, the cancellation reached the shared future and escaped the app as a
`CancelledError` (a dropped response). Documents from the differential test's long runs
(seed 4242), through the executor alone."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import pytest

from config.settings import Settings
from pagila_graph.app import create_app
from persistence.db import Database
from tests.read_api.conftest import HEADER, HeaderAuthenticator

STAFF_CURSORS = (
    'after: "WyJUSVRMRTpBU0MiLFsiQkVEQVpaTEVEIE1BUlJJRUQiLDYzXV0", '
    'before: "WyJUSVRMRTpBU0MiLFsiQ09NTUFORE1FTlRTIEVYUFJFU1MiLDE3MV1d"'
)
DOCUMENTS = [
    (
        '{ staffMember(id: "U3RhZmY6Mw") { lastUpdate } stores { nodes { storeId } '
        "pageInfo { endCursor hasNextPage a854: startCursor } a914: edges { node { "
        "manager { firstName __typename } storeId address { lastUpdate postalCode address2 "
        f"district }} staff({STAFF_CURSORS}) {{ a563: totalCount }} }} cursor }} }} }}",
        {"role": "customer", "customer_id": 2, "user_id": 2},
    ),
    (
        '{ node(id: "SW52ZW50b3J5OjI") { __typename id ... on Store { '
        'inventory(after: "WyJJRDpBU0MiLFs3XV0", last: 2) { nodes { store { id } '
        "film { availableCopies isInStock } } } storeId manager { address { postalCode "
        "lastUpdate } lastUpdate email } } } staff(first: 20) { nodes { firstName store { "
        "a853: inventory { totalCount } address { a175: address2 } } username } edges { node { "
        "address { addressId address2 phone postalCode } lastName id store { storeId "
        "lastUpdate } } } } }",
        None,
    ),
]


@pytest.fixture
async def executor(settings: Settings, database: Database) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(
        settings.model_copy(update={"compiled_reads": False}), database, HeaderAuthenticator()
    )
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        yield c


@pytest.mark.parametrize(("query", "caller"), DOCUMENTS)
async def test_a_nulled_branch_does_not_cancel_the_rest(
    executor: httpx.AsyncClient,
    database: Database,
    query: str,
    caller: dict[str, object] | None,
) -> None:
    headers = {HEADER: json.dumps(caller)} if caller else {}
    for _ in range(3):  # whichever resolver finishes first
        response = await executor.post("/graphql", json={"query": query}, headers=headers)
        assert response.status_code == 200
        body = response.json()
        assert body["errors"]
        codes = {error["extensions"]["code"] for error in body["errors"]}
        assert "INTERNAL_SERVER_ERROR" not in codes
        # the dropped fields' batches ended on the operation's connection, which went back
        assert database.engine.pool.checkedout() == 0  # type: ignore[attr-defined]
