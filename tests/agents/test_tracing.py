"""A span per agent run, and one per step (tool call, handoff, message), inside the request's
trace."""

from __future__ import annotations

import httpx
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from config.settings import Settings
from pagila_graph.app import create_app
from persistence.db import Database, create_engine
from tests.agents.conftest import runner
from tests.agents.scripted import ScriptTurn
from tests.agents.test_orchestration import no_match_policy
from tests.test_tracing import tracing_into

ASK = "mutation Ask($q: String!) { askAgent(input: {question: $q}) { answer errors { code } } }"


async def test_an_agent_run_and_its_steps_are_spans_of_the_request(
    agent_settings: Settings, agents_url: str
) -> None:
    exporter = InMemorySpanExporter()
    database = Database(create_engine(agents_url, pool_size=2))
    try:
        seen: list[ScriptTurn] = []
        agents = runner(agent_settings, database, no_match_policy(seen))
        app = create_app(agent_settings, database, agents=agents, tracing=tracing_into(exporter))
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://t"
        ) as http:
            response = await http.post(
                "/graphql",
                json={"query": ASK, "variables": {"q": "any film about xylophonequark?"}},
            )
        assert response.json()["data"]["askAgent"]["errors"] == []
    finally:
        await database.dispose()
    spans = exporter.get_finished_spans()
    by_name = {span.name: span for span in spans}
    run = by_name["agent run"]
    assert run.attributes is not None
    assert run.attributes["agent.outcome"] == "COMPLETED"
    assert run.attributes["agent.answered_by"] == "LLMAgent"
    assert int(run.attributes["agent.prompt_tokens"]) > 0  # type: ignore[arg-type]
    steps = [span for span in spans if span.parent and span.parent.span_id == run.context.span_id]
    names = [span.name for span in sorted(steps, key=lambda s: s.start_time or 0)]
    assert "agent tool FilmSearch.search_films" in names
    assert "agent handoff" in names
    handoff = by_name["agent handoff"]
    assert handoff.attributes is not None
    assert (handoff.attributes["agent.from"], handoff.attributes["agent.to"]) == (
        "SearchAgent",
        "LLMAgent",
    )
    tool = by_name["agent tool FilmSearch.search_films"]
    assert tool.start_time is not None and tool.end_time is not None
    assert run.start_time is not None and run.end_time is not None
    assert run.start_time <= tool.start_time <= tool.end_time <= run.end_time
    # the run is part of the request's trace
    assert len({span.context.trace_id for span in spans}) == 1
