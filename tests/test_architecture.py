"""Dependencies point inwards: domain/ imports neither Strawberry nor SQLAlchemy."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = {
    "domain": {"strawberry", "sqlalchemy", "asyncpg", "starlette", "graph", "persistence"},
    "persistence": {"strawberry", "graph", "starlette"},
    "graph": {"sqlalchemy", "asyncpg"},
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_layer_imports(package: str) -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(_imports(path) & FORBIDDEN[package])
        for path in (ROOT / package).rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


_SQL = re.compile(
    r"\b(SELECT\b.*\bFROM|INSERT\s+INTO|UPDATE\b.*\bSET|DELETE\s+FROM|JOIN\b.*\bON)\b"
    r"|json_build_object|json_agg|\bLATERAL\b",
    re.DOTALL,
)


def _string_constants(path: Path) -> list[str]:
    """Every string literal of a module except docstrings (prose may name SQL)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
    ]


def test_no_sql_text_in_graph() -> None:
    """graph/ plans reads (decision 0013); SQL is written by persistence/ alone."""
    offenders = {
        str(path.relative_to(ROOT)): [s[:60] for s in _string_constants(path) if _SQL.search(s)]
        for path in (ROOT / "graph").rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_the_sql_check_catches_sql() -> None:
    assert _SQL.search("SELECT a FROM t")
    assert _SQL.search("coalesce((SELECT json_agg(x) FROM p), '[]')")
    assert not _SQL.search("Select the films you want from the list")
