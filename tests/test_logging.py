from __future__ import annotations

import json
import logging

import pytest

from pagila_graph.logging import configure_logging, get_logger, request_id_var


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
