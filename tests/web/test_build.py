"""The page is built from the schema: codegen + tsc + vite build run here, so a schema change
that breaks the page's queries fails the suite; and the committed build is that build."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from tests.web.build import COMMITTED_BUILD, REPO, WEB, build, typecheck


def files_of(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def test_the_committed_build_is_the_build_of_web(tmp_path: Path) -> None:
    result = build(tmp_path / "app")
    assert result.returncode == 0, f"npm run build failed:\n{result.stdout}\n{result.stderr}"
    built, committed = files_of(tmp_path / "app"), files_of(COMMITTED_BUILD)
    assert built.keys() == committed.keys()
    stale = [name for name in built if built[name] != committed[name]]
    assert not stale, (
        f"pagila_graph/static/app is stale ({stale}): run `npm run build` in web/ and commit it"
    )


@pytest.fixture
def web_copy(tmp_path: Path) -> Path:
    """web/ and a schema beside it, in a scratch folder (node_modules linked, not copied)."""
    root = tmp_path / "repo"
    shutil.copytree(WEB, root / "web", ignore=shutil.ignore_patterns("node_modules", "generated"))
    (root / "web" / "node_modules").symlink_to(WEB / "node_modules")
    shutil.copy(REPO / "schema.graphql", root / "schema.graphql")
    return root


# Incompatible changes to the schema, each as (pattern in schema.graphql, replacement).
BREAKING = [
    ("rename a field the page selects", r"\n  availableCopies\(", "\n  copiesAvailable("),
    ("remove an enum value the page sends", r"\n  RENTAL_RATE\n", "\n"),
    ("change a field's type", r"\n  rentalRate: Decimal!\n", "\n  rentalRate: Float!\n"),
    ("rename an argument", r"agentStream\(question:", "agentStream(prompt:"),
    ("make an input field required", r"  fulltext: String = null", "  fulltext: String!"),
]


@pytest.mark.parametrize(("what", "pattern", "replacement"), BREAKING, ids=[b[0] for b in BREAKING])
def test_an_incompatible_schema_change_breaks_the_build(
    web_copy: Path, what: str, pattern: str, replacement: str
) -> None:
    schema = web_copy / "schema.graphql"
    text = schema.read_text()
    changed, count = re.subn(pattern, replacement, text, count=1)
    assert count == 1, f"the pattern for {what!r} no longer matches schema.graphql"
    schema.write_text(changed)
    result = typecheck(web_copy / "web")
    assert result.returncode != 0, f"the page still type-checks although the schema changed: {what}"


# Compatible changes: the page must keep building (the control for the cases above).
COMPATIBLE = [
    ("nothing", r"^", ""),
    (
        "a new scalar and a field of it",
        r"\ntype Film implements Node \{\n",
        "\nscalar Fresh\ntype Film implements Node {\n  fresh: Fresh\n",
    ),
    ("a new enum value", r"\n  NC_17\n", "\n  NC_17\n  UNRATED\n"),
    (
        "a new optional argument",
        r"agentStream\(question:",
        "agentStream(verbose: Boolean = false, question:",
    ),
]


@pytest.mark.parametrize(
    ("what", "pattern", "replacement"), COMPATIBLE, ids=[c[0] for c in COMPATIBLE]
)
def test_a_compatible_schema_change_keeps_the_build(
    web_copy: Path, what: str, pattern: str, replacement: str
) -> None:
    schema = web_copy / "schema.graphql"
    changed, count = re.subn(pattern, replacement, schema.read_text(), count=1)
    assert count == 1, f"the pattern for {what!r} no longer matches schema.graphql"
    schema.write_text(changed)
    result = typecheck(web_copy / "web")
    assert result.returncode == 0, f"{what}:\n{result.stdout}\n{result.stderr}"
