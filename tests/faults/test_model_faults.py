"""Issue 14: the model provider timing out, answering 429, failing, or sending malformed tool
calls. Only the model is replaced: a small server speaking OpenAI's chat-completions wire format
(streamed, as SK's real OpenAI connector asks) on loopback, behind `MODEL_PROVIDER=
openai_compatible`; the question goes through `askAgent` over HTTP.

Promise: a typed refusal in the payload (AGENT_TIMEOUT, AGENT_FAILED, MODEL_UNAVAILABLE,
AGENT_OUTPUT_INVALID) or an answer, within the agent's time limit plus slack; never an internal
error, never a hang; and the next question after the fault is answered.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from config.settings import ModelProvider, Settings
from pagila_graph.app import create_app
from persistence.db import Database
from tests.agents.test_openai_connector import chunk, usage_chunk
from tests.loopback import serving

pytestmark = pytest.mark.faults

AGENT_TIMEOUT_S = 3.0
#: the longest an answer may take: the agent's limit, the client's retries of a 429, slack
ANSWER_CAP_S = AGENT_TIMEOUT_S + 60.0
TYPED = {"AGENT_TIMEOUT", "AGENT_FAILED", "MODEL_UNAVAILABLE", "AGENT_OUTPUT_INVALID"}
ASK = (
    "mutation($q: String!) { askAgent(input: { question: $q }) "
    "{ answer errors { __typename code message } } }"
)
#: a general question (the LLMAgent answers it with the model) and a catalogue one (the
#: SearchAgent asks the model for a tool call: planning from links is off below)
GENERAL = "Hello! Who are you and what can you do?"
CATALOGUE = "dinosaur films in the catalogue?"


class FaultyModel:
    """`mode` says how the next requests go wrong; "ok" answers normally."""

    def __init__(self) -> None:
        self.mode = "ok"
        self.requests = 0

    async def completions(self, request: Request) -> Response:
        body = await request.json()
        self.requests += 1
        if self.mode == "slow":
            await asyncio.sleep(60)  # longer than any limit: the run must not wait for it
        if self.mode == "429":
            return JSONResponse(
                {
                    "error": {
                        "message": "Rate limit reached for requests",
                        "type": "requests",
                        "code": "rate_limit_exceeded",
                    }
                },
                status_code=429,
                headers={"retry-after": "0"},
            )
        if self.mode == "500":
            return JSONResponse({"error": {"message": "boom", "type": "server_error"}}, 500)
        return StreamingResponse(self.stream(body), media_type="text/event-stream")

    async def stream(self, body: dict[str, Any]) -> AsyncIterator[str]:
        tools = [t["function"]["name"] for t in body.get("tools") or []]
        yield chunk({"role": "assistant", "content": ""})
        if self.mode == "garbage":
            yield "data: {not json at all\n\n"
            return
        if self.mode in ("bad-arguments", "unknown-tool") and tools:
            name = tools[0] if self.mode == "bad-arguments" else "Nowhere-no_such_tool"
            arguments = '{"query": ' if self.mode == "bad-arguments" else "{}"
            call = {"index": 0, "id": "call_1", "type": "function"}
            yield chunk({"tool_calls": [{**call, "function": {"name": name, "arguments": ""}}]})
            yield chunk({"tool_calls": [{"index": 0, "function": {"arguments": arguments}}]})
            yield chunk({}, "tool_calls")
        else:
            for word in ("Hello", "from", "the", "model."):
                yield chunk({"content": word + " "})
            yield chunk({}, "stop")
        yield usage_chunk(5, 4)
        yield "data: [DONE]\n\n"


@pytest.fixture(scope="module")
async def model() -> AsyncIterator[tuple[str, FaultyModel]]:
    faulty = FaultyModel()
    app = Starlette(routes=[Route("/v1/chat/completions", faulty.completions, methods=["POST"])])
    async with serving(app, lifespan="auto") as port:
        yield f"http://127.0.0.1:{port}/v1", faulty


@pytest.fixture(scope="module")
async def http(
    settings: Settings, database: Database, model: tuple[str, FaultyModel]
) -> AsyncIterator[httpx.AsyncClient]:
    base_url, _ = model
    app = create_app(
        settings.model_copy(
            update={
                "model_provider": ModelProvider.OPENAI_COMPATIBLE,
                "model_base_url": base_url,
                "model_name": "faulty",
                "agent_timeout_s": AGENT_TIMEOUT_S,
                "agent_plan_from_links": False,
            }
        ),
        database,
    )
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t", timeout=120
    ) as client:
        yield client


async def ask(http: httpx.AsyncClient, question: str) -> tuple[dict[str, Any], float]:
    started = time.monotonic()
    response = await http.post("/graphql", json={"query": ASK, "variables": {"q": question}})
    seconds = time.monotonic() - started
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert "errors" not in body, body  # no top-level (internal) error
    assert "Traceback" not in response.text
    payload: dict[str, Any] = body["data"]["askAgent"]
    return payload, seconds


@pytest.mark.parametrize(
    ("mode", "question"),
    [
        ("slow", GENERAL),
        ("429", GENERAL),
        ("500", CATALOGUE),
        ("garbage", GENERAL),
        ("bad-arguments", CATALOGUE),
        ("unknown-tool", CATALOGUE),
    ],
)
async def test_a_faulty_model_gets_a_typed_answer_in_bounded_time(
    http: httpx.AsyncClient, model: tuple[str, FaultyModel], mode: str, question: str
) -> None:
    _, faulty = model
    faulty.mode = mode
    asked = faulty.requests
    try:
        payload, seconds = await ask(http, question)
    finally:
        faulty.mode = "ok"
    codes = [e["code"] for e in payload["errors"]]
    print(f"model {mode}, {question[:20]!r}: {codes or 'answered'} in {seconds:.2f} s")
    assert faulty.requests > asked  # the model was asked: the fault was met
    assert seconds < ANSWER_CAP_S, seconds
    if codes:
        assert set(codes) <= TYPED, payload
        assert payload["answer"] is None
    else:
        # a malformed tool call the run can live with (e.g. it answers without the tool)
        assert mode in ("bad-arguments", "unknown-tool"), payload
        assert payload["answer"]
    if mode == "slow":
        assert codes == ["AGENT_TIMEOUT"], payload
    if mode in ("429", "500", "garbage"):
        assert codes, payload

    # and the next question, the model well again, is answered
    again, _ = await ask(http, question)
    assert again["errors"] == [] and again["answer"], again
