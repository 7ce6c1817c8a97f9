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

from collections import OrderedDict
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any

import strawberry
from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLEnumType,
    GraphQLError,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    get_named_type,
)
from graphql.execution.values import VariableValues, get_argument_values
from strawberry.types.arguments import convert_arguments

from domain.catalogue.films import FilmFilter as FilmCriteria
from domain.catalogue.reads import INVENTORY_SORT_TYPES, InventoryOrderField, NoFilter
from domain.catalogue.reads import ActorFilter as ActorCriteria
from domain.catalogue.reads import InventoryFilter as InventoryCriteria
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
    Stored,
    TotalCount,
    ValueKind,
)
from domain.reading import sort_key
from graph.catalogue import types as catalog
from graph.catalogue.sorters import actor_order, film_order, name_order
from graph.loading import NestedList
from graph.permissions import Guard
from graph.relay import from_global_id, one_key
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
}

#: Types `node(id:)` may compile: those anyone may fetch by id. An address by id could be
#: anyone's home (staff only, graph/customers/schema.py), so it stays with the executor.
PUBLIC_NODES = frozenset(
    {"Film", "Actor", "Category", "Language", "Inventory", "Store", "Staff", "City", "Country"}
)

#: Nested connections: (type, field) -> the executor's NestedList (relation and fixed order).
NESTED: dict[tuple[str, str], NestedList[Any]] = {
    ("Film", "actors"): catalog.FILM_ACTORS,
    ("Film", "categories"): catalog.FILM_CATEGORIES,
    ("Film", "inventory"): catalog.FILM_INVENTORY,
    ("Actor", "films"): catalog.ACTOR_FILMS,
    ("Category", "films"): catalog.CATEGORY_FILMS,
    ("Store", "staff"): stores.STORE_STAFF,
    ("Store", "inventory"): stores.STORE_INVENTORY,
}

#: Computed fields SQL states too: (type, field) -> rule name (persistence/read_sql.py).
COMPUTED: dict[tuple[str, str], str] = {
    ("Film", "availableCopies"): "film.copies_in_stock",
    ("Film", "isInStock"): "film.is_in_stock",
}

_SCALARS: dict[str, ValueKind] = {
    "Int": ValueKind.INT,
    "String": ValueKind.TEXT,
    "Boolean": ValueKind.BOOL,
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
    ) -> ReadPlan:
        return _Walk(self, fragments, variables).root(operation)

    def field_supported(self, owner: GraphQLObjectType, name: str) -> bool:  # noqa: PLR0911
        """Whether the planner compiles this field (for the schema's coverage figure)."""
        graphql_schema = self.schema._schema
        if owner is graphql_schema.query_type:
            return name in ROOT_LISTS or name in LOOKUPS or name in ("node", "nodes")
        if owner.name.endswith(("Connection", "Edge")) or owner.name == "PageInfo":
            node = owner.fields.get("node") or owner.fields.get("nodes")
            return node is None or get_named_type(node.type).name in self.entities
        if owner.name not in self.entities:
            return False
        try:
            definition = owner.fields[name]
            _guarded(definition)
            if name == "id" or (owner.name, name) in (REFERENCES | NESTED.keys() | COMPUTED.keys()):
                return True
            if _strawberry(definition).base_resolver is not None or definition.args:
                return False
            _stored_kind(definition.type)
        except NotCompilable:
            return False
        return True


def _strawberry(definition: GraphQLField) -> Any:
    found = definition.extensions.get("strawberry-definition")
    if found is None:
        raise NotCompilable("field without a Strawberry definition")
    return found


def _guarded(definition: GraphQLField) -> None:
    if any(isinstance(e, Guard) for e in _strawberry(definition).extensions):
        raise NotCompilable("protected field")


class _Walk:
    """One planning pass over an operation."""

    def __init__(
        self,
        planner: Planner,
        fragments: Mapping[str, FragmentDefinitionNode],
        variables: VariableValues,
    ) -> None:
        self.planner = planner
        self.graphql: GraphQLSchema = planner.schema._schema
        self.fragments = fragments
        self.variables = variables

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
            if selection.directives:
                raise NotCompilable("directives")
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

    def _applies(self, condition: str, owner: GraphQLObjectType) -> bool:
        if condition == owner.name:
            return True
        target = self.graphql.get_type(condition)
        if target is None:
            raise NotCompilable("unknown type")
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
            _strawberry(definition).arguments,
            scalar_registry=schema.schema_converter.scalar_registry,
            config=schema.config,
        )
        return converted

    def field(self, owner: GraphQLObjectType, name: str) -> GraphQLField:
        definition: GraphQLField | None = owner.fields.get(name)
        if definition is None:
            raise NotCompilable(f"field {owner.name}.{name}")
        _guarded(definition)
        return definition

    # --- the operation ---

    def root(self, operation: OperationDefinitionNode) -> ReadPlan:
        query = self.graphql.query_type
        assert query is not None
        fields: list[Constant | ListPlan | Lookup | LookupList] = []
        for key, nodes in self.collect(operation.selection_set, query).items():
            name = nodes[0].name.value
            if name == "__typename":
                fields.append(Constant(key, query.name))
                continue
            definition = self.field(query, name)
            try:
                args = self.arguments(definition, nodes[0])
                if name in ROOT_LISTS:
                    spec = ROOT_LISTS[name]
                    criteria = spec.criteria(args)
                    request = self.request(spec.sort(args, criteria), args)
                    conn = _object_type(definition)
                    parts = self.connection(conn, nodes)
                    fields.append(ListPlan(key, spec.entity, None, criteria, request, parts))
                elif name in LOOKUPS:
                    type_name, key_arg = LOOKUPS[name]
                    row_key = one_key(args["id"], args[key_arg], type_name)
                    target = self.object(_object_type(definition), self.merged(nodes))
                    fields.append(Lookup(key, row_key, target))
                elif name == "node":
                    fields.append(self.node(key, args["id"], nodes))
                elif name == "nodes":
                    if len(args["ids"]) > self.planner.limits.maximum:
                        raise NotCompilable("too many ids")  # the executor says so
                    items = tuple(self.node(key, i, nodes) for i in args["ids"])
                    fields.append(LookupList(key, items))
                else:
                    raise NotCompilable(f"root field {name}")
            except DomainError as refused:  # the executor reports it
                raise NotCompilable(f"refused argument: {refused}") from None
        if not fields:
            raise NotCompilable("empty")
        return ReadPlan(tuple(fields))

    def node(self, key: str, global_id: str, nodes: list[FieldNode]) -> Lookup:
        type_name, raw_key = from_global_id(global_id)
        owner = self.graphql.get_type(type_name)
        node = self.graphql.get_type("Node")
        if (
            not isinstance(owner, GraphQLObjectType)
            or not isinstance(node, GraphQLInterfaceType)
            or node not in owner.interfaces
            or not raw_key.isdigit()
            or type_name not in PUBLIC_NODES
        ):
            raise NotCompilable("node id")  # the executor reports it
        return Lookup(key, int(raw_key), self.object(owner, self.merged(nodes)))

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

    def object(self, owner: GraphQLObjectType, selection: SelectionSetNode | None) -> ObjectPlan:
        if owner.name not in self.planner.entities:
            raise NotCompilable(f"type {owner.name}")
        fields: list[FieldPlan] = []
        for key, nodes in self.collect(selection, owner).items():
            name = nodes[0].name.value
            if name == "__typename":
                fields.append(Constant(key, owner.name))
                continue
            definition = self.field(owner, name)
            spec = _strawberry(definition)
            where = (owner.name, name)
            if name == "id" and any(i.name == "Node" for i in owner.interfaces):
                origin = owner.extensions["strawberry-definition"].origin
                fields.append(GlobalId(key, owner.name, origin.KEY))
            elif spec.base_resolver is None and not definition.args:
                kind, names = _stored_kind(definition.type)
                fields.append(Stored(key, spec.python_name, kind, names))
            elif where in REFERENCES:
                target = self.object(_object_type(definition), self.merged(nodes))
                fields.append(Reference(key, REFERENCES[where], target))
            elif where in NESTED:
                fields.append(self.nested(key, definition, nodes, NESTED[where]))
            elif where in COMPUTED:
                args = self.arguments(definition, nodes[0])
                fields.append(Computed(key, COMPUTED[where], tuple(sorted(args.items()))))
            else:
                raise NotCompilable(f"field {owner.name}.{name}")
        return ObjectPlan(owner.name, tuple(fields))

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
                parts.append(NodeOf(key, self.object(_item(conn, "nodes"), merged)))
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
                    NodeOf(name_key, self.object(_item(edge, "node"), self.merged(found)))
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


def _object_type(definition: GraphQLField) -> GraphQLObjectType:
    found = get_named_type(definition.type)
    if not isinstance(found, GraphQLObjectType):
        raise NotCompilable("abstract type")
    return found


def _item(owner: GraphQLObjectType, name: str) -> GraphQLObjectType:
    return _object_type(owner.fields[name])
