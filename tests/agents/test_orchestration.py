"""The handoff orchestration driven by scripted models: every path of a run."""

from __future__ import annotations

import json

from agents.events import AgentMessage, Handoff, ToolCallFinished
from config.settings import Settings
from domain.auth import ANONYMOUS
from persistence.db import Database
from tests.agents.conftest import Sql, runner
from tests.agents.scripted import Call, Reply, Say, ScriptTurn


def list_films(turn: ScriptTurn) -> str:
    films = json.loads(turn.tool_results[-1][1])["films"]
    return "We have " + ", ".join(f["title"] for f in films) + "."


def search_then_answer(arguments: dict[str, object]):  # type: ignore[no-untyped-def]
    def policy(turn: ScriptTurn) -> Reply:
        if turn.offers("FilmSearch-search_films"):
            if not turn.tool_results:
                return Call("FilmSearch-search_films", arguments)
            return Say(list_films(turn))
        return Say("general answer")

    return policy


async def test_film_question_calls_a_tool_and_answers_with_its_films(
    agent_settings: Settings, agents_db: Database, sql: Sql
) -> None:
    agents = runner(
        agent_settings, agents_db, search_then_answer({"query": "dinosaur", "max_price": 1})
    )
    answer = await agents.ask("anything with dinosaurs under $1?", ANONYMOUS)
    expected = await sql.rows(
        "SELECT film_id, title FROM film"
        " WHERE fulltext @@ websearch_to_tsquery('english', 'dinosaur') AND rental_rate <= 1"
    )
    assert expected, "the data must hold such films for this test to mean anything"
    assert answer.agent == "SearchAgent"
    tool_steps = [s for s in answer.steps if isinstance(s, ToolCallFinished)]
    assert [(s.plugin, s.function) for s in tool_steps] == [("FilmSearch", "search_films")]
    expected_ids = {r["film_id"] for r in expected}
    assert answer.film_ids and set(answer.film_ids) <= expected_ids
    assert len(answer.film_ids) == min(5, len(expected_ids))
    assert answer.ungrounded_titles == []
    assert not any(isinstance(s, Handoff) for s in answer.steps)
    # the answer is written from the tool result on the SearchAgent's side (agents.answers):
    # the model chose the tool and wrote nothing else (the scripted model counts words)
    assert answer.usage.completion_tokens == 0
    assert all(r["title"] in answer.answer for r in expected[:5])


def no_match_policy(seen: list[ScriptTurn]):  # type: ignore[no-untyped-def]
    def policy(turn: ScriptTurn) -> Reply:
        seen.append(turn)
        if turn.offers("FilmSearch-search_films"):
            if not turn.tool_results:
                return Call("FilmSearch-search_films", {"query": "xylophonequark"})
            # a disobedient model that would keep searching: the filter must not let it
            return Call("FilmSearch-search_films", {"query": "another"})
        return Say("Sorry, I can only suggest browsing our categories.")

    return policy


async def test_no_match_hands_off_to_the_llm_agent_whatever_the_model_does(
    agent_settings: Settings, agents_db: Database, sql: Sql
) -> None:
    assert not await sql.rows(
        "SELECT 1 FROM film WHERE fulltext @@ websearch_to_tsquery('english', 'xylophonequark')"
    )
    seen: list[ScriptTurn] = []
    answer = await runner(agent_settings, agents_db, no_match_policy(seen)).ask(
        "any film about xylophonequark?", ANONYMOUS
    )
    assert answer.agent == "LLMAgent"
    assert answer.answer.startswith("The catalogue has no match for that.")
    handoffs = [s for s in answer.steps if isinstance(s, Handoff)]
    assert handoffs == [Handoff("SearchAgent", "LLMAgent", "no catalogue match")]
    assert len([s for s in answer.steps if isinstance(s, ToolCallFinished)]) == 1
    # the LLMAgent was told what the SearchAgent found (SK would not pass it on)
    llm_turns = [t for t in seen if not t.offers("FilmSearch-search_films")]
    assert llm_turns and any("found no film" in n for n in llm_turns[0].context_notes)
    assert answer.film_ids == []


async def test_general_question_goes_to_the_llm_agent_first(
    agent_settings: Settings, agents_db: Database
) -> None:
    seen: list[ScriptTurn] = []

    def policy(turn: ScriptTurn) -> Reply:
        seen.append(turn)
        return Say("Rainy days call for a blanket and tea.")

    answer = await runner(agent_settings, agents_db, policy).ask(
        "what should I do on a rainy afternoon?", ANONYMOUS
    )
    assert answer.agent == "LLMAgent"
    assert answer.answer == "Rainy days call for a blanket and tea."
    assert len(seen) == 1 and "Handoff-transfer_to_SearchAgent" in seen[0].functions
    assert "FilmSearch-search_films" not in seen[0].functions
    assert answer.steps == [AgentMessage("LLMAgent", "Rainy days call for a blanket and tea.")]


async def test_llm_agent_hands_catalogue_questions_back(
    agent_settings: Settings, agents_db: Database, sql: Sql
) -> None:
    (row,) = await sql.rows("SELECT film_id, title FROM film WHERE film_id = 2")

    def policy(turn: ScriptTurn) -> Reply:
        if turn.offers("FilmSearch-search_films"):
            if not turn.tool_results:
                return Call("FilmSearch-search_films", {"title": row["title"]})
            return Say(list_films(turn))
        return Call("Handoff-transfer_to_SearchAgent")

    # worded so the router sends it to the LLMAgent first (it names nothing in the catalogue)
    answer = await runner(agent_settings, agents_db, policy).ask(
        "what else is good tonight?", ANONYMOUS
    )
    assert [s for s in answer.steps if isinstance(s, Handoff)] == [
        Handoff("LLMAgent", "SearchAgent", "catalogue question")
    ]
    assert answer.agent == "SearchAgent"
    assert answer.film_ids == [row["film_id"]]


async def test_malformed_tool_call_is_reported_to_the_model_which_recovers(
    agent_settings: Settings, agents_db: Database, sql: Sql
) -> None:
    from tests.agents.scripted import Malformed

    results_seen: list[list[tuple[str, str]]] = []

    def policy(turn: ScriptTurn) -> Reply:
        if not turn.offers("FilmSearch-search_films"):
            return Say("unexpected")
        results_seen.append(turn.tool_results)
        if not turn.tool_results:
            return Malformed("FilmSearch-search_films", '{"query": "dinosaur", ')
        if len(turn.tool_results) == 1:
            return Call("FilmSearch-search_films", {"query": "dinosaur"})
        return Say(list_films(turn))

    answer = await runner(agent_settings, agents_db, policy).ask("dinosaur films?", ANONYMOUS)
    assert "malformed" in results_seen[1][0][1].lower() or "error" in results_seen[1][0][1].lower()
    assert len([s for s in answer.steps if isinstance(s, ToolCallFinished)]) == 1
    expected = await sql.rows(
        "SELECT film_id FROM film WHERE fulltext @@ websearch_to_tsquery('english', 'dinosaur')"
    )
    assert answer.film_ids and set(answer.film_ids) <= {r["film_id"] for r in expected}


async def test_an_invented_title_is_flagged(
    agent_settings: Settings, agents_db: Database, sql: Sql
) -> None:
    (real,) = await sql.rows("SELECT title FROM film WHERE film_id = 2")
    invented = "MOONLIGHT ZEBRA PARADE"
    assert not await sql.rows("SELECT 1 FROM film WHERE upper(title) = $1", invented)

    def policy(turn: ScriptTurn) -> Reply:
        return Say(f"You might enjoy {real['title']} or {invented}.")

    answer = await runner(agent_settings, agents_db, policy).ask("cheer me up", ANONYMOUS)
    assert answer.ungrounded_titles == [invented]


async def test_a_title_the_customer_wrote_is_not_flagged_but_another_is(
    agent_settings: Settings, agents_db: Database, sql: Sql
) -> None:
    asked, invented = "MOONLIGHT ZEBRA PARADE", "SUNRISE OTTER PARADE"
    for title in (asked, invented):
        assert not await sql.rows("SELECT 1 FROM film WHERE upper(title) = $1", title)

    def policy(turn: ScriptTurn) -> Reply:
        return Say(f"{asked} is not something we have; try {invented}.")

    question = f"cheer me up: is {asked.title()} any good?"
    answer = await runner(agent_settings, agents_db, policy).ask(question, ANONYMOUS)
    assert answer.ungrounded_titles == [invented]


async def test_llm_agent_uses_its_prompt_plugin(
    agent_settings: Settings, agents_db: Database
) -> None:
    prompts: list[str] = []

    def policy(turn: ScriptTurn) -> Reply:
        if turn.question.startswith("Answer the customer's question briefly"):
            prompts.append(turn.question)  # the prompt function's rendered template
            return Say("Tea and a blanket.")
        if not turn.tool_results:
            return Call("Writer-general_answer", {"question": "rainy afternoon plans?"})
        return Say(turn.tool_results[-1][1])

    answer = await runner(agent_settings, agents_db, policy).ask(
        "what should I do on a rainy afternoon?", ANONYMOUS
    )
    assert prompts and prompts[0].endswith("Question: rainy afternoon plans?")
    (tool,) = [s for s in answer.steps if isinstance(s, ToolCallFinished)]
    assert (tool.agent, tool.plugin, tool.function) == ("LLMAgent", "Writer", "general_answer")
    assert answer.answer == "Tea and a blanket."


async def test_concurrent_runs_do_not_mix(
    agent_settings: Settings, agents_db: Database, sql: Sql
) -> None:
    import asyncio

    rows = await sql.rows("SELECT film_id, title FROM film WHERE film_id BETWEEN 10 AND 14")

    def policy(turn: ScriptTurn) -> Reply:
        if turn.offers("FilmSearch-search_films") and not turn.tool_results:
            return Call("FilmSearch-search_films", {"title": turn.question.removeprefix("film ")})
        return Say(list_films(turn))

    agents = runner(agent_settings, agents_db, policy)
    answers = await asyncio.gather(*(agents.ask(f"film {r['title']}", ANONYMOUS) for r in rows))
    for row, answer in zip(rows, answers, strict=True):
        assert row["film_id"] in answer.film_ids
        assert answer.answer.startswith(f"{row['title']}: ")
    assert agents.active_runs == 0
