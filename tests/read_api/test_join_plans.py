"""Query plans (EXPLAIN, no timing): every per-parent list reaches its rows through an index on
its join key, on both read paths (issue 12 item 4, migration 0012, decision 0140).

The plans are read with `enable_seqscan = off`, so that the answer does not depend on how small
the test data is: a sequential scan that remains then means that no index can serve the
condition at all. A scan of a joined table must also carry the join key in its index condition,
not in a filter over an index walked in another order (the plan that once took a nested
`payments { totalCount }` past the statement timeout: every payment partition walked by primary
key, filtering on `rental_id`).

The per-parent lists are taken from the repositories' metadata (every `Listing` link), not
listed by hand: a list added later is checked without editing this file.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, get_type_hints

import asyncpg
import httpx
import pytest
from sqlalchemy import event

from config.settings import Settings
from domain.pagination import PageRequest, SortDirection, SortKey
from pagila_graph.app import create_app
from persistence.db import Database
from persistence.keyset import ListingRepository
from persistence.unit_of_work import SqlAlchemyUnitOfWork
from tests.read_api.conftest import ADMIN, Api, HeaderAuthenticator, customer, staff

Statement = tuple[str, Sequence[Any]]
INDEX_SCANS = {"Index Scan", "Index Only Scan", "Bitmap Heap Scan"}


@contextmanager
def recorded(database: Database) -> Iterator[list[Statement]]:
    """Every statement the engine sends (text and parameters) while the block runs."""
    statements: list[Statement] = []

    def on_execute(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        statements.append((statement, tuple(parameters or ())))

    event.listen(database.engine.sync_engine, "before_cursor_execute", on_execute)
    try:
        yield statements
    finally:
        event.remove(database.engine.sync_engine, "before_cursor_execute", on_execute)


@pytest.fixture(scope="module")
async def planner(pagila_url: str) -> AsyncIterator[asyncpg.Connection]:
    """A connection that plans without sequential scans (see the module's docstring)."""
    conn = await asyncpg.connect(pagila_url)
    # statistics and visibility as the loader leaves them (it ends with VACUUM ANALYZE),
    # whatever the tests before this module wrote: the plans must not depend on test order
    await conn.execute("VACUUM ANALYZE")
    await conn.execute("SET enable_seqscan = off")
    try:
        yield conn
    finally:
        await conn.close()


@pytest.fixture(scope="module")
async def partitions(planner: asyncpg.Connection) -> dict[str, str]:
    """Partition → its partitioned table (`payment_p2022_03` → `payment`)."""
    rows = await planner.fetch(
        "SELECT c.relname AS child, p.relname AS parent FROM pg_inherits i "
        "JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent"
    )
    return {r["child"]: r["parent"] for r in rows}


@pytest.fixture(scope="module")
async def leading(planner: asyncpg.Connection) -> dict[str, str]:
    """Index name → its first column (expression indexes left out)."""
    rows = await planner.fetch(
        "SELECT i.relname AS index, a.attname AS column FROM pg_index x "
        "JOIN pg_class i ON i.oid = x.indexrelid "
        "JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = x.indkey[0]"
    )
    return {r["index"]: r["column"] for r in rows}


async def plan_of(planner: asyncpg.Connection, statement: Statement) -> dict[str, Any]:
    sql, parameters = statement
    raw = await planner.fetchval(f"EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON) {sql}", *parameters)
    plan: dict[str, Any] = json.loads(raw)[0]["Plan"]
    return plan


def scans(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every node of the plan that reads a table."""
    if "Relation Name" in plan:
        yield plan
    for child in plan.get("Plans", []):
        yield from scans(child)


def index_lookups(node: dict[str, Any]) -> list[tuple[str, str]]:
    """(index name, index condition) of a scan: its own, or its bitmap index scans'."""
    if node["Node Type"] == "Bitmap Heap Scan":
        found = []
        for child in node.get("Plans", []):
            found += (
                index_lookups(child)
                if child["Node Type"] != "Bitmap Index Scan"
                else [(child["Index Name"], str(child.get("Index Cond", "")))]
            )
        return found
    if node["Node Type"] in ("BitmapOr", "BitmapAnd"):
        return [(c["Index Name"], str(c.get("Index Cond", ""))) for c in node.get("Plans", [])]
    return [(node["Index Name"], str(node.get("Index Cond", "")))]


def mentions(condition: str, column: str) -> bool:
    return re.search(rf"\b{re.escape(column)}\b", condition) is not None


def reads_by_key(node: dict[str, Any], column: str, leading: dict[str, str]) -> bool:
    """The scan finds its rows by the join key: through an index that starts with the key,
    with the key in the index condition; or the index it walks (another order) passes most
    rows it reads (a key shared by most rows, such as one of two stores; an empty partition);
    or PostgreSQL 18 skips through an index whose earlier column has few values.
    Walking an index and dropping most of what it reads (thousands of rows per parent), or
    reading a whole index for a key that is not its first column, is what this rules out."""
    if node["Node Type"] not in INDEX_SCANS:
        return False
    lookups = index_lookups(node)
    if lookups and all(leading.get(i) == column and mentions(c, column) for i, c in lookups):
        return True
    if any(mentions(c, column) for _, c in lookups):
        # the key as a later column of an index: before PostgreSQL 18 the whole index is
        # read; 18's skip scan descends once per leading value instead (its "Index Searches",
        # more than one), reading a few pages each, not the index (the embedded server is 18)
        searches = node.get("Index Searches", 1)
        blocks = node.get("Shared Hit Blocks", 0) + node.get("Shared Read Blocks", 0)
        return bool(searches > 1 and blocks <= 3 * searches + node["Actual Rows"])
    kept, removed = node["Actual Rows"], node.get("Rows Removed by Filter", 0)
    return bool(removed <= 4 * (kept + 1))


def listing_repositories() -> dict[str, type[ListingRepository[Any, Any]]]:
    """The unit of work's repositories that page lists, by property name."""
    found = {}
    for name, member in vars(SqlAlchemyUnitOfWork).items():
        if isinstance(member, property) and member.fget is not None:
            kind = get_type_hints(member.fget).get("return")
            if isinstance(kind, type) and issubclass(kind, ListingRepository):
                found[name] = kind
    return found


#: (repository property, relation, sort name) for every per-parent list and every order it has
CASES = [
    (name, relation, sort)
    for name, kind in listing_repositories().items()
    for relation in kind.listing.links
    for sort in kind.listing.sorts
]


def test_the_per_parent_lists_are_found() -> None:
    # a refactoring that hides the repositories from the generation above fails here
    relations = {(name, str(relation)) for name, relation, _ in CASES}
    assert {("payments", "RENTAL"), ("rentals", "CUSTOMER"), ("inventory", "FILM")} <= relations
    assert len(relations) >= 10, relations


@pytest.mark.parametrize(("repository", "relation", "sort"), CASES, ids=str)
async def test_a_per_parent_page_and_its_count_read_the_join_key_through_an_index(
    *,
    database: Database,
    planner: asyncpg.Connection,
    partitions: dict[str, str],
    leading: dict[str, str],
    repository: str,
    relation: Any,
    sort: str,
) -> None:
    async with SqlAlchemyUnitOfWork(database, read_only=True) as uow:
        lists: ListingRepository[Any, Any] = getattr(uow, repository)
        link = lists.listing.links[relation]
        table, column = link.parent.table.name, str(link.parent.key)  # type: ignore[attr-defined]
        parents = await planner.fetch(
            f"SELECT DISTINCT {column} FROM {table} ORDER BY 1 LIMIT 20"  # names from metadata
        )
        # ids that exist where the table has rows (an empty one is planned all the same)
        parent_ids = [r[0] for r in parents] or list(range(1, 21))
        request = PageRequest(SortKey(sort, SortDirection.DESC, ()), limit=5)
        with recorded(database) as statements:
            await lists.page_for(relation, parent_ids, request)
            await lists.count_for(relation, parent_ids)
    assert len(statements) == 2, statements
    for statement in statements:
        plan = await plan_of(planner, statement)
        reads = [
            n
            for n in scans(plan)
            if partitions.get(n["Relation Name"], n["Relation Name"]) == table
        ]
        assert reads, plan
        wrong = [
            (node["Relation Name"], node["Node Type"], node.get("Index Name"), node.get("Filter"))
            for node in reads
            if not reads_by_key(node, column, leading)
        ]
        assert not wrong, wrong


# The nested documents (payments under rentals under customers; a customer's page; the
# inventory under films and stores; counts under categories and actors), on both read paths.
NESTED = {
    "customer-rentals-payments": """{ customers(first: 100) { nodes { rentals(first: 100) {
        nodes { payments(first: 5) { totalCount } } } } } }""",
    "customer-page": """{ customer(customerId: 7) {
        rentals(first: 10) { totalCount nodes { inventory { film { title } } payments {
          totalCount nodes { amount } } } }
        payments(first: 10) { totalCount nodes {
          rental { rentalDate } } } } }""",
    "film-inventory": """{ films(first: 50) { nodes { inventory(first: 5) { totalCount
        nodes { inventoryId store { storeId } } } } } }""",
    "store-inventory": """{ stores { nodes { inventory(first: 50) { totalCount
        nodes { film { title } } } staff { totalCount } } } }""",
    "category-actor-counts": """{ categories { nodes { films(first: 3) { totalCount } } }
        actors(first: 20) { nodes { films(first: 3) { totalCount nodes { title } } } } }""",
    # root lists under a caller's scope: a customer's own, a store's staff's
    "own-rentals-payments": """{ rentals(first: 20) { totalCount nodes { payments {
        totalCount } } } payments(first: 20) { totalCount nodes { amount } } }""",
    "store-customers-payments": """{ customers(first: 20) { totalCount nodes { rentals(first: 3) {
        totalCount } } } payments(first: 20) { totalCount nodes { amount } } }""",
}
#: who asks each document (default: an admin)
CALLERS = {"own-rentals-payments": customer(7), "store-customers-payments": staff(1)}


@pytest.fixture(scope="module")
async def large_tables(planner: asyncpg.Connection, partitions: dict[str, str]) -> set[str]:
    """Tables (partitioned ones with their partitions summed) holding over 1,000 rows here."""
    rows = await planner.fetch(
        "SELECT relname, reltuples FROM pg_class WHERE relkind IN ('r', 'p') "
        "AND relnamespace = 'public'::regnamespace"
    )
    sizes: dict[str, float] = {}
    for r in rows:
        table = partitions.get(r["relname"], r["relname"])
        sizes[table] = sizes.get(table, 0) + max(r["reltuples"], 0)
    return {t for t, n in sizes.items() if n > 1000}


@pytest.fixture(scope="module", params=[False, True], ids=["executor", "compiled"])
async def api_on_path(
    request: pytest.FixtureRequest, settings: Settings, database: Database
) -> AsyncIterator[Api]:
    on_path = settings.model_copy(update={"compiled_reads": request.param})
    app = create_app(on_path, database, authenticator=HeaderAuthenticator())
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield Api(http)


@pytest.mark.parametrize("name", list(NESTED))
async def test_nested_lists_read_large_tables_through_their_keys(
    *,
    api_on_path: Api,
    database: Database,
    planner: asyncpg.Connection,
    partitions: dict[str, str],
    large_tables: set[str],
    name: str,
) -> None:
    """Every statement a nested document sends (whichever path answers it): no sequential
    scan of a large table, and no index walked while a filter drops most of what it reads."""
    assert {"rental", "payment", "inventory"} <= large_tables
    with recorded(database) as statements:
        data = await api_on_path.data(NESTED[name], as_=CALLERS.get(name, ADMIN))
    assert data and statements
    for statement in statements:
        plan = await plan_of(planner, statement)
        wrong = [
            (node["Relation Name"], node["Node Type"], node.get("Index Name"), node.get("Filter"))
            for node in scans(plan)
            if partitions.get(node["Relation Name"], node["Relation Name"]) in large_tables
            and (
                node["Node Type"] not in INDEX_SCANS
                or node.get("Rows Removed by Filter", 0) > 4 * (node["Actual Rows"] + 1)
            )
        ]
        assert not wrong, (wrong, statement[0])
