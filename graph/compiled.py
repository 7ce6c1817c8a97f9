"""The compiled read path (decisions 0012, 0013): a validated query operation is planned
(graph/planning.py, plain data) and the plan compiled by the persistence layer into ONE SQL
statement that returns the final `data` JSON. Anything the planner or the compiler does not
support is "not compilable" and the normal executor serves the document unchanged.

This module owns what both paths must agree on before any SQL: the document gate and the
schema's own validation rules, the cost/page-size limits (0020), variable coercion, and the
caches of both verdicts.
"""

from __future__ import annotations

import json
from collections import Counter, OrderedDict
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any

import strawberry
from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    GraphQLSchema,
    Node,
    OperationDefinitionNode,
    OperationType,
    VariableNode,
    Visitor,
    get_operation_ast,
    specified_rules,
    visit,
)
from graphql.execution.values import get_variable_values
from graphql.validation import ASTValidationRule
from strawberry.extensions import AddValidationRules

from config.settings import Settings
from domain.auth import ANONYMOUS, Principal
from domain.pagination import PageLimits
from domain.read_plan import KeyedRead, Lookup, NotCompilable, PreparedRead, ReadPlan
from graph.documents import DocumentGate, DocumentLimits
from graph.limits import CostLimits, LimitExceeded, operation_cost
from graph.planning import LOOKUPS, Planned, Planner

#: The persistence layer's compiler: a plan -> a prepared statement (raises NotCompilable).
PlanCompiler = Callable[[ReadPlan], PreparedRead]
#: Its statement of a plan with the root lookups' keys left open (decision 0177); None: none.
PlanTemplater = Callable[[ReadPlan], KeyedRead | None]


@dataclass(frozen=True)
class _KeyedStatement:
    """A keyed document's statement for one caller, but for its lookups' keys."""

    read: KeyedRead
    operation_name: str | None
    errors_json: str | None
    replica: bool | None
    denials: tuple[str, ...]


@dataclass(frozen=True)
class Statement:
    """One compiled request: SQL returning the data JSON text, its `$n` parameters."""

    sql: str
    params: tuple[Any, ...]
    #: the operation's name in the document (None: anonymous), for metrics and logs
    operation_name: str | None = None
    #: the response's `errors` as JSON text (fields refused to this caller), None when none
    errors_json: str | None = None
    #: reads only what tolerates a read replica's lag (the reports): True runs it on the
    #: replica when there is one, as the executor's report resolvers read; None: reports and
    #: other reads together, which only the executor splits (decision 0156)
    replica: bool | None = False
    #: the error (JSON text) of each position where the statement may find a row of customer
    #: data the caller may not see, by the index its mark carries (decision 0164)
    denials: tuple[str, ...] = ()

    def errors_with(self, denied: tuple[int, ...]) -> tuple[bool, str | None]:
        """The response's `errors` JSON when the statement found `denied` (the indexes of the
        denial marks in its answer): (False, _) when the executor must answer — more than one
        refusal, or one beside the errors planned, whose order the executor decides."""
        if not denied:
            return True, self.errors_json
        if len(denied) > 1 or self.errors_json is not None:
            return False, None
        return True, f"[{self.denials[denied[0]]}]"


@dataclass(frozen=True)
class _Document:
    document: DocumentNode
    operation: OperationDefinitionNode
    fragments: Mapping[str, FragmentDefinitionNode]
    #: root lookups keyed by a variable used nowhere else: response key -> variable name
    keyed: Mapping[str, str]

    @cached_property
    def keys(self) -> frozenset[str]:
        """The variables that are root lookups' keys."""
        return frozenset(self.keyed.values())


def variable_uses(nodes: Iterable[Node]) -> Counter[str]:
    """How many times each variable is used in these nodes (selection sets, usually)."""
    uses: Counter[str] = Counter()

    class Uses(Visitor):
        def enter_variable(self, node: VariableNode, *_: object) -> None:
            uses[node.name.value] += 1

    for node in nodes:
        visit(node, Uses())
    return uses


def _keyed_lookups(
    operation: OperationDefinitionNode, fragments: Mapping[str, FragmentDefinitionNode]
) -> dict[str, str]:
    """Root lookups (`film(filmId: $k)`) whose key argument is a variable the operation uses
    nowhere else: such a variable only ever becomes that lookup's key (decision 0168)."""
    uses = variable_uses([operation.selection_set, *(f.selection_set for f in fragments.values())])
    found: dict[str, str] = {}
    for selection in operation.selection_set.selections:
        if not isinstance(selection, FieldNode) or selection.directives:
            continue
        name = selection.name.value
        arguments = selection.arguments or ()
        if name not in LOOKUPS or len(arguments) != 1:
            continue
        argument = arguments[0]
        python_name = LOOKUPS[name][1]
        camel = python_name.split("_")[0] + "".join(p.title() for p in python_name.split("_")[1:])
        if argument.name.value != camel or not isinstance(argument.value, VariableNode):
            continue
        variable = argument.value.name.value
        key = selection.alias.value if selection.alias else name
        if uses[variable] == 1 and key not in found:
            found[key] = variable
    return found


def _with_keys(plan: ReadPlan, keys: Mapping[str, int]) -> ReadPlan:
    """The plan with these root lookups' keys."""
    fields = tuple(
        replace(item, row_key=keys[item.key])
        if isinstance(item, Lookup) and item.key in keys
        else item
        for item in plan.fields
    )
    return replace(plan, fields=fields)


#: the operations the compiled paths serve: reads here, writes in graph/compiled_writes.py
_SERVED = (OperationType.QUERY, OperationType.MUTATION)


class Compiler:
    """Compiles documents: the parse/validation verdict is cached per (document, operation
    name), the statement per (document, operation name, variables)."""

    def __init__(
        self,
        schema: strawberry.Schema,
        settings: Settings,
        compile_plan: PlanCompiler,
        entities: Collection[str],
        maxsize: int = 512,
        *,
        template_plan: PlanTemplater | None = None,
    ) -> None:
        self.schema: GraphQLSchema = schema._schema
        self.limits = CostLimits.from_settings(settings)
        self.page_limits = PageLimits(settings.default_page_size, settings.max_page_size)
        self.planner = Planner(schema, self.page_limits, frozenset(entities))
        self.compile_plan = compile_plan
        self.template_plan = template_plan
        # the schema's own validation rules: graphql-core's, then every AddValidationRules
        # extension's (depth, aliases, introspection off, and any added later)
        rules: list[type[ASTValidationRule]] = list(specified_rules)
        for extension in schema.get_extensions():
            if isinstance(extension, AddValidationRules):
                rules += extension.validation_rules
        self.rules = tuple(rules)
        self.gate = getattr(schema, "gate", None) or DocumentGate(DocumentLimits())
        self.maxsize = maxsize
        self.documents: OrderedDict[tuple[str, str | None], _Document | None] = OrderedDict()
        self.statements: OrderedDict[tuple[str, str | None, str, Principal], Statement | None] = (
            OrderedDict()
        )
        #: plans by (document, operation name, the variables but the lookups' keys, caller)
        self.plans: OrderedDict[tuple[str, str | None, str, Principal], Planned] = OrderedDict()
        #: their statements with the keys left open (decision 0177), by the same key
        self.keyed: OrderedDict[tuple[str, str | None, str, Principal], _KeyedStatement] = (
            OrderedDict()
        )

    def document(self, query: str, operation_name: str | None) -> _Document | None:
        key = (query, operation_name)
        if key in self.documents:
            self.documents.move_to_end(key)
            return self.documents[key]
        found: _Document | None = None
        document = None
        # through the gate's limits; a long document is left to the normal path, which parses
        # and validates it off the event loop
        if len(query) <= self.gate.limits.offload_above_chars:
            parsed = self.gate.parse_now(query)
            if (
                parsed.error is None
                and parsed.document is not None
                and parsed.selections <= self.gate.limits.offload_above_selections
                and not self.gate.validate_now(self.schema, parsed, self.rules)
            ):
                document = parsed.document
        if document is not None:
            operation = get_operation_ast(document, operation_name)
            if operation is not None and operation.operation in _SERVED:
                fragments = {
                    d.name.value: d
                    for d in document.definitions
                    if isinstance(d, FragmentDefinitionNode)
                }
                found = _Document(
                    document, operation, fragments, _keyed_lookups(operation, fragments)
                )
        self.documents[key] = found
        if len(self.documents) > self.maxsize:
            self.documents.popitem(last=False)
        return found

    def keyed_only(
        self, query: str, operation_name: str | None, variables: Mapping[str, Any] | None
    ) -> bool:
        """Whether every variable of the request is a root lookup's key (decision 0168)."""
        if not variables:
            return False
        document = self.document(query, operation_name)
        return document is not None and variables.keys() <= document.keys

    def is_mutation(self, query: str, operation_name: str | None) -> bool:
        """Whether the request is a valid mutation operation (graph/compiled_writes.py's)."""
        document = self.document(query, operation_name)
        return document is not None and document.operation.operation is OperationType.MUTATION

    def compile(
        self,
        query: str,
        operation_name: str | None,
        variables: Mapping[str, Any] | None,
        principal: Principal = ANONYMOUS,
    ) -> Statement | None:
        """The statement serving this request, or None when the normal executor must. The
        verdict is cached per (document, operation name, variables, caller): a repeated
        request costs one dictionary look-up. The caller decides which fields are refused
        (null and an error, as the executor answers) and whose customer data is read."""
        if variables is not None and not isinstance(variables, Mapping):
            return None  # the normal path reports it
        if self.keyed_only(query, operation_name, variables):
            # only lookups' keys vary: its plan is remembered per caller (decision 0168); a
            # statement per key would fill the memo with answers asked once, pushing out
            # those of other documents (decision 0173)
            return self._compile(query, operation_name, variables, principal)
        try:
            key = (
                query,
                operation_name,
                json.dumps(variables, sort_keys=True) if variables else "",
                principal,
            )
        except (TypeError, ValueError):
            return None
        if key in self.statements:
            self.statements.move_to_end(key)
            return self.statements[key]
        statement = self._compile(query, operation_name, variables, principal)
        self.statements[key] = statement
        if len(self.statements) > self.maxsize:
            self.statements.popitem(last=False)
        return statement

    def _compile(
        self,
        query: str,
        operation_name: str | None,
        variables: Mapping[str, Any] | None,
        principal: Principal,
    ) -> Statement | None:
        document = self.document(query, operation_name)
        if document is None or document.operation.operation is not OperationType.QUERY:
            return None  # a mutation is graph/compiled_writes.py's
        operation = document.operation
        coerced = get_variable_values(
            self.schema, operation.variable_definitions or (), dict(variables or {})
        )
        if isinstance(coerced, list):
            return None  # bad variables: the normal path reports them
        remembered, keys = self._remembered(
            document,
            query=query,
            operation_name=operation_name,
            variables=variables,
            coerced=coerced.coerced,
            principal=principal,
        )
        if remembered is not None:
            keyed = self.keyed.get(remembered)
            if keyed is not None:  # decision 0177: bind this request's keys, nothing else
                self.keyed.move_to_end(remembered)
                prepared = keyed.read.bind(keys)
                return Statement(
                    prepared.text,
                    prepared.params,
                    keyed.operation_name,
                    keyed.errors_json,
                    replica=keyed.replica,
                    denials=keyed.denials,
                )
        known = None if remembered is None else self.plans.get(remembered)
        try:
            if known is not None:  # planned and costed with other keys (decision 0168)
                assert remembered is not None
                self.plans.move_to_end(remembered)
                planned = replace(known, plan=_with_keys(known.plan, keys))
            elif not self.affordable(document, operation_name, variables):
                return None
            else:
                planned = self.planner.plan(
                    document.operation, document.fragments, coerced, principal
                )
            statement = self._statement(operation, planned)
        except NotCompilable:
            return None
        if remembered is not None:
            self.plans[remembered] = planned
            if len(self.plans) > self.maxsize:
                self.plans.popitem(last=False)
            self._remember_keyed(remembered, statement, planned)
        return statement

    def _remember_keyed(
        self, remembered: tuple[str, str | None, str, Principal], made: Statement, planned: Planned
    ) -> None:
        """The statement of this plan with its keys left open, for the next requests."""
        if self.template_plan is None:
            return
        try:
            read = self.template_plan(planned.plan)
        except NotCompilable:
            return
        if read is None:
            return
        self.keyed[remembered] = _KeyedStatement(
            read, made.operation_name, made.errors_json, made.replica, made.denials
        )
        if len(self.keyed) > self.maxsize:
            self.keyed.popitem(last=False)

    def affordable(
        self, document: _Document, operation_name: str | None, variables: Mapping[str, Any] | None
    ) -> bool:
        """Within the cost limits, with the raw variables, as the normal path's QueryLimits."""
        try:
            cost = operation_cost(
                self.schema, document.document, operation_name, variables, self.limits
            )
        except LimitExceeded:
            return False
        return cost <= self.limits.max_cost

    def _remembered(
        self,
        document: _Document,
        *,
        query: str,
        operation_name: str | None,
        variables: Mapping[str, Any] | None,
        coerced: Mapping[str, Any],
        principal: Principal,
    ) -> tuple[tuple[str, str | None, str, Principal] | None, dict[str, int]]:
        """The key this request's plan is remembered by (None: not one to remember: no root
        lookup keyed by a variable of its own, or a key that is not a number), and this
        request's keys by the lookups' response keys."""
        keys: dict[str, int] = {}
        if not document.keyed:
            return None, keys
        for key, variable in document.keyed.items():
            value = coerced.get(variable)
            if type(value) is not int:  # null, or absent: the executor's rules decide
                return None, keys
            keys[key] = value
        names = set(document.keyed.values())
        rest = {n: v for n, v in (variables or {}).items() if n not in names}
        fixed = json.dumps(rest, sort_keys=True) if rest else "{}"
        return (query, operation_name, fixed, principal), keys

    def _statement(self, operation: OperationDefinitionNode, planned: Planned) -> Statement:
        prepared = self.compile_plan(planned.plan)
        name = operation.name.value if operation.name is not None else None
        errors = json.dumps(list(planned.errors), separators=(",", ":"))  # as Strawberry
        return Statement(
            prepared.text,
            prepared.params,
            name,
            errors if planned.errors else None,
            replica=planned.plan.lag_tolerant,
            denials=planned.denials,
        )
