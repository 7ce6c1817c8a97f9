"""Every GraphQL example in the README (fenced blocks and inline `query`/`mutation`/
`subscription` snippets) is valid against the committed schema, so a renamed field breaks the
build rather than the reader."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from graphql import build_schema, parse, validate

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
SCHEMA = build_schema((ROOT / "schema.graphql").read_text(encoding="utf-8"))

BLOCKS = re.findall(r"```graphql\n(.*?)```", README, re.S)
INLINE = re.findall(r"`((?:query|mutation|subscription) \{.*?)`", README)
EXAMPLES = BLOCKS + INLINE


def test_the_readme_has_examples() -> None:
    assert len(BLOCKS) >= 2 and INLINE


@pytest.mark.parametrize(
    "example", EXAMPLES, ids=[e.split("{")[0] + str(i) for i, e in enumerate(EXAMPLES)]
)
def test_readme_example_is_valid(example: str) -> None:
    errors = validate(SCHEMA, parse(example))
    assert not errors, [e.message for e in errors]
