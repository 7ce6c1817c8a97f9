"""`pagila-graph eval` end to end on the scripted model (fast, deterministic) and the real
database: the figures it prints and saves are the ones its answers deserve, including misses."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pagila_graph.cli import app
from pagila_graph.config import get_settings

# The scripted model (agents/providers/scripted.py, demo_policy) searches with the words it
# recognises and lists what it finds. On these questions it is right, wrong and misled:
#   rate-1     finds ACADEMY DINOSAUR and quotes its $0.99                     → all good
#   filter-4   ignores "R-rated" and "under 60 minutes": names 5 action films,
#              none of the 2 expected ones                                      → not grounded
#   stock-2    ACE GOLDFINGER has no copy at store 1: the search says so and
#              the answer too                                                  → right fact
#   keyword-3  "documentaries" is no router word: the LLMAgent answers, and the
#              scripted LLMAgent does not hand back                            → wrong agent
#   absent-4   nothing about zombies: deterministic handoff, says "no match"    → correct handoff
#   general-2  "movie night" routes it to the SearchAgent, whose empty search
#              hands it to the LLMAgent                                         → router miss
PICKED = ["rate-1", "keyword-3", "filter-4", "stock-2", "absent-4", "general-2"]  # file order


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, pagila_url: str, tmp_path: Path) -> Path:
    monkeypatch.setenv("DATABASE_URL", pagila_url)
    monkeypatch.setenv("MODEL_PROVIDER", "none")  # the option below must override it
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    yield tmp_path / "results.json"
    get_settings.cache_clear()


def test_eval_scores_the_scripted_model(env: Path) -> None:
    args = ["eval", "--provider", "scripted", "--output", str(env)]
    for question in PICKED:
        args += ["--only", question]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    saved = json.loads(env.read_text())
    by_id = {r["question_id"]: r for r in saved["results"]}
    assert list(by_id) == PICKED

    assert by_id["rate-1"]["routed"] and by_id["rate-1"]["grounded"] and by_id["rate-1"]["facts"]
    assert by_id["filter-4"]["routed"] and not by_id["filter-4"]["grounded"]
    assert by_id["filter-4"]["found"] is False  # neither of the two right ones
    assert by_id["stock-2"]["routed"] and by_id["stock-2"]["facts"] is True
    assert not by_id["stock-2"]["false_handoff"]
    assert not by_id["keyword-3"]["routed"] and not by_id["keyword-3"]["first_routed"]
    assert by_id["keyword-3"]["found"] is False
    assert by_id["absent-4"]["handoff"] is True
    # "movie" sends it to the SearchAgent first; its empty search hands it to the LLMAgent
    assert by_id["general-2"]["routed"] and not by_id["general-2"]["first_routed"]

    summary = saved["summary"]
    assert summary["questions"] == 6
    assert summary["errors"] == 0
    assert summary["routing"] == {"passed": 5, "of": 6, "rate": 0.8333}
    assert summary["router"] == {"passed": 4, "of": 6, "rate": 0.6667}
    assert summary["grounding"] == {"passed": 5, "of": 6, "rate": 0.8333}
    assert summary["found"] == {"passed": 2, "of": 4, "rate": 0.5}
    assert summary["facts"] == {"passed": 2, "of": 2, "rate": 1.0}
    assert summary["handoff"] == {"passed": 1, "of": 1, "rate": 1.0}
    assert summary["false_handoffs"] == 0
    assert summary["ungrounded_titles"] == 0
    calls = sum(r["tool_calls"] for r in saved["results"])
    assert summary["tool_call_validity"]["of"] == calls >= 4
    assert summary["targets"]["routing"] is False
    assert summary["latency_p50_s"] is not None
    assert saved["meta"]["provider"] == "scripted"
    # the table on the console says the same
    assert "83.3% (5/6)" in result.output


def test_eval_refuses_an_unknown_question(env: Path) -> None:
    result = CliRunner().invoke(app, ["eval", "--provider", "scripted", "--only", "nope"])
    assert result.exit_code != 0
    assert "no question or kind" in result.output
