"""Every GraphQL example in the README and the docs (fenced blocks and inline `query`/
`mutation`/`subscription` snippets) is valid against the committed schema, so a renamed field
breaks the build rather than the reader. (docs/queries.md's examples are also run, by
test_queries_doc.py.)"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from graphql import build_schema, parse, validate

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
SCHEMA = build_schema((ROOT / "schema.graphql").read_text(encoding="utf-8"))


def _examples(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    blocks = re.findall(r"```graphql\n(.*?)```", text, re.S)
    inline = re.findall(r"`((?:query|mutation|subscription) \{.*?)`", text)
    return blocks + inline


EXAMPLES = [(path.relative_to(ROOT), example) for path in DOCUMENTS for example in _examples(path)]


def test_the_readme_has_a_query_a_question_and_a_subscription() -> None:
    readme = _examples(ROOT / "README.md")
    assert any(e.lstrip().startswith("{") for e in readme)
    assert any("askAgent" in e for e in readme)
    assert any(e.startswith("subscription") for e in readme)


@pytest.mark.parametrize(
    ("path", "example"),
    EXAMPLES,
    ids=[f"{p}:{e.split('{')[0].strip() or 'query'}{i}" for i, (p, e) in enumerate(EXAMPLES)],
)
def test_documented_example_is_valid(path: Path, example: str) -> None:
    errors = validate(SCHEMA, parse(example))
    assert not errors, (str(path), [e.message for e in errors])
