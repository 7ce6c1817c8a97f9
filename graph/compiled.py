"""The compiled read path (decision 0012): a validated query document whose every field lies in
a supported, public subset is turned into ONE SQL statement that returns the final `data` JSON.

Supported (anything else is "not compilable" and the normal executor serves the document):

* root `films(first:, after:, orderBy:)` without `filter`/`last`/`before`; `orderBy` absent or
  a literal `{field: TITLE|FILM_ID, direction: ASC|DESC}`;
  its `nodes`, `edges { cursor node }`, `pageInfo { hasNextPage hasPreviousPage startCursor
  endCursor }`, `totalCount`, `__typename`;
* Film scalars (not the computed `availableCopies`/`isInStock`), `id`, `language { ... }`,
  `actors(first:)` and `categories(first:)` with `nodes` or `edges { node }` (no cursors,
  `pageInfo` or `totalCount` there) and `__typename`;
* Language, Actor and Category scalars and `id`;
* aliases, fragments (named and inline), variables used as `first`/`after`; no directives.

The statement formats values as the normal path does (enum names, `numeric` as text, ISO
timestamps as Python prints them, base64url global ids and keyset cursors). When a cursor would
contain a non-ASCII character (Python's JSON escapes it, PostgreSQL's does not), the statement
says so and the caller falls back. All fields served here are public (decision 0080); the
compiler refuses any field carrying a permission guard.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import strawberry
from graphql import (
    DocumentNode,
    EnumValueNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    NullValueNode,
    ObjectValueNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    StringValueNode,
    ValueNode,
    VariableNode,
    get_named_type,
    get_operation_ast,
    specified_rules,
)
from graphql.execution.values import get_variable_values
from graphql.validation import ASTValidationRule
from strawberry.extensions import AddValidationRules

from domain.catalogue.films import FILM_SORT_TYPES, FilmOrderField, MpaaRating
from domain.errors import DomainError
from domain.pagination import PageLimits, SortDirection, SortKey, decode_cursor
from domain.reading import sort_key
from graph.documents import DocumentGate, DocumentLimits
from graph.limits import CostLimits, LimitExceeded, operation_cost
from graph.permissions import Guard
from pagila_graph.config import Settings

#: Root orders compiled: `orderBy.field` → (film column, its SQL type) before film_id.
ORDER_COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    "TITLE": (("title", "text"),),
    "FILM_ID": (),
}


@dataclass(frozen=True)
class _Order:
    """A root order: the domain's sort key (its token goes in cursors), the columns (then
    film_id) and the direction."""

    sort: SortKey
    columns: tuple[tuple[str, str], ...]

    @property
    def names(self) -> list[str]:
        return [c for c, _ in self.columns] + ["film_id"]

    def by(self, row: str, reverse: bool = False) -> str:
        descending = self.sort.descending != reverse
        direction = "DESC" if descending else "ASC"
        return ", ".join(f"{row}.{c} {direction}" for c in self.names)

    def cursor(self, row: str) -> str:
        """The keyset cursor of a row, as `encode_cursor` writes it: base64url (unpadded) of
        `["TITLE:ASC",[title,id]]` (compact JSON)."""
        values = " || ',' || ".join(
            f"to_json({row}.{c})::text" if t == "text" else f"{row}.{c}" for c, t in self.columns
        )
        values = f"{values} || ',' || {row}.film_id" if values else f"{row}.film_id"
        return (
            f"rtrim(translate(replace(encode(convert_to({_string(_json_head(self.sort))} || "
            f"{values} || ']]', 'UTF8'), 'base64'), E'\\n', ''), '+/', '-_'), '=')"
        )


def _json_head(sort: SortKey) -> str:
    return '["' + sort.token + '",['


MAX_KEYS = 50  # json_build_object takes at most 100 arguments


class NotCompilable(Exception):
    """The document (or this request's arguments) leaves the compiled subset."""


def _ts(column: str) -> str:
    """A timestamptz as Python's `isoformat()` prints the UTC datetime asyncpg returns."""
    utc = f"({column} AT TIME ZONE 'UTC')"
    return (
        f"to_char({utc}, 'YYYY-MM-DD\"T\"HH24:MI:SS') || CASE WHEN "
        f"date_part('microseconds', {utc})::bigint % 1000000 <> 0 "
        f"THEN to_char({utc}, '.US') ELSE '' END || '+00:00'"
    )


def _global_id(type_name: str, key: str) -> str:
    return (
        f"rtrim(translate(encode(convert_to('{type_name}:' || {key}, 'UTF8'), 'base64'), "
        "'+/', '-_'), '=')"
    )


def _rating(column: str) -> str:
    cases = " ".join(f"WHEN '{m.value}' THEN '{m.name}'" for m in MpaaRating)
    return f"(CASE {column}::text {cases} END)"


#: type → GraphQL field → SQL expression over the row alias `{t}`.
SCALARS: dict[str, dict[str, Callable[[str], str]]] = {
    "Film": {
        "id": lambda t: _global_id("Film", f"{t}.film_id"),
        "filmId": lambda t: f"{t}.film_id",
        "title": lambda t: f"{t}.title",
        "description": lambda t: f"{t}.description",
        "releaseYear": lambda t: f"{t}.release_year::integer",
        "rentalDuration": lambda t: f"{t}.rental_duration",
        "rentalRate": lambda t: f"{t}.rental_rate::text",
        "length": lambda t: f"{t}.length",
        "replacementCost": lambda t: f"{t}.replacement_cost::text",
        "rating": lambda t: _rating(f"{t}.rating"),
        "specialFeatures": lambda t: f"to_json(coalesce({t}.special_features, '{{}}'::text[]))",
        "streamingAvailable": lambda t: f"{t}.streaming_available",
        "lastUpdate": lambda t: _ts(f"{t}.last_update"),
    },
    "Language": {
        "id": lambda t: _global_id("Language", f"{t}.language_id"),
        "languageId": lambda t: f"{t}.language_id",
        "name": lambda t: f"rtrim({t}.name::text, E' \\t\\n\\r\\x0b\\x0c')",
        "lastUpdate": lambda t: _ts(f"{t}.last_update"),
    },
    "Actor": {
        "id": lambda t: _global_id("Actor", f"{t}.actor_id"),
        "actorId": lambda t: f"{t}.actor_id",
        "firstName": lambda t: f"{t}.first_name",
        "lastName": lambda t: f"{t}.last_name",
        "lastUpdate": lambda t: _ts(f"{t}.last_update"),
    },
    "Category": {
        "id": lambda t: _global_id("Category", f"{t}.category_id"),
        "categoryId": lambda t: f"{t}.category_id",
        "name": lambda t: f"{t}.name",
        "lastUpdate": lambda t: _ts(f"{t}.last_update"),
    },
}


@dataclass(frozen=True)
class NestedList:
    """A film's nested connection: the rows of one film, in the normal path's fixed order."""

    from_: Callable[[str, str], str]  # (row alias, parent alias) → FROM ... WHERE ...
    order: Callable[[str], str]


NESTED: dict[str, NestedList] = {
    "actors": NestedList(
        lambda t, p: (
            f"actor {t} JOIN film_actor fa_{t} ON fa_{t}.actor_id = {t}.actor_id "
            f"WHERE fa_{t}.film_id = {p}.film_id"
        ),
        lambda t: f"{t}.last_name, {t}.first_name, {t}.actor_id",
    ),
    "categories": NestedList(
        lambda t, p: (
            f"category {t} JOIN film_category fc_{t} ON fc_{t}.category_id = "
            f"{t}.category_id WHERE fc_{t}.film_id = {p}.film_id"
        ),
        lambda t: f"{t}.name, {t}.category_id",
    ),
}


def _string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


@dataclass
class _Build:
    """State of one compilation: request arguments, bind parameters, alias counter."""

    schema: GraphQLSchema
    fragments: Mapping[str, FragmentDefinitionNode]
    variables: Mapping[str, Any]
    limits: PageLimits
    params: list[Any] = field(default_factory=list)
    cursor_checks: list[str] = field(default_factory=list)
    counter: int = 0

    def alias(self) -> str:
        self.counter += 1
        return f"t{self.counter}"

    # --- arguments ---

    def value(self, node: ValueNode) -> Any:
        if isinstance(node, VariableNode):
            return self.variables.get(node.name.value)
        if isinstance(node, IntValueNode):
            return int(node.value)
        if isinstance(node, StringValueNode):
            return node.value
        if isinstance(node, NullValueNode):
            return None
        raise NotCompilable("argument value")

    def arguments(self, node: FieldNode, allowed: Sequence[str]) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for argument in node.arguments or ():
            name = argument.name.value
            if name not in allowed:
                raise NotCompilable(f"argument {name}")
            if name != "orderBy":  # read by `_order`
                found[name] = self.value(argument.value)
        return found

    def page_size(self, first: Any) -> int:
        if first is None:
            size = self.limits.default
        elif isinstance(first, int) and not isinstance(first, bool):
            if first < 0 or first > self.limits.maximum:
                raise NotCompilable("page size out of range")  # the normal path says why
            size = first
        else:
            raise NotCompilable("page size")
        return size

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
        target = self.schema.get_type(condition)
        if target is None:
            raise NotCompilable("unknown type")
        return any(i.name == condition for i in owner.interfaces)

    @staticmethod
    def merged(nodes: list[FieldNode]) -> SelectionSetNode | None:
        """The sub-selections of all the fields merged under one response key."""
        selections = [s for n in nodes if n.selection_set for s in n.selection_set.selections]
        if not selections:
            return None
        return SelectionSetNode(selections=tuple(selections))

    def field_type(self, owner: GraphQLObjectType, name: str) -> GraphQLNamedType:
        definition = owner.fields.get(name)
        if definition is None:
            raise NotCompilable(f"field {owner.name}.{name}")
        extensions = getattr(definition.extensions, "get", lambda _k: None)("strawberry-definition")
        if extensions is not None and any(isinstance(e, Guard) for e in extensions.extensions):
            raise NotCompilable("protected field")  # never the case in the catalogue
        named: GraphQLNamedType = get_named_type(definition.type)
        return named

    # --- objects ---

    def object(
        self, selection_set: SelectionSetNode | None, owner: GraphQLObjectType, t: str
    ) -> str:
        grouped = self.collect(selection_set, owner)
        if len(grouped) > MAX_KEYS:
            raise NotCompilable("too many keys")
        scalars = SCALARS.get(owner.name)
        if scalars is None:
            raise NotCompilable(f"type {owner.name}")
        pairs: list[str] = []
        for key, nodes in grouped.items():
            name = nodes[0].name.value
            if name == "__typename":
                expression = _string(owner.name)
            elif name in scalars:
                self.arguments(nodes[0], ())
                self.field_type(owner, name)
                expression = scalars[name](t)
            elif owner.name == "Film" and name == "language":
                self.arguments(nodes[0], ())
                language = self.field_type(owner, name)
                assert isinstance(language, GraphQLObjectType)
                inner = self.alias()
                body = self.object(self.merged(nodes), language, inner)
                expression = (
                    f"(SELECT {body} FROM language {inner} "
                    f"WHERE {inner}.language_id = {t}.language_id)"
                )
            elif owner.name == "Film" and name in NESTED:
                expression = self.nested(owner, name, nodes, t)
            else:
                raise NotCompilable(f"field {owner.name}.{name}")
            pairs.append(f"{_string(key)}, {expression}")
        return f"json_build_object({', '.join(pairs)})"

    def nested(self, owner: GraphQLObjectType, name: str, nodes: list[FieldNode], t: str) -> str:
        args = self.arguments(nodes[0], ("first",))
        size = self.page_size(args.get("first"))
        conn = self.field_type(owner, name)
        assert isinstance(conn, GraphQLObjectType)
        item = get_named_type(conn.fields["nodes"].type)
        assert isinstance(item, GraphQLObjectType)
        spec = NESTED[name]
        pairs: list[str] = []
        for key, parts in self.collect(self.merged(nodes), conn).items():
            part = parts[0].name.value
            if part == "__typename":
                pairs.append(f"{_string(key)}, {_string(conn.name)}")
            elif part in ("nodes", "edges"):
                row = self.alias()
                if part == "nodes":
                    body = self.object(self.merged(parts), item, row)
                else:
                    body = self.nested_edge(self.merged(parts), _item(conn, "edges"), row)
                rows = (
                    f"(SELECT {row}.* FROM {spec.from_(row, t)} "
                    f"ORDER BY {spec.order(row)} LIMIT {size}) {row}"
                )
                pairs.append(
                    f"{_string(key)}, coalesce((SELECT json_agg({body} ORDER BY "
                    f"{spec.order(row)}) FROM {rows}), '[]'::json)"
                )
            else:
                raise NotCompilable(f"field {conn.name}.{part}")
        return f"json_build_object({', '.join(pairs)})"

    def nested_edge(
        self, selection: SelectionSetNode | None, edge: GraphQLObjectType, row: str
    ) -> str:
        """A nested list's edge: `node` and `__typename` (cursors are not compiled there)."""
        pairs: list[str] = []
        for key, parts in self.collect(selection, edge).items():
            part = parts[0].name.value
            if part == "__typename":
                pairs.append(f"{_string(key)}, {_string(edge.name)}")
            elif part == "node":
                body = self.object(self.merged(parts), _item(edge, "node"), row)
                pairs.append(f"{_string(key)}, {body}")
            else:
                raise NotCompilable(f"field {edge.name}.{part}")
        return f"json_build_object({', '.join(pairs)})"

    # --- the root list ---

    def films(self, nodes: list[FieldNode], root: GraphQLObjectType, n: int) -> tuple[str, str]:
        """(the CTEs of root field n, its JSON expression)."""
        args = self.arguments(nodes[0], ("first", "after", "orderBy"))
        size = self.page_size(args.get("first"))
        conn = self.field_type(root, "films")
        assert isinstance(conn, GraphQLObjectType)
        after = args.get("after")
        order = self._order(nodes[0])
        page = _RootPage(f"p{n}", f"k{n}", size, after is not None, order)
        ctes = (
            f"{page.page} AS (SELECT f.* FROM film f {self._after(page, after)} "
            f"ORDER BY {order.by('f')} LIMIT {size + 1}), "
            f"{page.kept} AS (SELECT * FROM {page.page} f ORDER BY {order.by('f')} "
            f"LIMIT {size})"
        )
        pairs: list[str] = []
        for key, parts in self.collect(self.merged(nodes), conn).items():
            part = parts[0].name.value
            merged = self.merged(parts)
            if part == "__typename":
                expression = _string(conn.name)
            elif part == "totalCount":
                expression = "(SELECT count(*) FROM film)"
            elif part == "nodes":
                row = self.alias()
                body = self.object(merged, _item(conn, "nodes"), row)
                expression = (
                    f"coalesce((SELECT json_agg({body} ORDER BY {order.by(row)}) "
                    f"FROM {page.kept} {row}), '[]'::json)"
                )
            elif part == "edges":
                expression = self._edges(merged, conn, page)
            elif part == "pageInfo":
                expression = self._page_info(merged, _item(conn, "pageInfo"), page)
            else:
                raise NotCompilable(f"field {conn.name}.{part}")
            pairs.append(f"{_string(key)}, {expression}")
        if page.uses_cursor and order.columns:
            self.cursor_checks.append(
                f"EXISTS (SELECT 1 FROM {page.kept} "
                "WHERE octet_length(title) <> char_length(title))"
            )
        return ctes, f"json_build_object({', '.join(pairs)})"

    def _after(self, page: _RootPage, after: Any) -> str:
        """The keyset condition of an `after` cursor (bound parameters), or nothing."""
        if after is None:
            return ""
        if not isinstance(after, str):
            raise NotCompilable("cursor")
        try:
            values = decode_cursor(after, page.order.sort, "after")
        except DomainError:
            raise NotCompilable("cursor") from None  # the normal path reports it
        types = [t for _, t in page.order.columns] + ["integer"]
        bound: list[str] = []
        for value, type_ in zip(values, types, strict=True):
            self.params.append(value)
            bound.append(f"CAST(${len(self.params)} AS {type_})")
        columns = ", ".join(f"f.{c}" for c in page.order.names)
        compare = "<" if page.order.sort.descending else ">"
        return f"WHERE ({columns}) {compare} ({', '.join(bound)})"

    def _order(self, node: FieldNode) -> _Order:
        """`orderBy` as a literal `{field: TITLE|FILM_ID, direction: ASC|DESC}`, or absent."""
        field_name, direction = "TITLE", SortDirection.ASC
        for argument in node.arguments or ():
            if argument.name.value != "orderBy" or isinstance(argument.value, NullValueNode):
                continue
            if not isinstance(argument.value, ObjectValueNode):
                raise NotCompilable("orderBy")
            for item in argument.value.fields:
                if not isinstance(item.value, EnumValueNode):
                    raise NotCompilable("orderBy")
                if item.name.value == "field":
                    field_name = item.value.value
                elif item.name.value == "direction":
                    direction = SortDirection(item.value.value)
        if field_name not in ORDER_COLUMNS:
            raise NotCompilable(f"orderBy {field_name}")
        sort = sort_key(FilmOrderField(field_name), direction, FILM_SORT_TYPES)
        return _Order(sort, ORDER_COLUMNS[field_name])

    def _edges(
        self, selection: SelectionSetNode | None, conn: GraphQLObjectType, page: _RootPage
    ) -> str:
        page.uses_cursor = True
        row = self.alias()
        edge = _item(conn, "edges")
        pairs: list[str] = []
        for key, parts in self.collect(selection, edge).items():
            part = parts[0].name.value
            if part == "__typename":
                pairs.append(f"{_string(key)}, {_string(edge.name)}")
            elif part == "cursor":
                pairs.append(f"{_string(key)}, {page.order.cursor(row)}")
            elif part == "node":
                body = self.object(self.merged(parts), _item(edge, "node"), row)
                pairs.append(f"{_string(key)}, {body}")
            else:
                raise NotCompilable(f"field {edge.name}.{part}")
        return (
            f"coalesce((SELECT json_agg(json_build_object({', '.join(pairs)}) "
            f"ORDER BY {page.order.by(row)}) FROM {page.kept} {row}), '[]'::json)"
        )

    def _page_info(
        self, selection: SelectionSetNode | None, info: GraphQLObjectType, page: _RootPage
    ) -> str:
        pairs: list[str] = []
        for key, parts in self.collect(selection, info).items():
            part = parts[0].name.value
            if part == "__typename":
                value = _string(info.name)
            elif part == "hasNextPage":
                value = f"((SELECT count(*) FROM {page.page}) > {page.size})"
            elif part == "hasPreviousPage":
                value = "true" if page.has_after else "false"
            elif part in ("startCursor", "endCursor"):
                page.uses_cursor = True
                reverse = part == "endCursor"
                value = (
                    f"(SELECT {page.order.cursor('c')} FROM {page.kept} c "
                    f"ORDER BY {page.order.by('c', reverse)} LIMIT 1)"
                )
            else:
                raise NotCompilable(f"field {info.name}.{part}")
            pairs.append(f"{_string(key)}, {value}")
        return f"json_build_object({', '.join(pairs)})"


@dataclass
class _RootPage:
    """One root `films` field: its CTE names (rows fetched, rows kept), size, cursor use."""

    page: str
    kept: str
    size: int
    has_after: bool
    order: _Order
    uses_cursor: bool = False


def _item(owner: GraphQLObjectType, name: str) -> GraphQLObjectType:
    found = get_named_type(owner.fields[name].type)
    if not isinstance(found, GraphQLObjectType):
        raise NotCompilable(f"field {owner.name}.{name}")
    return found


@dataclass(frozen=True)
class Statement:
    """One compiled request: SQL returning (data JSON text, must-fall-back flag), its params."""

    sql: str
    params: tuple[Any, ...]  # $1, $2, ...
    #: the operation's name in the document (None: anonymous), for metrics and logs
    operation_name: str | None = None


@dataclass(frozen=True)
class _Document:
    document: DocumentNode
    operation: OperationDefinitionNode
    fragments: Mapping[str, FragmentDefinitionNode]


class Compiler:
    """Compiles documents: the parse/validation verdict is cached per (document, operation
    name), the statement per (document, operation name, variables)."""

    def __init__(self, schema: strawberry.Schema, settings: Settings, maxsize: int = 512) -> None:
        self.schema: GraphQLSchema = schema._schema
        self.limits = CostLimits.from_settings(settings)
        self.page_limits = PageLimits(settings.default_page_size, settings.max_page_size)
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
        self.statements: OrderedDict[tuple[str, str | None, str], Statement | None] = OrderedDict()

    def _document(self, query: str, operation_name: str | None) -> _Document | None:
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
            if operation is not None and operation.operation is OperationType.QUERY:
                fragments = {
                    d.name.value: d
                    for d in document.definitions
                    if isinstance(d, FragmentDefinitionNode)
                }
                found = _Document(document, operation, fragments)
        self.documents[key] = found
        if len(self.documents) > self.maxsize:
            self.documents.popitem(last=False)
        return found

    def compile(
        self, query: str, operation_name: str | None, variables: Mapping[str, Any] | None
    ) -> Statement | None:
        """The statement serving this request, or None when the normal executor must. The
        verdict is cached per (document, operation name, variables): a repeated request costs
        one dictionary look-up."""
        if variables is not None and not isinstance(variables, Mapping):
            return None  # the normal path reports it
        try:
            key = (
                query,
                operation_name,
                json.dumps(variables, sort_keys=True) if variables else "",
            )
        except (TypeError, ValueError):
            return None
        if key in self.statements:
            self.statements.move_to_end(key)
            return self.statements[key]
        statement = self._compile(query, operation_name, variables)
        self.statements[key] = statement
        if len(self.statements) > self.maxsize:
            self.statements.popitem(last=False)
        return statement

    def _compile(
        self, query: str, operation_name: str | None, variables: Mapping[str, Any] | None
    ) -> Statement | None:
        document = self._document(query, operation_name)
        if document is None:
            return None
        operation = document.operation
        coerced = get_variable_values(
            self.schema, operation.variable_definitions or (), dict(variables or {})
        )
        if isinstance(coerced, list):
            return None  # bad variables: the normal path reports them
        try:  # with the raw variables, as the normal path's QueryLimits does
            cost = operation_cost(
                self.schema, document.document, operation_name, variables, self.limits
            )
        except LimitExceeded:
            return None
        if cost > self.limits.max_cost:
            return None
        build = _Build(self.schema, document.fragments, coerced.coerced, self.page_limits)
        try:
            sql = self._sql(build, document)
        except NotCompilable:
            return None
        name = operation.name.value if operation.name is not None else None
        return Statement(sql, tuple(build.params), name)

    def _sql(self, build: _Build, document: _Document) -> str:
        root = self.schema.query_type
        assert root is not None
        grouped = build.collect(document.operation.selection_set, root)
        if not grouped or len(grouped) > MAX_KEYS:
            raise NotCompilable("root")
        ctes: list[str] = []
        pairs: list[str] = []
        for n, (response_key, nodes) in enumerate(grouped.items()):
            name = nodes[0].name.value
            if name == "__typename":
                pairs.append(f"{_string(response_key)}, {_string(root.name)}")
            elif name == "films":
                cte, expression = build.films(nodes, root, n)
                ctes.append(cte)
                pairs.append(f"{_string(response_key)}, {expression}")
            else:
                raise NotCompilable(f"root field {name}")
        check = " OR ".join(build.cursor_checks) or "false"
        with_ = f"WITH {', '.join(ctes)} " if ctes else ""
        data = f"json_build_object({', '.join(pairs)})::text"
        return f"{with_}SELECT {data} AS data, {check} AS unsafe"
