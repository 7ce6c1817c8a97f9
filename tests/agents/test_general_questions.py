"""General questions a small model gets wrong by nature (issue 13 item 3), on questions made
from templates over the data's vocabulary (ratings, catalogue title words), never from the
evaluation set's test part:

* a question asking why, or what a word means, is general whatever catalogue words it holds:
  it goes to the LLMAgent and a model's handoff of it to the SearchAgent is refused;
* what an MPAA rating means is answered from the store's own table, without a model call;
* "Why do so many people love The X?" about a film the catalogue lacks names no catalogue title
  (it asks about the film, not for it);
* "new films" in lower case is the New category.
"""

from __future__ import annotations

import itertools
import random

import pytest

from agents.answers import RATING_MEANINGS
from agents.events import Handoff, MessageDelta, RunCompleted, ToolCallFinished
from agents.router import FirstAgent, route_linked
from config.settings import Settings
from domain.auth import ANONYMOUS
from domain.catalogue.films import MpaaRating
from domain.catalogue.links import QuestionLinks, link_question
from persistence.db import Database
from persistence.unit_of_work import SqlAlchemyUnitOfWork
from tests.agents.conftest import Sql, runner
from tests.agents.scripted import Call, Reply, Say, ScriptTurn

MEANING_TEMPLATES = (
    "What does an MPAA rating of {r} mean?",
    "what does {r} mean on a DVD?",
    "Can you explain the {r} rating?",
    "what do the letters {r} stand for on a film?",
    "what is the meaning of {r}?",
)
WHY_TEMPLATES = (
    "Why do so many people love The {w}?",
    "why is The {w} so famous?",
    "Why does everyone talk about The {w}?",
)
ANSWER = "I don't know that one, sorry."
ASKED_FOR = "Do you have The {w} in stock?"


async def link(database: Database, question: str) -> QuestionLinks:
    async with SqlAlchemyUnitOfWork(database, read_only=True) as uow:
        return await link_question(question, uow.catalogue_links)


def meaning_questions() -> list[tuple[str, MpaaRating]]:
    return [
        (template.format(r=rating.value), rating)
        for template, rating in itertools.product(MEANING_TEMPLATES, MpaaRating)
    ]


def eager_to_search(turn: ScriptTurn) -> Reply:
    """A model that hands every question to the SearchAgent while it may, and searches the
    question's last word there; once refused, it says it does not know."""
    if turn.offers("FilmSearch-search_films") and not turn.tool_results:
        return Call("FilmSearch-search_films", {"query": turn.question.split()[-1].strip("?")})
    if turn.offers("Handoff-transfer_to_SearchAgent") and not turn.tool_results:
        return Call("Handoff-transfer_to_SearchAgent")
    return Say(ANSWER)


@pytest.fixture(scope="module")
async def famous_words(sql: Sql) -> list[str]:
    """Words of catalogue titles that are no catalogue title themselves ("The Shining" is not
    a title, DIVORCE SHINING is): the partial matches a general question may mention."""
    rows = await sql.rows(
        "SELECT DISTINCT w FROM film, regexp_split_to_table(title, ' ') AS w "
        "WHERE length(w) >= 5 AND NOT EXISTS (SELECT 1 FROM film f2 WHERE f2.title = w) "
        "AND NOT EXISTS (SELECT 1 FROM film f3 WHERE f3.title = 'THE ' || w) "
        "AND NOT EXISTS (SELECT 1 FROM category c WHERE upper(c.name) = w) "
        "AND NOT EXISTS (SELECT 1 FROM actor a WHERE a.first_name = w OR a.last_name = w) "
        "ORDER BY 1"
    )
    # not a word the questions themselves use ("Do you have The Stock in stock?")
    used = {w.lower().strip("?") for t in (*WHY_TEMPLATES, ASKED_FOR) for w in t.split()}
    words = [str(r["w"]).title() for r in rows if str(r["w"]).lower() not in used]
    return random.Random(13).sample(words, 12)


@pytest.mark.parametrize(("question", "rating"), meaning_questions())
async def test_what_a_rating_means_is_general(
    agents_db: Database, question: str, rating: MpaaRating
) -> None:
    links = await link(agents_db, question)
    assert links.general and links.asks_meaning, question
    assert rating in links.ratings, question
    assert not links.about_catalogue, question
    assert route_linked(links).first is FirstAgent.LLM, question


async def test_rating_meanings_come_from_the_store_table_without_a_model(
    agent_settings: Settings, agents_db: Database
) -> None:
    asked: list[str] = []

    def model(turn: ScriptTurn) -> Reply:
        asked.append(turn.question)
        return eager_to_search(turn)

    agents = runner(agent_settings, agents_db, model)
    for question, rating in meaning_questions()[:: len(MpaaRating) + 1]:
        events = [e async for e in agents.stream(question, ANONYMOUS)]
        (completed,) = [e for e in events if isinstance(e, RunCompleted)]
        answer = completed.answer
        assert answer.agent == "LLMAgent", question
        assert RATING_MEANINGS[rating.value] in answer.answer, question
        assert not [s for s in answer.steps if isinstance(s, ToolCallFinished | Handoff)]
        deltas = "".join(e.delta for e in events if isinstance(e, MessageDelta))
        assert deltas == answer.answer
    assert asked == []


@pytest.mark.parametrize("template", WHY_TEMPLATES)
async def test_a_general_question_is_not_handed_to_the_search(
    agent_settings: Settings, agents_db: Database, famous_words: list[str], template: str
) -> None:
    agents = runner(agent_settings, agents_db, eager_to_search)
    for word in famous_words[:4]:
        question = template.format(w=word)
        answer = await agents.ask(question, ANONYMOUS)
        assert answer.agent == "LLMAgent", question
        assert not [s for s in answer.steps if isinstance(s, Handoff)], question
        assert answer.answer == ANSWER, question  # no "closest title", no film list
        assert answer.film_ids == [], question


async def test_a_film_asked_for_still_gets_the_closest_title(
    agents_db: Database, famous_words: list[str]
) -> None:
    """The other side: asking *for* the film is the not-in-catalogue path, with the closest."""
    for word in famous_words:
        links = await link(agents_db, ASKED_FOR.format(w=word))
        route = route_linked(links)
        assert route.first is FirstAgent.LLM and route.not_in_catalogue is not None, word
        assert route.not_in_catalogue.title is not None and word.upper() in (
            route.not_in_catalogue.title
        )
        general = await link(agents_db, f"Why do so many people love The {word}?")
        assert route_linked(general).not_in_catalogue is None, word


async def test_a_question_naming_a_catalogue_film_is_searched_even_with_why(
    agents_db: Database, sql: Sql
) -> None:
    rows = await sql.rows("SELECT title FROM film WHERE film_id % 97 = 5 ORDER BY film_id")
    for row in rows:
        links = await link(agents_db, f"Why is {row['title']} rated the way it is?")
        assert [t.title for t in links.titles] == [row["title"]]
        assert route_linked(links).first is FirstAgent.SEARCH


@pytest.mark.parametrize(
    "template",
    [
        "What are the longest new films you have?",
        "show me your shortest new movies",
        "which new films are the cheapest to rent?",
        "any new dvds under $1?",
    ],
)
async def test_new_films_in_lower_case_are_the_new_category(
    agents_db: Database, template: str
) -> None:
    links = await link(agents_db, template)
    assert links.categories == ("New",), template
    assert route_linked(links).first is FirstAgent.SEARCH


@pytest.mark.parametrize("question", ["anything new?", "what's new at the store this week?"])
async def test_new_alone_is_no_category(agents_db: Database, question: str) -> None:
    links = await link(agents_db, question)
    assert "New" not in links.categories
