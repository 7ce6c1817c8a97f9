"""`pagila-graph eval` on the console: a Rich progress bar while the questions run, then a table
of the figures and which targets of issue 8 they meet."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from agents.eval.dataset import Question
from agents.eval.metrics import TARGETS, Outcome, Score
from agents.eval.runner import EvalRun, load_average, run_eval

if TYPE_CHECKING:
    from rich.console import Console

    from agents.service import AgentRunner


async def run_with_progress(
    runner: AgentRunner,
    questions: Sequence[Question],
    concurrency: int,
    console: Console,
) -> EvalRun:
    """Runs `questions` through `runner` with a progress bar; the provider is built first, so a
    missing model stops the run before any question (`ModelUnavailable`)."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    runner.chat_service()
    load_before = load_average()
    failed = 0
    progress = Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
    )
    task = progress.add_task("Evaluating", total=len(questions))

    def on_result(question: Question, outcome: Outcome, scored: Score) -> None:
        nonlocal failed
        ok = scored.routed and scored.grounded and scored.facts is not False
        ok = ok and scored.handoff is not False and scored.found is not False
        failed += 0 if ok else 1
        progress.update(
            task,
            advance=1,
            description=f"Evaluating ({failed} with a miss) {question.id} {outcome.latency_s:.1f}s",
        )

    with progress:
        return await run_eval(
            runner,
            questions,
            concurrency=concurrency,
            on_result=on_result,
            meta={"load_before": load_before},
        )


def _percent(metric: dict[str, Any]) -> str:
    if metric["rate"] is None:
        return "n/a"
    return f"{metric['rate'] * 100:.1f}% ({metric['passed']}/{metric['of']})"


def _mark(met: bool | None) -> str:
    return "" if met is None else ("[green]met[/]" if met else "[red]missed[/]")


def print_summary(run: EvalRun, console: Console) -> None:
    from rich.table import Table

    run.meta["load_after"] = load_average()
    summary = run.summary
    targets = summary["targets"]
    table = Table(title=f"Evaluation: {summary['questions']} questions, {run.meta['provider']}")
    table.add_column("metric")
    table.add_column("value", justify="right")
    table.add_column("target")
    table.add_column("")
    rows: list[tuple[str, str, str, str]] = [
        (
            "routing (answering agent)",
            _percent(summary["routing"]),
            f"≥ {TARGETS['routing'] * 100:.0f}%",
            _mark(targets["routing"]),
        ),
        ("router (first agent)", _percent(summary["router"]), "", ""),
        (
            "tool-call validity",
            _percent(summary["tool_call_validity"]),
            "100%",
            _mark(targets["tool_call_validity"]),
        ),
        ("grounding (films ⊆ expected)", _percent(summary["grounding"]), "", ""),
        (
            "titles not in the database",
            str(summary["ungrounded_titles"]),
            "0",
            _mark(targets["ungrounded_titles"]),
        ),
        ("named an expected film", _percent(summary["found"]), "", ""),
        (
            "handoff on not-in-catalogue",
            _percent(summary["handoff"]),
            "100%",
            _mark(targets["handoff"]),
        ),
        ("false no-match handoffs", str(summary["false_handoffs"]), "", ""),
        ("asked fact present", _percent(summary["asked_fact_present"]), "≥ 97%", ""),
        ("false not-in-catalogue", str(summary["false_not_in_catalogue"]), "0", ""),
        ("invented facts (catalogue films)", str(summary["invented_facts"]), "0", ""),
        ("typo titles found", _percent(summary["typo_found"]), "≥ 90%", ""),
        (
            "latency p50",
            f"{summary['latency_p50_s']} s",
            f"≤ {TARGETS['latency_p50_s']:.0f} s",
            _mark(targets["latency_p50_s"]),
        ),
        ("latency p95", f"{summary['latency_p95_s']} s", "", ""),
        ("errors", str(summary["errors"]), "", ""),
    ]
    for row in rows:
        table.add_row(*row)
    console.print(table)
    console.print(
        f"Load average before/after: {run.meta.get('load_before')} / {run.meta.get('load_after')} "
        f"on {run.meta['machine']['cpus']} CPUs; {run.meta['seconds']} s in all."
    )
