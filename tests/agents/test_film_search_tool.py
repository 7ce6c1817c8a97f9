"""The FilmSearch tool's answers for what customers actually write, compared with plain SQL."""

from __future__ import annotations

import json
from typing import Any

import asyncpg
import pytest

from agents.plugins.film_search import FilmSearchPlugin
from agents.router import FirstAgent, route
from domain.catalogue.search import category_key
from persistence.db import Database, to_libpq_url
from persistence.unit_of_work import SqlUnitOfWorkFactory


@pytest.fixture(scope="module")
async def conn(pagila_url: str) -> Any:
    connection = await asyncpg.connect(to_libpq_url(pagila_url))
    try:
        yield connection
    finally:
        await connection.close()


async def search(database: Database, **criteria: Any) -> dict[str, Any]:
    plugin = FilmSearchPlugin(SqlUnitOfWorkFactory(database))
    result: dict[str, Any] = json.loads(await plugin.search_films(**criteria))
    return result


async def test_results_carry_the_replacement_cost(database: Database, conn: Any) -> None:
    result = await search(database, title="ACADEMY DINOSAUR")
    cost = await conn.fetchval("select replacement_cost::text from film where film_id = 1")
    assert result["films"][0]["replacement_cost"] == cost


async def test_a_film_with_no_copy_at_the_store_is_returned_with_zero(
    database: Database, conn: Any
) -> None:
    film_id = await conn.fetchval(
        "select f.film_id from film f where exists (select 1 from inventory i where "
        "i.film_id = f.film_id) and not exists (select 1 from inventory i where "
        "i.film_id = f.film_id and i.store_id = 1) order by f.film_id limit 1"
    )
    title = await conn.fetchval("select title from film where film_id = $1", film_id)
    result = await search(database, title=title, in_stock_at_store=1)
    assert [(f["id"], f["in_stock"]) for f in result["films"]] == [(film_id, {"1": 0})]
    stocked = await search(database, title="ACADEMY DINOSAUR", in_stock_at_store=2)
    copies = await conn.fetchval(
        "select count(*) from inventory i where i.film_id = 1 and i.store_id = 2 and not exists "
        "(select 1 from rental r where r.inventory_id = i.inventory_id and r.return_date is null)"
    )
    assert stocked["films"][0]["in_stock"] == {"2": copies}
    nothing = await search(database, title="NO SUCH FILM", in_stock_at_store=1)
    assert nothing == {"films": [], "count": 0}


async def test_a_topic_given_as_a_title_is_searched_as_keywords(
    database: Database, conn: Any
) -> None:
    expected = await conn.fetch(
        "select film_id from film where fulltext @@ websearch_to_tsquery('english', $1)",
        "dentist monastery",
    )
    result = await search(database, title="dentist monastery")
    assert result["count"] == len(expected) > 0
    assert {f["id"] for f in result["films"]} <= {r["film_id"] for r in expected}


async def test_keywords_that_are_a_category_or_a_rating_are_used_as_such(
    database: Database, conn: Any
) -> None:
    count = await conn.fetchval(
        "select count(*) from film f join film_category fc using (film_id) join category c "
        "using (category_id) where c.name = 'Comedy' and f.rating = 'NC-17'"
    )
    result = await search(database, query="comedies NC-17")
    assert result["count"] == count > 0


@pytest.mark.parametrize(
    ("written", "key"),
    [("Comedies", "comedy"), ("children's", "children"), ("classic", "classic"), ("New", "new")],
)
def test_category_names_match_as_people_write_them(written: str, key: str) -> None:
    assert category_key(written) == key


@pytest.mark.parametrize(
    "question", ["any documentaries about a crocodile?", "Have you got comedies?"]
)
def test_the_router_knows_plurals(question: str) -> None:
    assert route(question) is FirstAgent.SEARCH
