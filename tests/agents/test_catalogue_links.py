"""Linking questions to the catalogue (domain.catalogue.links over pg_trgm), on questions
generated from the data: titles in any case and with typos, actors, films the catalogue does
not hold that share a word with one it does, films by property, general questions."""

from __future__ import annotations

import random
from typing import Any

import pytest

from agents.router import FirstAgent, route_linked
from domain.catalogue.links import (
    FactAsked,
    MatchKind,
    QuestionLinks,
    SortField,
    close_to,
    edit_distance,
    link_question,
)
from persistence.db import Database
from persistence.unit_of_work import SqlAlchemyUnitOfWork
from tests.agents.conftest import Sql

TEMPLATES = (
    "Tell me about {t}.",
    "Is {t} a good pick for a family movie night?",
    "How much does {t} cost to rent?",
    "do you have {t} in stock at store 2?",
    "{t} - how long is it?",
)


async def link(database: Database, question: str) -> QuestionLinks:
    async with SqlAlchemyUnitOfWork(database, read_only=True) as uow:
        return await link_question(question, uow.catalogue_links)


@pytest.fixture(scope="module")
async def titles(sql: Sql) -> list[Any]:
    return await sql.rows("SELECT film_id, title FROM film WHERE film_id % 37 = 3 ORDER BY 1")


def cased(title: str, how: int) -> str:
    return (title.title(), title.lower(), title.upper())[how % 3]


def typo(title: str, rng: random.Random) -> str:
    """One letter of the title's longest word replaced by another (not the first letter)."""
    words = title.split()
    i = max(range(len(words)), key=lambda k: len(words[k]))
    word = words[i]
    at = rng.randrange(1, len(word))
    letter = rng.choice([c for c in "abcdefghijklmnopqrstuvwxyz" if c != word[at].lower()])
    words[i] = word[:at] + letter.upper() + word[at + 1 :]
    return " ".join(words)


async def test_titles_in_any_case_inside_a_sentence_are_exact(
    agents_db: Database, titles: list[Any]
) -> None:
    assert len(titles) >= 25
    for n, row in enumerate(titles):
        question = TEMPLATES[n % len(TEMPLATES)].format(t=cased(row["title"], n))
        links = await link(agents_db, question)
        assert links.film is not None, question
        assert (links.film.kind, links.film.film_id) == (MatchKind.EXACT, row["film_id"]), question
        assert route_linked(links).first is FirstAgent.SEARCH, question
        assert links.not_in_catalogue is None


async def test_a_title_with_a_typo_is_a_close_match(
    agents_db: Database, titles: list[Any], sql: Sql
) -> None:
    rng = random.Random(13)
    all_titles = {r["title"] for r in await sql.rows("SELECT title FROM film")}
    found = tried = 0
    for n, row in enumerate(titles):
        wrong = typo(row["title"], rng)
        if wrong.upper() in all_titles:
            continue  # the typo made another catalogue title
        tried += 1
        question = TEMPLATES[n % len(TEMPLATES)].format(t=cased(wrong, n))
        links = await link(agents_db, question)
        film = links.film
        if film is not None and film.film_id == row["film_id"]:
            assert film.kind is MatchKind.CLOSE, question
            found += 1
        # never told it is not in the catalogue
        assert links.not_in_catalogue is None or film is not None, question
    assert tried >= 20
    assert found / tried >= 0.9, (found, tried)


async def test_a_film_sharing_a_word_with_a_title_is_not_taken_for_it(
    agents_db: Database, titles: list[Any]
) -> None:
    for row in titles[:15]:
        word = row["title"].split()[0].title()
        question = f"Do you have The {word} Returns in stock?"
        links = await link(agents_db, question)
        assert links.film is None, question
        missing = links.not_in_catalogue
        assert missing is not None, question
        assert missing.asked == f"The {word} Returns"
        assert missing.kind is MatchKind.PARTIAL
        assert word.upper() in (missing.title or "").split(), question
        chosen = route_linked(links)
        assert chosen.first is FirstAgent.LLM and chosen.not_in_catalogue == missing


async def test_actors_by_name_in_any_case(agents_db: Database, sql: Sql) -> None:
    actors = await sql.rows(
        "SELECT actor_id, first_name, last_name FROM actor WHERE actor_id % 10 = 1 ORDER BY 1"
    )
    for n, actor in enumerate(actors):
        name = cased(f"{actor['first_name']} {actor['last_name']}", n)
        links = await link(agents_db, f"which films star {name}?")
        assert actor["actor_id"] in [a.actor_id for a in links.actors], name
        assert route_linked(links).first is FirstAgent.SEARCH


@pytest.mark.parametrize(
    ("question", "field", "descending"),
    [
        ("What are the longest films you have?", SortField.LENGTH, True),
        ("show me your shortest movies", SortField.LENGTH, False),
        ("Which are the cheapest films to rent?", SortField.RENTAL_RATE, False),
        ("your most expensive dvds?", SortField.RENTAL_RATE, True),
    ],
)
async def test_films_by_property_go_to_search_with_their_order(
    agents_db: Database, question: str, field: SortField, descending: bool
) -> None:
    links = await link(agents_db, question)
    assert links.sort is not None and (links.sort.field, links.sort.descending) == (
        field,
        descending,
    )
    assert route_linked(links).first is FirstAgent.SEARCH


@pytest.mark.parametrize(
    "question",
    [
        "Give me three tips for hosting a movie night",
        "What does an MPAA rating of NC-17 mean?",
        "how should I look after DVDs so they last?",
        "what's a good snack for a movie night?",
        "Who won the best picture Oscar in 1998?",
    ],
)
async def test_general_questions_go_to_the_llm_agent(agents_db: Database, question: str) -> None:
    links = await link(agents_db, question)
    assert not links.titles and not links.actors
    assert route_linked(links).first is FirstAgent.LLM


async def test_numbers_with_units_stores_and_asked_facts(agents_db: Database) -> None:
    links = await link(agents_db, "comedies under $2 shorter than an hour at store 1, in stock?")
    assert links.categories == ("Comedy",)
    assert str(links.max_price) == "2" and links.max_length == 60 and links.stores == (1,)
    assert FactAsked.STOCK in links.asks
    longer = await link(agents_db, "horror films longer than 2 hours")
    assert longer.min_length == 120 and longer.max_length is None


def test_edit_distance_and_closeness() -> None:
    assert edit_distance("hayl", "hall") == 1
    assert edit_distance("godfather", "godfather") == 0
    assert close_to("Baby Hayl", "BABY HALL", named=True) == 1
    assert close_to("The Godfather", "GODFATHER DIARY", named=True) is None
    assert close_to("Bbay Hlal", "BABY HALL", named=False) is None  # no word right, not named


async def test_a_title_written_exactly_wins_over_a_look_alike_elsewhere(
    agents_db: Database,
) -> None:
    links = await link(agents_db, "If I lose BIRD INDEPENDENCE, what is the replacement cost?")
    assert [(t.kind, t.title) for t in links.titles] == [(MatchKind.EXACT, "BIRD INDEPENDENCE")]
    assert FactAsked.REPLACEMENT_COST in links.asks and FactAsked.PRICE not in links.asks
