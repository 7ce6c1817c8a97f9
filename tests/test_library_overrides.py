"""Our subclasses of library classes still match the library (pyproject.toml bounds them).

Strawberry and Semantic Kernel are 0.x-style libraries whose internals we override
(`GraphQLApp.execute_operation`, `process_result`, `encode_json`, extension hooks, SK's
`invoke_stream`). When an upgrade renames or reshapes one of those methods, our override would
silently stop being called, or be called with other arguments. So, for every class of ours with a
base from a third-party library:

- each method that replaces a library method is marked `@override` (typing_extensions), and
- each `@override` method still has a library counterpart, of the same kind (async or not), and
  accepts every argument the library passes to it.

The check walks every module of the project: a new override is covered without a list to update.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
import sys
import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
OURS = ("pagila_graph", "config", "graph", "domain", "persistence", "agents")
# Construction is ours to define: a subclass's __init__ legitimately differs from its base's.
NOT_OVERRIDES = {
    "__init__",
    "__new__",
    "__init_subclass__",
    "__class_getitem__",
    "__subclasshook__",
}


def _our_modules() -> Iterator[ModuleType]:
    for package_name in OURS:
        package = importlib.import_module(package_name)
        yield package
        for info in pkgutil.walk_packages(package.__path__, prefix=f"{package_name}."):
            yield importlib.import_module(info.name)


def _top(module_name: str) -> str:
    return module_name.split(".", 1)[0]


def _is_library(cls: type) -> bool:
    top = _top(cls.__module__)
    return top not in OURS and top not in sys.stdlib_module_names and top != "builtins"


def _our_classes() -> list[type]:
    found: dict[str, type] = {}
    for module in _our_modules():
        for value in vars(module).values():
            if (
                inspect.isclass(value)
                and value.__module__ == module.__name__
                and any(_is_library(base) for base in value.__mro__[1:])
            ):
                found[f"{value.__module__}.{value.__qualname__}"] = value
    return [found[name] for name in sorted(found)]


def _function(value: Any) -> Callable[..., Any] | None:
    if isinstance(value, staticmethod | classmethod):
        value = value.__func__
    return value if inspect.isfunction(value) else None


def _library_counterpart(cls: type, name: str) -> tuple[type, Callable[..., Any]] | None:
    for base in cls.__mro__[1:]:
        if name in vars(base):
            function = _function(vars(base)[name])
            if _is_library(base) and function is not None:
                return base, function
            if _top(base.__module__) in OURS:
                continue  # a layer of ours in between (e.g. SpecView): what does it replace?
            return None  # first found in the standard library: not our concern
    return None


def _kind(function: Callable[..., Any]) -> str:
    if inspect.isasyncgenfunction(function):
        return "async generator"
    if inspect.iscoroutinefunction(function):
        return "coroutine"
    if inspect.isgeneratorfunction(function):
        return "generator"
    return "function"


def _compatible_kinds(ours: str, theirs: str) -> bool:
    if ours == theirs:
        return True
    # Strawberry runs an extension hook written as a generator or as an async generator
    if {ours, theirs} == {"generator", "async generator"}:
        return True
    # a plain function may be declared to return an iterable: a generator is one
    return theirs == "function" and ours == "generator"


def _accepts(ours: inspect.Signature, theirs: inspect.Signature) -> list[str]:
    """What the library may pass that our override would not accept."""
    problems: list[str] = []
    mine = list(ours.parameters.values())
    has_varargs = any(p.kind is p.VAR_POSITIONAL for p in mine)
    has_varkw = any(p.kind is p.VAR_KEYWORD for p in mine)
    positional = [p for p in mine if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    by_name = {p.name: p for p in mine}
    index = 0
    for param in theirs.parameters.values():
        if param.kind in (param.POSITIONAL_ONLY, param.POSITIONAL_OR_KEYWORD):
            if index < len(positional):
                if (
                    param.kind is param.POSITIONAL_OR_KEYWORD
                    and positional[index].name != param.name
                ):
                    problems.append(
                        f"position {index}: the library calls it {param.name!r}, "
                        f"ours {positional[index].name!r}"
                    )
            elif not has_varargs:
                problems.append(f"missing positional parameter {param.name!r}")
            index += 1
        elif param.kind is param.KEYWORD_ONLY:
            if param.name not in by_name and not has_varkw:
                problems.append(f"missing keyword parameter {param.name!r}")
        elif param.kind is param.VAR_POSITIONAL and not has_varargs:
            problems.append("the library accepts *args, ours does not")
        elif param.kind is param.VAR_KEYWORD and not has_varkw:
            problems.append("the library accepts **kwargs, ours does not")
    for extra in positional[index:]:
        if extra.default is extra.empty:
            problems.append(f"our extra parameter {extra.name!r} has no default")
    return problems


def _overrides() -> Iterator[tuple[str, type, str, Callable[..., Any]]]:
    for cls in _our_classes():
        for name, value in vars(cls).items():
            function = _function(value)
            if function is not None and name not in NOT_OVERRIDES:
                yield f"{cls.__module__}.{cls.__qualname__}.{name}", cls, name, function


CASES = list(_overrides())


def test_the_walk_finds_the_known_overrides() -> None:
    """Guards the walk itself: these overrides exist today and must be seen."""
    names = {case[0] for case in CASES}
    assert "pagila_graph.app.GraphQLApp.execute_operation" in names
    assert "agents.orchestration.ContextualAgent.invoke_stream" in names


@pytest.mark.parametrize(("where", "cls", "name", "function"), CASES, ids=[c[0] for c in CASES])
def test_override_matches_the_library(
    where: str, cls: type, name: str, function: Callable[..., Any]
) -> None:
    counterpart = _library_counterpart(cls, name)
    marked = getattr(function, "__override__", False)
    if counterpart is None:
        assert not marked, (
            f"{where} is marked @override but no library base of {cls.__name__} defines "
            f"{name!r} any more: the library changed, so this code is no longer called. "
            "Read the library's changelog and move the override."
        )
        return
    base, theirs = counterpart
    library = f"{base.__module__}.{base.__qualname__}.{name}"
    assert marked, (
        f"{where} replaces {library}: mark it @override (typing_extensions) so that a library "
        "upgrade that renames it fails this test instead of silently skipping our code."
    )
    assert _compatible_kinds(_kind(function), _kind(theirs)), (
        f"{where} is a {_kind(function)}, {library} is now a {_kind(theirs)}"
    )
    problems = _accepts(inspect.signature(function), inspect.signature(theirs))
    assert not problems, (
        f"{where} no longer matches {library}{inspect.signature(theirs)}: " + "; ".join(problems)
    )


def test_the_signature_check_can_fail() -> None:
    def library(self: Any, request: Any, result: Any, *, strict: bool = False) -> None: ...

    def renamed(self: Any, request: Any, outcome: Any) -> None: ...

    def fewer(self: Any, request: Any) -> None: ...

    def flexible(self: Any, *args: Any, **kwargs: Any) -> None: ...

    sig = inspect.signature
    assert _accepts(sig(renamed), sig(library)) == [
        "position 2: the library calls it 'result', ours 'outcome'",
        "missing keyword parameter 'strict'",
    ]
    assert _accepts(sig(fewer), sig(library)) == [
        "missing positional parameter 'result'",
        "missing keyword parameter 'strict'",
    ]
    assert _accepts(sig(flexible), sig(library)) == []


def _normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_every_library_we_override_is_bounded_above() -> None:
    """An upgrade of a library whose methods we replace is a deliberate edit of pyproject.toml
    (then `./dev lock` and this suite), never a side effect of resolving afresh."""
    from importlib.metadata import packages_distributions

    from packaging.requirements import Requirement

    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    project = pyproject["project"]
    declared = [*project["dependencies"]]
    for extra in project.get("optional-dependencies", {}).values():
        declared += extra
    requirements: dict[str, list[Requirement]] = {}
    for line in declared:
        requirement = Requirement(line)
        requirements.setdefault(_normalized(requirement.name), []).append(requirement)
    distributions = packages_distributions()
    overridden: set[str] = set()
    for _, cls, name, _ in CASES:
        counterpart = _library_counterpart(cls, name)
        if counterpart is not None:
            top = _top(counterpart[0].__module__)
            overridden.update(_normalized(d) for d in distributions.get(top, [top]))
    assert {"strawberry-graphql", "starlette"} <= overridden  # the walk found them
    unbounded = sorted(
        dist
        for dist in overridden
        if not any(
            spec.operator in ("<", "<=", "==", "~=")
            for requirement in requirements.get(dist, [])
            for spec in requirement.specifier
        )
    )
    assert not unbounded, f"declare an upper bound in pyproject.toml for: {unbounded}"
