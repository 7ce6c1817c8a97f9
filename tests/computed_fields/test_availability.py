"""Film.availableCopies / isInStock against Pagila's own `film_in_stock`, in one batched
statement for all the films of a page."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import httpx
import pytest

from config.settings import Settings
from pagila_graph.app import create_app
from persistence.db import Database, StatementCounter
from tests.mutations.support import HeaderAuthenticator
from tests.read_api_support import Caller

FILMS = """
query($n: Int) {
  films(first: $n) {
    nodes {
      filmId availableCopies isInStock
      atStore1: availableCopies(storeId: 1) atStore2: availableCopies(storeId: 2)
    }
  }
}
"""


@pytest.fixture(params=[False, True], ids=["executor", "compiled"])
async def either_path(
    request: pytest.FixtureRequest, settings: Settings, database: Database
) -> AsyncIterator[tuple[Caller, int]]:
    """Both read paths, with the statements each may run: the executor's films list plus one
    availability statement for 100 films x 3 questions; the compiled path's one statement
    (persistence.repositories.films.copies_in_stock, the SQL form of the domain's rule)."""
    compiled: bool = request.param
    app = create_app(
        settings.model_copy(update={"compiled_reads": compiled}), database, HeaderAuthenticator()
    )
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        yield Caller(c), 1 if compiled else 2


async def test_availability_matches_film_in_stock_on_both_paths(
    either_path: tuple[Caller, int], sql: asyncpg.Connection, database: Database
) -> None:
    api, statements = either_path
    with StatementCounter(database.engine) as sql_counter:
        films = (await api.data(FILMS, {"n": 100}))["films"]["nodes"]
    assert len(films) == 100
    assert sql_counter.count == statements, sql_counter.statements

    rows = await sql.fetch(
        """
        SELECT f.film_id,
               (SELECT count(*) FROM film_in_stock(f.film_id, 1)) AS s1,
               (SELECT count(*) FROM film_in_stock(f.film_id, 2)) AS s2,
               (SELECT count(*) FROM inventory i WHERE i.film_id = f.film_id) AS copies
        FROM film f WHERE f.film_id = ANY($1::int[])
        """,
        [f["filmId"] for f in films],
    )
    expected = {r["film_id"]: r for r in rows}
    for film in films:
        row = expected[film["filmId"]]
        assert film["atStore1"] == row["s1"], film
        assert film["atStore2"] == row["s2"], film
        assert film["availableCopies"] == row["s1"] + row["s2"], film
        assert film["isInStock"] == (row["s1"] + row["s2"] > 0), film
    # the data exercises the rule: some copies are out, some films have none at all
    assert any(f["availableCopies"] < expected[f["filmId"]]["copies"] for f in films)
    assert any(not f["isInStock"] for f in films)


async def test_a_film_with_copies_out(api: Caller, sql: asyncpg.Connection) -> None:
    film_id = await sql.fetchval(
        "SELECT i.film_id FROM rental r JOIN inventory i USING (inventory_id) "
        "WHERE r.return_date IS NULL ORDER BY r.rental_id LIMIT 1"
    )
    out = await sql.fetchval(
        "SELECT count(*) FROM rental r JOIN inventory i USING (inventory_id) "
        "WHERE r.return_date IS NULL AND i.film_id = $1",
        film_id,
    )
    copies = await sql.fetchval("SELECT count(*) FROM inventory WHERE film_id = $1", film_id)
    film = (
        await api.data("query($id: Int) { film(filmId: $id) { availableCopies } }", {"id": film_id})
    )["film"]
    assert out > 0
    assert film["availableCopies"] == copies - out
