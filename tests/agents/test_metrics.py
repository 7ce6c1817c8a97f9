"""Agent runs on /metrics: latency by outcome, tokens, handoffs, tool calls, failures."""

from __future__ import annotations

import asyncio

import httpx

from config.settings import Settings
from pagila_graph.app import create_app
from persistence.db import Database
from tests.agents.conftest import runner
from tests.agents.scripted import Reply, Say, ScriptTurn
from tests.agents.test_orchestration import no_match_policy
from tests.test_metrics import scrape, value

ASK = """
mutation Ask($q: String!) {
  askAgent(input: {question: $q}) { answer errors { code } }
}
"""


async def never_answers(turn: ScriptTurn) -> Reply:
    await asyncio.Event().wait()
    return Say("never")


async def test_agent_runs_move_their_metrics(agent_settings: Settings, agents_db: Database) -> None:
    database = Database(agents_db.engine)  # an app of its own, with this runner
    seen: list[ScriptTurn] = []
    agents = runner(agent_settings, database, no_match_policy(seen))
    app = create_app(agent_settings, database, agents=agents)  # gives the runner its observer
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        before = await scrape(http)
        response = await http.post(
            "/graphql", json={"query": ASK, "variables": {"q": "any film about xylophonequark?"}}
        )
        assert response.json()["data"]["askAgent"]["errors"] == []
        completed = await scrape(http)
        # a failure: a model that never answers, a run past its timeout, the same metrics
        impatient = agent_settings.model_copy(update={"agent_timeout_s": 0.2})
        stuck = runner(impatient, database, never_answers)
        other = create_app(impatient, database, agents=stuck)
        stuck.observer = agents.observer  # its runs count in the first app's metrics
        to_other = httpx.ASGITransport(app=other)
        async with httpx.AsyncClient(transport=to_other, base_url="http://t") as stuck_http:
            failed = await stuck_http.post(
                "/graphql", json={"query": ASK, "variables": {"q": "a rainy-day plan?"}}
            )
        assert failed.json()["data"]["askAgent"]["errors"] == [{"code": "AGENT_TIMEOUT"}]
        after = await scrape(http)

    def moved(a: dict, b: dict, name: str, **labels: str) -> float:  # type: ignore[type-arg]
        return value(b, name, **labels) - value(a, name, **labels)

    runs = "pagila_agent_run_seconds_count"
    assert moved(before, completed, runs, outcome="COMPLETED") == 1
    assert moved(before, completed, "pagila_agent_run_seconds_sum", outcome="COMPLETED") > 0
    assert moved(before, completed, "pagila_agent_handoffs_total") == 1
    tools = "pagila_agent_tool_calls_total"
    assert moved(before, completed, tools, tool="FilmSearch.search_films") == 1
    assert moved(before, completed, "pagila_agent_tokens_total", kind="prompt") > 0
    assert moved(before, completed, "pagila_agent_tokens_total", kind="completion") > 0
    assert moved(completed, after, runs, outcome="AGENT_TIMEOUT") == 1
    assert moved(completed, after, runs, outcome="COMPLETED") == 0
