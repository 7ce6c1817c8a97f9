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
