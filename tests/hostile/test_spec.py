"""Issue 14, item 10: documents the spec refuses are refused, and production hides what a
caller may not know (field suggestions)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from config.settings import Settings
from pagila_graph.app import create_app
from persistence.db import Database


async def post(http: httpx.AsyncClient, query: str) -> dict[str, Any]:
    response = await http.post("/graphql", json={"query": query})
    assert response.status_code in (200, 400), response.text
    body: dict[str, Any] = response.json()
    return body


@pytest.mark.parametrize(
    "document",
    [
        "query { __typename } query { __typename }",
        "{ films(first: 1) { nodes { title } } } { films(first: 2) { nodes { title } } }",
        "{ films(first: 1) { totalCount } } query Named { __typename }",
    ],
)
async def test_two_operations_one_anonymous_are_refused(
    client: httpx.AsyncClient, document: str
) -> None:
    body = await post(client, document)
    assert body.get("data") is None
    messages = [e["message"] for e in body["errors"]]
    assert any("anonymous operation must be the only defined operation" in m for m in messages)


async def test_no_field_suggestions_where_introspection_is_off(
    settings: Settings, database: Database, client: httpx.AsyncClient
) -> None:
    typo = "{ customr(customerId: 1) { email } }"
    shown = await post(client, typo)  # the test app has introspection on
    assert "Did you mean" in shown["errors"][0]["message"]
    closed = create_app(settings.model_copy(update={"introspection": False}), database)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=closed), base_url="http://t"
    ) as http:
        hidden = await post(http, typo)
    assert hidden["errors"][0]["message"] == "Cannot query field 'customr' on type 'Query'."
