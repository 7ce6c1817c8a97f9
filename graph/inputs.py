"""Every string a client sends is checked once, before anything runs (issue 14, item 8).

PostgreSQL cannot store a NUL character and UTF-8 cannot encode a lone surrogate (JSON's
`"\\ud800"`); either used to reach the driver and come back as an internal error, from any of
the 25 entry points taking a string. `InputStrings` walks the operation's variables and the
string literals of its document and refuses, with `INVALID_INPUT` naming the variable path or
the argument, any string that holds one, or that is longer than `max_length` characters (the
catch-all; each field's own limit is the domain's, e.g. a title's 255).

The walk is linear in the input, which the request body limit bounds.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from graphql import (
    ArgumentNode,
    DocumentNode,
    GraphQLError,
    ObjectFieldNode,
    StringValueNode,
    Visitor,
    visit,
)
from graphql.execution import ExecutionResult as GraphQLExecutionResult
from strawberry.extensions import SchemaExtension
from typing_extensions import override

INVALID_INPUT = "INVALID_INPUT"


def string_problem(value: str, max_length: int) -> str | None:
    """Why this string cannot be accepted, or None."""
    if len(value) > max_length:
        return f"is longer than {max_length} characters"
    if "\x00" in value:
        return "contains a NUL character"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "contains a lone surrogate (not valid Unicode)"
    return None


def _walk(value: Any, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from _walk(item, f"{path}.{key}")
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from _walk(item, f"{path}[{index}]")


class _Literals(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, StringValueNode]] = []
        self.names: list[str] = []

    def enter_argument(self, node: ArgumentNode, *_: Any) -> None:
        self.names.append(node.name.value)

    def leave_argument(self, *_: Any) -> None:
        self.names.pop()

    def enter_object_field(self, node: ObjectFieldNode, *_: Any) -> None:
        self.names.append(node.name.value)

    def leave_object_field(self, *_: Any) -> None:
        self.names.pop()

    def enter_string_value(self, node: StringValueNode, *_: Any) -> None:
        self.found.append((".".join(self.names), node))


def input_string_error(
    document: DocumentNode | None, variables: Mapping[str, Any] | None, max_length: int
) -> GraphQLError | None:
    for path, value in _walk(dict(variables or {}), "$"):
        problem = string_problem(value, max_length)
        if problem is not None:
            field = path.removeprefix("$.")
            return GraphQLError(
                f"The variable `${field}` {problem}.",
                extensions={"code": INVALID_INPUT, "field": f"${field}"},
            )
    if document is not None:
        literals = _Literals()
        visit(document, literals)
        for name, node in literals.found:
            problem = string_problem(node.value, max_length)
            if problem is not None:
                return GraphQLError(
                    f"The string given for `{name or 'a directive'}` {problem}.",
                    nodes=[node],
                    extensions={"code": INVALID_INPUT, "field": name or None},
                )
    return None


class InputStrings(SchemaExtension):
    """Refuses the operation before execution when a string it carries is unacceptable."""

    def __init__(self, max_length: int) -> None:
        super().__init__()
        self.max_length = max_length

    @override
    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        if context.result is None:
            error = input_string_error(context.graphql_document, context.variables, self.max_length)
            if error is not None:
                # A result set before execution makes Strawberry skip graphql-core entirely.
                context.result = GraphQLExecutionResult(data=None, errors=[error])
        yield
