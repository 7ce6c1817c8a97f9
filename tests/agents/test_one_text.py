"""One text: on every path, the streamed deltas add up exactly to `RunCompleted.answer`, which
is what `ask()` (askAgent) returns — notices the run adds ("The catalogue has no match",
"We don't carry …", "Did you mean …?") included."""

from __future__ import annotations

from typing import Any

import pytest

from agents.eval.dataset import Kind, Question
from agents.eval.runner import ask_one
from agents.events import MessageDelta, RunCompleted
from config.settings import Settings
from domain.assistant import AgentFailed
from domain.auth import ANONYMOUS
from persistence.db import Database
from tests.agents.conftest import Sql, runner
from tests.agents.scripted import Call, Reply, Say, ScriptTurn


def policy(turn: ScriptTurn) -> Reply:
    """Searches with the question's last word when it may, then lets the run answer; as the
    LLMAgent, answers in two sentences."""
    if turn.offers("FilmSearch-search_films") and not turn.tool_results:
        return Call("FilmSearch-search_films", {"query": turn.question.split()[-1].strip("?")})
    if "refuse" in turn.question:
        return Say("Sorry, I can only help with films and rentals at this store.")
    return Say("  Here is what I can say. A second sentence.  ")


def failing(turn: ScriptTurn) -> Reply:
    raise RuntimeError("the model provider is down")


PATHS = {
    "search": "How much does ACADEMY DINOSAUR cost to rent?",
    "close title": "tell me about the film Baby Hayl",
    "list by property": "What are the longest films you have?",
    "no-match handoff": "any films about xylophonequarks?",
    "not in catalogue": "Do you have The Godfather in stock?",
    "general": "Give me three tips for hosting a movie night",
    "refusal": "please refuse this one",
}


@pytest.mark.parametrize("path", list(PATHS))
async def test_the_streamed_text_is_the_answer(
    agent_settings: Settings, agents_db: Database, path: str
) -> None:
    question = PATHS[path]
    agents = runner(agent_settings, agents_db, policy)
    events = [event async for event in agents.stream(question, ANONYMOUS)]
    deltas = [e.delta for e in events if isinstance(e, MessageDelta)]
    (completed,) = [e for e in events if isinstance(e, RunCompleted)]
    assert len(deltas) > 1, path
    assert "".join(deltas) == completed.answer.answer, path
    asked = await agents.ask(question, ANONYMOUS)
    assert asked.answer == completed.answer.answer, path
    assert not asked.answer.startswith(" ")


async def test_the_notices_are_streamed_too(agent_settings: Settings, agents_db: Database) -> None:
    agents = runner(agent_settings, agents_db, policy)
    answer = await agents.ask(PATHS["not in catalogue"], ANONYMOUS)
    assert answer.answer.startswith(
        "We don't carry The Godfather; the closest title we have is GODFATHER DIARY. "
    )
    assert answer.agent == "LLMAgent" and answer.film_ids == []
    assert answer.denied_titles == []
    close = await agents.ask(PATHS["close title"], ANONYMOUS)
    assert close.answer.startswith("Did you mean BABY HALL? BABY HALL: rated ")
    assert close.denied_titles == []
    handed = await agents.ask(PATHS["no-match handoff"], ANONYMOUS)
    assert handed.answer.startswith("The catalogue has no match for that. Here is what")


async def test_a_failed_run_streams_no_answer(
    agent_settings: Settings, agents_db: Database
) -> None:
    agents = runner(agent_settings, agents_db, failing)
    seen: list[object] = []
    with pytest.raises(AgentFailed):
        async for event in agents.stream(PATHS["general"], ANONYMOUS):
            seen.append(event)
    assert not [e for e in seen if isinstance(e, MessageDelta | RunCompleted)]
    with pytest.raises(AgentFailed):
        await agents.ask(PATHS["general"], ANONYMOUS)


async def test_a_false_no_match_is_flagged(agent_settings: Settings, agents_db: Database) -> None:
    """The guard: a model that says the store lacks a film the question names and the
    catalogue holds is flagged in `denied_titles` (askAgent's `deniedTitles`)."""

    def denies(turn: ScriptTurn) -> Reply:
        return Say("Sorry, we don't carry that film.")

    # the model answers (no search planned from the links): here it denies the film
    unplanned = agent_settings.model_copy(update={"agent_plan_from_links": False})
    agents = runner(unplanned, agents_db, denies)
    answer = await agents.ask("Is Academy Dinosaur in stock?", ANONYMOUS)
    assert answer.denied_titles == ["ACADEMY DINOSAUR"]
    honest = await runner(agent_settings, agents_db, policy).ask(
        "Is Academy Dinosaur in stock?", ANONYMOUS
    )
    assert honest.denied_titles == [] and "ACADEMY DINOSAUR has" in honest.answer


def inventions(film: dict[str, Any]) -> dict[str, str]:
    """One sentence per kind of invented fact about `film`, each contradicting the catalogue."""
    title = film["title"]
    wrong_rating = "G" if film["rating"] != "G" else "NC-17"
    return {
        "year": f"{title} came out in {film['release_year'] - 30}.",
        "person": f"{title} was directed by Steven Spielberg.",
        "rating": f"{title} is rated {wrong_rating} in every store.",
        "length": f"{title} runs {film['length'] + 7} minutes!",
        "price": f"Renting {title} costs $77.50 tonight.",
    }


async def some_films(sql: Sql) -> list[dict[str, Any]]:
    """Films of every rating, chosen by a hash of their titles (not hand-picked)."""
    return await sql.rows(
        "SELECT DISTINCT ON (rating) title, rating::text AS rating, length, release_year,"
        " rental_rate::text AS rate, replacement_cost::text AS cost"
        " FROM film ORDER BY rating, md5(title)"
    )


@pytest.mark.parametrize("kind", ["year", "person", "rating", "length", "price"])
async def test_a_sentence_with_invented_facts_is_never_streamed(
    agent_settings: Settings, agents_db: Database, sql: Sql, kind: str
) -> None:
    """A scripted model that invents on purpose, between two true sentences, about films of
    the catalogue: the invented sentence is held back before it is streamed, the catalogue's
    own facts are said in its place, the deltas add up to the answer, and the answer (what the
    eval scores) holds no invented fact."""
    films = await some_films(sql)
    assert len(films) >= 4
    unplanned = agent_settings.model_copy(update={"agent_plan_from_links": False})
    for film in films:
        invented = inventions(film)[kind]
        before = f"Here is what I know about {film['title']}."
        after = "Ask me about any other film."

        def invents(turn: ScriptTurn, text: str = f"{before} {invented} {after}") -> Reply:
            return Say(text)

        agents = runner(unplanned, agents_db, invents)
        question = f"what do you know about {film['title']}?"
        events = [e async for e in agents.stream(question, ANONYMOUS)]
        (completed,) = [e for e in events if isinstance(e, RunCompleted)]
        deltas = [e.delta for e in events if isinstance(e, MessageDelta)]
        answer = completed.answer
        assert "".join(deltas) == answer.answer, film
        assert invented not in answer.answer, film
        assert answer.answer.startswith(before) and answer.answer.endswith(after), film
        facts = (
            f"From the catalogue: {film['title']}: rated {film['rating']}, {film['length']} "
            f"minutes, ${film['rate']} to rent, ${film['cost']} to replace, released in "
            f"{film['release_year']}."
        )
        assert facts in answer.answer, film
        assert ("records no director" in answer.answer) == (kind == "person"), film
        assert answer.invented_facts == [] and "Correction" not in answer.answer, film
        outcome = await ask_one(agents, Question("q", Kind.TITLE_LOOKUP, question, "SearchAgent"))
        assert outcome.invented_facts == [] and invented not in outcome.answer, film


async def test_the_catalogue_facts_are_said_once_and_true_sentences_pass(
    agent_settings: Settings, agents_db: Database, sql: Sql
) -> None:
    """Every invention about one film in one answer: the catalogue's facts once; an answer
    stating the catalogue's own facts is streamed as written."""
    (film, *_) = await some_films(sql)
    said = " ".join(inventions(film).values())

    def invents(turn: ScriptTurn) -> Reply:
        return Say(said)

    unplanned = agent_settings.model_copy(update={"agent_plan_from_links": False})
    question = f"what do you know about {film['title']}?"
    answer = await runner(unplanned, agents_db, invents).ask(question, ANONYMOUS)
    assert answer.answer.count("From the catalogue:") == 1
    assert answer.answer.startswith("From the catalogue:") and answer.invented_facts == []
    for sentence in inventions(film).values():
        assert sentence not in answer.answer
    true = (
        f"{film['title']} is rated {film['rating']} and runs {film['length']} minutes. "
        f"It costs ${film['rate']} to rent."
    )

    def truthful(turn: ScriptTurn) -> Reply:
        return Say(true)

    honest = await runner(unplanned, agents_db, truthful).ask(question, ANONYMOUS)
    assert honest.answer == true and honest.invented_facts == []
