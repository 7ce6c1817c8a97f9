"""Schema evolution without URL versions: the SDL in the repository, and the breaking-change rule.

* `schema.graphql` (repo root) is the schema as the code builds it; a test fails when it is stale.
  Regenerate it with `pagila-graph export-schema`.
* `schema.released.graphql` is the schema of the last release. graphql-core's
  `find_breaking_changes` compares it with the current schema; every breaking change must be
  recorded in CHANGELOG.md's `## Unreleased` section as a line

      - BREAKING: <the change, exactly as graphql-core describes it>

  e.g. `- BREAKING: Field Film.rentalRate changed type from Decimal! to Float!.`, followed by
  whatever explanation helps clients. `pagila-graph export-schema --check` prints the lines
  that are missing. Fields are retired with `@deprecated(reason:)` first, which is not breaking.
* On release: `pagila-graph export-schema --release` copies the current schema to
  `schema.released.graphql`; then rename `## Unreleased` to the version in CHANGELOG.md.

docs/decisions/0021-schema-evolution.md explains the choice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from graphql import build_schema as build_from_sdl
from graphql import find_breaking_changes, find_dangerous_changes

SCHEMA_FILE = "schema.graphql"
RELEASED_FILE = "schema.released.graphql"
CHANGELOG_FILE = "CHANGELOG.md"
EXPORT_COMMAND = "pagila-graph export-schema"
BREAKING_PREFIX = "- BREAKING:"

_UNRELEASED = re.compile(r"^## +\[?Unreleased\]?\s*$", re.IGNORECASE | re.MULTILINE)
_NEXT_SECTION = re.compile(r"^## ", re.MULTILINE)


def current_sdl() -> str:
    """The SDL of the schema the code builds (limits and settings do not change it)."""
    from graph.schema import sdl

    return sdl().rstrip("\n") + "\n"


@dataclass(frozen=True, slots=True)
class Evolution:
    breaking: list[str]
    dangerous: list[str]
    unrecorded: list[str]  # breaking changes CHANGELOG.md's Unreleased section does not record


def unreleased_section(changelog: str) -> str:
    match = _UNRELEASED.search(changelog)
    if match is None:
        return ""
    rest = changelog[match.end() :]
    following = _NEXT_SECTION.search(rest)
    return rest if following is None else rest[: following.start()]


def recorded_breaking_changes(changelog: str) -> list[str]:
    """The `- BREAKING: ...` lines of the Unreleased section, without the prefix."""
    return [
        line.strip()[len(BREAKING_PREFIX) :].strip()
        for line in unreleased_section(changelog).splitlines()
        if line.strip().startswith(BREAKING_PREFIX)
    ]


def compare(released_sdl: str, current: str, changelog: str) -> Evolution:
    old, new = build_from_sdl(released_sdl), build_from_sdl(current)
    breaking = [change.description for change in find_breaking_changes(old, new)]
    dangerous = [change.description for change in find_dangerous_changes(old, new)]
    recorded = recorded_breaking_changes(changelog)
    unrecorded = [b for b in breaking if not any(r.startswith(b) for r in recorded)]
    return Evolution(breaking, dangerous, unrecorded)


def compare_files(root: Path, current: str | None = None) -> Evolution:
    released = (root / RELEASED_FILE).read_text(encoding="utf-8")
    changelog = (root / CHANGELOG_FILE).read_text(encoding="utf-8")
    return compare(released, current if current is not None else current_sdl(), changelog)


def missing_lines(evolution: Evolution) -> str:
    return "\n".join(f"{BREAKING_PREFIX} {change}" for change in evolution.unrecorded)
