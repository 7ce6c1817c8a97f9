"""Conversations for the read tests (decision 0157), written through the real service and
repository: owners of every kind, answers with varied steps (tool calls, handoffs, agent
messages, whole and fractional durations), and stored steps the executor's parser skips or
cannot read (the compiled statement must skip the same ones, and hand the others over).

Conversation ids follow the order below in a fresh database: 1-2 customer 1's, 3 customer 2's,
4 staff user 1's, 5 an anonymous caller's (admins only), 6 customer 1's with odd steps, 7
customer 2's with a step of a wrong JSON type (the executor answers)."""

from __future__ import annotations

from typing import Any

from agents import events as ev
from domain.auth import ANONYMOUS, Principal, Role
from domain.catalogue.posters import PosterService
from domain.conversations import ConversationRecorder, NewMessage
from persistence.db import Database
from persistence.unit_of_work import SqlAlchemyUnitOfWork

CUSTOMER_1 = Principal(user_id=1, role=Role.CUSTOMER, customer_id=1)
CUSTOMER_2 = Principal(user_id=2, role=Role.CUSTOMER, customer_id=2)
STAFF_1 = Principal(user_id=1, role=Role.STAFF, staff_id=1, store_id=1)


def _steps(*steps: ev.Step) -> list[dict[str, Any]]:
    return [ev.step_to_json(s) for s in steps]


SEARCH = ev.ToolCallFinished(
    "SearchAgent", "films", "search", '{"query": "dino"}', '[{"title": "ACADEMY"}]', 12.0
)
HANDOFF = ev.Handoff("Router", "SearchAgent", "a film question")
SAID = ev.AgentMessage("SearchAgent", "Two films match: ACADEMY DINOSAUR, ...")
SLOW = ev.ToolCallFinished("LLMAgent", "store", "hours", "{}", "Mon-Fri 9-17 \u00e9t\u00e9", 3.25)

#: (owner, question, answer's steps); each answer is an assistant message after the question
CONVERSATIONS: list[tuple[Principal, str, list[Any]]] = [
    (CUSTOMER_1, "Any dinosaur films?", _steps(HANDOFF, SEARCH, SAID)),
    (CUSTOMER_1, "Opening hours?", _steps(SLOW)),
    (CUSTOMER_2, "Something with 'love' in it", _steps(SEARCH, SEARCH, HANDOFF)),
    (STAFF_1, "How many copies of ACE GOLDFINGER?", _steps(SAID)),
    (ANONYMOUS, "Hello?", []),
    (
        CUSTOMER_1,
        "Odd steps",
        [
            {"kind": "Unknown", "agent": "x"},  # skipped: no such kind
            {**ev.step_to_json(SAID), "extra": 1},  # skipped: a key too many
            {"kind": "Handoff", "from_agent": "a"},  # skipped: keys missing
            {"agent": "no kind", "text": "t"},  # skipped
            {**ev.step_to_json(SEARCH), "duration_ms": 7},  # a whole number: 7.0
            {**ev.step_to_json(SEARCH), "duration_ms": 0.000012},
            {**ev.step_to_json(SEARCH), "duration_ms": 1e17},
            ev.step_to_json(SAID),
        ],
    ),
    (CUSTOMER_2, "A wrong type", [{**ev.step_to_json(SAID), "agent": 5}]),
]


async def seed(database: Database) -> list[int]:
    """Writes `CONVERSATIONS` (a second exchange in the first) and posters for films 1-3;
    returns the conversation ids."""
    ids: list[int] = []
    for owner, question, steps in CONVERSATIONS:
        async with SqlAlchemyUnitOfWork(database) as uow:
            answer = NewMessage(
                role="assistant",
                content=f"An answer to: {question}",
                agent="SearchAgent" if steps else None,
                steps=steps,
                prompt_tokens=len(question),
                completion_tokens=7,
                latency_ms=None if owner is ANONYMOUS else 250,
            )
            ids.append(await ConversationRecorder(uow, owner).record(None, question, answer))
    async with SqlAlchemyUnitOfWork(database) as uow:
        follow_up = NewMessage(role="assistant", content="And more.", steps=_steps(SAID, SLOW))
        await ConversationRecorder(uow, CUSTOMER_1).record(ids[0], "More?", follow_up)
    staff = Principal(user_id=1, role=Role.STAFF, staff_id=1, store_id=1)
    for film_id, content in (
        (1, b"\x89PNG\r\n\x1a\n" + b"1" * 40),
        (3, b"\xff\xd8\xff\xe0" + b"3"),
    ):
        await PosterService(SqlAlchemyUnitOfWork(database)).upload(staff, film_id, content)
    return ids
