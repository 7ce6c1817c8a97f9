"""A staff member's scope (their store's customers) is checked row by row, never by reading
every customer of the store: the compiled statements of single-customer documents read at
most one `customer` row per probe (EXPLAIN ANALYZE, row counts only, no timing). Before, the
scope was `customer_id IN (the store's customers)`, which PostgreSQL hashes whole inside the
CASE that decides what a caller sees: the cost grew with the data set (decision 0162's note,
persistence/repositories/customers.py `scope_condition`)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import asyncpg
import pytest
from sqlalchemy.dialects import postgresql

from config.settings import Settings
from domain.auth import Principal, Role
from graph.compiled import Compiler
from graph.schema import build_schema
from persistence.read_sql import ENTITIES, ReadCompiler

STAFF = Principal(user_id=90, role=Role.STAFF, staff_id=1, store_id=1)
DOCUMENTS = [
    "{ customer(customerId: 1) { firstName rentals(first: 5) { nodes { rentalId } } } }",
    "{ customer(customerId: 2) { email payments(first: 3) { nodes { amount } } balance } }",
    "{ rental(rentalId: 76) { rentalDate customer { firstName } } }",
]


@pytest.fixture(scope="module")
async def pg(pagila_url: str) -> AsyncIterator[asyncpg.Connection]:
    connection = await asyncpg.connect(pagila_url)
    yield connection
    await connection.close()


def scans(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield node
    for child in node.get("Plans", ()):
        yield from scans(child)


@pytest.mark.parametrize("document", DOCUMENTS)
async def test_a_staff_scope_probes_one_customer(pg: asyncpg.Connection, document: str) -> None:
    settings = Settings()
    dialect = postgresql.asyncpg.dialect()  # type: ignore[attr-defined]
    compiler = Compiler(
        build_schema(settings), settings, ReadCompiler(dialect).prepare, ENTITIES.keys()
    )
    statement = compiler.compile(document, None, None, STAFF)
    assert statement is not None, document
    raw = await pg.fetchval(
        "EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON) " + statement.sql, *statement.params
    )
    plan = json.loads(raw)[0]["Plan"]
    customer_scans = [n for n in scans(plan) if n.get("Relation Name") == "customer"]
    assert customer_scans, "the scope is checked against the customer table"
    for node in customer_scans:
        assert node["Actual Rows"] <= 1, (document, node["Node Type"], node["Actual Rows"])
