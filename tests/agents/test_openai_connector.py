"""SK's real OpenAI connector (`openai_compatible` provider) against a small OpenAI-style
chat-completions server on loopback: streamed text, streamed tool calls, a full handoff run."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import StreamingResponse
from starlette.routing import Route

from agents.service import AgentRunner
from config.settings import ModelProvider, Settings
from domain.auth import ANONYMOUS
from persistence.db import Database
from persistence.unit_of_work import SqlUnitOfWorkFactory
from tests.agents.conftest import Sql
from tests.loopback import serving


def chunk(delta: dict[str, Any], finish: str | None = None) -> str:
    body = {
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "created": 0,
        "model": "loopback",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
    return f"data: {json.dumps(body)}\n\n"


def usage_chunk(prompt: int, completion: int) -> str:
    body = {
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "created": 0,
        "model": "loopback",
        "choices": [],
        "usage": {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
        },
    }
    return f"data: {json.dumps(body)}\n\n"


class LoopbackModel:
    """Searches for the user's last word, then lists what the tool found."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []

    async def completions(self, request: Request) -> StreamingResponse:
        body = await request.json()
        self.requests.append(body)
        return StreamingResponse(self.stream(body), media_type="text/event-stream")

    async def stream(self, body: dict[str, Any]) -> AsyncIterator[str]:
        messages = body["messages"]
        tools = {t["function"]["name"] for t in body.get("tools") or []}
        last = messages[-1]
        yield chunk({"role": "assistant", "content": ""})
        if last["role"] == "user" and "FilmSearch-search_films" in tools:
            word = last["content"].split()[0]
            call = {"index": 0, "id": "call_1", "type": "function"}
            yield chunk(
                {
                    "tool_calls": [
                        {**call, "function": {"name": "FilmSearch-search_films", "arguments": ""}}
                    ]
                }
            )
            for piece in ('{"query": ', json.dumps(word), "}"):
                yield chunk({"tool_calls": [{"index": 0, "function": {"arguments": piece}}]})
            yield chunk({}, "tool_calls")
        else:
            if last["role"] == "tool":
                films = json.loads(last["content"])["films"]
                text = "Try " + " and ".join(f["title"] for f in films[:2]) + "."
            else:
                text = "Hello from the loopback model."
            for word in text.split(" "):
                yield chunk({"content": word + " "})
                await asyncio.sleep(0)
            yield chunk({}, "stop")
        yield usage_chunk(11, 7)
        yield "data: [DONE]\n\n"


@pytest.fixture
async def loopback() -> AsyncIterator[tuple[str, LoopbackModel]]:
    model = LoopbackModel()
    app = Starlette(routes=[Route("/v1/chat/completions", model.completions, methods=["POST"])])
    async with serving(app, lifespan="auto") as port:
        yield f"http://127.0.0.1:{port}/v1", model


async def test_openai_connector_runs_a_tool_call_and_a_streamed_answer(
    loopback: tuple[str, LoopbackModel],
    agent_settings: Settings,
    agents_db: Database,
    sql: Sql,
) -> None:
    base_url, model = loopback
    settings = agent_settings.model_copy(
        update={
            "model_provider": ModelProvider.OPENAI_COMPATIBLE,
            "model_base_url": base_url,
            "model_name": "loopback",
        }
    )
    agents = AgentRunner(settings, SqlUnitOfWorkFactory(agents_db))
    assert type(agents.chat_service()).__name__ == "OpenAIChatCompletion"
    answer = await agents.ask("dinosaur films in the catalogue?", ANONYMOUS)

    expected = await sql.rows(
        "SELECT film_id, title FROM film"
        " WHERE fulltext @@ websearch_to_tsquery('english', 'dinosaur')"
    )
    titles = {r["film_id"]: r["title"] for r in expected}
    assert answer.agent == "SearchAgent"
    assert answer.film_ids and set(answer.film_ids) <= titles.keys()
    assert all(titles[i] in answer.answer for i in answer.film_ids)
    assert answer.ungrounded_titles == []
    # the model chose the tool; the answer is written from its result on the SearchAgent's
    # side (agents.answers), for this provider as for any other: one request
    assert len(model.requests) == 1
    assert all(r["stream"] is True and r.get("tools") for r in model.requests)
    assert model.requests[0]["max_tokens"] == settings.agent_max_tokens
    assert answer.answer.startswith("I found ")
    # usage as the server reported it
    assert (answer.usage.prompt_tokens, answer.usage.completion_tokens) == (11, 7)
