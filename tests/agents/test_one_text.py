"""One text: on every path, the streamed deltas add up exactly to `RunCompleted.answer`, which
is what `ask()` (askAgent) returns — notices the run adds ("The catalogue has no match",
"We don't carry …", "Did you mean …?") included."""

from __future__ import annotations

import pytest

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


async def test_a_model_inventing_facts_about_a_catalogue_film_is_corrected(
    agent_settings: Settings, agents_db: Database, sql: Sql
) -> None:
    """A scripted model that invents on purpose: a year, a director, a rating, a running time
    and a price for a film the catalogue holds, with no tool call. Every invented fact is
    flagged; the answer ends with the catalogue's own facts, streamed like the rest."""
    (film,) = await sql.rows(
        "SELECT title, rating::text AS rating, length, rental_rate::text AS rate,"
        " release_year FROM film WHERE film_id = 47"
    )
    wrong_rating = "G" if film["rating"] != "G" else "NC-17"
    invention = (
        f"{film['title']} ({film['release_year'] - 30}), directed by Steven Spielberg, is rated "
        f"{wrong_rating}, runs {film['length'] + 7} minutes and costs $77.50 to rent."
    )

    def invents(turn: ScriptTurn) -> Reply:
        return Say(invention)

    unplanned = agent_settings.model_copy(update={"agent_plan_from_links": False})
    agents = runner(unplanned, agents_db, invents)
    events = [e async for e in agents.stream(f"what do you know about {film['title']}?", ANONYMOUS)]
    (completed,) = [e for e in events if isinstance(e, RunCompleted)]
    answer = completed.answer
    kinds = sorted(f.split(": ", 1)[1].split(" ", 1)[0] for f in answer.invented_facts)
    assert kinds == ["length", "person", "price", "rating", "year"]
    assert answer.answer.startswith(invention)
    assert f"{film['title']}: rated {film['rating']}, {film['length']} minutes" in answer.answer
    assert f"${film['rate']} to rent" in answer.answer
    assert "".join(e.delta for e in events if isinstance(e, MessageDelta)) == answer.answer

    def truthful(turn: ScriptTurn) -> Reply:
        return Say(
            f"{film['title']} is rated {film['rating']} and runs {film['length']} minutes, "
            f"${film['rate']} to rent."
        )

    honest = await runner(unplanned, agents_db, truthful).ask(
        f"what do you know about {film['title']}?", ANONYMOUS
    )
    assert honest.invented_facts == [] and "Correction" not in honest.answer
