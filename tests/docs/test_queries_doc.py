"""Every query of docs/queries.md runs against the app without errors and finds something."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.read_api_support import ADMIN, Caller

DOC = Path(__file__).resolve().parents[2] / "docs" / "queries.md"
BLOCK = re.compile(r"```(graphql|json)\n(.*?)```", re.S)


def examples() -> list[tuple[str, dict[str, Any] | None]]:
    """(query, variables): a ```json block right after a ```graphql block holds its variables."""
    found: list[tuple[str, dict[str, Any] | None]] = []
    for match in BLOCK.finditer(DOC.read_text(encoding="utf-8")):
        kind, text = match.groups()
        if kind == "graphql":
            found.append((text, None))
        else:
            assert found and found[-1][1] is None, "a JSON block must follow a query"
            found[-1] = (found[-1][0], json.loads(text))
    return found


EXAMPLES = examples()


def test_the_doc_has_examples_for_the_common_tasks() -> None:
    text = "\n".join(q for q, _ in EXAMPLES)
    for needle in (
        "filter:",
        "after: $after",
        "last:",
        "availableCopies",
        "balance",
        "rentals",
        "salesByStore",
        "salesByFilmCategory",
        "topCustomers",
        "node(id:",
        "nodes(ids:",
    ):
        assert needle in text, needle


def _found_something(value: Any) -> bool:
    if isinstance(value, dict) and ("nodes" in value or "edges" in value):
        return bool(value.get("nodes") or value.get("edges"))
    if isinstance(value, list):
        return bool(value)
    return value is not None


@pytest.mark.parametrize(
    ("query", "variables"), EXAMPLES, ids=[f"example-{i + 1}" for i in range(len(EXAMPLES))]
)
async def test_example_runs(api: Caller, query: str, variables: dict[str, Any] | None) -> None:
    data = await api.data(query, variables, who=ADMIN)
    empty = [name for name, value in data.items() if not _found_something(value)]
    assert empty == [], f"these fields found nothing, pick a better example: {empty}"
    for value in data.values():  # and one level down, e.g. an actor's films
        if isinstance(value, dict):
            assert all(_found_something(v) for k, v in value.items() if k != "returnDate"), value
