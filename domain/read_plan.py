"""A read plan: what one query document reads, as plain data (decision 0013).

`graph/planning.py` builds it from a validated selection set; `persistence/read_sql.py` turns any
plan into ONE statement returning the response's `data` JSON. The plan names entities (the
GraphQL type names of stored rows), their stored attributes, the relations the domain already
names (`FilmsOf.ACTOR`, ...), the filters as the domain's criteria values and the pages as
`PageRequest`s — the very values the executor hands its repositories, so both paths read the
same rows. Nothing here is SQL.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Protocol

from domain.pagination import PageRequest


class ValueKind(Enum):
    """How a stored value is written into the response (as the executor's serializers do)."""

    INT = "int"
    TEXT = "text"
    BOOL = "bool"
    DECIMAL = "decimal"  # a JSON string: str(Decimal)
    FLOAT = "float"  # a JSON number as Python prints a float (`12.0`, not `12`)
    DATETIME = "datetime"  # a JSON string: datetime.isoformat() of the UTC value
    DATE = "date"
    ENUM = "enum"  # stored value -> GraphQL enum name
    TEXT_LIST = "text_list"  # null stored -> []


@dataclass(frozen=True, slots=True)
class Stored:
    """A stored attribute (a column of the entity's table)."""

    key: str
    attribute: str
    kind: ValueKind
    enum_names: tuple[tuple[str, str], ...] = ()  # (stored value, GraphQL name)


@dataclass(frozen=True, slots=True)
class Constant:
    """`__typename` and other values known while planning."""

    key: str
    value: str | int | bool | None


@dataclass(frozen=True, slots=True)
class GlobalId:
    """Relay's `id`: base64url("Type:key"), unpadded."""

    key: str
    type_name: str
    attribute: str


@dataclass(frozen=True, slots=True)
class Computed:
    """A value derived by a domain rule that SQL states too (e.g. copies in stock)."""

    key: str
    rule: str
    arguments: tuple[tuple[str, Hashable], ...] = ()


@dataclass(frozen=True, slots=True)
class ObjectPlan:
    """One object of an entity: its fields in response order."""

    entity: str
    fields: tuple[FieldPlan, ...]
    #: customer data the caller may not see at this position: None, the statement hands the
    #: request to the executor (whose error that is); an index into the plan's `denials` (the
    #: executor's null and error for this position, known before any SQL; decision 0164)
    denied: int | None = None


@dataclass(frozen=True, slots=True)
class Reference:
    """A to-one relation: the parent's `attribute` holds the key of an `entity` row (null when
    the attribute is null)."""

    key: str
    attribute: str
    target: ObjectPlan


@dataclass(frozen=True, slots=True)
class Cursor:
    key: str


@dataclass(frozen=True, slots=True)
class EdgePlan:
    key: str
    fields: tuple[Constant | Cursor | NodeOf, ...]


@dataclass(frozen=True, slots=True)
class NodeOf:
    """`edge.node` or a connection's `nodes` item."""

    key: str
    target: ObjectPlan


@dataclass(frozen=True, slots=True)
class PageInfoPlan:
    key: str
    fields: tuple[Constant | PageFlag, ...]


@dataclass(frozen=True, slots=True)
class PageFlag:
    """`hasNextPage`, `hasPreviousPage`, `startCursor` or `endCursor`."""

    key: str
    name: str


@dataclass(frozen=True, slots=True)
class TotalCount:
    key: str


ConnectionPart = Constant | NodeOf | EdgePlan | PageInfoPlan | TotalCount


@dataclass(frozen=True, slots=True)
class ListPlan:
    """A connection: the rows of `entity` matching `criteria` (a domain filter value), reached
    from the parent through `relation` (None at the root), paged by `request`."""

    key: str
    entity: str
    relation: Hashable | None
    criteria: Hashable | None
    request: PageRequest
    parts: tuple[ConnectionPart, ...]


@dataclass(frozen=True, slots=True)
class Lookup:
    """One row by key (`film(filmId:)`, `node(id:)`): null when none."""

    key: str
    row_key: int
    target: ObjectPlan
    #: no such row (or one the entity counts as gone) is the executor's error, not a null:
    #: the statement hands the request to the executor then (`me` of a deleted account)
    required: bool = False
    #: who may see the row (a domain value the entity turns into conditions, e.g. whose
    #: conversations): a row it does not cover hands the request to the executor, whose
    #: error that is; None: no such rule
    visible_to: Hashable | None = None


@dataclass(frozen=True, slots=True)
class RowList:
    """A plain list (`[T!]!`, not a connection): every row of `entity` reached from the parent
    through `relation` (None at the root), at the root those `visible_to` covers (as in
    `Lookup`), in the entity's own order."""

    key: str
    entity: str
    relation: Hashable | None
    visible_to: Hashable | None
    target: ObjectPlan


@dataclass(frozen=True, slots=True)
class Variant:
    """One member of a union stored as JSON objects: the items whose `JsonItems.tag` key holds
    `tag` and whose keys are exactly the tag and `attributes` (any other item is skipped, as
    the executor's parser skips it). `fields`: `Stored` (a JSON key) and `Constant` values, in
    response order."""

    tag: str
    attributes: tuple[str, ...]
    fields: tuple[Stored | Constant, ...]


@dataclass(frozen=True, slots=True)
class JsonItems:
    """A list of a union's objects stored as a JSON array in the row's `attribute` (an agent
    answer's steps). An item the executor would not parse the same way (not an object, a value
    of another JSON type) hands the request to the executor."""

    key: str
    attribute: str
    tag: str
    variants: tuple[Variant, ...]


@dataclass(frozen=True, slots=True)
class LookupList:
    """`nodes(ids:)`: one lookup per id, in the order given."""

    key: str
    items: tuple[Lookup | None, ...]  # None: an id of no object at all (null)


@dataclass(frozen=True, slots=True)
class RowsPlan:
    """A report: the rows of a query the domain names — `request` is its checked value (e.g.
    `domain.reports.ReportRequest`: the report, its inputs, the stores the caller may see), the
    very value the executor's service hands its repository — in the query's own order, each
    row an object of `target.entity` (the row type) of stored attributes. Decision 0156."""

    key: str
    request: Hashable
    target: ObjectPlan


FieldPlan = Stored | Constant | GlobalId | Computed | Reference | ListPlan | RowList | JsonItems


@dataclass(frozen=True, slots=True)
class ReadPlan:
    """A whole query operation: the root fields in response order.

    `scope` is the caller's customer scope (`domain.customers.reads.CustomerScope`, the value
    the services narrow lists with), None for an anonymous caller: customer data (rows with an
    owner) is read only within it. `data_null`: a refused non-null root field nulls the whole
    `data` (GraphQL's null propagation); then nothing is read."""

    fields: tuple[Constant | ListPlan | Lookup | LookupList | RowsPlan | RowList, ...]
    scope: Hashable | None = None
    data_null: bool = False

    @property
    def lag_tolerant(self) -> bool | None:
        """Whether what it reads tolerates a read replica's lag, as the executor reads it
        (decision 0156): True for reports only, False for nothing of the reports, None for
        both (the executor would read each from its own database)."""
        reads = [f for f in self.fields if not isinstance(f, Constant)]
        reports = sum(isinstance(f, RowsPlan) for f in reads)
        if reports == 0:
            return False
        return True if reports == len(reads) else None


class NotCompilable(Exception):
    """The document (or this request's arguments) is served by the executor instead."""


@dataclass(frozen=True, slots=True)
class PreparedRead:
    """A compiled plan: statement text (`$n` parameters) returning one row, one column (the
    `data` JSON text), and its parameters."""

    text: str
    params: tuple[object, ...]


class KeyedRead(Protocol):
    """A plan's statement with its root lookups' keys left open (decision 0177): bound per
    request by the lookups' response keys (`Lookup.key`); a lookup not named keeps the plan's
    key."""

    def bind(self, keys: Mapping[str, int]) -> PreparedRead: ...
