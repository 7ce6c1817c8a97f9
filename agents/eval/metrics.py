"""Scoring one run of the evaluation set: plain functions over what each question's run did.

Definitions (docs/decisions/0064-evaluation-set.md):

* **routing** — the agent that gave the answer is the labelled one (after any handoff);
  **router** — the keyword router's first agent is the one expected for the question's kind;
* **tool-call validity** — tool calls whose result is not an error (bad arguments, unknown
  film), over all tool calls;
* **grounding** — the films the answer names are among the labelled ones (a general or
  not-in-catalogue answer may name none); **ungrounded titles** — titles the answer gives that
  are not in the database at all (must be zero);
* **found** — for questions that must name a film, the answer names at least one labelled film;
* **handoff** — a not-in-catalogue question was answered by the LLMAgent (handed off after an
  empty search, or sent there first because the film it names is not in the catalogue) and
  the answer says the catalogue has no match ("no match", "we don't carry …"); **false
  handoffs** — a no-match handoff on a question whose films are in the catalogue;
* **facts** — the answer states every labelled fact (a value written as the catalogue stores
  it, e.g. `0.99` or `$0.99`, `86`, `PG-13`), or the right in-stock yes/no;
* **latency** — seconds from question to complete answer, p50 and p95 (nearest rank).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from agents.eval.dataset import NAMES_A_CATALOGUE_FILM, Kind, Question

NO_MATCH = re.compile(r"\bno match|\bdon't carry\b", re.IGNORECASE)
_NEGATIVE = re.compile(
    r"\b(not (currently )?(in stock|available)|no (copies|copy)|out of stock|none|"
    r"unavailable|no match|0 cop(y|ies)|isn't|is not|aren't|are not|not)\b",
    re.IGNORECASE,
)
_POSITIVE = re.compile(
    r"\b(in stock|available|yes|[1-9]\d* cop(y|ies)|has \d+|have \d+)\b", re.IGNORECASE
)

TARGETS = {
    "routing": 0.95,
    "tool_call_validity": 1.0,
    "ungrounded_titles": 0,
    "handoff": 1.0,
    "latency_p50_s": 4.0,
}


@dataclass(slots=True)
class ToolCallRecord:
    function: str
    arguments: str
    valid: bool


@dataclass(slots=True)
class Outcome:
    """What one question's run did (filled by `agents.eval.runner`)."""

    question_id: str
    answer: str = ""
    agent: str | None = None
    first_agent: str | None = None
    tool_calls: list[ToolCallRecord] = field(default_factory=list)
    #: (from, to, reason) of each handoff
    handoffs: list[tuple[str, str, str]] = field(default_factory=list)
    named_films: list[int] = field(default_factory=list)
    ungrounded_titles: list[str] = field(default_factory=list)
    #: facts stated about catalogue films that the catalogue contradicts (the service's check)
    invented_facts: list[str] = field(default_factory=list)
    latency_s: float = 0.0
    error: str | None = None


@dataclass(slots=True)
class Score:
    question_id: str
    kind: str
    routed: bool
    first_routed: bool
    tool_calls: int
    valid_tool_calls: int
    grounded: bool
    found: bool | None
    handoff: bool | None
    false_handoff: bool
    facts: bool | None
    ungrounded_titles: int
    latency_s: float
    error: str | None
    #: the question names a catalogue film and the answer says the store does not carry it
    false_not_in_catalogue: bool = False
    invented_facts: int = 0


def fact_present(fact: str, answer: str) -> bool:
    """`fact` appears in `answer` as a whole value: `0.99` matches `$0.99` but not `10.99`,
    `PG` does not match `PG-13`, `86` does not match `186`."""
    value = re.escape(fact)
    if re.fullmatch(r"\d+(\.\d+)?", fact):
        pattern = rf"(?<![\d.]){value}(?![\d])(?!\.\d)"
    else:
        pattern = rf"(?<![\w-]){value}(?![\w-])"
    return re.search(pattern, answer, re.IGNORECASE) is not None


def says_in_stock(answer: str) -> bool | None:
    """Whether the answer says the film is in stock (None when it says neither)."""
    if _NEGATIVE.search(answer):
        return False
    if _POSITIVE.search(answer):
        return True
    return None


def _no_match_handoff(outcome: Outcome) -> bool:
    return any(to == "LLMAgent" and "no catalogue match" in why for _, to, why in outcome.handoffs)


def score(question: Question, outcome: Outcome) -> Score:
    failed = outcome.error is not None
    named = set(outcome.named_films)
    facts: bool | None = None
    if question.facts:
        facts = not failed and all(fact_present(f, outcome.answer) for f in question.facts)
    elif question.in_stock is not None:
        facts = not failed and says_in_stock(outcome.answer) is question.in_stock
    handoff: bool | None = None
    if question.handoff:
        handed = any(to == "LLMAgent" for _, to, _ in outcome.handoffs)
        handoff = (
            not failed
            and (handed or outcome.first_agent == "LLMAgent")
            and outcome.agent == "LLMAgent"
            and NO_MATCH.search(outcome.answer) is not None
        )
    return Score(
        question_id=question.id,
        kind=question.kind.value,
        routed=not failed and outcome.agent == question.agent,
        first_routed=outcome.first_agent == question.first_agent
        or (question.kind is Kind.NOT_IN_CATALOGUE and outcome.first_agent == "LLMAgent"),
        tool_calls=len(outcome.tool_calls),
        valid_tool_calls=sum(1 for call in outcome.tool_calls if call.valid),
        grounded=not failed and named <= set(question.films) and not outcome.ungrounded_titles,
        found=(not failed and bool(named & set(question.films))) if question.must_name else None,
        handoff=handoff,
        false_handoff=not question.handoff
        and question.kind is not Kind.GENERAL
        and _no_match_handoff(outcome),
        facts=facts,
        ungrounded_titles=len(outcome.ungrounded_titles),
        latency_s=outcome.latency_s,
        error=outcome.error,
        false_not_in_catalogue=question.kind in NAMES_A_CATALOGUE_FILM
        and not failed
        and NO_MATCH.search(outcome.answer) is not None,
        invented_facts=len(outcome.invented_facts),
    )


def percentile(values: Sequence[float], share: float) -> float | None:
    """Nearest-rank percentile (`share` in 0..1); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[rank - 1]


def _rate(flags: Sequence[bool | None]) -> dict[str, Any]:
    counted = [f for f in flags if f is not None]
    passed = sum(1 for f in counted if f)
    return {
        "passed": passed,
        "of": len(counted),
        "rate": round(passed / len(counted), 4) if counted else None,
    }


def summarize(scores: Sequence[Score]) -> dict[str, Any]:
    calls = sum(s.tool_calls for s in scores)
    valid = sum(s.valid_tool_calls for s in scores)
    latencies = [s.latency_s for s in scores if s.error is None]
    p50 = percentile(latencies, 0.5)
    p95 = percentile(latencies, 0.95)
    summary: dict[str, Any] = {
        "questions": len(scores),
        "errors": sum(1 for s in scores if s.error is not None),
        "routing": _rate([s.routed for s in scores]),
        "router": _rate([s.first_routed for s in scores]),
        "tool_call_validity": {
            "passed": valid,
            "of": calls,
            "rate": round(valid / calls, 4) if calls else None,
        },
        "grounding": _rate([s.grounded for s in scores]),
        "ungrounded_titles": sum(s.ungrounded_titles for s in scores),
        "found": _rate([s.found for s in scores]),
        "handoff": _rate([s.handoff for s in scores]),
        "false_handoffs": sum(1 for s in scores if s.false_handoff),
        "facts": _rate([s.facts for s in scores]),
        # the issue 13 names: the fact asked for is in the answer (same as "facts")
        "asked_fact_present": _rate([s.facts for s in scores]),
        "false_not_in_catalogue": sum(1 for s in scores if s.false_not_in_catalogue),
        "invented_facts": sum(s.invented_facts for s in scores),
        "typo_found": _rate([s.found for s in scores if s.kind == Kind.TYPO_TITLE.value]),
        "latency_p50_s": round(p50, 3) if p50 is not None else None,
        "latency_p95_s": round(p95, 3) if p95 is not None else None,
        "by_kind": {
            kind: {
                "questions": sum(1 for s in scores if s.kind == kind),
                "routing": _rate([s.routed for s in scores if s.kind == kind])["rate"],
                "grounding": _rate([s.grounded for s in scores if s.kind == kind])["rate"],
                "facts": _rate([s.facts for s in scores if s.kind == kind])["rate"],
                "found": _rate([s.found for s in scores if s.kind == kind])["rate"],
                "handoff": _rate([s.handoff for s in scores if s.kind == kind])["rate"],
                "false_not_in_catalogue": sum(
                    1 for s in scores if s.kind == kind and s.false_not_in_catalogue
                ),
                "invented_facts": sum(s.invented_facts for s in scores if s.kind == kind),
                "latency_p50_s": percentile(
                    [s.latency_s for s in scores if s.kind == kind and s.error is None], 0.5
                ),
                "latency_p95_s": percentile(
                    [s.latency_s for s in scores if s.kind == kind and s.error is None], 0.95
                ),
            }
            for kind in dict.fromkeys(s.kind for s in scores)
        },
    }
    summary["targets"] = targets_met(summary)
    return summary


def targets_met(summary: dict[str, Any]) -> dict[str, bool | None]:
    """Each target of issue 8 (None when the run had nothing to measure it on)."""

    def at_least(metric: str, target: float) -> bool | None:
        rate = summary[metric]["rate"]
        return None if rate is None else rate >= target

    p50 = summary["latency_p50_s"]
    return {
        "routing": at_least("routing", TARGETS["routing"]),
        "tool_call_validity": at_least("tool_call_validity", TARGETS["tool_call_validity"]),
        "ungrounded_titles": summary["ungrounded_titles"] == TARGETS["ungrounded_titles"],
        "handoff": at_least("handoff", TARGETS["handoff"]),
        "latency_p50_s": None if p50 is None else p50 <= TARGETS["latency_p50_s"],
    }


def score_json(value: Score | Outcome) -> dict[str, Any]:
    return asdict(value)
