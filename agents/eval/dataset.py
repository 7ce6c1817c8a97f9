"""The evaluation set: labelled questions over the Pagila data (`questions.yaml`).

Each question says which agent must answer it, which films an answer may name (`films`: every
film that satisfies the question, computed from the data; an answer naming any other film is
not grounded), whether it must name at least one of them (`must_name`), the facts the answer
must state (`facts`, values as the catalogue stores them; `in_stock` for availability) and,
for films that are not in the catalogue, that the run must hand off and say so (`handoff`).
`check` holds the criteria the labels were computed from; `tests/eval/test_questions.py`
recomputes every label from the loaded database, so a wrong label fails the suite.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

import yaml

QUESTIONS_FILE = Path(__file__).with_name("questions.yaml")


class Kind(StrEnum):
    TITLE_LOOKUP = "title_lookup"
    KEYWORD = "keyword"
    FILTER = "filter"
    AVAILABILITY = "availability"
    NOT_IN_CATALOGUE = "not_in_catalogue"
    GENERAL = "general"
    # the generated set's kinds (agents/eval/generate.py)
    TYPO_TITLE = "typo_title"
    SUITABILITY = "suitability"
    SORT = "sort"
    ACTOR = "actor"
    MOOD = "mood"


#: the kinds of the bundled set (questions.yaml); the generated set has all
BUNDLED_KINDS = frozenset(
    {
        Kind.TITLE_LOOKUP,
        Kind.KEYWORD,
        Kind.FILTER,
        Kind.AVAILABILITY,
        Kind.NOT_IN_CATALOGUE,
        Kind.GENERAL,
    }
)

#: the agent a keyword router should pick first for each kind
FIRST_AGENT = {
    Kind.TITLE_LOOKUP: "SearchAgent",
    Kind.KEYWORD: "SearchAgent",
    Kind.FILTER: "SearchAgent",
    Kind.AVAILABILITY: "SearchAgent",
    # a film named in the question that the catalogue lacks takes the not-in-catalogue path
    # at once (the LLMAgent first, decision 0065); one described by topic is searched first
    # and handed off: metrics.score accepts either agent first for this kind
    Kind.NOT_IN_CATALOGUE: "SearchAgent",
    Kind.GENERAL: "LLMAgent",
    Kind.TYPO_TITLE: "SearchAgent",
    Kind.SUITABILITY: "SearchAgent",
    Kind.SORT: "SearchAgent",
    Kind.ACTOR: "SearchAgent",
    Kind.MOOD: "SearchAgent",
}
#: kinds whose question names a catalogue film: saying it is not carried is a false
#: not-in-catalogue
NAMES_A_CATALOGUE_FILM = frozenset(
    {Kind.TITLE_LOOKUP, Kind.TYPO_TITLE, Kind.AVAILABILITY, Kind.SUITABILITY}
)


@dataclass(frozen=True, slots=True)
class Question:
    id: str
    kind: Kind
    question: str
    #: the agent that must give the answer (after any handoff)
    agent: str
    #: every film the answer may name
    films: tuple[int, ...] = ()
    #: the answer must name at least one of `films`
    must_name: bool = False
    #: values the answer must state (e.g. "0.99", "86", "PG-13")
    facts: tuple[str, ...] = ()
    #: availability questions: whether the film is in stock at the store asked about
    in_stock: bool | None = None
    #: the search finds nothing: the run must hand off to the LLMAgent and say so
    handoff: bool = False
    check: dict[str, Any] = field(default_factory=dict)
    #: "dev" (tune on it) or "test" (only run to report); the bundled set has none
    split: str | None = None

    @property
    def first_agent(self) -> str:
        return FIRST_AGENT[self.kind]

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Question:
        known = {
            "id",
            "kind",
            "question",
            "agent",
            "films",
            "must_name",
            "facts",
            "in_stock",
            "handoff",
            "check",
            "split",
        }
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"question {data.get('id')!r}: unknown keys {sorted(unknown)}")
        return cls(
            id=str(data["id"]),
            kind=Kind(data["kind"]),
            question=str(data["question"]),
            agent=str(data["agent"]),
            films=tuple(int(i) for i in data.get("films") or ()),
            must_name=bool(data.get("must_name", False)),
            facts=tuple(str(f) for f in data.get("facts") or ()),
            in_stock=data.get("in_stock"),
            handoff=bool(data.get("handoff", False)),
            check=dict(data.get("check") or {}),
            split=data.get("split"),
        )


def load_questions(path: Path | None = None) -> list[Question]:
    raw = yaml.safe_load((path or QUESTIONS_FILE).read_text(encoding="utf-8"))
    if not isinstance(raw, list):
        raise ValueError("the evaluation set must be a YAML list of questions")
    questions = [Question.from_dict(item) for item in raw]
    ids = [q.id for q in questions]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise ValueError(f"duplicate question ids: {duplicates}")
    return questions


def select(
    questions: Sequence[Question],
    only: Iterable[str] = (),
    limit: int | None = None,
) -> list[Question]:
    """The questions whose id or kind is in `only` (all when empty), at most `limit` of them
    taken round-robin across kinds, so a small limit still samples every kind."""
    wanted = {w.strip() for w in only if w.strip()}
    splits = {w for w in wanted if w in ("dev", "test")}
    wanted -= splits
    chosen = [
        q
        for q in questions
        if (not wanted or q.id in wanted or q.kind.value in wanted)
        and (not splits or q.split in splits)
    ]
    unknown = wanted - {q.id for q in questions} - {k.value for k in Kind}
    if unknown:
        raise ValueError(f"no question or kind named {sorted(unknown)}")
    if limit is None or limit >= len(chosen):
        return chosen
    by_kind: dict[Kind, list[Question]] = {}
    for question in chosen:
        by_kind.setdefault(question.kind, []).append(question)
    picked: list[Question] = []
    while len(picked) < limit:
        for group in by_kind.values():
            if group and len(picked) < limit:
                picked.append(group.pop(0))
    return picked
