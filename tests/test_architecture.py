"""The layering of docs/decisions/0001 and 0006, read from the imports of every module.

    pagila_graph (the composition root: builds everything; nothing imports it)
      │
      ├──▶ graph ──▶ agents ──▶ domain ◀── persistence
      │      └─────────────────▶ domain
      └──▶ persistence                      config: a leaf that any of them may read

Imports under `if TYPE_CHECKING:` and inside functions count too: a layer that may not import
something may not name it either.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
OURS = ("config", "domain", "persistence", "graph", "agents", "pagila_graph")

#: Frameworks and drivers: the domain is plain Python.
FRAMEWORKS = frozenset(
    {
        "strawberry",
        "graphql",
        "starlette",
        "sqlalchemy",
        "asyncpg",
        "alembic",
        "pydantic",
        "pydantic_settings",
        "semantic_kernel",
        "limits",
        "redis",
        "jwt",
        "argon2",
        "structlog",
        "typer",
        "rich",
        "httpx",
        "uvicorn",
    }
)

#: What each package may not import. `pagila_graph` is in every row but its own.
FORBIDDEN: Mapping[str, frozenset[str]] = {
    "config": frozenset(OURS) - {"config"},
    "domain": FRAMEWORKS | {"config", "persistence", "graph", "agents", "pagila_graph"},
    "persistence": frozenset(
        {"strawberry", "graphql", "starlette", "semantic_kernel"}
        | {"graph", "agents", "pagila_graph"}
    ),
    "agents": frozenset(
        {"strawberry", "graphql", "starlette", "sqlalchemy", "asyncpg"}
        | {"persistence", "graph", "pagila_graph"}
    ),
    "graph": frozenset({"sqlalchemy", "asyncpg", "persistence", "pagila_graph"}),
    "pagila_graph": frozenset(),
}


def imports_of(source: str) -> set[str]:
    """Every absolute module a source file imports, wherever the import statement is."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def package_imports(root: Path, packages: Iterable[str]) -> dict[str, dict[str, set[str]]]:
    """{package: {file: top-level names it imports}} for every .py file of each package."""
    found: dict[str, dict[str, set[str]]] = {}
    for package in packages:
        files = sorted((root / package).rglob("*.py"))
        found[package] = {
            str(path.relative_to(root)): {
                name.split(".")[0] for name in imports_of(path.read_text(encoding="utf-8"))
            }
            for path in files
        }
    return found


def violations(
    imports: Mapping[str, Mapping[str, set[str]]], forbidden: Mapping[str, frozenset[str]]
) -> dict[str, list[str]]:
    return {
        path: sorted(names & forbidden[package])
        for package, files in imports.items()
        for path, names in files.items()
        if names & forbidden[package]
    }


def package_cycles(imports: Mapping[str, Mapping[str, set[str]]]) -> list[list[str]]:
    """The strongly connected groups (more than one package) of the package import graph."""
    graph = {
        package: {n for names in files.values() for n in names if n in imports and n != package}
        for package, files in imports.items()
    }
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in sorted(graph[node]):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group: list[str] = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                cycles.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return cycles


@pytest.fixture(scope="module")
def imports() -> dict[str, dict[str, set[str]]]:
    return package_imports(ROOT, OURS)


@pytest.mark.parametrize("package", OURS)
def test_layer_imports(package: str, imports: dict[str, dict[str, set[str]]]) -> None:
    assert imports[package], f"{package}/ has no modules: is the list of layers stale?"
    assert violations({package: imports[package]}, FORBIDDEN) == {}


def test_nothing_imports_the_composition_root(imports: dict[str, dict[str, set[str]]]) -> None:
    importers = {
        path
        for package, files in imports.items()
        if package != "pagila_graph"
        for path, names in files.items()
        if "pagila_graph" in names
    }
    assert importers == set()


def test_no_package_cycle(imports: dict[str, dict[str, set[str]]]) -> None:
    assert package_cycles(imports) == []


# --- the checks can fail: each one on a small tree that breaks its rule --------------------


def _tree(tmp_path: Path, files: Mapping[str, str]) -> Path:
    for name, source in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source, encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize(
    ("path", "source", "offence"),
    [
        ("graph/a.py", "from persistence.unit_of_work import X\n", "persistence"),
        ("graph/a.py", "import sqlalchemy.orm\n", "sqlalchemy"),
        ("agents/a.py", "def f():\n    from persistence.db import Database\n", "persistence"),
        ("agents/a.py", "import strawberry\n", "strawberry"),
        ("agents/a.py", "from graph.context import Context\n", "graph"),
        (
            "domain/a.py",
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import pydantic\n",
            "pydantic",
        ),
        ("domain/a.py", "from config.settings import Settings\n", "config"),
        ("config/a.py", "from domain.errors import DomainError\n", "domain"),
        ("persistence/a.py", "from pagila_graph.config import X\n", "pagila_graph"),
    ],
)
def test_a_forbidden_import_is_reported(
    tmp_path: Path, path: str, source: str, offence: str
) -> None:
    root = _tree(tmp_path, {path: source})
    package = path.split("/", maxsplit=1)[0]
    found = violations(package_imports(root, [package]), FORBIDDEN)
    assert found == {path: [offence]}


def test_a_package_cycle_is_reported(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "domain/a.py": "from persistence.b import B\n",
            "persistence/b.py": "from domain.a import A\n",
            "graph/c.py": "from domain.a import A\n",
        },
    )
    assert package_cycles(package_imports(root, ["domain", "persistence", "graph"])) == [
        ["domain", "persistence"]
    ]


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
