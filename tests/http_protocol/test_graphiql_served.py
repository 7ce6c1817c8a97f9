"""GraphiQL's page and files come from the package, and only where GraphiQL is on."""

from __future__ import annotations

import httpx

from config.settings import Settings
from pagila_graph.app import create_app
from persistence.db import Database


async def test_graphiql_and_its_files_are_served_when_on(client: httpx.AsyncClient) -> None:
    page = await client.get("/graphql", headers={"accept": "text/html"})
    assert page.status_code == 200
    assert "graphiql-assets/vendor/graphiql.min.js" in page.text
    assert "https://" not in page.text  # nothing from a CDN
    script = await client.get("/graphiql-assets/vendor/graphiql.min.js")
    assert script.status_code == 200 and len(script.content) > 500_000
    # a client accepting anything gets GraphQL, not the page
    anything = await client.get("/graphql", params={"query": "{ __typename }"})
    assert anything.json() == {"data": {"__typename": "Query"}}


async def test_nothing_of_graphiql_when_off(settings: Settings, database: Database) -> None:
    app = create_app(settings.model_copy(update={"graphiql": False}), database)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        page = await c.get("/graphql", headers={"accept": "text/html"})
        assert page.status_code == 404
        assert page.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"
        assert (await c.get("/graphiql-assets/vendor/graphiql.min.js")).status_code == 404
