"""Every label of the evaluation set, recomputed from the loaded Pagila data with plain SQL: a
wrong film id, fact or stock count fails here (the labels are data, not opinions)."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import asyncpg
import pytest

from agents.eval.dataset import BUNDLED_KINDS, Kind, Question, load_questions
from persistence.db import to_libpq_url

QUESTIONS = load_questions()
FIELDS = {"rental_rate", "length", "rating", "replacement_cost"}


@pytest.fixture(scope="module")
async def conn(pagila_url: str) -> Any:
    connection = await asyncpg.connect(to_libpq_url(pagila_url))
    try:
        yield connection
    finally:
        await connection.close()


def test_the_set_covers_every_kind_with_enough_questions() -> None:
    assert len(QUESTIONS) >= 60
    counts = {kind: sum(1 for q in QUESTIONS if q.kind is kind) for kind in BUNDLED_KINDS}
    assert min(counts.values()) >= 8, counts
    title_fields = {q.check["field"] for q in QUESTIONS if q.kind is Kind.TITLE_LOOKUP}
    assert title_fields == FIELDS


@pytest.mark.parametrize("question", QUESTIONS, ids=lambda q: q.id)
def test_labels_are_consistent(question: Question) -> None:
    catalogue = question.kind not in (Kind.GENERAL, Kind.NOT_IN_CATALOGUE)
    assert question.agent == ("SearchAgent" if catalogue else "LLMAgent")
    assert question.handoff is (question.kind is Kind.NOT_IN_CATALOGUE)
    assert bool(question.films) is catalogue
    assert question.must_name is catalogue
    assert (question.in_stock is not None) is (question.kind is Kind.AVAILABILITY)


async def _films_matching(conn: Any, check: dict[str, Any]) -> list[int]:
    """The films meeting every criterion: words as whole-word prefixes of the title or the
    description (so "wrestler" also finds "Wrestlers"), category by name, rating, price cap and
    length bounds (inclusive)."""
    where: list[str] = []
    args: list[Any] = []

    def arg(value: Any) -> str:
        args.append(value)
        return f"${len(args)}"

    for word in check.get("words", []):
        pattern = arg(r"\y" + re.escape(word.lower()))
        where.append(f"(lower(f.title) ~ {pattern} or lower(f.description) ~ {pattern})")
    if "category" in check:
        where.append(
            "exists (select 1 from film_category fc join category c using (category_id) "
            f"where fc.film_id = f.film_id and c.name = {arg(check['category'])})"
        )
    if "rating" in check:
        where.append(f"f.rating::text = {arg(check['rating'])}")
    if "max_price" in check:
        where.append(f"f.rental_rate <= {arg(Decimal(str(check['max_price'])))}")
    if "min_length" in check:
        where.append(f"f.length >= {arg(check['min_length'])}")
    if "max_length" in check:
        where.append(f"f.length <= {arg(check['max_length'])}")
    assert where, check
    rows = await conn.fetch(
        f"select f.film_id from film f where {' and '.join(where)} order by f.film_id", *args
    )
    return [row["film_id"] for row in rows]


CATALOGUE = [q for q in QUESTIONS if q.kind in (Kind.KEYWORD, Kind.FILTER)]


@pytest.mark.parametrize("question", CATALOGUE, ids=lambda q: q.id)
async def test_search_labels_are_exactly_the_matching_films(conn: Any, question: Question) -> None:
    expected = await _films_matching(conn, question.check)
    assert expected, f"{question.id}: no film meets {question.check}"
    assert list(question.films) == expected


TITLES = [q for q in QUESTIONS if q.kind is Kind.TITLE_LOOKUP]


@pytest.mark.parametrize("question", TITLES, ids=lambda q: q.id)
async def test_title_lookup_labels_are_the_films_values(conn: Any, question: Question) -> None:
    field = question.check["field"]
    assert field in FIELDS
    row = await conn.fetchrow(
        f"select film_id, {field}::text as value from film where title = $1",
        question.check["title"],
    )
    assert row is not None
    assert question.films == (row["film_id"],)
    assert question.facts == (row["value"],)


STOCK = [q for q in QUESTIONS if q.kind is Kind.AVAILABILITY]


@pytest.mark.parametrize("question", STOCK, ids=lambda q: q.id)
async def test_availability_labels_are_the_copies_on_the_shelf(
    conn: Any, question: Question
) -> None:
    film_id = await conn.fetchval(
        "select film_id from film where title = $1", question.check["title"]
    )
    copies = await conn.fetchval(
        "select count(*) from inventory i where i.film_id = $1 and i.store_id = $2 and not exists "
        "(select 1 from rental r where r.inventory_id = i.inventory_id and r.return_date is null)",
        film_id,
        question.check["store"],
    )
    assert question.films == (film_id,)
    assert question.check["copies"] == copies
    assert question.in_stock is (copies > 0)


def test_availability_covers_both_answers() -> None:
    assert {q.in_stock for q in STOCK} == {True, False}


ABSENT = [q for q in QUESTIONS if q.kind is Kind.NOT_IN_CATALOGUE]


@pytest.mark.parametrize("question", ABSENT, ids=lambda q: q.id)
async def test_not_in_catalogue_really_is_not(conn: Any, question: Question) -> None:
    for word in question.check["absent"]:
        found = await conn.fetchval(
            "select count(*) from film where title ilike $1 or description ilike $1 "
            "or fulltext @@ websearch_to_tsquery('english', $2)",
            f"%{word}%",
            word,
        )
        assert found == 0, f"{question.id}: {word!r} is in the catalogue"
