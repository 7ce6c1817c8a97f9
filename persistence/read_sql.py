"""The read compiler (decision 0013): any `ReadPlan` becomes ONE SQLAlchemy Core statement whose
single column is the response's `data` JSON text.

Everything comes from the metadata the repositories use: each entity's `Listing` (table,
columns, id, sorts, links to parents) and its filter conditions; nothing is written per query
shape. A connection is a derived table — the keyset page, `LIMIT n + 1`, numbered — aggregated
into `nodes`/`edges`/`pageInfo`; nested connections and references are subqueries correlated to
their parent's row, at any depth; `totalCount` is a correlated count. Values are formatted as
the executor's serializers print them (enum names, `numeric` as text, `isoformat()` of UTC
timestamps, base64url global ids and keyset cursors).

Python's JSON escapes non-ASCII characters and PostgreSQL's does not; a cursor is opaque bytes,
so when one would hold a non-ASCII character the statement writes the JSON string `"\\u0000"`
(which no PostgreSQL text value produces) and `needs_fallback` tells the caller to ask the
executor instead.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Float,
    FromClause,
    Integer,
    Numeric,
    Select,
    Table,
    Text,
    and_,
    bindparam,
    case,
    cast,
    false,
    func,
    literal,
    literal_column,
    null,
    select,
    true,
    tuple_,
    type_coerce,
)
from sqlalchemy.dialects.postgresql import ARRAY, CHAR, DOMAIN, JSON, aggregate_order_by
from sqlalchemy.engine import Dialect

from domain.catalogue.reads import NoFilter
from domain.pagination import PageRequest
from domain.read_plan import (
    Computed,
    Constant,
    Cursor,
    EdgePlan,
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
    PreparedRead,
    ReadPlan,
    Reference,
    RowList,
    RowsPlan,
    Stored,
    ValueKind,
)
from domain.reports import ReportRequest
from domain.stores import NoFilter as NoStoreFilter
from persistence.keyset import Listing, SortColumns
from persistence.repositories import balance as billing_sql
from persistence.repositories.catalogue import (
    ACTORS,
    CATEGORIES,
    INVENTORY,
    LANGUAGES,
    actor_conditions,
    inventory_conditions,
)
from persistence.repositories.conversations import (
    CONVERSATIONS,
    MESSAGES,
    conversation_order,
    message_order,
    readable_conditions,
)
from persistence.repositories.customers import (
    ADDRESSES,
    CITIES,
    COUNTRIES,
    CUSTOMERS,
    SUBSCRIPTIONS,
    customer_conditions,
    scope_condition,
)
from persistence.repositories.films import FILMS, copies_in_stock, film_conditions, film_sorts
from persistence.repositories.identities import ACCOUNTS
from persistence.repositories.posters import poster_url
from persistence.repositories.rentals import (
    PAYMENTS,
    RENTALS,
    payment_conditions,
    rental_conditions,
)
from persistence.repositories.reports import REPORT_QUERIES
from persistence.repositories.stores import STAFF, STORES

#: The sentinel a cursor holds when it cannot be written exactly (see the module docstring).
FALLBACK_MARK = '"\\u0000"'


@dataclass(frozen=True)
class Entity:
    """A stored entity as the compiler reads it: its listing, how a criteria value becomes
    WHERE conditions, extra sort columns a criteria value brings (films' relevance), and
    attributes whose column has another name."""

    listing: Listing[Any]
    conditions: Callable[[Any], list[ColumnElement[bool]]] = lambda _criteria: []
    extra_sorts: Callable[[Any], Mapping[str, SortColumns]] = lambda _criteria: {}
    columns: Mapping[str, str] = field(default_factory=dict)
    #: customer data: the column holding the row's customer. A row fetched by key (a lookup,
    #: a reference) is read only when the caller's scope covers that customer; a row it does
    #: not cover makes the answer fall back to the executor, which reports the refusal.
    owner: str | None = None
    #: a boolean attribute a row fetched by key must hold to count as existing (an account's
    #: `active`); otherwise it is treated as absent
    present: str | None = None
    #: who may see a row: a plan's `visible_to` value (e.g. `domain.conversations.Readable`)
    #: -> conditions over the row (the repository's own, `readable_conditions`)
    visible: Callable[[Any, FromClause], list[ColumnElement[bool]]] | None = None
    #: the order of a plain list of the entity's rows (`RowList`), the repository's own
    order: Callable[[FromClause], Sequence[Any]] | None = None


#: Every entity the compiler reads, by the plan's entity name (the GraphQL type name).
ENTITIES: dict[str, Entity] = {
    "Film": Entity(FILMS, film_conditions, film_sorts),
    "Actor": Entity(ACTORS, actor_conditions),
    "Category": Entity(CATEGORIES),
    "Language": Entity(LANGUAGES),
    "Inventory": Entity(INVENTORY, inventory_conditions),
    "Store": Entity(STORES),
    "Staff": Entity(STAFF),
    "Address": Entity(ADDRESSES),
    "City": Entity(CITIES),
    "Country": Entity(COUNTRIES),
    "Customer": Entity(
        CUSTOMERS, customer_conditions, columns={"active": "activebool"}, owner="customer_id"
    ),
    "Rental": Entity(RENTALS, rental_conditions, owner="customer_id"),
    "Payment": Entity(PAYMENTS, payment_conditions, owner="customer_id"),
    "StreamingSubscription": Entity(
        SUBSCRIPTIONS, columns={"subscription_id": "id"}, owner="customer_id"
    ),
    "Account": Entity(ACCOUNTS, present="active"),
    "Conversation": Entity(CONVERSATIONS, visible=readable_conditions, order=conversation_order),
    "ConversationMessage": Entity(MESSAGES, order=message_order),
}

#: Report rows (`RowsPlan`): attributes of a row type whose column has another name.
ROW_COLUMNS: dict[str, Mapping[str, str]] = {"TopCustomerRow": {"amount_paid": "amount"}}

#: Computed fields: rule name -> SQL over the entity's row (id column given) and arguments.
COMPUTED: dict[str, Callable[[FromClause, Mapping[str, Any]], ColumnElement[Any]]] = {
    "film.copies_in_stock": lambda row, a: copies_in_stock(row.c.film_id, a.get("store_id")),
    "film.is_in_stock": lambda row, _a: copies_in_stock(row.c.film_id, None) > 0,
    "film.poster_url": lambda row, _a: poster_url(row.c.film_id),
    "customer.balance": lambda row, a: cast(
        billing_sql.balance(row.c.customer_id, a.get("as_of")), Text
    ),
    "rental.due_date": lambda row, _a: _iso_utc(
        billing_sql.due_date(row.c.rental_date, billing_sql.rental_duration_of(row.c.film_id))
    ),
    "rental.is_overdue": lambda row, _a: billing_sql.is_overdue(
        row.c.rental_date,
        row.c.return_date,
        billing_sql.rental_duration_of(row.c.film_id),
        func.now(),
    ),
}


def _text(value: str) -> ColumnElement[str]:
    """A constant string of the compiler's own (keys, formats, type names) as an SQL literal;
    values from the request are always bound parameters."""
    return literal_column("'" + value.replace("'", "''") + "'", Text)


def _base64url(raw: ColumnElement[Any]) -> ColumnElement[str]:
    """base64url of the UTF-8 bytes, unpadded, on one line (as Python's urlsafe_b64encode)."""
    encoded = func.encode(func.convert_to(raw, _text("UTF8")), _text("base64"))
    one_line = func.replace(encoded, literal_column("E'\\n'", Text), _text(""))
    return func.rtrim(func.translate(one_line, _text("+/"), _text("-_")), _text("="))


def _iso_utc(column: ColumnElement[Any]) -> ColumnElement[str]:
    """A timestamptz as `isoformat()` prints the UTC datetime asyncpg returns."""
    utc = func.timezone(_text("UTC"), column)
    micro = case(
        (
            cast(func.date_part(_text("microseconds"), utc), Integer) % 1000000 != 0,
            func.to_char(utc, _text(".US")),
        ),
        else_=_text(""),
    )
    whole = func.to_char(utc, _text('YYYY-MM-DD"T"HH24:MI:SS'))
    return whole.op("||")(micro).op("||")(_text("+00:00"))


def _mark() -> ColumnElement[Any]:
    """The fallback mark as a JSON value (module docstring)."""
    return literal_column(f"'{FALLBACK_MARK}'::json", JSON)


def _float(column: ColumnElement[Any]) -> ColumnElement[Any]:
    """A double as the JSON number Python writes for a float: the same value, and `12.0`
    rather than PostgreSQL's `12` for a whole one (a JSON reader would see an integer)."""
    text = cast(column, Text)
    whole = text.op("~")(_text("^-?[0-9]+$"))
    return cast(case((whole, text.op("||")(_text(".0"))), else_=text), JSON)


#: Statement parts that depend only on their inputs, built once (decision 0165): building a
#: table's alias makes a proxy of each of its columns, and the JSON value of a timestamp is a
#: dozen SQL functions; either cost more than the rest of a small statement. An alias is a name
#: for a FROM element, the same in any statement that names it so; a value expression is
#: immutable. Bounded: names come from a plan's size, which the cost limits bound.
MAX_PARTS = 8192
_SOURCES: dict[tuple[int, str], tuple[Listing[Any], FromClause]] = {}
#: the sources above by id (a statement's own subqueries are not among them)
_REMEMBERED: dict[int, FromClause] = {}
_VALUES: dict[tuple[int, ValueKind, tuple[tuple[str, str], ...]], tuple[Any, Any]] = {}


def _row_source(listing: Listing[Any], name: str) -> FromClause:
    """A listing's rows under `name`: its table's alias, or its join as a derived table."""
    key = (id(listing), name)
    found = _SOURCES.get(key)
    if found is not None and found[0] is listing:
        return found[1]
    table = listing.from_
    if isinstance(table, Table):
        source: FromClause = table.alias(name)
    else:
        source = select(*listing.columns).select_from(table).subquery(name)
    if len(_SOURCES) < MAX_PARTS:
        _SOURCES[key] = (listing, source)
        _REMEMBERED[id(source)] = source
    return source


def _value(column: ColumnElement[Any], kind: ValueKind, names: Sequence[tuple[str, str]]) -> Any:
    """The JSON value of a stored column (`_json_value`), built once per column of a
    remembered source."""
    key = (id(column), kind, tuple(names))
    found = _VALUES.get(key)
    if found is not None and found[0] is column:
        return found[1]
    value = _json_value(column, kind, names)
    if len(_VALUES) < MAX_PARTS:
        _VALUES[key] = (column, value)  # the column kept alive: its id stays its own
    return value


def _json_value(  # noqa: PLR0911 (one return per kind)
    column: ColumnElement[Any], kind: ValueKind, names: Sequence[tuple[str, str]]
) -> Any:
    sql_type = getattr(column, "type", None)
    if kind is ValueKind.DATETIME:
        return case((column.is_(None), null()), else_=_iso_utc(column))
    if kind is ValueKind.DATE:
        return func.to_char(column, _text("YYYY-MM-DD"))
    if kind is ValueKind.DECIMAL:
        return cast(column, Text)
    if kind is ValueKind.FLOAT:
        return case((column.is_(None), null()), else_=_float(column))
    if kind is ValueKind.ENUM:
        return case(*((cast(column, Text) == _text(v), _text(n)) for v, n in names), else_=null())
    if kind is ValueKind.TEXT_LIST:
        return func.to_json(func.coalesce(column, literal_column("'{}'::text[]")))
    if kind is ValueKind.TEXT and isinstance(sql_type, CHAR):
        return func.rtrim(cast(column, Text), literal_column("E' \\t\\n\\r\\x0b\\x0c'", Text))
    if kind is ValueKind.INT and isinstance(sql_type, DOMAIN):
        return cast(column, Integer)
    return column


def _json_object(pairs: Sequence[tuple[str, Any]]) -> ColumnElement[Any]:
    if len(pairs) > 50:  # json_build_object takes at most 100 arguments
        raise NotCompilable("too many keys")
    args: list[Any] = []
    for key, value in pairs:
        args += [_text(key), value]
    return func.json_build_object(*args, type_=JSON)


def _constant(value: str | int | bool | None) -> Any:
    if value is None:
        return null()
    if isinstance(value, bool):
        return true() if value else false()
    if isinstance(value, int):
        return literal_column(str(value), Integer)
    return _text(value)


@dataclass
class _Build:
    """One compilation: subquery names, and the caller's customer scope (the plan's)."""

    scope: Any = None
    counter: int = 0
    lookups: int = 0

    def name(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    def next_lookup(self) -> int:
        """The number of the next root lookup, in the order `_skeleton` finds them."""
        self.lookups += 1
        return self.lookups - 1


_LOOKUP_PREFIX = "lookup_key_"


def _lookup_name(number: int) -> str:
    return f"{_LOOKUP_PREFIX}{number}"


def _skeleton(plan: ReadPlan) -> tuple[ReadPlan, tuple[int, ...], tuple[str | None, ...]]:
    """The plan with every root lookup's key set to 0, the keys in the order the statement
    binds them (decision 0167), and at each of those positions the response key of the root
    `Lookup` it belongs to (None: an item of a `LookupList`). A key is only ever bound, by
    name, so plans with the same skeleton build the same statement but for those values."""
    keys: list[int] = []
    names: list[str | None] = []

    def blank(lookup: Lookup, name: str | None) -> Lookup:
        keys.append(lookup.row_key)
        names.append(name)
        return replace(lookup, row_key=0)

    fields: list[Any] = []
    for item in plan.fields:
        if isinstance(item, Lookup):
            fields.append(blank(item, item.key))
        elif isinstance(item, LookupList):
            items = tuple(None if i is None else blank(i, None) for i in item.items)
            fields.append(replace(item, items=items))
        else:
            fields.append(item)
    return replace(plan, fields=tuple(fields)), tuple(keys), tuple(names)


@dataclass(frozen=True)
class KeyedStatement:
    """`domain.read_plan.KeyedRead` over a skeleton's `KeyTemplate` (decision 0177)."""

    template: KeyTemplate
    names: tuple[str | None, ...]
    keys: tuple[int, ...]

    def bind(self, keys: Mapping[str, int]) -> PreparedRead:
        return self.template.bind(
            [
                fixed if name is None else keys.get(name, fixed)
                for name, fixed in zip(self.names, self.keys, strict=True)
            ]
        )


#: statement shapes kept compiled per compiler
MAX_SHAPES = 512


@dataclass(frozen=True)
class KeyTemplate:
    """A statement bound but for its root lookups' keys: their positions among its values
    (with each position's converter), filled per request (decision 0167)."""

    prepared: PreparedRead
    at: tuple[tuple[int, int, Callable[[Any], Any] | None], ...]

    def bind(self, keys: Sequence[int]) -> PreparedRead:
        values = list(self.prepared.params)
        for position, number, processor in self.at:
            key = keys[number]
            values[position] = key if processor is None else processor(key)
        return PreparedRead(self.prepared.text, tuple(values))


class _Shape:
    """A compiled statement (its values still parameters, even those rendered into the text),
    and its parameters' converters by name."""

    def __init__(self, compiled: Any, dialect: Dialect) -> None:
        self.compiled = compiled
        self.dialect = dialect
        self.processors: dict[str, Callable[[Any], Any] | None] = {}

    def bind(
        self, extracted: Sequence[Any] | None, named: Mapping[str, Any] | None = None
    ) -> PreparedRead:
        """The text and positional values for this statement's values (`extracted`: its
        cache key's parameters; None: the compiled statement's own; `named`: values of named
        parameters instead of those, the lookups' keys). Values rendered into the text (a
        page's LIMIT) and expanding IN lists are rendered here, per call."""
        params = self.compiled.construct_params(params=named, extracted_parameters=extracted)
        expanded = self.compiled.construct_expanded_state(params)
        values = []
        for name in expanded.positiontup or ():
            processor = self.processors.get(name, _UNKNOWN)
            if processor is _UNKNOWN:
                processor = self.processors[name] = self._processor(name)
            value = expanded.parameters[name]
            values.append(value if processor is None else processor(value))
        return PreparedRead(expanded.statement, tuple(values))

    def key_template(self, extracted: Sequence[Any], count: int) -> KeyTemplate:
        """This statement bound with `extracted` and `count` lookup keys (`_lookup_name`) all
        0, and where each key goes: the keys are plain parameters (never rendered into the
        text nor expanded), so any other keys change those positions alone."""
        zeros = {_lookup_name(n): 0 for n in range(count)}
        prepared = self.bind(extracted, zeros)
        params = self.compiled.construct_params(params=zeros, extracted_parameters=extracted)
        names = self.compiled.construct_expanded_state(params).positiontup or ()
        at = tuple(
            (position, int(name.removeprefix(_LOOKUP_PREFIX)), self.processors.get(name))
            for position, name in enumerate(names)
            if name.startswith(_LOOKUP_PREFIX)
        )
        return KeyTemplate(prepared, at)

    def _processor(self, name: str) -> Callable[[Any], Any] | None:
        binds = self.compiled.binds
        # an expanded IN list's parameters are named `<bind>_<n>`
        bind = binds[name if name in binds else name.rsplit("_", 1)[0]]
        processor: Callable[[Any], Any] | None = bind.type.dialect_impl(
            self.dialect
        ).bind_processor(self.dialect)
        return processor


_UNKNOWN: Any = object()


class ReadCompiler:
    """`ReadPlan` -> `PreparedRead` (SQL text in the dialect's `$n` style and its parameters)."""

    def __init__(self, dialect: Dialect, entities: Mapping[str, Entity] | None = None) -> None:
        self.dialect = dialect
        self.entities = dict(entities if entities is not None else ENTITIES)
        #: compiled statements by SQLAlchemy cache key (oldest out first)
        self._shapes: dict[Any, _Shape] = {}
        #: statements by plan skeleton (`_skeleton`), bound but for the lookups' keys
        self._skeletons: dict[ReadPlan, KeyTemplate] = {}
        #: `_one`'s expressions: (source id, plan, scope, counter) -> (expression, names used)
        self._objects: dict[tuple[int, ObjectPlan, Any, int], tuple[ColumnElement[Any], int]] = {}

    def statement(self, plan: ReadPlan) -> Select[Any]:
        if plan.data_null:  # a refused non-null root field: nothing to read
            return select(_text("null").label("data"))
        build = _Build(plan.scope)
        pairs: list[tuple[str, Any]] = []
        for item in plan.fields:
            if isinstance(item, Constant):
                pairs.append((item.key, _constant(item.value)))
            elif isinstance(item, ListPlan):
                pairs.append((item.key, self._connection(build, item, None)))
            elif isinstance(item, Lookup):
                pairs.append((item.key, self._lookup(build, item)))
            elif isinstance(item, RowsPlan):
                pairs.append((item.key, self._rows(build, item)))
            elif isinstance(item, RowList):
                pairs.append((item.key, self._row_list(build, item, None)))
            else:
                values = [
                    null() if lookup is None else self._lookup(build, lookup)
                    for lookup in item.items
                ]
                pairs.append((item.key, func.json_build_array(*values, type_=JSON)))
        return select(cast(_json_object(pairs), Text).label("data"))

    def prepare(self, plan: ReadPlan) -> PreparedRead:
        """The plan's statement, compiled once per shape (decision 0162): plans that differ
        only in the values they bind (another id, cursor, page size, filter value) share the
        SQL text, found by SQLAlchemy's own cache key of the statement; the values come from
        this statement's key, as SQLAlchemy's execution cache takes them; values SQLAlchemy
        renders into the text (`literal_execute`: a page's LIMIT; expanding IN lists) are
        rendered per statement from the same compiled form. A plan whose skeleton was seen
        (the same plan but for its lookups' keys) takes that shape without building its
        statement at all (decision 0167)."""
        skeleton, keys, _ = _skeleton(plan)
        known = self._skeletons.get(skeleton)
        if known is not None:  # the same plan but for the keys it looks rows up by
            return known.bind(keys)
        statement = self.statement(plan)
        key = statement._generate_cache_key()
        if key is None:  # a construct SQLAlchemy cannot key: compiled every time
            return _Shape(statement.compile(dialect=self.dialect), self.dialect).bind(None)
        shape = self._shapes.get(key.key)
        if shape is None:
            shape = _Shape(statement.compile(dialect=self.dialect, cache_key=key), self.dialect)
            if len(self._shapes) >= MAX_SHAPES:
                del self._shapes[next(iter(self._shapes))]
            self._shapes[key.key] = shape
        if len(self._skeletons) >= MAX_SHAPES:
            del self._skeletons[next(iter(self._skeletons))]
        self._skeletons[skeleton] = shape.key_template(key.bindparams, len(keys))
        return shape.bind(key.bindparams)

    def keyed(self, plan: ReadPlan) -> KeyedStatement | None:
        """The plan's statement with its root lookups' keys left open (decision 0177), or
        None where SQLAlchemy cannot key the statement (compiled per request then)."""
        skeleton, keys, names = _skeleton(plan)
        template = self._skeletons.get(skeleton)
        if template is None:
            self.prepare(plan)  # compiles the shape and remembers the skeleton's template
            template = self._skeletons.get(skeleton)
            if template is None:
                return None
        return KeyedStatement(template, names, keys)

    # --- objects ---------------------------------------------------------------------------

    def _entity(self, name: str) -> Entity:
        entity = self.entities.get(name)
        if entity is None:
            raise NotCompilable(f"entity {name}")
        return entity

    def _column(self, entity: Entity, row: FromClause, attribute: str) -> ColumnElement[Any]:
        name = entity.columns.get(attribute, attribute)
        if name not in row.c:
            raise NotCompilable(f"attribute {attribute}")
        column: ColumnElement[Any] = row.c[name]
        return column

    def _object(self, build: _Build, plan: ObjectPlan, row: FromClause) -> ColumnElement[Any]:
        entity = self._entity(plan.entity)
        pairs: list[tuple[str, Any]] = []
        for item in plan.fields:
            if isinstance(item, Stored):
                column = self._column(entity, row, item.attribute)
                pairs.append((item.key, _value(column, item.kind, item.enum_names)))
            elif isinstance(item, Constant):
                pairs.append((item.key, _constant(item.value)))
            elif isinstance(item, GlobalId):
                column = self._column(entity, row, item.attribute)
                raw = _text(item.type_name + ":").op("||")(cast(column, Text))
                pairs.append((item.key, _base64url(raw)))
            elif isinstance(item, Computed):
                rule = COMPUTED.get(item.rule)
                if rule is None:
                    raise NotCompilable(f"rule {item.rule}")
                pairs.append((item.key, rule(row, dict(item.arguments))))
            elif isinstance(item, Reference):
                pairs.append((item.key, self._reference(build, entity, item, row)))
            elif isinstance(item, RowList):
                pairs.append((item.key, self._row_list(build, item, (entity, row))))
            elif isinstance(item, JsonItems):
                column = self._column(entity, row, item.attribute)
                pairs.append((item.key, self._json_items(build, item, column)))
            else:
                pairs.append((item.key, self._connection(build, item, (entity, row))))
        return _json_object(pairs)

    def _row_source(self, build: _Build, entity: Entity, prefix: str) -> FromClause:
        """The entity's rows, to fetch one by key: its table, or its listing's join as a
        derived table (a rental with its copy)."""
        return _row_source(entity.listing, build.name(prefix))

    def _one(
        self, build: _Build, entity: Entity, plan: ObjectPlan, row: FromClause
    ) -> ColumnElement[Any]:
        """`_one_object`, built once per (row source, plan, scope, names used so far): the same
        inputs build the same expression and use the same names, so a later statement takes
        it and moves its name counter on as the first build did (decision 0165)."""
        if _REMEMBERED.get(id(row)) is not row:  # a statement's own subquery: no reuse
            return self._one_object(build, entity, plan, row)
        key = (id(row), plan, build.scope, build.counter)
        found = self._objects.get(key)
        if found is not None:
            build.counter += found[1]
            return found[0]
        start = build.counter
        built = self._one_object(build, entity, plan, row)
        if len(self._objects) < MAX_PARTS:
            self._objects[key] = (built, build.counter - start)
        return built

    def _one_object(
        self, build: _Build, entity: Entity, plan: ObjectPlan, row: FromClause
    ) -> ColumnElement[Any]:
        """The object of one fetched row; for customer data, the fallback mark instead when
        the caller's scope does not cover the row's customer (module docstring)."""
        body = self._object(build, plan, row)
        if entity.owner is None:
            return body
        if build.scope is None:
            raise NotCompilable("customer data for an anonymous caller")
        visible = scope_condition(build.scope, self._column(entity, row, entity.owner))
        if not visible:
            return body
        if plan.denied is None:
            mark = literal_column(f"'{FALLBACK_MARK}'::json", JSON)
        else:  # the plan knows the executor's answer here (decision 0164)
            mark = literal_column(f"'{_denial_mark(plan.denied)}'::json", JSON)
        return case((and_(*visible), body), else_=mark)

    def _reference(
        self, build: _Build, parent: Entity, item: Reference, row: FromClause
    ) -> ColumnElement[Any]:
        target = self._entity(item.target.entity)
        alias = self._row_source(build, target, "r")
        key = alias.c[str(target.listing.id_column.key)]
        found = (
            select(self._one(build, target, item.target, alias))
            .select_from(alias)
            .where(key == self._column(parent, row, item.attribute))
            .correlate(row)
        )
        return found.scalar_subquery()

    def _lookup(self, build: _Build, item: Lookup) -> ColumnElement[Any]:
        target = self._entity(item.target.entity)
        alias = self._row_source(build, target, "l")
        body = self._one(build, target, item.target, alias)
        key = alias.c[str(target.listing.id_column.key)]
        # by name: `prepare` binds another key into the same shape (decision 0167)
        where = [key == bindparam(_lookup_name(build.next_lookup()), item.row_key, key.type)]
        if target.present is not None:
            where.append(self._column(target, alias, target.present).is_(True))
        if item.visible_to is not None:
            if target.visible is None:
                raise NotCompilable(f"visibility of {item.target.entity}")
            visible = target.visible(item.visible_to, alias)
            if visible:  # a row the caller may not see: the executor's error
                body = case((and_(*visible), body), else_=_mark())
        found = select(body).select_from(alias).where(*where).scalar_subquery()
        if not item.required:
            return found
        return func.coalesce(found, _mark())

    def _row_list(
        self, build: _Build, plan: RowList, parent: tuple[Entity, FromClause] | None
    ) -> ColumnElement[Any]:
        """A plain list: a JSON array of the rows' objects in the entity's order, `[]` when
        none; below a parent, the rows its relation links to it."""
        entity = self._entity(plan.entity)
        table = entity.listing.from_
        if entity.order is None or not isinstance(table, Table):
            raise NotCompilable(f"a plain list of {plan.entity}")
        row = _row_source(entity.listing, build.name("t"))
        where: list[ColumnElement[bool]] = []
        if plan.visible_to is not None:
            if entity.visible is None:
                raise NotCompilable(f"visibility of {plan.entity}")
            where += entity.visible(plan.visible_to, row)
        if parent is not None:
            link = entity.listing.links.get(plan.relation)
            if link is None or link.from_ is not table:
                raise NotCompilable(f"relation {plan.relation}")
            parent_entity, parent_row = parent
            parent_key = parent_row.c[str(parent_entity.listing.id_column.key)]
            where.append(row.c[str(link.parent.key)] == parent_key)
        elif plan.relation is not None:
            raise NotCompilable(f"relation {plan.relation} at the root")
        body = self._object(build, plan.target, row)
        aggregated = func.json_agg(aggregate_order_by(body, *entity.order(row)), type_=JSON)
        found = select(func.coalesce(aggregated, literal_column("'[]'::json", JSON)))
        found = found.select_from(row).where(*where)
        if parent is not None:
            found = found.correlate(parent[1])
        return found.scalar_subquery()

    def _json_items(
        self, build: _Build, plan: JsonItems, stored: ColumnElement[Any]
    ) -> ColumnElement[Any]:
        """A union's objects from a JSON array column, as the executor parses them: an item of
        a known kind with exactly its keys becomes that member's object, any other object is
        skipped; an item that is not an object, a value of another JSON type than the field's
        (or a number a double cannot hold), or a column that is not an array gives the
        fallback mark (the executor answers)."""
        is_array = func.jsonb_typeof(stored) == _text("array")
        array = case((is_array, stored), else_=literal_column("'[]'::jsonb"))
        items = (
            func.jsonb_array_elements(array)
            .table_valued("value", with_ordinality="ord")
            .render_derived(name=build.name("j"))
        )
        value = items.c.value
        tag = value.op("->>")(_text(plan.tag))
        whens: list[tuple[Any, Any]] = [(func.jsonb_typeof(value) != _text("object"), _mark())]
        for variant in plan.variants:
            keys = ",".join(
                "'" + k.replace("'", "''") + "'" for k in (plan.tag, *variant.attributes)
            )
            names: ColumnElement[Any] = literal_column(f"ARRAY[{keys}]::text[]")
            exact = and_(
                tag == _text(variant.tag),
                value.op("?&")(names),
                value.op("-")(names) == literal_column("'{}'::jsonb"),
            )
            pairs: list[tuple[str, Any]] = []
            typed: list[ColumnElement[bool]] = []
            for item in variant.fields:
                if isinstance(item, Constant):
                    pairs.append((item.key, _constant(item.value)))
                    continue
                stored_value = value.op("->")(_text(item.attribute))
                text = value.op("->>")(_text(item.attribute))
                if item.kind is ValueKind.TEXT:
                    typed.append(func.jsonb_typeof(stored_value) == _text("string"))
                    pairs.append((item.key, type_coerce(text, Text)))
                elif item.kind is ValueKind.FLOAT:
                    number = cast(stored_value, Numeric)
                    magnitude = func.abs(number)
                    typed.append(
                        case(
                            (
                                func.jsonb_typeof(stored_value) == _text("number"),
                                and_(
                                    magnitude < literal_column("1e300"),
                                    (number == 0) | (magnitude > literal_column("1e-300")),
                                ),
                            ),
                            else_=false(),
                        )
                    )
                    pairs.append((item.key, _float(cast(text, Float))))
                else:
                    raise NotCompilable(f"a JSON value of kind {item.kind}")
            body = _json_object(pairs)
            whens.append((exact, case((and_(*typed), body), else_=_mark()) if typed else body))
        item_json = case(*whens, else_=null())
        aggregated = func.json_agg(aggregate_order_by(item_json, items.c.ord), type_=JSON)
        listed = select(
            func.coalesce(aggregated.filter(item_json.isnot(None)), literal_column("'[]'::json"))
        ).select_from(items)
        return case((is_array, listed.scalar_subquery()), else_=_mark())

    # --- reports ---------------------------------------------------------------------------

    def _rows(self, build: _Build, plan: RowsPlan) -> ColumnElement[Any]:
        """A report's rows as a JSON array, in the report query's order: the repository's own
        query (`ReportQuery`), numbered by its order, aggregated (decision 0156)."""
        if not isinstance(plan.request, ReportRequest):
            raise NotCompilable("report")
        query = REPORT_QUERIES[plan.request.report](plan.request)
        number = func.row_number().over(order_by=list(query.order)).label("_rn")
        rows = query.ordered().add_columns(number).subquery(build.name("q"))
        names = ROW_COLUMNS.get(plan.target.entity, {})
        pairs: list[tuple[str, Any]] = []
        for item in plan.target.fields:
            if isinstance(item, Constant):
                pairs.append((item.key, _constant(item.value)))
            elif isinstance(item, Stored):
                name = names.get(item.attribute, item.attribute)
                if name not in rows.c:
                    raise NotCompilable(f"attribute {item.attribute}")
                pairs.append((item.key, _value(rows.c[name], item.kind, item.enum_names)))
            else:
                raise NotCompilable("a report row field")
        aggregated = func.json_agg(aggregate_order_by(_json_object(pairs), rows.c._rn), type_=JSON)
        listed = func.coalesce(aggregated, literal_column("'[]'::json", JSON))
        return select(listed).select_from(rows).scalar_subquery()

    # --- connections -----------------------------------------------------------------------

    def _connection(  # noqa: PLR0912 (one branch per connection part)
        self, build: _Build, plan: ListPlan, parent: tuple[Entity, FromClause] | None
    ) -> ColumnElement[Any]:
        entity = self._entity(plan.entity)
        listing, request = entity.listing, plan.request
        criteria = None if isinstance(plan.criteria, NoFilter | NoStoreFilter) else plan.criteria
        try:
            keys = listing.sort_columns(request, entity.extra_sorts(criteria) if criteria else {})
        except Exception as exc:
            raise NotCompilable("sort") from exc
        if parent is None:
            from_: FromClause = listing.from_
            where = entity.conditions(criteria) if criteria is not None else []
        else:
            link = listing.links.get(plan.relation)
            if link is None:
                raise NotCompilable(f"relation {plan.relation}")
            parent_entity, parent_row = parent
            parent_key = parent_row.c[str(parent_entity.listing.id_column.key)]
            from_, where = link.from_, [link.parent == parent_key]
        reverse = request.sort.descending != request.backward
        fetch = [k.desc() if reverse else k.asc() for k in keys]
        rows = (
            select(
                *listing.columns,
                *(k.label(f"_k{i}") for i, k in enumerate(keys)),
                func.row_number().over(order_by=fetch).label("_rn"),
            )
            .select_from(from_)
            .where(*where, *_cursor_conditions(keys, request))
            .order_by(*fetch)
            .limit(literal(request.limit + 1, Integer, literal_execute=True))
        )
        if parent is not None:
            rows = rows.correlate(parent[1])
        page = rows.subquery(build.name("p"))
        display_keys = [page.c[f"_k{i}"] for i in range(len(keys))]
        display = [k.desc() if request.sort.descending else k.asc() for k in display_keys]
        kept = page.c._rn <= request.limit
        uses_cursor = any(
            isinstance(f, Cursor) or (isinstance(f, PageFlag) and f.name.endswith("Cursor"))
            for p in plan.parts
            if isinstance(p, EdgePlan | PageInfoPlan)
            for f in p.fields
        )
        # built only when asked: some sorts (relevance, a float) have no exact cursor in SQL
        cursor = _cursor(page, request, len(keys)) if uses_cursor else null()
        parts: list[tuple[str, Any]] = []
        for part in plan.parts:
            if isinstance(part, Constant):
                parts.append((part.key, _constant(part.value)))
            elif isinstance(part, NodeOf):
                node = self._object(build, part.target, page)
                parts.append((part.key, _agg_list(node, display, kept)))
            elif isinstance(part, EdgePlan):
                parts.append(
                    (part.key, _agg_list(self._edge(build, part, page, cursor), display, kept))
                )
            elif isinstance(part, PageInfoPlan):
                parts.append((part.key, _page_info(part, request, cursor, display_keys, kept)))
            else:
                counted = select(func.count()).select_from(_count_from(listing, from_, plan))
                counted = counted.where(*where)
                if parent is not None:
                    counted = counted.correlate(parent[1])
                parts.append((part.key, counted.scalar_subquery()))
        connection = select(_json_object(parts))
        if any(isinstance(p, NodeOf | EdgePlan | PageInfoPlan) for p in plan.parts):
            # aggregated: one row, also when no part aggregates (`pageInfo { hasNextPage }` of
            # a backward page is a constant): HAVING makes the page one group
            connection = connection.select_from(page).having(true())

        if parent is not None:
            connection = connection.correlate(parent[1])
        return connection.scalar_subquery()

    def _edge(
        self, build: _Build, plan: EdgePlan, page: FromClause, cursor: ColumnElement[Any]
    ) -> ColumnElement[Any]:
        pairs: list[tuple[str, Any]] = []
        for item in plan.fields:
            if isinstance(item, Constant):
                pairs.append((item.key, _constant(item.value)))
            elif isinstance(item, Cursor):
                pairs.append((item.key, cursor))
            else:
                pairs.append((item.key, self._object(build, item.target, page)))
        return _json_object(pairs)


def _count_from(listing: Listing[Any], from_: FromClause, plan: ListPlan) -> FromClause:
    """What a nested `totalCount` counts: the link table alone when every one of its rows
    reaches exactly one listed row (a non-null foreign key to the listing's id) — film_actor
    rows of an actor, not film joined to them; otherwise the link's FROM."""
    link = listing.links.get(plan.relation) if plan.relation is not None else None
    if link is None:
        return from_
    table = getattr(link.parent, "table", None)
    if not isinstance(table, Table) or table is listing.from_:
        return from_
    for key in table.foreign_keys:
        if key.column is listing.id_column and not key.parent.nullable:
            return table
    return from_


def _cursor_conditions(keys: SortColumns, request: PageRequest) -> list[ColumnElement[bool]]:
    """`after`/`before` as row comparisons, as the repositories' keyset pages write them."""
    found: list[ColumnElement[bool]] = []
    row = tuple_(*keys)
    descending = request.sort.descending
    if request.after is not None:
        after = tuple_(*(literal(v) for v in request.after))
        found.append(row < after if descending else row > after)
    if request.before is not None:
        before = tuple_(*(literal(v) for v in request.before))
        found.append(row > before if descending else row < before)
    return found


def _agg_list(
    item: ColumnElement[Any], order: Sequence[Any], kept: ColumnElement[bool]
) -> ColumnElement[Any]:
    aggregated = func.json_agg(aggregate_order_by(item, *order), type_=JSON).filter(kept)
    return func.coalesce(aggregated, literal_column("'[]'::json", JSON))


#: how the driver's infinite timestamps come back (asyncpg: the naive `datetime.max`/`min`)
_MAX_ISO, _MIN_ISO = dt.datetime.max.isoformat(), dt.datetime.min.isoformat()


def _cursor_value(column: ColumnElement[Any], value_type: type) -> ColumnElement[str]:
    """One sort value as `encode_cursor` writes it into its compact JSON."""
    if value_type is str:
        return cast(func.to_json(column), Text)
    if value_type is int:
        return cast(column, Text)
    if value_type is Decimal:
        return _text('{"d":"').op("||")(cast(column, Text)).op("||")(_text('"}'))
    if value_type is dt.datetime:
        # a sort key coalesced to `datetime.max` (a rental not returned yet) is PostgreSQL's
        # 'infinity' once asyncpg has sent it, and comes back as the naive `datetime.max`:
        # `encode_cursor` writes that value's isoformat, and so does the statement
        text = case(
            (column == literal_column("'infinity'::timestamptz"), _text(_MAX_ISO)),
            (column == literal_column("'-infinity'::timestamptz"), _text(_MIN_ISO)),
            else_=_iso_utc(column),
        )
        return _text('{"t":"').op("||")(text).op("||")(_text('"}'))
    if value_type is dt.date:
        date = func.to_char(column, _text("YYYY-MM-DD"))
        return _text('{"D":"').op("||")(date).op("||")(_text('"}'))
    raise NotCompilable(f"cursor value {value_type.__name__}")  # floats print differently


def _cursor(page: FromClause, request: PageRequest, arity: int) -> ColumnElement[Any]:
    """The row's keyset cursor as a JSON string, or the fallback mark (module docstring)."""
    types = (*request.sort.value_types, int)
    columns = [page.c[f"_k{i}"] for i in range(arity)]
    values: ColumnElement[Any] = _cursor_value(columns[0], types[0])
    for column, value_type in zip(columns[1:], types[1:], strict=True):
        values = values.op("||")(_text(",")).op("||")(_cursor_value(column, value_type))
    head = '["' + request.sort.token + '",['
    raw = _text(head).op("||")(values).op("||")(_text("]]"))
    texts = [c for c, t in zip(columns, types, strict=True) if t is str]
    if not texts:
        return func.to_json(_base64url(raw), type_=JSON)
    as_text = [cast(c, Text) for c in texts]  # char(n): compare without its padding
    ascii_only = and_(*(func.octet_length(c) == func.char_length(c) for c in as_text))
    return case(
        (ascii_only, func.to_json(_base64url(raw), type_=JSON)),
        else_=literal_column(f"'{FALLBACK_MARK}'::json", JSON),
    )


def _page_info(
    plan: PageInfoPlan,
    request: PageRequest,
    cursor: ColumnElement[Any],
    display_keys: Sequence[ColumnElement[Any]],
    kept: ColumnElement[bool],
) -> ColumnElement[Any]:
    has_more = func.count() > request.limit
    if request.backward:
        has_next: Any = true() if request.before is not None else false()
        has_previous: Any = has_more
    else:
        has_next, has_previous = has_more, true() if request.after is not None else false()
    pairs: list[tuple[str, Any]] = []
    for item in plan.fields:
        if isinstance(item, Constant):
            pairs.append((item.key, _constant(item.value)))
        elif item.name == "hasNextPage":
            pairs.append((item.key, has_next))
        elif item.name == "hasPreviousPage":
            pairs.append((item.key, has_previous))
        else:
            descending = request.sort.descending != (item.name == "endCursor")
            order = [k.desc() if descending else k.asc() for k in display_keys]
            cursors = func.array_agg(aggregate_order_by(cursor, *order)).filter(kept)
            pairs.append((item.key, type_coerce(cursors, ARRAY(JSON))[1]))
    return _json_object(pairs)


def needs_fallback(data: str) -> bool:
    """Whether a cursor of this answer could not be written exactly (module docstring)."""
    return FALLBACK_MARK in data


#: A denial's mark: the JSON string of NUL and the denial's index. Text PostgreSQL returns
#: cannot hold NUL, so no stored value reads like one; nor like `FALLBACK_MARK`.
_DENIAL = re.compile(r'"\\u0000(\d+)"')


def _denial_mark(index: int) -> str:
    return f'"\\u0000{int(index)}"'


def denials(data: str) -> tuple[str, tuple[int, ...]]:
    """The answer with each denial mark (`ObjectPlan.denied`: a row of customer data the
    caller may not see) replaced by null, and the marks' indexes in the order they appear."""
    if '"\\u0000' not in data:
        return data, ()
    found = tuple(int(match.group(1)) for match in _DENIAL.finditer(data))
    return (_DENIAL.sub("null", data), found) if found else (data, ())
