"""Compiled mutations (decision 0169): a mutation answered without the executor.

A mutation's cost is not its write — the domain service runs it — but everything around it:
Strawberry's operation (extensions, the executor's field completion) and the payload's
relations, each a DataLoader and a statement. Here a validated mutation operation whose
payloads this module can write runs each root field's own resolver (the schema's `resolve`,
with its guards and argument conversion: the very code the executor calls), in order, and
writes the payload itself: `__typename`, stored scalars and the typed `errors` from the
payload object, and every entity field (`rental { … }`) read by ONE compiled statement
(graph/planning.py's object plans, a root lookup per entity by its key).

A payload is decided before anything runs: an operation with any other field, a refused field
in an entity's subtree, or variables the normal path refuses is left to the executor
unchanged. After the first write only the executor may answer anything unusual — a resolver
that raised, a null payload, an entity row the statement hands back (customer data outside the
caller's scope: the executor's per-field checks decide) — so the root fields' results are
*settled*: the executor runs the same operation with `Context.settled`, and the schema's root
mutation fields (`replay_settled`) return the settled result, or raise the settled error,
instead of running again. Nothing is written twice; the executor answers exactly as it would
have.
"""

from __future__ import annotations

import inspect
import json
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, cast

from graphql import (
    FieldNode,
    GraphQLEnumType,
    GraphQLError,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
    GraphQLScalarType,
    GraphQLSchema,
    OperationType,
)
from graphql.execution.values import VariableValues, get_argument_values, get_variable_values
from graphql.pyutils import Path

from config.logging import get_logger
from domain.auth import Principal
from domain.read_plan import Lookup, NotCompilable, ObjectPlan, PreparedRead, ReadPlan
from graph.compiled import Compiler, PlanCompiler, variable_uses
from graph.context import Context, Settled
from graph.inputs import input_string_error
from graph.limits import PAGE_ARGUMENTS
from graph.mutations import settle_later
from graph.planning import Walk, strawberry_field
from graph.writing import later_fields

log = get_logger(__name__)

#: The persistence layer's runner of a compiled read: its data JSON text.
FetchJson = Callable[[PreparedRead], Awaitable[str]]
#: Whether a compiled read's answer must go to the executor (a fallback or denial mark).
HandsBack = Callable[[str], bool]


@dataclass(frozen=True)
class _Typename:
    key: str
    value: str


@dataclass(frozen=True)
class _Scalar:
    """A stored scalar or enum of the payload object: serialized as the executor does."""

    key: str
    attribute: str
    serialize: Callable[[Any], Any]
    non_null: bool


@dataclass(frozen=True)
class _Errors:
    """The payload's `errors`: each item written by its concrete type's shape."""

    key: str
    attribute: str
    shapes: Mapping[str, tuple[_Typename | _Scalar, ...]]


@dataclass(frozen=True)
class _Entity:
    """An object of an entity the compiled read path knows, read back by its key."""

    key: str
    attribute: str
    key_attribute: str
    target: ObjectPlan
    non_null: bool


_Item = _Typename | _Scalar | _Errors | _Entity


@dataclass(frozen=True)
class _RootWrite:
    key: str
    definition: GraphQLField
    nodes: list[FieldNode]
    payload: tuple[_Item, ...]


@dataclass(frozen=True)
class WritePlan:
    """A mutation operation this module answers: its root fields in order."""

    fields: tuple[_RootWrite, ...]
    scope: Any
    operation_name: str | None


@dataclass(frozen=True)
class PreparedWrite:
    plan: WritePlan
    document: Any  # graph.compiled._Document
    variables: VariableValues


@dataclass(frozen=True)
class Answered:
    """The response's `data` JSON text."""

    data_json: str


@dataclass(frozen=True)
class HandedOver:
    """The executor answers, with these root fields settled (`Context.settled`)."""

    settled: Settled


class WriteLane:
    """Plans mutation operations (cached per document, caller and the variables their
    payloads read) and runs them."""

    def __init__(
        self,
        compiler: Compiler,
        compile_plan: PlanCompiler,
        max_input_string_length: int,
        maxsize: int = 512,
    ) -> None:
        self.compiler = compiler
        self.schema: GraphQLSchema = compiler.schema
        self.compile_plan = compile_plan
        self.max_input_string_length = max_input_string_length
        self.maxsize = maxsize
        self.plans: OrderedDict[tuple[str, str | None, str, Principal], WritePlan | None] = (
            OrderedDict()
        )
        #: per (document, operation name): `_document_facts`
        self._facts: dict[tuple[str, str | None], tuple[frozenset[str], bool]] = {}
        #: operations answered here, and handed to the executor settled (tests, measurements)
        self.answered = 0
        self.handed_over = 0

    def prepare(
        self,
        query: str,
        operation_name: str | None,
        variables: Mapping[str, Any] | None,
        principal: Principal,
    ) -> PreparedWrite | None:
        """The mutation ready to run, or None: the executor serves the request (not a
        mutation, not valid, over a limit, bad variables, a payload this module cannot write)."""
        if variables is not None and not isinstance(variables, Mapping):
            return None
        document = self.compiler.document(query, operation_name)
        if document is None or document.operation.operation is not OperationType.MUTATION:
            return None
        read, literals_ok = self._document_facts(query, operation_name, document)
        if not literals_ok or input_string_error(None, variables, self.max_input_string_length):
            return None  # the normal path refuses it
        coerced = get_variable_values(
            self.schema, document.operation.variable_definitions or (), dict(variables or {})
        )
        if isinstance(coerced, list):
            return None
        try:
            payload_values = json.dumps(
                {n: v for n, v in (variables or {}).items() if n in read}, sort_keys=True
            )
        except (TypeError, ValueError):
            return None
        key = (query, operation_name, payload_values, principal)
        if key in self.plans:
            self.plans.move_to_end(key)
            plan = self.plans[key]
        else:
            plan = None
            # the cost check and the plan depend on these variables alone (`_document_facts`)
            if self.compiler.affordable(document, operation_name, variables):
                plan = self._plan(document, coerced, principal)
            self.plans[key] = plan
            if len(self.plans) > self.maxsize:
                self.plans.popitem(last=False)
        return None if plan is None else PreparedWrite(plan, document, coerced)

    def _document_facts(
        self, query: str, operation_name: str | None, document: Any
    ) -> tuple[frozenset[str], bool]:
        """Per document: the variables its plan and cost may depend on — those its payloads'
        selections use (their fields' page sizes, arguments, `@skip`/`@include`); every
        variable when a root field itself takes a page size — and whether its string
        literals pass the input checks (variables are checked per request)."""
        key = (query, operation_name)
        found = self._facts.get(key)
        if found is None:
            payloads = [
                s.selection_set
                for s in document.operation.selection_set.selections
                if isinstance(s, FieldNode) and s.selection_set is not None
            ]
            fragments = [f.selection_set for f in document.fragments.values()]
            names = set(variable_uses([*payloads, *fragments]))
            mutation = self.schema.mutation_type
            if mutation is None or any(
                f.args.keys() & PAGE_ARGUMENTS for f in mutation.fields.values()
            ):
                names.update(
                    d.variable.name.value for d in document.operation.variable_definitions or ()
                )
            literals = input_string_error(document.document, None, self.max_input_string_length)
            found = (frozenset(names), literals is None)
            if len(self._facts) >= self.maxsize:
                self._facts.clear()
            self._facts[key] = found
        return found

    def _plan(
        self, document: Any, variables: VariableValues, principal: Principal
    ) -> WritePlan | None:
        mutation = self.schema.mutation_type
        if mutation is None:
            return None
        walk = Walk(self.compiler.planner, document.fragments, variables, principal)
        fields: list[_RootWrite] = []
        try:
            for key, nodes in walk.collect(document.operation.selection_set, mutation).items():
                name = nodes[0].name.value
                if name == "__typename" or len(nodes) != 1:
                    return None  # the executor answers those
                definition = walk.field(mutation, name)
                payload = _named_object(definition.type)
                if payload is None or not isinstance(definition.type, GraphQLNonNull):
                    return None
                items = self._payload(walk, payload, nodes)
                fields.append(_RootWrite(key, definition, nodes, items))
            if not fields or walk.errors or walk.denials or walk.nulled:
                return None  # refusals in a payload: the executor's to report
            # the entities' statement must compile (with any keys) before anything is written
            targets = [i.target for f in fields for i in f.payload if isinstance(i, _Entity)]
            if targets:
                trial = tuple(Lookup(f"e{n}", 0, t) for n, t in enumerate(targets))
                self.compile_plan(ReadPlan(trial, walk.scope))
        except NotCompilable:
            return None
        named = document.operation.name
        return WritePlan(tuple(fields), walk.scope, None if named is None else named.value)

    def _payload(
        self, walk: Walk, owner: GraphQLObjectType, nodes: list[FieldNode]
    ) -> tuple[_Item, ...]:
        items: list[_Item] = []
        for key, found in walk.collect(walk.merged(nodes), owner).items():
            name = found[0].name.value
            if name == "__typename":
                items.append(_Typename(key, owner.name))
                continue
            definition = walk.field(owner, name)
            if definition.args or strawberry_field(definition).base_resolver is not None:
                raise NotCompilable(f"payload field {owner.name}.{name}")
            attribute = strawberry_field(definition).python_name
            scalar = _scalar(key, attribute, definition.type)
            if scalar is not None:
                items.append(scalar)
                continue
            listed = _listed_interface(definition.type)
            if listed is not None:
                items.append(self._errors(walk, key, attribute, listed, found))
                continue
            target_type = _named_object(definition.type)
            if target_type is None:
                raise NotCompilable(f"payload field {owner.name}.{name}")
            origin = target_type.extensions["strawberry-definition"].origin
            key_attribute: object = getattr(origin, "KEY", None)
            if not isinstance(key_attribute, str):
                raise NotCompilable(f"type {target_type.name} has no key")
            target = walk.object(target_type, walk.merged(found), None)
            non_null = isinstance(definition.type, GraphQLNonNull)
            items.append(_Entity(key, attribute, key_attribute, target, non_null))
        return tuple(items)

    def _errors(
        self,
        walk: Walk,
        key: str,
        attribute: str,
        interface: GraphQLInterfaceType,
        nodes: list[FieldNode],
    ) -> _Errors:
        shapes: dict[str, tuple[_Typename | _Scalar, ...]] = {}
        for concrete in self.schema.get_possible_types(interface):
            shape: list[_Typename | _Scalar] = []
            for field_key, found in walk.collect(walk.merged(nodes), concrete).items():
                name = found[0].name.value
                if name == "__typename":
                    shape.append(_Typename(field_key, concrete.name))
                    continue
                definition = walk.field(concrete, name)
                spec = strawberry_field(definition)
                scalar = _scalar(field_key, spec.python_name, definition.type)
                if definition.args or spec.base_resolver is not None or scalar is None:
                    raise NotCompilable(f"error field {concrete.name}.{name}")
                shape.append(scalar)
            shapes[concrete.name] = tuple(shape)
        return _Errors(key, attribute, shapes)

    async def run(
        self, prepared: PreparedWrite, context: Context, fetch: FetchJson, hands_back: HandsBack
    ) -> Answered | HandedOver:
        """Runs the root fields' resolvers in order, then reads every entity of the payloads
        in one statement. Anything the executor must answer is handed over, settled."""
        results: dict[str, Any] = {}
        settled = HandedOver(Settled(results))
        if not await self._resolve(prepared, context, results):
            return await self._handed(settled, context)
        try:
            if not await self._unread(prepared.plan, results):
                return await self._handed(settled, context)
            rows = await self._entities(prepared.plan, results, fetch, hands_back)
            if rows is None:
                return await self._handed(settled, context)
            answer: dict[str, Any] = {}
            for write in prepared.plan.fields:
                written = _write_payload(write.payload, results[write.key], rows)
                if written is None:
                    return await self._handed(settled, context)
                answer[write.key] = written
            self.answered += 1
            return Answered(json.dumps(answer, separators=(",", ":"), ensure_ascii=False))
        except Exception:  # a bug of this module: the executor writes the payloads
            log.exception("compiled_writes.failed")
            return await self._handed(settled, context)

    async def _handed(self, handed: HandedOver, context: Context) -> HandedOver:
        """With the payloads' deferred objects read, as their resolvers would have read them
        (decision 0176), and the customers the writes that ran served (decision 0150)."""
        results = handed.settled.results
        for key, result in results.items():
            if not isinstance(result, BaseException):
                results[key] = await settle_later(result)
        handed.settled.served = frozenset(context.scope.served_customers)
        self.handed_over += 1
        return handed

    async def _unread(self, plan: WritePlan, results: dict[str, Any]) -> bool:
        """Reads the deferred objects no entity of the plan reads (a payload field the
        document does not select); False: one of them failed, the executor answers."""
        for write in plan.fields:
            payload = results[write.key]
            read = {item.attribute for item in write.payload if isinstance(item, _Entity)}
            if any(name not in read for name, _ in later_fields(payload)):
                settled = await settle_later(payload)
                results[write.key] = settled
                if settled is not payload:
                    return False
        return True

    async def _resolve(
        self, prepared: PreparedWrite, context: Context, results: dict[str, Any]
    ) -> bool:
        """Runs each root field's resolver, as the executor calls it, into `results`. Whether
        all gave a payload (False: one raised, or gave null, and the rest did not run)."""
        plan, document = prepared.plan, prepared.document
        context.read_back_later = True  # this module reads the payloads' objects
        try:
            return await self._resolved(plan, document, prepared.variables, context, results)
        finally:
            context.read_back_later = False

    async def _resolved(
        self,
        plan: WritePlan,
        document: Any,
        variables: VariableValues,
        context: Context,
        results: dict[str, Any],
    ) -> bool:
        mutation = self.schema.mutation_type
        assert mutation is not None
        for write in plan.fields:
            info: GraphQLResolveInfo[Any] = GraphQLResolveInfo(
                write.nodes[0].name.value,
                write.nodes,
                write.definition.type,
                mutation,
                Path(None, write.key, mutation.name),
                self.schema,
                dict(document.fragments),
                None,
                document.operation,
                variables,
                context,
                cast(Any, inspect.isawaitable),
                None,
                cast(Any, None),
            )
            resolve = write.definition.resolve
            assert resolve is not None  # every mutation field has its resolver
            try:
                raw = get_argument_values(write.definition, write.nodes[0], variables)
                result = resolve(None, info, **raw)
                if inspect.isawaitable(result):
                    result = await result
            except Exception as error:  # the executor reports it, settled
                results[write.key] = error
                return False
            results[write.key] = result
            if result is None:
                return False
        return True

    async def _entities(
        self, plan: WritePlan, results: Mapping[str, Any], fetch: FetchJson, hands_back: HandsBack
    ) -> Iterator[Any] | None:
        """The payloads' entity rows, in the order `_write_payload` takes them; None: the
        executor must read them."""
        lookups: list[Lookup] = []
        for write in plan.fields:
            for item in write.payload:
                if isinstance(item, _Entity):
                    found = getattr(results[write.key], item.attribute)
                    if found is not None:
                        row_key = getattr(found, item.key_attribute)
                        lookups.append(Lookup(f"e{len(lookups)}", row_key, item.target))
        if not lookups:
            return iter(())
        try:
            data = await fetch(self.compile_plan(ReadPlan(tuple(lookups), plan.scope)))
        except Exception:  # the executor reads them again
            return None
        if hands_back(data):
            return None
        rows: dict[str, Any] = json.loads(data)
        return iter(rows.values())


def _write_payload(items: tuple[_Item, ...], payload: Any, rows: Any) -> dict[str, Any] | None:
    """The payload object as the executor writes it; None: a value the executor must answer
    (a null in a non-null field)."""
    out: dict[str, Any] = {}
    for item in items:
        if isinstance(item, _Typename):
            out[item.key] = item.value
        elif isinstance(item, _Scalar):
            value = _scalar_value(item, payload)
            if value is _MISSING:
                return None
            out[item.key] = value
        elif isinstance(item, _Errors):
            errors = []
            for error in getattr(payload, item.attribute):
                shape = item.shapes.get(_type_name(error))
                if shape is None:
                    return None
                written = _write_payload(shape, error, rows)
                if written is None:
                    return None
                errors.append(written)
            out[item.key] = errors
        else:
            found = getattr(payload, item.attribute)
            row = None if found is None else next(rows)
            if row is None and (found is not None or item.non_null):
                return None  # the row gone since the write (NOT_FOUND), or a null not allowed
            out[item.key] = row
    return out


_MISSING = object()


def _scalar_value(item: _Scalar, owner: Any) -> Any:
    value = getattr(owner, item.attribute)
    if value is None:
        return _MISSING if item.non_null else None
    try:
        return item.serialize(value)
    except (GraphQLError, TypeError, ValueError):
        return _MISSING


def _type_name(value: Any) -> str:
    definition = getattr(type(value), "__strawberry_definition__", None)
    return "" if definition is None else str(definition.name)


def _scalar(key: str, attribute: str, output: GraphQLOutputType) -> _Scalar | None:
    non_null = isinstance(output, GraphQLNonNull)
    inner = output.of_type if isinstance(output, GraphQLNonNull) else output
    if isinstance(inner, GraphQLScalarType | GraphQLEnumType):
        return _Scalar(key, attribute, inner.serialize, non_null)
    return None


def _named_object(output: GraphQLOutputType) -> GraphQLObjectType | None:
    inner = output.of_type if isinstance(output, GraphQLNonNull) else output
    return inner if isinstance(inner, GraphQLObjectType) else None


def _listed_interface(output: GraphQLOutputType) -> GraphQLInterfaceType | None:
    """`[I!]!` or a nullable variant of it, I an interface (the payloads' `errors`)."""
    inner = output.of_type if isinstance(output, GraphQLNonNull) else output
    if not isinstance(inner, GraphQLList):
        return None
    item = inner.of_type.of_type if isinstance(inner.of_type, GraphQLNonNull) else inner.of_type
    return item if isinstance(item, GraphQLInterfaceType) else None


def replay_settled(schema: GraphQLSchema) -> None:
    """Makes each root mutation field return its settled result (`Context.settled`), or raise
    its settled error, instead of running again: how `WriteLane` hands an operation whose
    writes already ran to the executor. Fields not settled run as always."""
    mutation = schema.mutation_type
    if mutation is None:
        return
    for definition in mutation.fields.values():
        resolve = definition.resolve
        if resolve is None or getattr(resolve, "_replays", False):
            continue
        definition.resolve = _replaying(resolve)


def _replaying(resolve: Callable[..., Any]) -> Callable[..., Any]:
    async def replaying(source: Any, info: GraphQLResolveInfo[Any], **kwargs: Any) -> Any:
        settled: Settled | None = getattr(info.context, "settled", None)
        if settled is not None and info.path.key in settled.results:
            found = settled.results.pop(info.path.key)
            if isinstance(found, BaseException):
                raise found
            return found
        result = resolve(source, info, **kwargs)
        if inspect.isawaitable(result):
            return await result
        return result

    replaying._replays = True  # type: ignore[attr-defined]
    return replaying
