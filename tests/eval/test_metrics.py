"""The evaluation's scoring rules on hand-made outcomes (no model, no database)."""

from __future__ import annotations

import pytest

from agents.eval.dataset import BUNDLED_KINDS, Kind, Question, load_questions, select
from agents.eval.metrics import (
    Outcome,
    ToolCallRecord,
    fact_present,
    percentile,
    says_in_stock,
    score,
    summarize,
)


@pytest.mark.parametrize(
    ("fact", "answer", "present"),
    [
        ("0.99", "It rents for $0.99.", True),
        ("0.99", "It rents for 10.99.", False),
        ("0.99", "It rents for 0.995", False),
        ("86", "ACADEMY DINOSAUR runs 86 minutes.", True),
        ("86", "It runs 186 minutes.", False),
        ("PG", "Rated PG-13.", False),
        ("PG-13", "Rated PG-13.", True),
        ("G", "It is rated G, fine for kids.", True),
        ("R", "Rated NC-17.", False),
    ],
)
def test_a_fact_must_appear_as_a_whole_value(fact: str, answer: str, present: bool) -> None:
    assert fact_present(fact, answer) is present


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("Yes, ACADEMY DINOSAUR has 3 copies in stock at store 2.", True),
        ("ACADEMY DINOSAUR is available at store 2.", True),
        ("ACE GOLDFINGER is not in stock at store 1.", False),
        ("Store 1 has no copies of ACE GOLDFINGER.", False),
        ("The catalogue has no match for that.", False),
        ("ACADEMY DINOSAUR is a film about a dinosaur.", None),
    ],
)
def test_stock_answers_are_read_as_yes_or_no(answer: str, expected: bool | None) -> None:
    assert says_in_stock(answer) is expected


TITLE = Question(
    id="t",
    kind=Kind.TITLE_LOOKUP,
    question="How long is ACADEMY DINOSAUR?",
    agent="SearchAgent",
    films=(1,),
    must_name=True,
    facts=("86",),
)
ABSENT = Question(
    id="a",
    kind=Kind.NOT_IN_CATALOGUE,
    question="Do you have Inception?",
    agent="LLMAgent",
    handoff=True,
)


def test_a_good_answer_passes_every_check() -> None:
    outcome = Outcome(
        "t",
        answer="ACADEMY DINOSAUR runs 86 minutes.",
        agent="SearchAgent",
        first_agent="SearchAgent",
        tool_calls=[ToolCallRecord("FilmSearch-search_films", "{}", True)],
        named_films=[1],
        latency_s=1.5,
    )
    scored = score(TITLE, outcome)
    assert (scored.routed, scored.first_routed, scored.grounded, scored.found) == (
        True,
        True,
        True,
        True,
    )
    assert scored.facts is True
    assert scored.handoff is None
    assert not scored.false_handoff


def test_an_extra_film_a_wrong_fact_and_an_invented_title_each_fail() -> None:
    outcome = Outcome(
        "t",
        answer="ACADEMY DINOSAUR and ALONE TRIP run 90 minutes; see also JURASSIC DREAMS.",
        agent="SearchAgent",
        first_agent="SearchAgent",
        named_films=[1, 17],
        ungrounded_titles=["JURASSIC DREAMS"],
    )
    scored = score(TITLE, outcome)
    assert scored.routed
    assert not scored.grounded
    assert scored.found  # it did name the film asked about
    assert scored.facts is False
    assert scored.ungrounded_titles == 1


def test_a_not_in_catalogue_question_needs_the_handoff_and_the_words() -> None:
    handed = Outcome(
        "a",
        answer="The catalogue has no match for that. Try another title.",
        agent="LLMAgent",
        first_agent="SearchAgent",
        handoffs=[("SearchAgent", "LLMAgent", "no catalogue match")],
    )
    assert score(ABSENT, handed).handoff is True
    silent = Outcome("a", answer="We have lots of films!", agent="LLMAgent", first_agent="LLMAgent")
    scored = score(ABSENT, silent)
    assert scored.handoff is False
    # the not-in-catalogue path starts at the LLMAgent (decision 0065): right first agent,
    # but the answer must still say the store does not carry the film
    assert scored.first_routed
    told = Outcome(
        "a",
        answer="We don't carry Inception; the catalogue has no match for it. Try another title.",
        agent="LLMAgent",
        first_agent="LLMAgent",
    )
    assert score(ABSENT, told).handoff is True
    searched_elsewhere = Outcome(
        "a", answer=told.answer, agent="SearchAgent", first_agent="LLMAgent"
    )
    assert score(ABSENT, searched_elsewhere).handoff is False


def test_a_no_match_handoff_on_a_catalogue_question_is_counted_as_false() -> None:
    outcome = Outcome(
        "t",
        answer="The catalogue has no match for that.",
        agent="LLMAgent",
        handoffs=[("SearchAgent", "LLMAgent", "no catalogue match")],
    )
    scored = score(TITLE, outcome)
    assert scored.false_handoff
    assert not scored.routed


def test_a_failed_run_fails_its_checks_and_is_left_out_of_latency() -> None:
    failed = Outcome("t", error="AGENT_TIMEOUT: too slow", latency_s=60.0)
    good = Outcome(
        "t",
        answer="86 minutes: ACADEMY DINOSAUR",
        agent="SearchAgent",
        named_films=[1],
        latency_s=2,
    )
    summary = summarize([score(TITLE, failed), score(TITLE, good)])
    assert summary["errors"] == 1
    assert summary["routing"] == {"passed": 1, "of": 2, "rate": 0.5}
    assert summary["facts"]["rate"] == 0.5
    assert summary["latency_p50_s"] == 2
    assert summary["tool_call_validity"]["rate"] is None
    assert summary["targets"]["routing"] is False
    assert summary["targets"]["tool_call_validity"] is None


def test_summary_counts_tool_calls_and_checks_the_targets() -> None:
    calls = [ToolCallRecord("FilmSearch-search_films", "{}", ok) for ok in (True, True, False)]
    outcome = Outcome(
        "t",
        answer="ACADEMY DINOSAUR: 86 minutes.",
        agent="SearchAgent",
        first_agent="SearchAgent",
        tool_calls=calls,
        named_films=[1],
        latency_s=3.0,
    )
    summary = summarize([score(TITLE, outcome)])
    assert summary["tool_call_validity"] == {"passed": 2, "of": 3, "rate": 0.6667}
    assert summary["targets"] == {
        "routing": True,
        "tool_call_validity": False,
        "ungrounded_titles": True,
        "handoff": None,
        "latency_p50_s": True,
    }


def test_percentiles_are_nearest_rank() -> None:
    values = [float(v) for v in range(1, 21)]
    assert percentile(values, 0.5) == 10
    assert percentile(values, 0.95) == 19
    assert percentile([], 0.5) is None


def test_a_limit_samples_every_kind() -> None:
    questions = load_questions()
    picked = select(questions, limit=len(BUNDLED_KINDS))
    assert {q.kind for q in picked} == BUNDLED_KINDS
    assert [q.id for q in select(questions, only=["general"])] == [
        q.id for q in questions if q.kind is Kind.GENERAL
    ]
    with pytest.raises(ValueError, match="no question or kind"):
        select(questions, only=["nonsense"])


def test_the_first_question_asked_is_one_the_model_answers() -> None:
    """`pagila-graph eval` asks a general question first after the warm-up, so that the first
    question after start measures the model's first answer (any generated subset)."""
    import random

    from agents.eval.dataset import load_questions, select
    from agents.eval.generate import GENERATED_FILE
    from agents.eval.report import MODEL_KINDS, model_question_first

    questions = load_questions(GENERATED_FILE)
    rng = random.Random(5)
    for _ in range(20):
        subset = select(questions, rng.choice([("dev",), ("test",), ()]), rng.randint(1, 120))
        ordered = model_question_first(subset)
        assert sorted(q.id for q in ordered) == sorted(q.id for q in subset)
        if any(q.kind.value in MODEL_KINDS for q in subset):
            assert ordered[0].kind.value in MODEL_KINDS
        else:
            assert ordered == subset
