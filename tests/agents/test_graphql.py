"""askAgent, filmSummary and conversations through the real ASGI app (scripted model)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import httpx
import pytest

from config.settings import ModelProvider, Settings
from pagila_graph.app import create_app
from persistence.db import Database
from tests.agents.conftest import Sql
from tests.agents.support import CUSTOMER_HEADER, HeaderAuthenticator

ASK = """
mutation Ask($q: String!, $c: Int) {
  askAgent(input: {question: $q, conversationId: $c}) {
    answer agent conversationId latencyMs ungroundedTitles
    usage { promptTokens completionTokens }
    films { filmId title rentalRate }
    steps {
      __typename
      ... on AgentMessage { agent text }
      ... on ToolCall { agent plugin function arguments resultPreview durationMs }
      ... on Handoff { fromAgent toAgent reason }
    }
    errors { __typename code message }
  }
}
"""


@pytest.fixture
async def http(agent_settings: Settings, agents_db: Database) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(agent_settings, agents_db, HeaderAuthenticator())
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


async def post(
    http: httpx.AsyncClient, query: str, variables: dict[str, Any], customer: int | None = None
) -> dict[str, Any]:
    headers = {CUSTOMER_HEADER: str(customer)} if customer else {}
    response = await http.post(
        "/graphql", json={"query": query, "variables": variables}, headers=headers
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_ask_agent_answers_a_film_question_with_films(
    http: httpx.AsyncClient, sql: Sql
) -> None:
    body = await post(http, ASK, {"q": "anything with dinosaurs under $1?"})
    result = body["data"]["askAgent"]
    assert result["errors"] == []
    expected = await sql.rows(
        "SELECT film_id, title, rental_rate FROM film"
        " WHERE fulltext @@ websearch_to_tsquery('english', 'dinosaurs') AND rental_rate <= 1"
    )
    by_id = {r["film_id"]: r for r in expected}
    assert result["agent"] == "SearchAgent"
    assert result["films"], result
    for film in result["films"]:
        row = by_id[film["filmId"]]
        assert film["title"] == row["title"]
        assert Decimal(str(film["rentalRate"])) == row["rental_rate"]
        assert film["title"] in result["answer"]
    assert result["steps"][0]["__typename"] == "ToolCall"
    assert result["steps"][0]["function"] == "search_films"
    assert result["steps"][-1] == {
        "__typename": "AgentMessage",
        "agent": "SearchAgent",
        "text": result["answer"],
    }
    assert result["ungroundedTitles"] == []
    assert result["conversationId"] is None  # anonymous: nothing remembered


async def test_ask_agent_hands_off_when_nothing_matches(http: httpx.AsyncClient) -> None:
    body = await post(http, ASK, {"q": "any film about xylophonequark?"})
    result = body["data"]["askAgent"]
    assert result["agent"] == "LLMAgent"
    assert result["answer"].startswith("The catalogue has no match for that.")
    assert {
        "__typename": "Handoff",
        "fromAgent": "SearchAgent",
        "toAgent": "LLMAgent",
        "reason": "no catalogue match",
    } in result["steps"]
    assert result["films"] == []


async def test_without_a_model_ask_agent_says_how_to_configure_one(
    agent_settings: Settings, agents_db: Database
) -> None:
    settings = agent_settings.model_copy(update={"model_provider": ModelProvider.NONE})
    app = create_app(settings, Database(agents_db.engine))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        body = await post(client, ASK, {"q": "hello"})
    result = body["data"]["askAgent"]
    assert result["answer"] is None
    (error,) = result["errors"]
    assert error["__typename"] == "ModelUnavailableError"
    assert error["code"] == "MODEL_UNAVAILABLE"
    assert "MODEL_PROVIDER" in error["message"]


SUMMARY = "query S($id: Int!) { filmSummary(filmId: $id) { filmId title rating recommended } }"


async def test_film_summary_follows_the_recommendation_rule(
    http: httpx.AsyncClient, sql: Sql
) -> None:
    rows = await sql.rows(
        "(SELECT film_id, title, rating::text AS rating, rental_rate FROM film"
        "  WHERE rating IN ('R', 'NC-17') AND rental_rate < 3 ORDER BY film_id LIMIT 1)"
        " UNION ALL (SELECT film_id, title, rating::text, rental_rate FROM film"
        "  WHERE rating = 'PG' ORDER BY film_id LIMIT 1)"
        " UNION ALL (SELECT film_id, title, rating::text, rental_rate FROM film"
        "  WHERE rating = 'R' AND rental_rate >= 3 ORDER BY film_id LIMIT 1)"
    )
    assert len(rows) == 3
    for row in rows:
        body = await post(http, SUMMARY, {"id": row["film_id"]})
        assert "errors" not in body, body
        summary = body["data"]["filmSummary"]
        expected = row["rating"] in ("R", "NC-17") and row["rental_rate"] < Decimal("3.00")
        assert summary == {
            "filmId": row["film_id"],
            "title": row["title"],
            "rating": row["rating"],
            "recommended": expected,
        }


async def test_film_summary_of_a_missing_film_is_not_found(http: httpx.AsyncClient) -> None:
    body = await post(http, SUMMARY, {"id": 999_999})
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"


CONVERSATION = """
query C($id: Int!) { conversation(id: $id) { conversationId title
  messages { role agent content steps { __typename } } } }
"""
MINE = "{ myConversations { conversationId title messages { role content } } }"


async def test_conversations_are_remembered_and_private(http: httpx.AsyncClient, sql: Sql) -> None:
    first = (await post(http, ASK, {"q": "anything with dinosaurs under $1?"}, customer=7))["data"][
        "askAgent"
    ]
    conversation_id = first["conversationId"]
    assert isinstance(conversation_id, int)
    second = (
        await post(http, ASK, {"q": "what about a rainy day?", "c": conversation_id}, customer=7)
    )["data"]["askAgent"]
    assert second["errors"] == [] and second["conversationId"] == conversation_id

    stored = await sql.rows(
        "SELECT role, content, agent FROM message WHERE conversation_id = $1 ORDER BY message_id",
        conversation_id,
    )
    assert [(r["role"], r["content"]) for r in stored] == [
        ("user", "anything with dinosaurs under $1?"),
        ("assistant", first["answer"]),
        ("user", "what about a rainy day?"),
        ("assistant", second["answer"]),
    ]
    own = await post(http, CONVERSATION, {"id": conversation_id}, customer=7)
    messages = own["data"]["conversation"]["messages"]
    assert [m["content"] for m in messages] == [r["content"] for r in stored]
    assert messages[1]["steps"][0]["__typename"] == "ToolCall"

    other = await post(http, CONVERSATION, {"id": conversation_id}, customer=8)
    assert other["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    hijack = (await post(http, ASK, {"q": "hello", "c": conversation_id}, customer=8))["data"][
        "askAgent"
    ]
    assert hijack["errors"][0]["code"] == "NOT_FOUND"
    anonymous = await post(http, CONVERSATION, {"id": conversation_id})
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"

    mine = (await post(http, MINE, {}, customer=7))["data"]["myConversations"]
    owned = await sql.rows(
        "SELECT conversation_id FROM conversation WHERE customer_id = 7 ORDER BY conversation_id"
    )
    assert sorted(c["conversationId"] for c in mine) == [r["conversation_id"] for r in owned]
    assert conversation_id in [c["conversationId"] for c in mine]
    theirs = (await post(http, MINE, {}, customer=8))["data"]["myConversations"]
    assert conversation_id not in [c["conversationId"] for c in theirs]


STREAM = """
subscription S($q: String!) {
  agentStream(question: $q) {
    __typename
    ... on AgentMessageDelta { delta }
    ... on RunCompleted { answer films { filmId } }
  }
}
"""


async def test_agent_stream_over_http_multipart(http: httpx.AsyncClient) -> None:
    response = await http.post(
        "/graphql",
        json={"query": STREAM, "variables": {"q": "anything with dinosaurs under $1?"}},
        headers={"accept": 'multipart/mixed;subscriptionSpec="1.0",application/json'},
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("multipart/mixed")
    events = []
    for part in response.text.split("\r\n--graphql"):
        _, _, body = part.partition("\r\n\r\n")
        body = body.strip()
        if body.startswith("{"):
            payload = json.loads(body).get("payload")
            if payload:
                events.append(payload["data"]["agentStream"])
    kinds = [e["__typename"] for e in events]
    assert kinds[-1] == "RunCompleted" and "AgentMessageDelta" in kinds
    deltas = "".join(e["delta"] for e in events if e["__typename"] == "AgentMessageDelta")
    assert deltas.strip() == events[-1]["answer"]
    assert events[-1]["films"]


async def test_a_question_longer_than_the_limit_is_refused_and_not_stored(
    http: httpx.AsyncClient, sql: Sql
) -> None:
    """Issue 14, item 6: a 10 MB question was sent to the model and stored."""
    before = await sql.rows("SELECT count(*) AS n FROM message")
    body = await post(http, ASK, {"q": "why? " * 1_000}, customer=1)
    errors = body["data"]["askAgent"]["errors"]
    assert [(e["__typename"], e["code"]) for e in errors] == [("ValidationError", "INVALID_INPUT")]
    assert "2000 characters" in errors[0]["message"]
    assert await sql.rows("SELECT count(*) AS n FROM message") == before
