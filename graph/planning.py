"""The read planner (decision 0013): a validated query operation becomes a `ReadPlan` — plain
data naming entities, stored attributes, relations, the domain's criteria and page requests.

Arguments are converted exactly as the executor converts them (graphql-core's coercion, then
Strawberry's input classes), and the criteria and sort keys come from the same functions the
resolvers call, so both paths read the same rows. What this module knows per field is metadata
the schema already has (a field without a resolver is a stored attribute; `id` is Relay's) plus
three small tables: the relations (references and nested lists) and the computed fields. Any
field it does not know — a resolver with logic of its own, a permission `Guard`, a type the
compiler has no entity for — makes the operation "not compilable": the executor serves it.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import OrderedDict
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, replace
from typing import Any

import strawberry
from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLEnumType,
    GraphQLError,
    GraphQLField,
    GraphQLIncludeDirective,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLSkipDirective,
    GraphQLUnionType,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionNode,
    SelectionSetNode,
    get_named_type,
)
from graphql.execution.values import VariableValues, get_argument_values, get_directive_values
from strawberry.types.arguments import convert_arguments

from agents.events import STEP_KIND
from domain.auth import ANONYMOUS, Principal, require_access
from domain.catalogue.films import FilmFilter as FilmCriteria
from domain.catalogue.reads import INVENTORY_SORT_TYPES, InventoryOrderField, NoFilter
from domain.catalogue.reads import ActorFilter as ActorCriteria
from domain.catalogue.reads import InventoryFilter as InventoryCriteria
from domain.conversations import MessagesOf, readable_by
from domain.customers.reads import CustomerFilter as CustomerCriteria
from domain.customers.reads import customer_data_refusal, customer_scope
from domain.errors import DomainError
from domain.pagination import PageLimits, SortDirection, SortKey, page_request
from domain.read_plan import (
    Computed,
    ConnectionPart,
    Constant,
    Cursor,
    EdgePlan,
    FieldPlan,
    GlobalId,
    JsonItems,
    ListPlan,
    Lookup,
    LookupList,
    NodeOf,
    NotCompilable,
    ObjectPlan,
    PageFlag,
    PageInfoPlan,
    ReadPlan,
    Reference,
    RowList,
    RowsPlan,
    Stored,
    TotalCount,
    ValueKind,
    Variant,
)
from domain.reading import sort_key
from domain.rentals.reads import PaymentFilter as PaymentCriteria
from domain.rentals.reads import RentalFilter as RentalCriteria
from domain.rentals.reads import check_range
from domain.reports import Report, sales_request, top_customers_request
from graph.agents.types import STEP_TYPES
from graph.catalogue import types as catalog
from graph.catalogue.sorters import actor_order, film_order, name_order
from graph.customers import types as customers
from graph.customers.filters import customer_order
from graph.errors import ErrorFormatter
from graph.loading import NestedList
from graph.permissions import Guard
from graph.relay import from_global_id, one_key
from graph.rentals import types as rentals
from graph.rentals.filters import payment_order, rental_order
from graph.reports.schema import period_of, rewards_criteria
from graph.stores import types as stores
from graph.stores.schema import BY_ID

Args = Mapping[str, Any]


@dataclass(frozen=True)
class RootList:
    """A root connection: its entity, the criteria its arguments mean, and its order."""

    entity: str
    criteria: Callable[[Args], Any]
    sort: Callable[[Args, Any], SortKey]


def _criteria(default: Callable[[], Any]) -> Callable[[Args], Any]:
    return lambda a: a["filter"].criteria() if a.get("filter") else default()


def _rental_criteria(a: Args) -> RentalCriteria:
    found: RentalCriteria = _criteria(RentalCriteria)(a)
    check_range(found.rented_from, found.rented_to, "filter.rentedFrom")  # as the service does
    return found  # `as_of` stays None: the statement's own now() (the service passes its clock)


def _payment_criteria(a: Args) -> PaymentCriteria:
    found: PaymentCriteria = _criteria(PaymentCriteria)(a)
    check_range(found.paid_from, found.paid_to, "filter.paidFrom")
    return found


_INVENTORY_BY_ID = sort_key(
    InventoryOrderField.INVENTORY_ID, SortDirection.ASC, INVENTORY_SORT_TYPES
)

#: Root connections, as their resolvers read them (graph/*/schema.py).
ROOT_LISTS: dict[str, RootList] = {
    "films": RootList("Film", _criteria(FilmCriteria), lambda a, c: film_order(a["order_by"], c)),
    "actors": RootList("Actor", _criteria(ActorCriteria), lambda a, _c: actor_order(a["order_by"])),
    "categories": RootList(
        "Category", lambda _a: NoFilter(), lambda a, _c: name_order(a["order_by"])
    ),
    "languages": RootList(
        "Language", lambda _a: NoFilter(), lambda a, _c: name_order(a["order_by"])
    ),
    "inventory": RootList(
        "Inventory", _criteria(InventoryCriteria), lambda _a, _c: _INVENTORY_BY_ID
    ),
    "stores": RootList("Store", lambda _a: NoFilter(), lambda _a, _c: BY_ID),
    "staff": RootList("Staff", lambda _a: NoFilter(), lambda _a, _c: BY_ID),
    # customer data: the services narrow these to the caller's scope (`Walk.scoped`)
    "customers": RootList(
        "Customer", _criteria(CustomerCriteria), lambda a, _c: customer_order(a["order_by"])
    ),
    "rentals": RootList("Rental", _rental_criteria, lambda a, _c: rental_order(a["order_by"])),
    "payments": RootList("Payment", _payment_criteria, lambda a, _c: payment_order(a["order_by"])),
}

#: Root lookups by global `id` or key: field -> (type, the key argument).
LOOKUPS: dict[str, tuple[str, str]] = {
    "film": ("Film", "film_id"),
    "actor": ("Actor", "actor_id"),
    "category": ("Category", "category_id"),
    "language": ("Language", "language_id"),
    "inventoryItem": ("Inventory", "inventory_id"),
    "store": ("Store", "store_id"),
    "staffMember": ("Staff", "staff_id"),
    # customer data: read only when the caller may see the row's customer (read_sql.py)
    "customer": ("Customer", "customer_id"),
    "rental": ("Rental", "rental_id"),
    "payment": ("Payment", "payment_id"),
}

#: To-one relations: (type, field) -> the parent's attribute holding the target's key.
REFERENCES: dict[tuple[str, str], str] = {
    ("Film", "language"): "language_id",
    ("Film", "originalLanguage"): "original_language_id",
    ("Inventory", "film"): "film_id",
    ("Inventory", "store"): "store_id",
    ("Store", "manager"): "manager_staff_id",
    ("Staff", "store"): "store_id",
    ("Store", "address"): "address_id",  # a store's address is public; a staff member's is not
    ("Address", "city"): "city_id",
    ("City", "country"): "country_id",
    ("Staff", "address"): "address_id",  # a home address: the field's guard says who may
    ("Customer", "store"): "store_id",
    ("Customer", "address"): "address_id",
    ("Rental", "inventory"): "inventory_id",
    ("Rental", "film"): "film_id",
    ("Rental", "customer"): "customer_id",
    ("Rental", "staff"): "staff_id",
    ("Payment", "customer"): "customer_id",
    ("Payment", "staff"): "staff_id",
    ("Payment", "rental"): "rental_id",
    ("StreamingSubscription", "customer"): "customer_id",
    ("Account", "customer"): "customer_id",  # the caller's own records (`me`)
    ("Account", "staff"): "staff_id",
}

#: Stored attributes behind a resolver that only checks the caller (its guard compiles).
ATTRIBUTES: dict[tuple[str, str], str] = {("Staff", "email"): "email"}

#: Types `node(id:)` may compile: those anyone may fetch by id. An address by id could be
#: anyone's home (staff only, graph/customers/schema.py), so it stays with the executor.
PUBLIC_NODES = frozenset(
    {"Film", "Actor", "Category", "Language", "Inventory", "Store", "Staff", "City", "Country"}
)
#: Customer data by id: any signed-in caller, each row checked against their scope (SQL).
OWNED_NODES = frozenset({"Customer", "Rental", "Payment", "StreamingSubscription"})
#: By id, an address could be anyone's home: staff only (as `require_private_address_access`).
STAFF_NODES = frozenset({"Address"})

#: Nested connections: (type, field) -> the executor's NestedList (relation and fixed order).
NESTED: dict[tuple[str, str], NestedList[Any]] = {
    ("Film", "actors"): catalog.FILM_ACTORS,
    ("Film", "categories"): catalog.FILM_CATEGORIES,
    ("Film", "inventory"): catalog.FILM_INVENTORY,
    ("Actor", "films"): catalog.ACTOR_FILMS,
    ("Category", "films"): catalog.CATEGORY_FILMS,
    ("Store", "staff"): stores.STORE_STAFF,
    ("Store", "inventory"): stores.STORE_INVENTORY,
    ("Customer", "rentals"): customers.CUSTOMER_RENTALS,
    ("Customer", "payments"): customers.CUSTOMER_PAYMENTS,
    ("Customer", "subscriptions"): customers.CUSTOMER_SUBSCRIPTIONS,
    ("Rental", "payments"): rentals.RENTAL_PAYMENTS,
}

#: Plain lists of rows (`[T!]!`): (type, field) -> the item's type and the relation.
ROWS: dict[tuple[str, str], tuple[str, Any]] = {
    ("Conversation", "messages"): ("ConversationMessage", MessagesOf.CONVERSATION),
}

#: Lists of a union's objects stored as JSON: (type, field) -> the key naming an item's kind,
#: and kind -> the Strawberry type showing it (the executor's own table).
JSON_UNIONS: dict[tuple[str, str], tuple[str, Mapping[str, type]]] = {
    ("ConversationMessage", "steps"): (STEP_KIND, STEP_TYPES),
}
#: The GraphQL types of those items (not entities: their fields are JSON keys).
JSON_TYPES = frozenset(
    t.__strawberry_definition__.name  # type: ignore[attr-defined]
    for _, kinds in JSON_UNIONS.values()
    for t in kinds.values()
)

#: Computed fields SQL states too: (type, field) -> rule name (persistence/read_sql.py).
COMPUTED: dict[tuple[str, str], str] = {
    ("Film", "availableCopies"): "film.copies_in_stock",
    ("Film", "isInStock"): "film.is_in_stock",
    ("Film", "posterUrl"): "film.poster_url",
    ("Customer", "balance"): "customer.balance",
    ("Rental", "dueDate"): "rental.due_date",
    ("Rental", "isOverdue"): "rental.is_overdue",
}


#: Report root fields: the checked request their resolvers hand the repository
#: (graph/reports/schema.py through `ReportService`); a refusal is the executor's error.
REPORTS: dict[str, Callable[[Principal, Args], Any]] = {
    "salesByStore": lambda p, a: sales_request(
        p, Report.SALES_BY_STORE, period_of(a.get("period")), a["store_id"]
    ),
    "salesByFilmCategory": lambda p, a: sales_request(
        p, Report.SALES_BY_CATEGORY, period_of(a.get("period")), a["store_id"]
    ),
    "topCustomers": lambda p, a: top_customers_request(
        p,
        rewards_criteria(a["year"], a["month"], a["min_purchases"], a["min_amount"], a["first"]),
        a["store_id"],
    ),
}

_SCALARS: dict[str, ValueKind] = {
    "Int": ValueKind.INT,
    "String": ValueKind.TEXT,
    "Boolean": ValueKind.BOOL,
    "Float": ValueKind.FLOAT,
    "Decimal": ValueKind.DECIMAL,
    "DateTime": ValueKind.DATETIME,
    "Date": ValueKind.DATE,
}

_PAGE_FLAGS = ("hasNextPage", "hasPreviousPage", "startCursor", "endCursor")


def _stored_kind(output: GraphQLOutputType) -> tuple[ValueKind, tuple[tuple[str, str], ...]]:
    inner = output.of_type if isinstance(output, GraphQLNonNull) else output
    if isinstance(inner, GraphQLList):
        item = get_named_type(inner)
        if isinstance(item, GraphQLScalarType) and item.name == "String":
            return ValueKind.TEXT_LIST, ()
        raise NotCompilable("list value")
    if isinstance(inner, GraphQLEnumType):
        members = getattr(inner, "wrapped_cls", None)  # Strawberry's Python enum
        if members is None or {m.name for m in members} != set(inner.values):
            raise NotCompilable(f"enum {inner.name}")
        return ValueKind.ENUM, tuple((str(m.value), m.name) for m in members)
    if isinstance(inner, GraphQLScalarType) and inner.name in _SCALARS:
        return _SCALARS[inner.name], ()
    raise NotCompilable(f"value of type {inner}")


@dataclass(frozen=True)
class Planned:
    """A plan and the errors of the fields refused to this caller (null in the plan), as the
    executor reports them (message, locations, path, extensions), in the executor's order."""

    plan: ReadPlan
    errors: tuple[dict[str, Any], ...] = ()
    #: the error (JSON text, as the executor writes it) of each position the statement may
    #: find refused (`ObjectPlan.denied`), by index
    denials: tuple[str, ...] = ()


class _Null(Exception):
    def __init__(self, error: GraphQLError) -> None:
        super().__init__(error.message)
        self.error = error


@dataclass
class Planner:
    """Plans one operation (`plan`); `entities` are those the SQL compiler can read."""

    schema: strawberry.Schema
    limits: PageLimits
    entities: Collection[str]

    def plan(
        self,
        operation: OperationDefinitionNode,
        fragments: Mapping[str, FragmentDefinitionNode],
        variables: VariableValues,
        principal: Principal = ANONYMOUS,
    ) -> Planned:
        walk = Walk(self, fragments, variables, principal)
        plan = walk.root(operation)
        return Planned(plan, tuple(walk.errors), tuple(walk.denials))

    def report_rows(self) -> frozenset[str]:
        """The row types of the report root fields."""
        query = self.schema._schema.query_type
        assert query is not None
        return frozenset(get_named_type(query.fields[n].type).name for n in REPORTS)

    def field_supported(self, owner: GraphQLObjectType, name: str) -> bool:  # noqa: PLR0911
        """Whether the planner compiles this field for a caller allowed to read it (a caller
        refused it gets the executor's null and error from the plan too, see `Walk.refused`)
        — the schema's coverage figure."""
        graphql_schema = self.schema._schema
        if owner is graphql_schema.query_type:
            return name in ROOT_LISTS or name in LOOKUPS or name in REPORTS or name in _OTHER_ROOTS
        if owner.name in self.report_rows():
            try:
                _row_field(owner.fields[name])
            except NotCompilable:
                return False
            return True
        if owner.name.endswith(("Connection", "Edge")) or owner.name == "PageInfo":
            node = owner.fields.get("node") or owner.fields.get("nodes")
            return node is None or get_named_type(node.type).name in self.entities
        if owner.name in JSON_TYPES:
            try:
                _json_kind(owner.fields[name])
            except NotCompilable:
                return False
            return True
        if owner.name not in self.entities:
            return False
        try:
            definition = owner.fields[name]
            where = (owner.name, name)
            if name == "id" or where in (
                REFERENCES
                | NESTED.keys()
                | COMPUTED.keys()
                | ATTRIBUTES.keys()
                | ROWS.keys()
                | JSON_UNIONS.keys()
            ):
                return True
            if strawberry_field(definition).base_resolver is not None or definition.args:
                return False
            _stored_kind(definition.type)
        except NotCompilable:
            return False
        return True


_OTHER_ROOTS = ("node", "nodes", "me", "conversation", "myConversations")


def _json_kind(definition: GraphQLField) -> tuple[ValueKind, tuple[tuple[str, str], ...]]:
    """The kind of a JSON item's field: a stored value the compiler reads from JSON (text or
    a number; a resolver of its own is not)."""
    if strawberry_field(definition).base_resolver is not None or definition.args:
        raise NotCompilable("a JSON item's resolver")
    kind, names = _stored_kind(definition.type)
    if kind not in (ValueKind.TEXT, ValueKind.FLOAT) or not isinstance(
        definition.type, GraphQLNonNull
    ):
        raise NotCompilable(f"a JSON item's value of type {definition.type}")
    return kind, names


def strawberry_field(definition: GraphQLField) -> Any:
    found = definition.extensions.get("strawberry-definition")
    if found is None:
        raise NotCompilable("field without a Strawberry definition")
    return found


def _row_field(definition: GraphQLField) -> tuple[str, ValueKind, tuple[tuple[str, str], ...]]:
    """A report row's field: a stored attribute (python name, kind), nothing else."""
    spec = strawberry_field(definition)
    if spec.base_resolver is not None or definition.args or _guard(definition) is not None:
        raise NotCompilable("a report row field with a resolver")
    kind, names = _stored_kind(definition.type)
    return spec.python_name, kind, names


def _guard(definition: GraphQLField) -> Guard | None:
    for extension in strawberry_field(definition).extensions:
        if isinstance(extension, Guard):
            return extension
    return None


#: the directives the planner applies (graphql-core's conditions of inclusion)
_CONDITIONS = frozenset({GraphQLSkipDirective.name, GraphQLIncludeDirective.name})


class Walk:
    """One planning pass over an operation."""

    def __init__(
        self,
        planner: Planner,
        fragments: Mapping[str, FragmentDefinitionNode],
        variables: VariableValues,
        principal: Principal,
    ) -> None:
        self.planner = planner
        self.graphql: GraphQLSchema = planner.schema._schema
        self.fragments = fragments
        self.variables = variables
        self.principal = principal
        try:  # the customer data this caller may see, as the services narrow it
            self.scope: Any = customer_scope(principal)
        except DomainError:
            self.scope = None  # anonymous: no customer data at all
        if principal.served_customers:
            self.scope = None  # a counter's operation-only grant (0150): the executor's checks
        self.readable = readable_by(principal)  # whose conversations (domain.conversations)
        self.errors: list[dict[str, Any]] = []
        self.nulled = False  # a refusal nulled a parent (GraphQL's null propagation)
        self.denials: list[str] = []  # see `denial`

    # --- selections ---

    def collect(
        self, selection_set: SelectionSetNode | None, owner: GraphQLObjectType
    ) -> OrderedDict[str, list[FieldNode]]:
        """Fields by response key, in first-appearance order, fragments flattened."""
        grouped: OrderedDict[str, list[FieldNode]] = OrderedDict()
        self._collect(selection_set, owner, grouped, frozenset())
        return grouped

    def _collect(
        self,
        selection_set: SelectionSetNode | None,
        owner: GraphQLObjectType,
        grouped: OrderedDict[str, list[FieldNode]],
        visited: frozenset[str],
    ) -> None:
        if selection_set is None:
            raise NotCompilable("missing selection")
        for selection in selection_set.selections:
            if selection.directives and not self._included(selection):
                continue
            if isinstance(selection, FieldNode):
                key = selection.alias.value if selection.alias else selection.name.value
                grouped.setdefault(key, []).append(selection)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                if condition is None or self._applies(condition.name.value, owner):
                    self._collect(selection.selection_set, owner, grouped, visited)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.fragments.get(name)
                if fragment is None or name in visited:
                    raise NotCompilable("fragment")
                if self._applies(fragment.type_condition.name.value, owner):
                    self._collect(fragment.selection_set, owner, grouped, visited | {name})

    def _included(self, selection: SelectionNode) -> bool:
        """`@skip` and `@include` as the executor applies them (`@skip` first); any other
        directive is the executor's."""
        for directive in selection.directives or ():
            if directive.name.value not in _CONDITIONS:
                raise NotCompilable(f"directive @{directive.name.value}")
        skip = get_directive_values(GraphQLSkipDirective, selection, self.variables)
        if skip and skip["if"]:
            return False
        include = get_directive_values(GraphQLIncludeDirective, selection, self.variables)
        return not (include and not include["if"])

    def _applies(self, condition: str, owner: GraphQLObjectType) -> bool:
        if condition == owner.name:
            return True
        target = self.graphql.get_type(condition)
        if target is None:
            raise NotCompilable("unknown type")
        if isinstance(target, GraphQLUnionType):
            return owner in target.types
        return any(i.name == condition for i in owner.interfaces)

    @staticmethod
    def merged(nodes: list[FieldNode]) -> SelectionSetNode | None:
        selections = [s for n in nodes if n.selection_set for s in n.selection_set.selections]
        if not selections:
            return None
        return SelectionSetNode(selections=tuple(selections))

    def arguments(self, definition: GraphQLField, node: FieldNode) -> dict[str, Any]:
        """The field's arguments as its resolver receives them (Python names and classes)."""
        try:
            raw = get_argument_values(definition, node, self.variables)
        except GraphQLError:
            raise NotCompilable("arguments") from None  # the executor reports it
        schema = self.planner.schema
        converted: dict[str, Any] = convert_arguments(
            raw,
            strawberry_field(definition).arguments,
            scalar_registry=schema.schema_converter.scalar_registry,
            config=schema.config,
        )
        return converted

    def field(self, owner: GraphQLObjectType, name: str) -> GraphQLField:
        definition: GraphQLField | None = owner.fields.get(name)
        if definition is None:
            raise NotCompilable(f"field {owner.name}.{name}")
        return definition

    def refused(
        self, definition: GraphQLField, nodes: list[FieldNode], path: tuple[str, ...] | None
    ) -> bool:
        """Whether the field's guard refuses this caller; if so its error is recorded (as the
        executor reports it) and, for a non-null field, `_Null` nulls the parent. The guard
        reads the caller alone, so this is known before any SQL. A refusal inside a list (an
        error per row, with the row's index in its path) is left to the executor."""
        guard = _guard(definition)
        if guard is None:
            return False
        try:
            require_access(self.principal, guard.rule.access)
        except DomainError as refusal:
            if path is None:
                raise NotCompilable("refused inside a list") from None
            self.fail(definition, nodes, path, refusal)
            return True
        return False

    def fail(
        self,
        definition: GraphQLField,
        nodes: list[FieldNode],
        path: tuple[str, ...],
        refusal: DomainError,
    ) -> None:
        """The field's resolver would raise `refusal`: its error, as the executor reports it
        (a non-null field: `_Null` nulls the parent)."""
        located = GraphQLError(str(refusal), nodes=nodes, path=list(path), original_error=refusal)
        error = _FORMATTER.anonymise_error(located)
        if isinstance(definition.type, GraphQLNonNull):
            raise _Null(error) from None
        self.errors.append(dict(error.formatted))

    def denial(
        self,
        definition: GraphQLField,
        nodes: list[FieldNode],
        path: tuple[str, ...],
        target: ObjectPlan,
    ) -> ObjectPlan:
        """A nullable field at a fixed response path holding one row of customer data: when
        the row is not the caller's to see, the executor answers null and the customer-data
        refusal at that path. Which row it is depends on the data, so the error is prepared
        here and the statement marks where it applies (decision 0164)."""
        if target.entity not in OWNED_NODES or isinstance(definition.type, GraphQLNonNull):
            return target
        self.denials.append(_denial_text(nodes, path))
        return replace(target, denied=len(self.denials) - 1)

    def nullable(self, definition: GraphQLField, error: _Null) -> None:
        """A refused non-null field below this nullable one: this one is null. Which of the
        nulled subtree's other errors the executor reports depends on timing: compiled only
        when that is the sole error."""
        if isinstance(definition.type, GraphQLNonNull):
            raise error
        if self.errors or self.nulled:
            raise NotCompilable("a nulled parent among other errors")
        self.nulled = True
        self.errors.append(dict(error.error.formatted))

    # --- the operation ---

    def root(self, operation: OperationDefinitionNode) -> ReadPlan:
        query = self.graphql.query_type
        assert query is not None
        fields: list[Constant | ListPlan | Lookup | LookupList | RowsPlan | RowList] = []
        for key, nodes in self.collect(operation.selection_set, query).items():
            name = nodes[0].name.value
            if name == "__typename":
                fields.append(Constant(key, query.name))
                continue
            definition = self.field(query, name)
            try:
                if self.refused(definition, nodes, (key,)):
                    fields.append(Constant(key, None))
                elif name in REPORTS:
                    fields.append(self.report(key, name, definition, nodes))
                else:
                    fields.append(self.root_field(key, name, definition, nodes))
            except _Null as error:  # a non-null root field: `data` is null
                # the executor still runs the other root fields, and reports their errors in
                # the order they happen: compiled only when the field stands alone
                others = [
                    k
                    for k, n in self.collect(operation.selection_set, query).items()
                    if n[0].name.value != "__typename" and k != key
                ]
                if self.errors or self.nulled or others:
                    raise NotCompilable("a null `data` among other fields") from None
                self.errors.append(dict(error.error.formatted))
                return ReadPlan((), self.scope, data_null=True)
            except DomainError as refused:  # the executor reports it
                raise NotCompilable(f"refused argument: {refused}") from None
        if not fields:
            raise NotCompilable("empty")
        return ReadPlan(tuple(fields), self.scope)

    def root_field(  # noqa: PLR0911 (one return per kind of root field)
        self, key: str, name: str, definition: GraphQLField, nodes: list[FieldNode]
    ) -> ListPlan | Lookup | LookupList | RowList | Constant:
        args = self.arguments(definition, nodes[0])
        if name in ROOT_LISTS:
            spec = ROOT_LISTS[name]
            criteria = self.scoped(spec.criteria(args))
            request = self.request(spec.sort(args, criteria), args)
            conn = _object_type(definition)
            parts = self.connection(conn, nodes)
            return ListPlan(key, spec.entity, None, criteria, request, parts)
        if name in LOOKUPS:
            type_name, key_arg = LOOKUPS[name]
            row_key = one_key(args["id"], args[key_arg], type_name)
            try:
                # a row that may not exist: refusals below it are the executor's (their errors
                # depend on the data), see `refused`
                target = self.object(_object_type(definition), self.merged(nodes), None)
            except _Null as error:
                self.nullable(definition, error)
                return Constant(key, None)
            return Lookup(key, row_key, self.denial(definition, nodes, (key,), target))
        if name == "me":
            if self.principal.user_id is None:
                raise NotCompilable("a principal without an account")  # the executor says so
            target = self.object(_object_type(definition), self.merged(nodes), (key,))
            return Lookup(key, self.principal.user_id, target, required=True)
        if name == "conversation":
            # someone else's conversation, or none, is the service's NOT_FOUND: the statement
            # hands such a request to the executor (`required`, `visible_to`)
            target = self.object(_object_type(definition), self.merged(nodes), None)
            return Lookup(key, args["id"], target, required=True, visible_to=self.readable)
        if name == "myConversations":
            target = self.object(_object_type(definition), self.merged(nodes), None)
            return RowList(key, target.entity, None, self.readable, target)
        if name == "node":
            found = self.node(key, args["id"], nodes, None)
            return replace(found, target=self.denial(definition, nodes, (key,), found.target))
        if name == "nodes":
            if len(args["ids"]) > self.planner.limits.maximum:
                raise NotCompilable("too many ids")  # the executor says so
            items = tuple(self.node(key, i, nodes, None) for i in args["ids"])
            return LookupList(key, items)
        raise NotCompilable(f"root field {name}")

    def report(
        self, key: str, name: str, definition: GraphQLField, nodes: list[FieldNode]
    ) -> RowsPlan | Constant:
        """A report: its request checked here as the service checks it (inputs, then the
        stores in view); a refusal is the resolver's error, decided before any SQL."""
        args = self.arguments(definition, nodes[0])
        try:
            request = REPORTS[name](self.principal, args)
        except DomainError as refusal:
            self.fail(definition, nodes, (key,), refusal)  # a non-null list: raises _Null
            return Constant(key, None)
        owner = _object_type(definition)
        fields: list[FieldPlan] = []
        for field_key, found in self.collect(self.merged(nodes), owner).items():
            field_name = found[0].name.value
            if field_name == "__typename":
                fields.append(Constant(field_key, owner.name))
                continue
            attribute, kind, names = _row_field(self.field(owner, field_name))
            fields.append(Stored(field_key, attribute, kind, names))
        return RowsPlan(key, request, ObjectPlan(owner.name, tuple(fields)))

    def scoped(self, criteria: Any) -> Any:
        """A criteria value with the caller's scope, as the services set it."""
        if hasattr(criteria, "scope"):
            if self.scope is None:
                raise NotCompilable("customer data for an anonymous caller")
            return replace(criteria, scope=self.scope)
        return criteria

    def node(
        self, key: str, global_id: str, nodes: list[FieldNode], path: tuple[str, ...] | None
    ) -> Lookup:
        type_name, raw_key = from_global_id(global_id)
        owner = self.graphql.get_type(type_name)
        node = self.graphql.get_type("Node")
        if (
            not isinstance(owner, GraphQLObjectType)
            or not isinstance(node, GraphQLInterfaceType)
            or node not in owner.interfaces
            or not raw_key.isdigit()
            or not self.fetchable(type_name)
        ):
            raise NotCompilable("node id")  # the executor reports it
        try:
            return Lookup(key, int(raw_key), self.object(owner, self.merged(nodes), path))
        except _Null:  # `node` is nullable, but which error comes with it depends on timing
            raise NotCompilable("a refused non-null field in a node") from None

    def fetchable(self, type_name: str) -> bool:
        """Whether this caller may fetch objects of the type by id (the executor's node
        resolvers: customer data needs a signed-in caller, an address staff)."""
        if type_name in PUBLIC_NODES:
            return True
        if type_name in OWNED_NODES:
            return self.scope is not None
        return type_name in STAFF_NODES and self.principal.is_staff

    def request(self, sort: SortKey, args: Args) -> Any:
        return page_request(
            sort,
            self.planner.limits,
            first=args.get("first"),
            after=args.get("after"),
            last=args.get("last"),
            before=args.get("before"),
        )

    # --- objects and connections ---

    def object(  # noqa: PLR0912 (one branch per kind of field)
        self,
        owner: GraphQLObjectType,
        selection: SelectionSetNode | None,
        path: tuple[str, ...] | None,
    ) -> ObjectPlan:
        """`path`: the object's response path when it is sure to exist (below the root through
        non-null fields only), else None."""
        if owner.name not in self.planner.entities:
            raise NotCompilable(f"type {owner.name}")
        fields: list[FieldPlan] = []
        for key, nodes in self.collect(selection, owner).items():
            name = nodes[0].name.value
            if name == "__typename":
                fields.append(Constant(key, owner.name))
                continue
            definition = self.field(owner, name)
            here = None if path is None else (*path, key)
            if self.refused(definition, nodes, here):
                fields.append(Constant(key, None))
                continue
            spec = strawberry_field(definition)
            where = (owner.name, name)
            if where in ROWS:
                entity, relation = ROWS[where]
                target = self.object(_object_type(definition), self.merged(nodes), None)
                fields.append(RowList(key, entity, relation, None, target))
            elif where in JSON_UNIONS:
                fields.append(self.json_items(key, where, spec.python_name, definition, nodes))
            elif name == "id" and any(i.name == "Node" for i in owner.interfaces):
                origin = owner.extensions["strawberry-definition"].origin
                fields.append(GlobalId(key, owner.name, origin.KEY))
            elif spec.base_resolver is None and not definition.args:
                kind, names = _stored_kind(definition.type)
                fields.append(Stored(key, spec.python_name, kind, names))
            elif where in ATTRIBUTES:
                kind, names = _stored_kind(definition.type)
                fields.append(Stored(key, ATTRIBUTES[where], kind, names))
            elif where in REFERENCES:
                try:
                    # a nullable reference may find no row: then the executor reports nothing
                    # below it, so refusals there are left to it (`refused`)
                    sure = here if isinstance(definition.type, GraphQLNonNull) else None
                    target = self.object(_object_type(definition), self.merged(nodes), sure)
                except _Null as error:
                    self.nullable(definition, error)
                    fields.append(Constant(key, None))
                    continue
                fields.append(Reference(key, REFERENCES[where], target))
            elif where in NESTED:
                fields.append(self.nested(key, definition, nodes, NESTED[where]))
            elif where in COMPUTED:
                args = self.arguments(definition, nodes[0])
                if any(isinstance(v, dt.datetime) and v.tzinfo is None for v in args.values()):
                    raise NotCompilable("a time without a zone")  # the executor refuses it
                fields.append(Computed(key, COMPUTED[where], tuple(sorted(args.items()))))
            else:
                raise NotCompilable(f"field {owner.name}.{name}")
        return ObjectPlan(owner.name, tuple(fields))

    def json_items(
        self,
        key: str,
        where: tuple[str, str],
        attribute: str,
        definition: GraphQLField,
        nodes: list[FieldNode],
    ) -> JsonItems:
        """A union's objects stored as JSON: one variant per stored kind, its fields the
        selection's for that member type (possibly none: the executor answers `{}`)."""
        tag, kinds = JSON_UNIONS[where]
        union = get_named_type(definition.type)
        members = {
            k: self.graphql.get_type(t.__strawberry_definition__.name)  # type: ignore[attr-defined]
            for k, t in kinds.items()
        }
        if not isinstance(union, GraphQLUnionType) or set(union.types) != set(members.values()):
            raise NotCompilable("a union the table does not match")
        selection = self.merged(nodes)
        variants: list[Variant] = []
        for kind, member in members.items():
            assert isinstance(member, GraphQLObjectType)
            fields: list[Stored | Constant] = []
            for name_key, found in self.collect(selection, member).items():
                name = found[0].name.value
                if name == "__typename":
                    fields.append(Constant(name_key, member.name))
                    continue
                item = self.field(member, name)
                value_kind, names = _json_kind(item)
                fields.append(
                    Stored(name_key, strawberry_field(item).python_name, value_kind, names)
                )
            attributes = tuple(strawberry_field(f).python_name for f in member.fields.values())
            variants.append(Variant(kind, attributes, tuple(fields)))
        return JsonItems(key, attribute, tag, tuple(variants))

    def nested(
        self, key: str, definition: GraphQLField, nodes: list[FieldNode], spec: NestedList[Any]
    ) -> ListPlan:
        args = self.arguments(definition, nodes[0])
        try:
            request = self.request(spec.sort, args)
        except DomainError as refused:
            raise NotCompilable(f"refused argument: {refused}") from None
        conn = _object_type(definition)
        item = get_named_type(conn.fields["nodes"].type)
        parts = self.connection(conn, nodes)
        return ListPlan(key, item.name, spec.relation, None, request, parts)

    def connection(
        self, conn: GraphQLObjectType, nodes: list[FieldNode]
    ) -> tuple[ConnectionPart, ...]:
        parts: list[ConnectionPart] = []
        for key, found in self.collect(self.merged(nodes), conn).items():
            name = found[0].name.value
            merged = self.merged(found)
            if name == "__typename":
                parts.append(Constant(key, conn.name))
            elif name == "nodes":
                parts.append(NodeOf(key, self.object(_item(conn, "nodes"), merged, None)))
            elif name == "edges":
                parts.append(self.edge(key, _item(conn, "edges"), merged))
            elif name == "pageInfo":
                parts.append(self.page_info(key, _item(conn, "pageInfo"), merged))
            elif name == "totalCount":
                parts.append(TotalCount(key))
            else:
                raise NotCompilable(f"field {conn.name}.{name}")
        return tuple(parts)

    def edge(
        self, key: str, edge: GraphQLObjectType, selection: SelectionSetNode | None
    ) -> EdgePlan:
        fields: list[Constant | Cursor | NodeOf] = []
        for name_key, found in self.collect(selection, edge).items():
            name = found[0].name.value
            if name == "__typename":
                fields.append(Constant(name_key, edge.name))
            elif name == "cursor":
                fields.append(Cursor(name_key))
            elif name == "node":
                fields.append(
                    NodeOf(name_key, self.object(_item(edge, "node"), self.merged(found), None))
                )
            else:
                raise NotCompilable(f"field {edge.name}.{name}")
        return EdgePlan(key, tuple(fields))

    def page_info(
        self, key: str, info: GraphQLObjectType, selection: SelectionSetNode | None
    ) -> PageInfoPlan:
        fields: list[Constant | PageFlag] = []
        for name_key, found in self.collect(selection, info).items():
            name = found[0].name.value
            if name == "__typename":
                fields.append(Constant(name_key, info.name))
            elif name in _PAGE_FLAGS:
                fields.append(PageFlag(name_key, name))
            else:
                raise NotCompilable(f"field {info.name}.{name}")
        return PageInfoPlan(key, tuple(fields))


_FORMATTER = ErrorFormatter()
#: `_denial_text` by (its field nodes, path): the nodes of a cached document are the same
#: objects every time it is planned (kept alive here, so their ids stay theirs)
_DENIALS: dict[tuple[tuple[int, ...], tuple[str, ...]], tuple[list[FieldNode], str]] = {}


def _denial_text(nodes: list[FieldNode], path: tuple[str, ...]) -> str:
    """The customer-data refusal at `path`, as the executor writes the error (JSON text)."""
    key = (tuple(id(n) for n in nodes), path)
    found = _DENIALS.get(key)
    if found is not None and all(a is b for a, b in zip(found[0], nodes, strict=True)):
        return found[1]
    refusal = customer_data_refusal()
    located = GraphQLError(str(refusal), nodes=nodes, path=list(path), original_error=refusal)
    text = json.dumps(dict(_FORMATTER.anonymise_error(located).formatted), separators=(",", ":"))
    if len(_DENIALS) < 4096:
        _DENIALS[key] = (list(nodes), text)
    return text


def _object_type(definition: GraphQLField) -> GraphQLObjectType:
    found = get_named_type(definition.type)
    if not isinstance(found, GraphQLObjectType):
        raise NotCompilable("abstract type")
    return found


def _item(owner: GraphQLObjectType, name: str) -> GraphQLObjectType:
    return _object_type(owner.fields[name])
