from __future__ import annotations

import json
import logging

import pytest

from config.logging import configure_logging, get_logger, request_id_var
from config.settings import Settings
from persistence.db import Database


def test_json_lines_carry_the_request_id(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("INFO", json=True)
    try:
        token = request_id_var.set("req-42")
        get_logger("test").info("hello", answer=42)
        logging.getLogger("uvicorn.error").info("from stdlib")
        request_id_var.reset(token)
        lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line]
    finally:
        configure_logging("WARNING", json=False)
    assert [line["event"] for line in lines] == ["hello", "from stdlib"]
    assert all(line["request_id"] == "req-42" for line in lines)
    assert lines[0]["answer"] == 42 and lines[0]["level"] == "info"


async def test_request_lines_name_the_operation(
    capsys: pytest.CaptureFixture[str], settings: Settings, database: Database
) -> None:
    import httpx

    from pagila_graph.app import create_app

    app = create_app(settings, database)
    configure_logging("INFO", json=True)
    try:
        capsys.readouterr()
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://t"
        ) as http:
            for document in (
                "query Catalogue { films(first: 1) { nodes { title } } }",  # compiled
                "query OneFilm { film(filmId: 1) { title } }",  # executor
                "{ films(first: 1) { totalCount } }",
                "query Broken {",
            ):
                await http.post("/graphql", json={"query": document})
        lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line]
    finally:
        configure_logging("WARNING", json=False)
    requests = [line for line in lines if line["event"] == "http.request"]
    assert [line["operation"] for line in requests] == [
        "Catalogue",
        "OneFilm",
        "anonymous",
        "anonymous",
    ]


def test_log_lines_during_a_progress_bar_go_through_rich() -> None:
    """A line logged while a start-up progress bar is on screen is printed by Rich above the
    bar (one whole line), not written through it."""
    import io

    from rich.console import Console
    from rich.progress import Progress

    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=1000, color_system=None)
    configure_logging("INFO", json=True)
    try:
        with Progress(console=console, transient=False) as progress:
            task = progress.add_task("Loading Pagila", total=10)
            progress.update(task, advance=3)
            get_logger("test").info("during.progress", table="film")
            progress.update(task, advance=7)
    finally:
        configure_logging("WARNING", json=False)
    lines = [line for line in screen.getvalue().splitlines() if "during.progress" in line]
    assert len(lines) == 1, screen.getvalue()
    line = lines[0]
    # the JSON line, whole, with the bar's cursor codes before it at most
    document = json.loads(line[line.index("{") :])
    assert document["event"] == "during.progress"
    assert document["table"] == "film"


async def test_no_request_line_below_info_but_the_request_id_still_answers(
    capsys: pytest.CaptureFixture[str], settings: Settings, database: Database
) -> None:
    import httpx

    from pagila_graph.app import create_app

    app = create_app(settings, database)
    configure_logging("WARNING", json=True)
    try:
        capsys.readouterr()
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://t"
        ) as http:
            answer = await http.post(
                "/graphql",
                json={"query": "query Catalogue { films(first: 1) { nodes { title } } }"},
                headers={"x-request-id": "first", "X-Request-ID": "req-7"},
            )
            get_logger("test").info("below the level")
            get_logger("test").warning("at the level")
        lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line]
    finally:
        configure_logging("WARNING", json=False)
    assert answer.status_code == 200
    assert answer.headers["x-request-id"] == "req-7"  # the last one sent, as before
    assert [line["event"] for line in lines] == ["at the level"]


def test_console_tracebacks_leave_local_variables_out(capsys: pytest.CaptureFixture[str]) -> None:
    """The fuzz run (issue 14) saw each unexpected error's console traceback take 20-30 s of
    event-loop CPU rendering the locals of GraphQL's frames; the frames stay, the locals go."""
    configure_logging("INFO", json=False)
    try:
        marker = "-".join(["local", "value", "never", "shown"])  # the value is not in the code
        try:
            raise ValueError("boom")
        except ValueError:
            get_logger("test").exception("failed", kept=len(marker))
        err = capsys.readouterr().err
    finally:
        configure_logging("WARNING", json=False)
    assert "ValueError" in err and "boom" in err
    assert "test_console_tracebacks_leave_local_variables_out" in err  # the frame is there
    assert "local-value-never-shown" not in err
    # the standard library's text, not Rich's panels: a failed agent run's chain of ~12,000
    # lines took Rich 3.5-44 s of event-loop CPU to draw (issue 14's fuzz run)
    assert "Traceback (most recent call last):" in err
    assert "╭" not in err and "│" not in err
