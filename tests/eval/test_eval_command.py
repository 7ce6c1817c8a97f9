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
#   rate-3     searches "how much Freaky Pocus" as keywords, finds nothing and
#              hands off as "no match"                                         → wrong agent
#   filter-4   reads "60" as a price: lists R-rated action films of any length,
#              some of which are longer than 60 minutes                        → not grounded
#   stock-2    ACE GOLDFINGER has no copy at store 1: the search says so and
#              the answer too                                                  → right fact
#   absent-4   nothing about zombies: deterministic handoff, says "no match"    → correct handoff
#   general-2  "movie night" routes it to the SearchAgent, whose empty search
#              hands it to the LLMAgent                                         → router miss
PICKED = ["rate-1", "rate-3", "filter-4", "stock-2", "absent-4", "general-2"]  # file order


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
    assert not by_id["rate-3"]["routed"] and by_id["rate-3"]["first_routed"]
    assert by_id["rate-3"]["false_handoff"] and by_id["rate-3"]["facts"] is False
    assert by_id["filter-4"]["routed"] and not by_id["filter-4"]["grounded"]
    assert by_id["stock-2"]["routed"] and by_id["stock-2"]["facts"] is True
    assert not by_id["stock-2"]["false_handoff"]
    assert by_id["absent-4"]["handoff"] is True
    # "movie" sends it to the SearchAgent first; its empty search hands it to the LLMAgent
    assert by_id["general-2"]["routed"] and not by_id["general-2"]["first_routed"]

    summary = saved["summary"]
    assert summary["questions"] == 6
    assert summary["errors"] == 0
    assert summary["routing"] == {"passed": 5, "of": 6, "rate": 0.8333}
    assert summary["router"] == {"passed": 5, "of": 6, "rate": 0.8333}
    assert summary["grounding"] == {"passed": 5, "of": 6, "rate": 0.8333}
    assert summary["facts"] == {"passed": 2, "of": 3, "rate": 0.6667}
    assert summary["handoff"] == {"passed": 1, "of": 1, "rate": 1.0}
    assert summary["false_handoffs"] == 1
    assert summary["ungrounded_titles"] == 0
    calls = sum(r["tool_calls"] for r in saved["results"])
    assert summary["tool_call_validity"]["of"] == calls >= 5
    assert summary["targets"]["routing"] is False
    assert summary["latency_p50_s"] is not None
    assert saved["meta"]["provider"] == "scripted"
    # the table on the console says the same
    assert "83.3% (5/6)" in result.output


def test_eval_refuses_an_unknown_question(env: Path) -> None:
    result = CliRunner().invoke(app, ["eval", "--provider", "scripted", "--only", "nope"])
    assert result.exit_code != 0
    assert "no question or kind" in result.output
