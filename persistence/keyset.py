"""Keyset pagination in SQL, for root lists and for per-parent lists batched over many parents.

* Root list: `WHERE (k1, k2, id) > (:k1, :k2, :id) ORDER BY k1, k2, id LIMIT n + 1` — a row
  comparison PostgreSQL can seek with an index; the extra row says whether more follow.
* Per-parent list (film.actors(first: 5) for 100 films): ONE statement,
  `FROM unnest(:parent_ids) p CROSS JOIN LATERAL (<the root-list query for p> LIMIT n + 1)`.
  Each parent gets its own keyset page; a deep page costs what the first costs.

All columns of a sort key share its direction, so one row comparison expresses "after the
cursor". Nullable columns must be given to the sort key wrapped in `coalesce`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    FromClause,
    Integer,
    Row,
    Select,
    any_,
    bindparam,
    func,
    literal,
    select,
    true,
    tuple_,
)
from sqlalchemy.dialects.postgresql import ARRAY

from domain.errors import InvalidInput
from domain.pagination import CursorValue, PageRequest, Slice
from persistence.repositories.base import Prepared, Repository

E = TypeVar("E")
R = TypeVar("R")

SortColumns = Sequence[ColumnElement[Any]]


def int_array(name: str, values: Sequence[int]) -> ColumnElement[Any]:
    """One `$n::INTEGER[]` parameter: the statement text stays the same for any number of ids
    (asyncpg's prepared-statement cache hits, unlike an expanding IN list)."""
    return bindparam(name, list(values), type_=ARRAY(Integer))


def any_of(column: ColumnElement[int], values: Sequence[int], name: str = "ids") -> Any:
    return column == any_(int_array(name, values))


def _cursor_values(values: Sequence[Any]) -> ColumnElement[Any]:
    """A cursor's values as bound parameters; integers as `bigint`, so that a value beyond a
    `smallint`/`integer` column's range compares (and finds nothing) instead of failing to bind."""
    return tuple_(
        *(
            literal(v, BigInteger) if isinstance(v, int) and not isinstance(v, bool) else literal(v)
            for v in values
        )
    )


def _keyed(statement: Select[Any], keys: SortColumns, request: PageRequest) -> Select[Any]:
    """Add the cursor conditions, the order (reversed for `last`), LIMIT n + 1 and the key
    values as `_k0.._kn` output columns."""
    descending = request.sort.descending
    row = tuple_(*keys)
    if request.after is not None:
        after = _cursor_values(request.after)
        statement = statement.where(row < after if descending else row > after)
    if request.before is not None:
        before = _cursor_values(request.before)
        statement = statement.where(row > before if descending else row < before)
    reverse = descending != request.backward
    return (
        statement.add_columns(*(k.label(f"_k{i}") for i, k in enumerate(keys)))
        .order_by(*(k.desc() if reverse else k.asc() for k in keys))
        .limit(request.limit + 1)
    )


def _slice(
    rows: Sequence[Row[Any]], arity: int, convert: Callable[[Row[Any]], E], request: PageRequest
) -> Slice[E]:
    has_more = len(rows) > request.limit
    kept = list(rows[: request.limit])
    if request.backward:
        kept.reverse()
    keys: list[tuple[CursorValue, ...]] = [tuple(r[-arity:]) for r in kept]
    return Slice([convert(r) for r in kept], keys, has_more)


@dataclass(frozen=True)
class Link:
    """How a child list hangs off its parent: the FROM clause reaching the child rows (a join
    table when many-to-many) and the column holding the parent's id."""

    from_: FromClause
    parent: ColumnElement[int]


@dataclass(frozen=True)
class Listing(Generic[E]):
    """A table as a pageable list of domain entities."""

    from_: FromClause
    columns: SortColumns
    id_column: ColumnElement[int]
    to_entity: Callable[[Row[Any]], E]
    sorts: Mapping[str, SortColumns] = field(default_factory=dict)
    links: Mapping[Any, Link] = field(default_factory=dict)

    def sort_columns(self, request: PageRequest, extra: Mapping[str, SortColumns]) -> SortColumns:
        columns = extra.get(request.sort.name, self.sorts.get(request.sort.name))
        if columns is None:
            raise InvalidInput(f"This list cannot be ordered by {request.sort.name}.")
        return [*columns, self.id_column]


#: each listing's rows by id, compiled once (decision 0171); None: a listing whose columns
#: SQLAlchemy must convert (enums, arrays), read through SQLAlchemy
_BY_IDS: dict[int, tuple[Listing[Any], Prepared | None]] = {}


def _by_ids(listing: Listing[Any]) -> Prepared | None:
    found = _BY_IDS.get(id(listing))
    if found is None or found[0] is not listing:
        statement = select(*listing.columns).select_from(listing.from_)
        try:
            prepared: Prepared | None = Prepared(
                statement.where(listing.id_column == any_(bindparam("ids", type_=ARRAY(Integer))))
            )
        except TypeError:
            prepared = None
        found = (listing, prepared)
        _BY_IDS[id(listing)] = found  # listings are module constants: a handful
    return found[1]


class ListingRepository(Repository, Generic[E, R]):
    """`get_many`, `page`, `count`, `page_for`/`count_for` (per-parent lists) over a Listing."""

    listing: Listing[E]

    def conditions(self, filter: Any) -> list[ColumnElement[bool]]:
        """The WHERE conditions of a filter value (lists without filters keep this default)."""
        return []

    async def page(self, filter: Any, request: PageRequest) -> Slice[E]:
        return await self._page(self.conditions(filter), request)

    async def count(self, filter: Any) -> int:
        return await self._count(self.conditions(filter))

    async def get_many(self, ids: Sequence[int]) -> Mapping[int, E]:
        if not ids:
            return {}
        table = self.listing
        prepared = _by_ids(table)
        if prepared is None:
            statement = select(*table.columns).select_from(table.from_)
            rows = await self._run.all(statement.where(any_of(table.id_column, ids)))
        else:
            rows = await self._run.prepared(prepared, ids=list(ids))
        key = str(table.id_column.key)
        return {getattr(row, key): table.to_entity(row) for row in rows}

    async def _page(
        self,
        where: Sequence[ColumnElement[bool]],
        request: PageRequest,
        extra_sorts: Mapping[str, SortColumns] | None = None,
    ) -> Slice[E]:
        table = self.listing
        keys = table.sort_columns(request, extra_sorts or {})
        statement = select(*table.columns).select_from(table.from_).where(*where)
        rows = await self._run.all(_keyed(statement, keys, request))
        return _slice(rows, len(keys), table.to_entity, request)

    async def _count(self, where: Sequence[ColumnElement[bool]]) -> int:
        statement = select(func.count()).select_from(self.listing.from_).where(*where)
        return int(await self._run.scalar(statement))

    async def page_for(
        self, relation: R, parent_ids: Sequence[int], request: PageRequest
    ) -> Mapping[int, Slice[E]]:
        """One keyset page per parent, all parents in one statement (LATERAL)."""
        if not parent_ids:
            return {}
        table, link = self.listing, self.listing.links[relation]
        keys = table.sort_columns(request, {})
        parents = func.unnest(int_array("parent_ids", parent_ids)).table_valued("parent_id")
        parents = parents.render_derived("p")
        inner = (
            select(*table.columns).select_from(link.from_).where(link.parent == parents.c.parent_id)
        )
        page = _keyed(inner, keys, request).lateral("page")
        # SQL promises no order across a join, so restate the page order (a sort of at most
        # parents x (n + 1) rows); grouping by parent below keeps it within each parent
        reverse = request.sort.descending != request.backward
        order = [page.c[f"_k{i}"] for i in range(len(keys))]
        statement = (
            select(parents.c.parent_id, page)
            .select_from(parents.join(page, true()))
            .order_by(*(k.desc() if reverse else k.asc() for k in order))
        )
        rows = await self._run.all(statement)
        grouped: dict[int, list[Row[Any]]] = {p: [] for p in parent_ids}
        for row in rows:
            grouped[row.parent_id].append(row)
        return {p: _slice(rs, len(keys), table.to_entity, request) for p, rs in grouped.items()}

    async def count_for(self, relation: R, parent_ids: Sequence[int]) -> Mapping[int, int]:
        link = self.listing.links[relation]
        statement = (
            select(link.parent.label("parent_id"), func.count().label("n"))
            .select_from(link.from_)
            .where(any_of(link.parent, parent_ids))
            .group_by(link.parent)
        )
        rows = await self._run.all(statement)
        counts: dict[int, int] = {row.parent_id: int(row.n) for row in rows}
        return {p: counts.get(p, 0) for p in parent_ids}
