"""Unit tests: the recommendation rule, title extraction, the router, conversation turns, the
film summary's validation and retry, and the lazy import of Semantic Kernel."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from decimal import Decimal

import pytest

from agents.router import FirstAgent, route
from config.settings import Settings
from domain.assistant import AgentOutputInvalid, candidate_titles, is_recommended
from domain.catalogue.films import Film, MpaaRating
from domain.conversations import Message, turns_of
from persistence.db import Database
from tests.agents.conftest import Sql, runner


def film(rating: MpaaRating | None, rate: str) -> Film:
    return Film(
        id=1,
        title="ACADEMY DINOSAUR",
        description=None,
        release_year=2006,
        language_id=1,
        original_language_id=None,
        rental_duration=3,
        rental_rate=Decimal(rate),
        length=90,
        replacement_cost=Decimal("20.99"),
        rating=rating,
        special_features=(),
        streaming_available=False,
        last_update=dt.datetime(2022, 1, 1, tzinfo=dt.UTC),
    )


@pytest.mark.parametrize(
    ("rating", "rate", "expected"),
    [
        (MpaaRating.R, "2.99", True),
        (MpaaRating.NC_17, "0.99", True),
        (MpaaRating.R, "3.00", False),  # "under 3.00" is strict
        (MpaaRating.PG_13, "0.99", False),  # PG-13 is not above PG-13
        (MpaaRating.G, "0.99", False),
        (None, "0.99", False),
    ],
)
def test_recommendation_rule(rating: MpaaRating | None, rate: str, expected: bool) -> None:
    assert is_recommended(film(rating, rate)) is expected


def test_candidate_titles_are_upper_case_runs_and_quoted_phrases() -> None:
    answer = 'Try ACADEMY DINOSAUR (PG, $0.99) or "Ace Goldfinger". DVD copies wait.'
    assert candidate_titles(answer) == ["ACADEMY DINOSAUR", "ACE GOLDFINGER"]


@pytest.mark.parametrize(
    ("question", "first"),
    [
        ("anything with dinosaurs under $1?", FirstAgent.SEARCH),
        ("is ACADEMY DINOSAUR in stock at store 2?", FirstAgent.SEARCH),
        ("which horror films do you have?", FirstAgent.SEARCH),
        ("Do you have Inception?", FirstAgent.SEARCH),
        ("have you got The Avengers on DVD?", FirstAgent.SEARCH),
        ("who are you?", FirstAgent.LLM),
        ("what should I do on a rainy afternoon?", FirstAgent.LLM),
    ],
)
def test_router(question: str, first: FirstAgent) -> None:
    assert route(question) is first


def test_turns_pair_questions_with_answers() -> None:
    at = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)

    def message(i: int, role: str, text: str) -> Message:
        return Message(
            i, 1, role, "LLMAgent" if role == "assistant" else None, text, (), 0, 0, None, at
        )

    messages = [message(1, "user", "q1"), message(2, "assistant", "a1"), message(3, "user", "q2")]
    assert [(t.question, t.answer) for t in turns_of(messages)] == [("q1", "a1")]


async def test_film_summary_retries_once_then_refuses(
    agent_settings: Settings, agents_db: Database, sql: Sql
) -> None:
    from tests.agents.scripted import Say, ScriptTurn

    (row,) = await sql.rows("SELECT title, rating::text AS rating FROM film WHERE film_id = 3")
    replies = [
        "Sure! Here it is: {title",
        json.dumps({"title": row["title"], "rating": row["rating"], "recommended": True}),
    ]
    asked: list[str] = []

    def flaky(turn: ScriptTurn) -> Say:
        asked.append(turn.question)
        return Say(replies[len(asked) - 1])

    summary = await runner(agent_settings, agents_db, flaky).film_summary(3)
    assert len(asked) == 2 and summary.title == row["title"] and summary.rating == row["rating"]

    def always_bad(turn: ScriptTurn) -> Say:
        asked.append(turn.question)
        return Say('{"title": "X", "rating": "PG"}')

    asked.clear()
    with pytest.raises(AgentOutputInvalid):
        await runner(agent_settings, agents_db, always_bad).film_summary(3)
    assert len(asked) == 2


def test_cli_and_schema_do_not_import_semantic_kernel() -> None:
    code = (
        "import sys, pagila_graph.cli, graph.schema; graph.schema.sdl(); "
        "print('semantic_kernel' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
