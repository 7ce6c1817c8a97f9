"""Query limits: every one rejects an operation before any resolver (hence any SQL) runs.

* **Depth** and **aliases**: Strawberry's `QueryDepthLimiter` and `MaxAliasesLimiter` (validation
  rules, so their verdict is cached with the document), with `extensions.code` added:
  `QUERY_TOO_DEEP`, `TOO_MANY_ALIASES`.
* **Page size** and **cost** need the operation's variables, which validation never sees, so
  `QueryLimits` checks them at the start of execution, before graphql-core resolves anything:
  - `first`/`last` above `max_page_size` (literal or variable) → `INVALID_INPUT`, the same error
    the domain raises (`field`: the argument), so clients see one shape either way;
  - cost above `max_query_cost` → `QUERY_TOO_COMPLEX`.

Cost model (docs/decisions/0020-query-cost-limits.md): each selected field costs 1; a field
returning a list of objects, or a connection, multiplies the cost of its selection by the rows it
may return: its `first`/`last` argument, else the length of its `ids` argument, else the default
page size. A connection's `edges`/`nodes` lists take their parent's size instead of multiplying
again. Fragments are counted where they are spread (conservatively: every type condition of an
abstract type is added, not the largest; `@skip`/`@include` are ignored). Introspection fields
cost nothing — they are bounded by the schema, and can be switched off with
`INTROSPECTION=false`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, cast

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
    ValueNode,
    VariableNode,
    get_named_type,
    get_operation_ast,
    is_composite_type,
)
from graphql.execution import ExecutionResult as GraphQLExecutionResult
from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    QueryDepthLimiter,
    SchemaExtension,
)
from typing_extensions import override

from config.settings import Settings

QUERY_TOO_COMPLEX = "QUERY_TOO_COMPLEX"
QUERY_TOO_DEEP = "QUERY_TOO_DEEP"
TOO_MANY_ALIASES = "TOO_MANY_ALIASES"
INVALID_INPUT = "INVALID_INPUT"

PAGE_ARGUMENTS = ("first", "last")


# --- depth and aliases: Strawberry's rules, with a code ------------------------------------------


class _CodingContext:
    """A ValidationContext whose reported errors carry `extensions.code`."""

    def __init__(self, context: ValidationContext, code: str) -> None:
        self._context = context
        self._code = code

    def report_error(self, error: GraphQLError) -> None:
        self._context.report_error(
            GraphQLError(
                error.message,
                nodes=error.nodes,
                source=error.source,
                positions=error.positions,
                extensions={**(error.extensions or {}), "code": self._code},
            )
        )

    def __getattr__(self, name: str) -> Any:
        return getattr(self._context, name)


def _with_code(rule: type[ValidationRule], code: str) -> type[ValidationRule]:
    class Coded(rule):  # type: ignore[valid-type, misc]
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(cast(ValidationContext, _CodingContext(context, code)))

    Coded.__name__ = f"{rule.__name__}With{code.title().replace('_', '')}"
    return Coded


def _coded(extension: AddValidationRules, code: str) -> AddValidationRules:
    extension.validation_rules = [
        _with_code(cast(type[ValidationRule], r), code) for r in extension.validation_rules
    ]
    return extension


def depth_limiter(settings: Settings) -> AddValidationRules:
    return _coded(QueryDepthLimiter(max_depth=settings.max_query_depth), QUERY_TOO_DEEP)


def alias_limiter(settings: Settings) -> AddValidationRules:
    return _coded(MaxAliasesLimiter(max_alias_count=settings.max_aliases), TOO_MANY_ALIASES)


# --- page size and cost: need the variables ---------------------------------------------


class LimitExceeded(Exception):
    def __init__(self, error: GraphQLError) -> None:
        super().__init__(error.message)
        self.error = error


@dataclass(frozen=True, slots=True)
class CostLimits:
    max_cost: int
    max_page_size: int
    default_page_size: int

    @classmethod
    def from_settings(cls, settings: Settings) -> CostLimits:
        return cls(settings.max_query_cost, settings.max_page_size, settings.default_page_size)


def _unwrap(type_: GraphQLOutputType) -> GraphQLOutputType:
    return type_.of_type if isinstance(type_, GraphQLNonNull) else type_


def _is_list(type_: GraphQLOutputType) -> bool:
    return isinstance(_unwrap(type_), GraphQLList)


def _is_connection(type_: Any) -> bool:
    return isinstance(type_, GraphQLObjectType | GraphQLInterfaceType) and {
        "edges",
        "pageInfo",
    } <= set(type_.fields)


class CostCalculator:
    """Walks one operation of a validated document, with its variables."""

    def __init__(
        self,
        schema: GraphQLSchema,
        document_fragments: Mapping[str, FragmentDefinitionNode],
        variables: Mapping[str, Any],
        limits: CostLimits,
    ) -> None:
        self.schema = schema
        self.fragments = document_fragments
        self.variables = variables
        self.limits = limits

    def operation_cost(self, operation: OperationDefinitionNode) -> int:
        root = self.schema.get_root_type(operation.operation)
        if root is None:
            return 0
        return self._selection_cost(operation.selection_set, root, None, frozenset())

    # --- arguments ---

    def _value(self, node: ValueNode) -> Any:
        if isinstance(node, VariableNode):
            return self.variables.get(node.name.value)
        if isinstance(node, IntValueNode):
            return int(node.value)
        if isinstance(node, ListValueNode):
            return [self._value(v) for v in node.values]
        return None

    def _argument(self, field: FieldNode, name: str) -> Any:
        for argument in field.arguments or ():
            if argument.name.value == name:
                return self._value(argument.value)
        return None

    def _page_size(self, field: FieldNode, definition: GraphQLField) -> int | None:
        """The rows the field may return as its arguments say, checking the maximum."""
        sizes: list[int] = []
        for name in PAGE_ARGUMENTS:
            if name not in definition.args:
                continue
            value = self._argument(field, name)
            if isinstance(value, int) and not isinstance(value, bool):
                if value > self.limits.max_page_size:
                    raise LimitExceeded(
                        GraphQLError(
                            f"`{name}` must be at most {self.limits.max_page_size}.",
                            nodes=[field],
                            extensions={"code": INVALID_INPUT, "field": name},
                        )
                    )
                sizes.append(max(value, 0))
        if sizes:
            return max(sizes)
        if "ids" in definition.args:
            ids = self._argument(field, "ids")
            if isinstance(ids, list):
                return len(ids)
        if any(name in definition.args for name in PAGE_ARGUMENTS):
            return self.limits.default_page_size
        return None

    # --- selections ---

    def _selections(
        self, selection_set: SelectionSetNode, visited: frozenset[str]
    ) -> Iterator[tuple[FieldNode, str | None, frozenset[str]]]:
        """Every field of the selection, with the type condition it sits under."""
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                yield selection, None, visited
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                for field, _, seen in self._selections(selection.selection_set, visited):
                    yield field, condition.name.value if condition else None, seen
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.fragments.get(name)
                if fragment is None or name in visited:
                    continue
                for field, _, seen in self._selections(fragment.selection_set, visited | {name}):
                    yield field, fragment.type_condition.name.value, seen

    def _selection_cost(
        self,
        selection_set: SelectionSetNode | None,
        parent: Any,
        connection_size: int | None,
        visited: frozenset[str],
    ) -> int:
        if selection_set is None:
            return 0
        total = 0
        for field, condition, seen in self._selections(selection_set, visited):
            name = field.name.value
            if name.startswith("__"):
                continue
            owner = self.schema.get_type(condition) if condition else parent
            fields = getattr(owner, "fields", None)
            definition = fields.get(name) if fields else None
            if definition is None:  # validation already refused unknown fields
                continue
            total += self._field_cost(field, definition, connection_size, seen)
            if total > self.limits.max_cost:
                break  # no need to count further
        return total

    def _field_cost(
        self,
        field: FieldNode,
        definition: GraphQLField,
        connection_size: int | None,
        visited: frozenset[str],
    ) -> int:
        size = self._page_size(field, definition)
        named = get_named_type(definition.type)
        if not is_composite_type(named):
            return 1
        if _is_connection(named):
            # The connection itself is one object; its edges/nodes lists carry the size.
            inner = size if size is not None else self.limits.default_page_size
            return 1 + self._selection_cost(field.selection_set, named, inner, visited)
        if _is_list(definition.type):
            rows = size if size is not None else connection_size
            rows = rows if rows is not None else self.limits.default_page_size
            return 1 + rows * self._selection_cost(field.selection_set, named, None, visited)
        return 1 + self._selection_cost(field.selection_set, named, None, visited)


def operation_cost(
    schema: GraphQLSchema,
    document: Any,
    operation_name: str | None,
    variables: Mapping[str, Any] | None,
    limits: CostLimits,
) -> int:
    """The cost of the operation to run; raises `LimitExceeded` for a page above the maximum."""
    operation = get_operation_ast(document, operation_name)
    if operation is None:
        return 0
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    calculator = CostCalculator(schema, fragments, variables or {}, limits)
    return calculator.operation_cost(operation)


class QueryLimits(SchemaExtension):
    """Refuses over-sized pages and over-budget operations before execution starts."""

    def __init__(self, limits: CostLimits) -> None:
        super().__init__()
        self.limits = limits

    @override
    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if document is not None and context.result is None:
            error = self._check(document)
            if error is not None:
                # A result set before execution makes Strawberry skip graphql-core entirely.
                context.result = GraphQLExecutionResult(data=None, errors=[error])
        yield

    def _check(self, document: Any) -> GraphQLError | None:
        context = self.execution_context
        try:
            cost = operation_cost(
                context.schema._schema,
                document,
                context.operation_name,
                context.variables,
                self.limits,
            )
        except LimitExceeded as exc:
            return exc.error
        if cost > self.limits.max_cost:
            return GraphQLError(
                f"This query may cost more than {self.limits.max_cost} "
                f"(estimated at least {cost}; each field costs 1, times the page size of every "
                "list it is inside). Ask for smaller pages (`first`/`last`) or fewer fields.",
                extensions={
                    "code": QUERY_TOO_COMPLEX,
                    "cost": cost,
                    "maxCost": self.limits.max_cost,
                },
            )
        return None


def limit_extensions(settings: Settings) -> list[Callable[[], SchemaExtension]]:
    """Factories of the limit extensions (one instance per operation), from settings."""
    limits = CostLimits.from_settings(settings)
    # The rule classes are made once: ValidationCache keys on them, so rules created per
    # operation would make every request miss the cache and validate again (~25% of a
    # small query's time).
    rules = [*depth_limiter(settings).validation_rules, *alias_limiter(settings).validation_rules]
    return [
        lambda: AddValidationRules(rules),
        lambda: QueryLimits(limits),
    ]
