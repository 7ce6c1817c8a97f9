"""schema.graphql is the schema the code builds; breaking changes against the last release are
recorded in CHANGELOG.md (see graph/evolution.py for the convention)."""

from __future__ import annotations

import shutil
from pathlib import Path

from typer.testing import CliRunner

from graph import evolution
from pagila_graph.cli import app

ROOT = Path(__file__).resolve().parents[2]


def test_committed_schema_graphql_is_current() -> None:
    committed = (ROOT / evolution.SCHEMA_FILE).read_text(encoding="utf-8")
    assert committed == evolution.current_sdl(), (
        f"{evolution.SCHEMA_FILE} is stale: run `{evolution.EXPORT_COMMAND}` at the repository "
        "root and commit the result."
    )


def test_breaking_changes_since_the_release_are_recorded() -> None:
    found = evolution.compare_files(ROOT)
    assert found.unrecorded == [], (
        "Breaking changes against schema.released.graphql must be recorded in CHANGELOG.md "
        "under `## Unreleased` (or avoided: deprecate first). Add:\n"
        + evolution.missing_lines(found)
    )


RELEASED = """
type Query {
  films: [String!]!
  count: Int
  old: Int
}
"""
CURRENT = """
type Query {
  films: [String!]
  count: Int
  old: Int @deprecated(reason: "Use count.")
  added: Boolean
}
"""


def changelog(unreleased: str, older: str = "") -> str:
    return f"# Changelog\n\n## Unreleased\n{unreleased}\n## 0.1.0\n{older}\n"


def test_a_breaking_change_must_be_recorded_in_unreleased() -> None:
    described = "Field Query.films changed type from [String!]! to [String!]."
    unrecorded = evolution.compare(RELEASED, CURRENT, changelog("- Added things.\n"))
    assert unrecorded.breaking == [described]  # deprecating and adding are not breaking
    assert unrecorded.unrecorded == [described]
    assert evolution.missing_lines(unrecorded) == f"- BREAKING: {described}"

    in_an_old_release = evolution.compare(
        RELEASED, CURRENT, changelog("", older=f"- BREAKING: {described}\n")
    )
    assert in_an_old_release.unrecorded == [described]

    recorded = evolution.compare(
        RELEASED, CURRENT, changelog(f"- BREAKING: {described} Lists may now be null.\n")
    )
    assert recorded.unrecorded == []


def test_removing_a_field_is_breaking() -> None:
    removed = CURRENT.replace('  old: Int @deprecated(reason: "Use count.")\n', "")
    found = evolution.compare(RELEASED, removed, changelog(""))
    assert "Field Query.old was removed." in found.unrecorded


def test_export_schema_command_writes_and_checks(tmp_path: Path) -> None:
    output = tmp_path / "schema.graphql"
    for name in (evolution.RELEASED_FILE, evolution.CHANGELOG_FILE):
        shutil.copy(ROOT / name, tmp_path / name)
    runner = CliRunner()

    stale = runner.invoke(app, ["export-schema", "--check", "--output", str(output)])
    assert stale.exit_code == 1
    assert "export-schema" in stale.output

    written = runner.invoke(app, ["export-schema", "--output", str(output)])
    assert written.exit_code == 0, written.output
    assert output.read_text(encoding="utf-8") == evolution.current_sdl()

    fresh = runner.invoke(app, ["export-schema", "--check", "--output", str(output)])
    assert fresh.exit_code == 0, fresh.output
