"""DATABASE_READ_URL: the reports and the CSV exports read the replica, everything else (the
catalogue, writes and their payloads) the primary. The "replica" here is a second database
whose data was made to differ, so each answer shows where it was read."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from decimal import Decimal

import asyncpg
import httpx
import pytest

from config.settings import Settings
from pagila_graph.app import create_app
from persistence.db import Database, StatementCounter, create_engine
from tests.conftest import pagila_database
from tests.live.support import ADMIN, token

SALES = "{ salesByStore { storeId totalSales } }"


@pytest.fixture(scope="module")
async def replica_url(server_url: str) -> AsyncIterator[str]:
    async with pagila_database(server_url, "pagila_replica") as url:
        conn = await asyncpg.connect(url)
        try:  # the replica's payments and one title differ from the primary's
            await conn.execute("UPDATE payment SET amount = amount + 1")
            await conn.execute("UPDATE film SET title = 'ONLY ON THE REPLICA' WHERE film_id = 1")
        finally:
            await conn.close()
        yield url


@pytest.fixture(scope="module")
async def replicated_database(files_url: str, replica_url: str) -> AsyncIterator[Database]:
    database = Database(
        create_engine(files_url, pool_size=3), replica=create_engine(replica_url, pool_size=3)
    )
    try:
        yield database
    finally:
        await database.dispose()


@pytest.fixture(scope="module")
async def replicated_http(
    replicated_database: Database, files_settings: Settings
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(files_settings, replicated_database)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


async def sales(url: str) -> dict[int, Decimal]:
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch(
            "SELECT i.store_id, sum(p.amount) AS total FROM payment p "
            "JOIN rental r ON r.rental_id = p.rental_id "
            "JOIN inventory i ON i.inventory_id = r.inventory_id GROUP BY i.store_id"
        )
    finally:
        await conn.close()
    return {r["store_id"]: r["total"] for r in rows}


async def test_reports_read_the_replica_and_the_rest_the_primary(
    replicated_http: httpx.AsyncClient,
    replicated_database: Database,
    files_settings: Settings,
    files_url: str,
    replica_url: str,
) -> None:
    auth = {"authorization": f"Bearer {token(files_settings, ADMIN)}"}
    primary, replica = await sales(files_url), await sales(replica_url)
    assert primary != replica

    body = (await replicated_http.post("/graphql", json={"query": SALES}, headers=auth)).json()
    got = {row["storeId"]: Decimal(row["totalSales"]) for row in body["data"]["salesByStore"]}
    assert got == replica

    # compiled (decision 0156): one statement, on the replica's engine
    with StatementCounter(replicated_database.replica) as on_replica:
        again = (await replicated_http.post("/graphql", json={"query": SALES}, headers=auth)).json()
    assert again == body and [s for s in on_replica.statements if s.endswith("AS data")]
    # a report beside other reads: each from its own database, as the executor reads them
    mixed = "{ salesByStore { storeId totalSales } film(filmId: 1) { title } }"
    both = (await replicated_http.post("/graphql", json={"query": mixed}, headers=auth)).json()
    assert {r["storeId"]: Decimal(r["totalSales"]) for r in both["data"]["salesByStore"]} == replica
    assert both["data"]["film"]["title"] != "ONLY ON THE REPLICA"

    exported = await replicated_http.get("/exports/sales-by-store.csv", headers=auth)
    rows = list(csv.reader(io.StringIO(exported.text)))[1:]
    assert {int(r[0]): Decimal(r[-2]) for r in rows} == replica

    film = (
        await replicated_http.post("/graphql", json={"query": "{ film(filmId: 1) { title } }"})
    ).json()
    assert film["data"]["film"]["title"] != "ONLY ON THE REPLICA"  # the catalogue: primary

    updated = (
        await replicated_http.post(
            "/graphql",
            json={
                "query": 'mutation { updateFilm(input: {filmId: 2, title: "WRITTEN"}) '
                "{ film { title } errors { code } } }"
            },
            headers=auth,
        )
    ).json()
    assert updated["data"]["updateFilm"] == {"film": {"title": "WRITTEN"}, "errors": []}
