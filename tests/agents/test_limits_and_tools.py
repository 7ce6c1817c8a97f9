"""Limits of a run (timeout, tool calls, concurrency), the caller's own tools, and memory."""

from __future__ import annotations

import asyncio
import json

import pytest

from agents.events import RunStarted, ToolCallFinished
from config.settings import Settings
from domain.assistant import AgentBusy, AgentFailed, AgentTimeout
from domain.auth import ANONYMOUS
from persistence.db import Database
from tests.agents.conftest import Sql, runner
from tests.agents.scripted import Call, Reply, Say, ScriptTurn
from tests.agents.support import customer


async def never_answers(turn: ScriptTurn) -> Reply:
    await asyncio.Event().wait()
    return Say("never")


async def test_a_run_past_its_timeout_is_stopped(
    agent_settings: Settings, agents_db: Database
) -> None:
    settings = agent_settings.model_copy(update={"agent_timeout_s": 0.2})
    agents = runner(settings, agents_db, never_answers)
    with pytest.raises(AgentTimeout):
        await agents.ask("what is a good rainy-day plan?", ANONYMOUS)
    assert agents.active_runs == 0


async def test_tool_calls_are_capped(agent_settings: Settings, agents_db: Database) -> None:
    settings = agent_settings.model_copy(update={"agent_max_tool_calls": 2})
    calls: list[int] = []

    def searches_forever(turn: ScriptTurn) -> Reply:
        calls.append(len(turn.tool_results))
        # an unknown film: an error result, which does not end the turn as films would
        return Call("FilmSearch-film_details", {"film_id": 999_999})

    agents = runner(settings, agents_db, searches_forever)
    with pytest.raises(AgentFailed, match="too many tool calls"):
        await agents.ask("tell me about film 1 in the catalogue", ANONYMOUS)
    assert len(calls) == 3  # two calls ran, the third was refused and ended the turn


async def test_runs_beyond_the_limit_are_refused(
    agent_settings: Settings, agents_db: Database
) -> None:
    settings = agent_settings.model_copy(update={"agent_max_concurrent_runs": 1})
    agents = runner(settings, agents_db, never_answers)
    first = agents.stream("a rainy-day plan?", ANONYMOUS)
    assert isinstance(await anext(first), RunStarted)
    with pytest.raises(AgentBusy):
        await agents.ask("another question", ANONYMOUS)
    await first.aclose()
    assert agents.active_runs == 0


def tool_then_echo(function: str, seen: list[ScriptTurn]):  # type: ignore[no-untyped-def]
    def policy(turn: ScriptTurn) -> Reply:
        seen.append(turn)
        if turn.offers(function) and not turn.tool_results:
            return Call(function)
        if turn.tool_results:
            return Say(f"Here you are: {turn.tool_results[-1][1]}")
        return Say("no tool")

    return policy


async def test_customer_tools_give_the_callers_own_balance(
    agent_settings: Settings, agents_db: Database, sql: Sql
) -> None:
    seen: list[ScriptTurn] = []
    agents = runner(agent_settings, agents_db, tool_then_echo("Customer-my_balance", seen))
    answer = await agents.ask("what is my balance?", customer(1))
    (tool,) = [s for s in answer.steps if isinstance(s, ToolCallFinished)]
    (row,) = await sql.rows("SELECT get_customer_balance(1, now()) AS balance")
    assert json.loads(tool.result_preview) == {"balance": str(row["balance"])}


async def test_customer_tools_list_only_the_callers_rentals(
    agent_settings: Settings, agents_db: Database, sql: Sql
) -> None:
    seen: list[ScriptTurn] = []
    agents = runner(agent_settings, agents_db, tool_then_echo("Customer-my_rentals", seen))
    await agents.ask("which rentals do I have?", customer(3))
    result = json.loads(seen[-1].tool_results[-1][1])
    expected = await sql.rows(
        "SELECT rental_id FROM rental WHERE customer_id = 3"
        " ORDER BY rental_date DESC, rental_id DESC LIMIT 10"
    )
    assert [r["rental_id"] for r in result["rentals"]] == [r["rental_id"] for r in expected]


async def test_anonymous_callers_are_not_offered_customer_tools(
    agent_settings: Settings, agents_db: Database
) -> None:
    seen: list[ScriptTurn] = []
    agents = runner(agent_settings, agents_db, tool_then_echo("Customer-my_balance", seen))
    answer = await agents.ask("what is my balance?", ANONYMOUS)
    assert seen and all(not any(f.startswith("Customer-") for f in turn.functions) for turn in seen)
    assert "FilmSearch-search_films" in seen[0].functions
    assert not [s for s in answer.steps if isinstance(s, ToolCallFinished)]
    signed_in: list[ScriptTurn] = []
    await runner(agent_settings, agents_db, tool_then_echo("x", signed_in)).ask(
        "what is my balance?", customer(1)
    )
    assert {"Customer-my_balance", "Customer-my_rentals"} <= set(signed_in[0].functions)


async def test_the_last_turns_of_a_conversation_are_given_to_the_agents(
    agent_settings: Settings, agents_db: Database
) -> None:
    seen: list[ScriptTurn] = []

    def policy(turn: ScriptTurn) -> Reply:
        seen.append(turn)
        return Say(f"answer {len(seen)}")

    agents = runner(agent_settings, agents_db, policy)
    first = await agents.ask("what should I do on a rainy afternoon?", customer(11))
    assert first.conversation_id is not None
    await agents.ask("and on a sunny one?", customer(11), first.conversation_id)
    history = [(m.role.value, m.content) for m in seen[-1].messages]
    assert history == [
        ("user", "what should I do on a rainy afternoon?"),
        ("assistant", "answer 1"),
        ("user", "and on a sunny one?"),
    ]
