"""A sort key that is 'infinity' in PostgreSQL (rentals not returned yet, ordered by return
date: the repository coalesces the missing date to `datetime.max`) gets the same cursor on
both read paths, and the cursor pages on (found by the differential test, seed 1205)."""

from __future__ import annotations

import json

import httpx

from tests.read_api.conftest import ADMIN, HEADER

PAGE = (
    "query($after: String) { rentals(filter: {status: OUTSTANDING}, "
    "orderBy: {field: RETURN_DATE}, first: 3, after: $after) { nodes { rentalId } "
    "pageInfo { startCursor endCursor hasNextPage } } }"
)


async def test_outstanding_rentals_by_return_date_page_alike(
    paths: tuple[httpx.AsyncClient, httpx.AsyncClient],
) -> None:
    executor, compiled = paths
    after = None
    seen: list[int] = []
    for _ in range(3):
        answers = []
        for client in (executor, compiled):
            response = await client.post(
                "/graphql",
                json={"query": PAGE, "variables": {"after": after}},
                headers={HEADER: json.dumps(ADMIN)},
            )
            answers.append(response.json())
        assert answers[0] == answers[1]
        page = answers[1]["data"]["rentals"]
        assert page["pageInfo"]["endCursor"] is not None
        ids = [node["rentalId"] for node in page["nodes"]]
        assert ids and not set(ids) & set(seen)
        seen += ids
        after = page["pageInfo"]["endCursor"]
