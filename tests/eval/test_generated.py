"""The generated evaluation set (agents/eval/generated.yaml) is what the generator makes from
the data — so every label is the data's — and measures generalisation: enough questions,
every kind, dev and test parts that share no film, actor or famous title."""

from __future__ import annotations

from collections import Counter

import yaml

from agents.eval.dataset import Kind, load_questions, select
from agents.eval.generate import GENERATED_FILE, generate, snapshot_of
from persistence.db import Database
from persistence.eval_snapshot import load_snapshot


async def test_the_committed_set_is_the_generated_one(database: Database) -> None:
    committed = yaml.safe_load(GENERATED_FILE.read_text(encoding="utf-8"))
    # the snapshot is read by persistence/; the agents' generator only sees its rows
    assert committed == generate(snapshot_of(await load_snapshot(database)))


def test_the_set_is_large_split_and_covers_every_kind() -> None:
    questions = load_questions(GENERATED_FILE)
    assert len(questions) >= 300
    kinds = Counter(q.kind for q in questions)
    for kind in set(Kind) - {Kind.KEYWORD, Kind.FILTER}:
        assert kinds[kind] >= 5, kind
    test = select(questions, ["test"])
    dev = select(questions, ["dev"])
    assert len(test) + len(dev) == len(questions) and len(test) >= 150 and len(dev) >= 150
    # a film's questions are all in one part
    film_kinds = {Kind.TITLE_LOOKUP, Kind.TYPO_TITLE, Kind.AVAILABILITY, Kind.SUITABILITY}
    test_films = {q.films[0] for q in test if q.kind in film_kinds}
    dev_films = {q.films[0] for q in dev if q.kind in film_kinds}
    assert test_films and dev_films and not test_films & dev_films
    # the three cases, typos, and titles the catalogue lacks that share a word with one it has
    texts = [q.question for q in questions if q.kind is Kind.TITLE_LOOKUP]
    assert any(t != t.lower() and t != t.upper() for t in texts)
    assert any(any(w.isupper() and len(w) > 3 for w in t.split()) for t in texts)
    absent = [q for q in questions if q.kind is Kind.NOT_IN_CATALOGUE]
    assert sum(1 for q in absent if q.films) >= len(absent) // 2
