"""Runs the evaluation set through the agents (`AgentRunner.ask`, as `askAgent` does) against
whatever provider the settings configure, and scores every answer (`agents.eval.metrics`).

Questions are asked as an anonymous customer (no memory, no customer tools), `concurrency` at a
time (1 by default: latency figures are then per question, not per batch).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import platform
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agents.eval.dataset import Question
from agents.eval.metrics import Outcome, Score, ToolCallRecord, score, score_json, summarize
from agents.events import Handoff, ToolCallFinished
from domain.assistant import candidate_titles
from domain.auth import ANONYMOUS
from domain.catalogue.search import FilmSearch, FilmSearchService
from domain.errors import DomainError
from domain.units import UnitOfWorkFactory

if TYPE_CHECKING:
    from agents.service import AgentRunner

#: called after each question (for a progress bar)
OnResult = Callable[[Question, Outcome, Score], None]


@dataclass(slots=True)
class EvalRun:
    meta: dict[str, Any]
    summary: dict[str, Any]
    results: list[dict[str, Any]]

    def to_json(self) -> str:
        return json.dumps(
            {"meta": self.meta, "summary": self.summary, "results": self.results},
            indent=1,
            ensure_ascii=False,
        )

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.to_json() + "\n", encoding="utf-8")


async def named_films(units: UnitOfWorkFactory, answer: str) -> list[int]:
    """Ids of the catalogue films whose exact title the answer names."""
    ids: list[int] = []
    titles = candidate_titles(answer)
    if not titles:
        return ids
    async with units.read_only() as uow:
        search = FilmSearchService(uow)
        for title in titles:
            films, _ = await search.search(FilmSearch(title=title, limit=10))
            ids.extend(f.id for f in films if f.title.upper() == title and f.id not in ids)
    return ids


def _valid(result_preview: str) -> bool:
    return not result_preview.lstrip().startswith('{"error"')


async def ask_one(runner: AgentRunner, question: Question) -> Outcome:
    outcome = Outcome(question_id=question.id)
    started = time.perf_counter()
    try:
        answer = await runner.ask(question.question, ANONYMOUS)
    except DomainError as exc:
        outcome.latency_s = round(time.perf_counter() - started, 3)
        outcome.error = f"{exc.code}: {exc.message}"
        return outcome
    outcome.latency_s = round(time.perf_counter() - started, 3)
    outcome.answer = answer.answer
    outcome.agent = answer.agent
    outcome.first_agent = answer.first_agent
    # the service leaves out titles the customer wrote ("we do not have BATMAN BEGINS")
    outcome.ungrounded_titles = list(answer.ungrounded_titles)
    outcome.invented_facts = list(answer.invented_facts)
    for step in answer.steps:
        if isinstance(step, ToolCallFinished):
            outcome.tool_calls.append(
                ToolCallRecord(
                    f"{step.plugin}-{step.function}", step.arguments, _valid(step.result_preview)
                )
            )
        elif isinstance(step, Handoff):
            outcome.handoffs.append((step.from_agent, step.to_agent, step.reason))
    outcome.named_films = await named_films(runner.units, answer.answer)
    return outcome


async def run_eval(
    runner: AgentRunner,
    questions: Sequence[Question],
    *,
    concurrency: int = 1,
    on_result: OnResult | None = None,
    meta: dict[str, Any] | None = None,
) -> EvalRun:
    """Asks every question, `concurrency` at a time; results keep the questions' order."""
    gate = asyncio.Semaphore(max(1, concurrency))
    outcomes: dict[str, tuple[Outcome, Score]] = {}

    async def one(question: Question) -> None:
        async with gate:
            outcome = await ask_one(runner, question)
        scored = score(question, outcome)
        outcomes[question.id] = (outcome, scored)
        if on_result is not None:
            on_result(question, outcome, scored)

    started = time.perf_counter()
    await asyncio.gather(*(one(q) for q in questions))
    scores = [outcomes[q.id][1] for q in questions]
    results = [
        {
            "question": q.question,
            **score_json(outcomes[q.id][1]),
            "outcome": score_json(outcomes[q.id][0]),
        }
        for q in questions
    ]
    info = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "provider": str(runner.settings.model_provider),
        "concurrency": concurrency,
        "seconds": round(time.perf_counter() - started, 1),
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
        },
        **(meta or {}),
    }
    return EvalRun(meta=info, summary=summarize(scores), results=results)


def load_average() -> list[float] | None:
    """The 1/5/15-minute load averages (other work on the machine inflates latencies)."""
    try:
        return [round(v, 2) for v in os.getloadavg()]
    except OSError:  # pragma: no cover - not on every platform
        return None
