"""Conversations on the compiled read path (decision 0157): `conversation(id:)` and
`myConversations` with their messages and steps (a union stored as JSON), asked by callers who
own conversations, who own none, and anonymously, of an app with COMPILED_READS on and of one
with it off. The answers must be the same JSON; a compiled answer costs one statement; a
conversation the caller may not see (or that does not exist) is the executor's NOT_FOUND,
handed over by the statement; an anonymous caller's refusal is decided before any SQL."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from agents import events as ev
from config.settings import Settings
from domain.auth import Principal, Role
from domain.conversations import Conversation, owns
from graph.agents.types import STEP_TYPES, step_of
from pagila_graph.app import create_app
from persistence.db import Database, StatementCounter
from tests.conftest import open_database, pagila_database, settings_for
from tests.read_api.conftest import ADMIN, HEADER, HeaderAuthenticator
from tests.read_api.conversations_data import CONVERSATIONS, seed

STEPS = """steps {
  __typename
  ... on ToolCall { agent plugin function arguments resultPreview durationMs }
  ... on Handoff { fromAgent toAgent reason }
  ... on AgentMessage { agent text }
}"""
MESSAGES = f"""messages {{
  role agent content promptTokens completionTokens latencyMs createdAt {STEPS}
}}"""
FULL = f"conversationId title createdAt {MESSAGES}"
#: what the cost limit lets a list of conversations ask (plain lists count as long ones)
LISTED = """conversationId title createdAt messages {
  role agent latencyMs steps { __typename ... on ToolCall { durationMs } ... on Handoff { reason } }
}"""

#: callers as the test header gives them, and as the domain sees them
CALLERS: list[dict[str, object] | None] = [
    None,
    {"role": "customer", "customer_id": 1, "user_id": 1},
    {"role": "customer", "customer_id": 2, "user_id": 2},
    {"role": "customer", "customer_id": 3, "user_id": 3},  # owns none
    {"role": "staff", "store_id": 1, "staff_id": 1, "user_id": 1},
    {"role": "manager", "store_id": 2, "staff_id": 2, "user_id": 9},  # owns none
    {**ADMIN, "user_id": 1},
]


def principal(caller: dict[str, Any]) -> Principal:
    return Principal(
        user_id=caller.get("user_id"),
        role=Role(caller["role"]),
        customer_id=caller.get("customer_id"),
        staff_id=caller.get("staff_id"),
        store_id=caller.get("store_id"),
    )


@dataclasses.dataclass
class Both:
    executor: httpx.AsyncClient
    compiled: httpx.AsyncClient
    database: Database
    ids: list[int]

    async def ask(
        self, query: str, caller: dict[str, object] | None, variables: Any = None
    ) -> tuple[Any, Any, list[str]]:
        """(executor's answer, compiled app's answer, the compiled app's statements)."""
        headers = {HEADER: json.dumps(caller)} if caller is not None else {}
        body = {"query": query, "variables": variables}
        expected = (await self.executor.post("/graphql", json=body, headers=headers)).json()
        with StatementCounter(self.database.engine) as counter:
            got = (await self.compiled.post("/graphql", json=body, headers=headers)).json()
        return expected, got, list(counter.statements)


def compiled_alone(statements: list[str]) -> bool:
    return len(statements) == 1 and statements[0].rstrip().endswith("AS data")


def same(a: Any, b: Any) -> bool:
    """The same JSON, number types included (`7.0` is not `7`), keys in the same order."""
    return json.dumps(a) == json.dumps(b)


@pytest.fixture(scope="module")
async def both(server_url: str) -> AsyncIterator[Both]:
    async with (
        pagila_database(server_url, "pagila_convs") as url,
        open_database(url) as database,
    ):
        ids = await seed(database)
        # no model: `filmSummary` answers MODEL_UNAVAILABLE at once (the document still goes to
        # the executor, which is what is tested)
        settings: Settings = settings_for(url, model_provider="none")
        apps = [
            create_app(
                settings.model_copy(update={"compiled_reads": c}), database, HeaderAuthenticator()
            )
            for c in (False, True)
        ]
        async with (
            httpx.AsyncClient(transport=httpx.ASGITransport(app=apps[0]), base_url="http://t") as a,
            httpx.AsyncClient(transport=httpx.ASGITransport(app=apps[1]), base_url="http://t") as b,
        ):
            yield Both(a, b, database, ids)


def visible_ids(both: Both, caller: dict[str, Any]) -> set[int]:
    """Which seeded conversations the domain's rule lets the caller read."""
    owners = [p for p, _q, _s in CONVERSATIONS]
    found = set()
    for conversation_id, owner in zip(both.ids, owners, strict=True):
        stored = Conversation(
            conversation_id,
            owner.customer_id if owner.role is Role.CUSTOMER else None,
            owner.user_id,
            "t",
            None,  # type: ignore[arg-type]
        )
        if owns(principal(caller), stored):
            found.add(conversation_id)
    return found


@pytest.mark.parametrize("caller", CALLERS)
async def test_my_conversations(both: Both, caller: dict[str, object] | None) -> None:
    for selection in (
        LISTED,
        "conversationId title",
        "title messages { content createdAt }",
        "messages { steps { ... on AgentMessage { agent } } }",
    ):
        expected, got, statements = await both.ask(
            f"{{ myConversations {{ {selection} }} }}", caller
        )
        assert same(got, expected), (selection, caller)
        if caller is None:  # refused before SQL: data null, the executor's error
            assert got["data"] is None
            assert [e["extensions"]["code"] for e in got["errors"]] == ["UNAUTHENTICATED"]
            assert compiled_alone(statements), statements
            continue
        assert "errors" not in got, got
        listed = [c.get("conversationId") for c in got["data"]["myConversations"]]
        if "conversationId" in selection:
            assert set(listed) == visible_ids(both, caller)
            assert listed == sorted(listed, reverse=True)  # newest first
        # conversation 7 holds an agent message whose `agent` is a number: when that is asked
        # for, the statement hands the request to the executor (which prints it as text)
        odd = both.ids[6] in visible_ids(both, caller) and "AgentMessage { agent" in selection
        assert "errors" not in expected
        assert compiled_alone(statements) != odd, (selection, caller, statements)


@pytest.mark.parametrize("caller", CALLERS)
async def test_one_conversation(both: Both, caller: dict[str, object] | None) -> None:
    for conversation_id in [*both.ids, 99]:
        query = "query($id: Int!) { conversation(id: $id) { " + FULL + " } }"
        expected, got, statements = await both.ask(query, caller, {"id": conversation_id})
        assert same(got, expected), (conversation_id, caller)
        if caller is None:
            assert [e["extensions"]["code"] for e in got["errors"]] == ["UNAUTHENTICATED"]
            assert compiled_alone(statements)
        elif conversation_id in visible_ids(both, caller) and conversation_id != both.ids[6]:
            assert "errors" not in got
            assert got["data"]["conversation"]["conversationId"] == conversation_id
            assert compiled_alone(statements), statements
        else:  # someone else's, none, or a step the statement cannot write: the executor's
            assert not compiled_alone(statements)
            if conversation_id != both.ids[6] or not visible_ids(both, caller):
                assert got["data"] is None
                assert [e["extensions"]["code"] for e in got["errors"]] == ["NOT_FOUND"]


async def test_steps_are_parsed_as_the_executor_parses_them(both: Both) -> None:
    """Unknown kinds and wrong key sets are skipped, whole durations print as floats."""
    caller = CALLERS[1]
    expected, got, statements = await both.ask(
        f"{{ conversation(id: {both.ids[5]}) {{ messages {{ {STEPS} }} }} }}", caller
    )
    assert same(got, expected) and compiled_alone(statements)
    steps = got["data"]["conversation"]["messages"][1]["steps"]
    assert [s["__typename"] for s in steps] == ["ToolCall"] * 3 + ["AgentMessage"]
    assert [s["durationMs"] for s in steps[:3]] == [7.0, 0.000012, 1e17]
    assert isinstance(steps[0]["durationMs"], float)


async def test_union_fragments_and_member_without_fields(both: Both) -> None:
    caller = CALLERS[1]
    for steps in (
        "steps { ... on AgentStep { __typename } }",
        "steps { ...S }",
        "steps { ... on Handoff { reason } }",  # other members: {}
        "steps { __typename t: __typename }",
    ):
        query = f"{{ myConversations {{ messages {{ {steps} }} }} }}"
        if "...S" in steps:
            query += " fragment S on AgentStep { ... on ToolCall { durationMs } __typename }"
        expected, got, statements = await both.ask(query, caller)
        assert same(got, expected), steps
        assert compiled_alone(statements), steps


async def test_a_document_with_film_summary_goes_to_the_executor_whole(both: Both) -> None:
    """`filmSummary` needs the agents: the whole document is the executor's, with its answer
    (here MODEL_UNAVAILABLE, a non-null root: `data` is null)."""
    query = (
        "{ myConversations { conversationId } films(first: 2) { nodes { title } }"
        " filmSummary(filmId: 1) { title } }"
    )
    expected, got, statements = await both.ask(query, CALLERS[1])
    assert same(got, expected)
    assert [e["extensions"]["code"] for e in got["errors"]] == ["MODEL_UNAVAILABLE"]
    assert not any(s.rstrip().endswith("AS data") for s in statements)
    # without it, the rest compiles
    query = query.replace(" filmSummary(filmId: 1) { title }", "")
    expected, got, statements = await both.ask(query, CALLERS[1])
    assert same(got, expected) and compiled_alone(statements)


def test_step_types_have_the_stored_fields() -> None:
    """The table both paths read: each stored kind's GraphQL type has the event's fields."""
    events = {
        "AgentMessage": ev.AgentMessage,
        "ToolCallFinished": ev.ToolCallFinished,
        "Handoff": ev.Handoff,
    }
    assert STEP_TYPES.keys() == events.keys()
    for kind, shown in STEP_TYPES.items():
        definition = shown.__strawberry_definition__  # type: ignore[union-attr]
        assert [f.python_name for f in definition.fields] == [
            f.name for f in dataclasses.fields(events[kind])
        ]
    for step in (
        ev.AgentMessage("a", "b"),
        ev.Handoff("a", "b", "c"),
        ev.ToolCallFinished("a", "p", "f", "{}", "[]", 1.5),
    ):
        parsed = ev.step_from_json(ev.step_to_json(step))
        assert parsed == step
        assert dataclasses.asdict(step_of(step)) == dataclasses.asdict(step)
