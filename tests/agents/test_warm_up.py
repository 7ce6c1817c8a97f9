"""AGENT_WARM_UP: the app answers a general and a catalogue question at start-up, before it
serves anything (/readyz included), so the first customer pays no start-up cost."""

from __future__ import annotations

import httpx

from config.settings import Settings
from pagila_graph.app import create_app
from persistence.db import Database
from tests.agents.conftest import runner
from tests.agents.scripted import Reply, ScriptTurn, demo_policy
from tests.loopback import serving


async def test_the_agents_are_warm_before_the_app_is_ready(
    agent_settings: Settings, agents_db: Database
) -> None:
    asked: list[str] = []

    def policy(turn: ScriptTurn) -> Reply:
        asked.append(turn.question)
        return demo_policy(turn)

    settings = agent_settings.model_copy(update={"agent_warm_up": True})
    agents = runner(settings, agents_db, policy)
    app = create_app(settings, database=agents_db, agents=agents)
    assert asked == []
    async with serving(app, lifespan="on") as port:
        # the server accepts connections only once the lifespan's start-up is over
        assert "Give me one tip for a movie night." in asked
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
            ready = await http.get("/readyz")
    assert ready.status_code == 200
    assert agents.active_runs == 0


async def test_no_warm_up_unless_asked(agent_settings: Settings, agents_db: Database) -> None:
    asked: list[str] = []

    def policy(turn: ScriptTurn) -> Reply:
        asked.append(turn.question)
        return demo_policy(turn)

    app = create_app(
        agent_settings, database=agents_db, agents=runner(agent_settings, agents_db, policy)
    )
    async with serving(app, lifespan="on"):
        pass
    assert asked == []


async def test_the_warm_up_reaches_the_search_agents_model_too(
    agent_settings: Settings, agents_db: Database
) -> None:
    """The first customer's catalogue question that needs the model finds the SearchAgent's
    prompt warm: the warm-up makes the SearchAgent choose a tool with the model once."""
    offered: list[list[str]] = []

    def policy(turn: ScriptTurn) -> Reply:
        offered.append(turn.functions)
        return demo_policy(turn)

    await runner(agent_settings, agents_db, policy).warm_up()
    assert any("FilmSearch-search_films" in functions for functions in offered)


async def test_catalogue_questions_with_complete_links_take_no_model_call(
    agent_settings: Settings, agents_db: Database
) -> None:
    """The dev part's title, typo, availability and suitability questions (a seeded sample):
    answered from the data without asking the model."""
    import random

    from agents.eval.dataset import load_questions, select
    from agents.eval.generate import GENERATED_FILE
    from domain.auth import ANONYMOUS

    kinds = ("title_lookup", "typo_title", "availability", "suitability")
    picked = [q for q in select(load_questions(GENERATED_FILE), ("dev",), None) if q.kind in kinds]
    asked: list[str] = []

    def policy(turn: ScriptTurn) -> Reply:
        asked.append(turn.question)
        return demo_policy(turn)

    agents = runner(agent_settings, agents_db, policy)
    for question in random.Random(7).sample(picked, 24):
        answer = await agents.ask(question.question, ANONYMOUS)
        assert answer.agent == "SearchAgent", question.question
    assert asked == []
