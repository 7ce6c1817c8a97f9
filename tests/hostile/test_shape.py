"""The gate's memoised shape equals brute-force expansion, on generated fragment graphs."""

from __future__ import annotations

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    parse,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from graph.documents import DocumentLimits, shape

NAMES = ["a", "b", "c"]


@st.composite
def documents(draw: st.DrawFn) -> str:
    """Fragments F0..Fn on one type, each selecting fields, aliases, nested fields, inline
    fragments and spreads of lower-numbered fragments (a DAG, as validation requires)."""
    count = draw(st.integers(1, 5))

    def selection_set(level: int, below: int) -> str:
        parts: list[str] = []
        for _ in range(draw(st.integers(1, 4))):
            kind = draw(st.sampled_from(["field", "alias", "nested", "inline", "spread"]))
            name = draw(st.sampled_from(NAMES))
            if kind == "field":
                parts.append(name)
            elif kind == "alias":
                parts.append(f"x{draw(st.integers(0, 9))}: {name}")
            elif kind == "nested" and level < 3:
                parts.append(f"{name} {selection_set(level + 1, below)}")
            elif kind == "inline" and level < 3:
                parts.append(f"... on T {selection_set(level + 1, below)}")
            elif kind == "spread" and below > 0:
                parts.append(f"...F{draw(st.integers(0, below - 1))}")
            else:
                parts.append("__typename")
        return "{ " + " ".join(parts) + " }"

    fragments = [f"fragment F{i} on T {selection_set(0, i)}" for i in range(count)]
    return f"query {selection_set(0, count)}\n" + "\n".join(fragments)


def brute_force(document: str) -> tuple[int, int, int]:
    """Selections, aliases and depth by expanding every spread where it is used."""
    ast = parse(document)
    fragments = {d.name.value: d for d in ast.definitions if isinstance(d, FragmentDefinitionNode)}

    def walk(selection_set: SelectionSetNode) -> tuple[int, int, int]:
        selections = aliases = depth = 0
        for selection in selection_set.selections:
            selections += 1
            if isinstance(selection, FieldNode):
                aliases += selection.alias is not None
                if selection.selection_set is not None:
                    s, a, d = walk(selection.selection_set)
                    selections, aliases = selections + s, aliases + a
                    depth = max(depth, 1 + d)
            else:
                inner = (
                    fragments[selection.name.value].selection_set
                    if isinstance(selection, FragmentSpreadNode)
                    else selection.selection_set
                )
                assert isinstance(selection, FragmentSpreadNode | InlineFragmentNode)
                s, a, d = walk(inner)
                selections, aliases, depth = selections + s, aliases + a, max(depth, d)
        return selections, aliases, depth

    operation = next(d for d in ast.definitions if isinstance(d, OperationDefinitionNode))
    return walk(operation.selection_set)


@settings(max_examples=300, deadline=None)
@given(documents())
def test_memoised_shape_equals_expansion(document: str) -> None:
    selections, aliases, depth = brute_force(document)
    generous = DocumentLimits(max_selections=10**9, max_aliases=10**9, max_depth=10**9)
    assert shape(parse(document), generous) == (selections, None)
    # each limit refuses exactly when the expansion exceeds it
    codes = {
        "max_selections": ("QUERY_TOO_COMPLEX", selections),
        "max_aliases": ("TOO_MANY_ALIASES", aliases),
        "max_depth": ("QUERY_TOO_DEEP", depth),
    }
    for limit, (code, value) in codes.items():
        for bound in (value, value - 1):
            if bound < 0:
                continue
            limits = DocumentLimits(
                **{"max_selections": 10**9, "max_aliases": 10**9, "max_depth": 10**9, limit: bound}
            )
            _, error = shape(parse(document), limits)
            if value > bound:
                assert error is not None and error.extensions["code"] == code
            else:
                assert error is None
