"""The reports on the compiled read path (decision 0156): every argument of `salesByStore`,
`salesByFilmCategory` and `topCustomers`, valid and refused, asked by every kind of caller, must
give the executor's answer (data, and errors with message, path, locations and code); a caller
who may read the report gets it from ONE statement, and a refused one gets the executor's null
and error from a statement that reads no table (the refusal is decided before any SQL).

Pagila's own views and independent SQL check the figures themselves (tests/reports)."""

from __future__ import annotations

import itertools
import json
from typing import Any

import httpx
from sqlalchemy import event

from persistence.db import Database, StatementCounter
from tests.read_api.conftest import ADMIN, HEADER, customer, staff

CALLERS: list[dict[str, object] | None] = [
    None,
    customer(1),
    staff(1),
    staff(1, "manager"),
    staff(2, "manager"),
    ADMIN,
]

STORE_ROW = (
    "__typename storeId city country storeName managerStaffId managerName totalSales paymentCount"
)
CATEGORY_ROW = "__typename categoryId category totalSales paymentCount"
CUSTOMER_ROW = "__typename customerId storeId firstName lastName email purchases amountPaid"

PERIODS: list[dict[str, Any] | None] = [
    None,
    {},
    {"start": "2022-03-01T00:00:00+00:00", "end": "2022-05-15T12:30:00+02:00"},
    {"start": "2022-06-01T00:00:00+00:00"},
    {"end": "2022-02-14T00:00:00+00:00"},
    {"start": "2030-01-01T00:00:00+00:00"},  # no payments: []
    {"start": "2022-05-01T00:00:00+00:00", "end": "2022-05-01T00:00:00+00:00"},  # refused
    {"start": "2022-03-01T00:00:00"},  # no time zone: refused
]
STORES: list[int | None] = [None, 1, 2, 999]

SALES = """
query($period: ReportPeriod, $storeId: Int) {{
  {field}(period: $period, storeId: $storeId) {{ {row} }}
}}
"""
TOP = """
query($year: Int!, $month: Int!, $minPurchases: Int, $minAmount: Decimal, $first: Int,
      $storeId: Int) {
  topCustomers(year: $year, month: $month, minPurchases: $minPurchases,
               minAmount: $minAmount, first: $first, storeId: $storeId) { ROW }
}
""".replace("ROW", CUSTOMER_ROW)


def top_customer_variables() -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for year, month in [(2022, 3), (2022, 7), (2022, 12), (2022, 13), (0, 1), (9999, 12)]:
        found.append({"year": year, "month": month})
    for criteria in [
        {"minPurchases": 0, "minAmount": "0"},
        {"minPurchases": 10},
        {"minAmount": "55.5", "first": 3},
        {"first": 1},
        {"first": 100, "minPurchases": 0, "minAmount": "0"},
        {"first": 0},
        {"first": 101},
        {"minPurchases": -1},
        {"minAmount": "-0.01"},
    ]:
        found.append({"year": 2022, "month": 4, **criteria})
    return [
        {**v, "storeId": s} for v, s in itertools.product(found, [None, 1, 2]) if s or "first" in v
    ] + found


def cases() -> list[tuple[str, dict[str, Any]]]:
    found: list[tuple[str, dict[str, Any]]] = []
    for field, row in (("salesByStore", STORE_ROW), ("salesByFilmCategory", CATEGORY_ROW)):
        for period, store in itertools.product(PERIODS, STORES):
            variables: dict[str, Any] = {"storeId": store}
            if period is not None:
                variables["period"] = period
            found.append((SALES.format(field=field, row=row), variables))
    found += [(TOP, v) for v in top_customer_variables()]
    found.append(("{ __typename salesByStore { ... on StoreSalesRow { storeName } } }", {}))
    return found


async def _ask(
    client: httpx.AsyncClient, query: str, variables: dict[str, Any], caller: Any
) -> Any:
    headers = {HEADER: json.dumps(caller)} if caller is not None else {}
    response = await client.post(
        "/graphql", json={"query": query, "variables": variables}, headers=headers
    )
    assert response.status_code == 200, response.text
    return response.json()


async def test_reports_compiled_equal_executor_for_every_argument_and_caller(
    paths: tuple[httpx.AsyncClient, httpx.AsyncClient], database: Database
) -> None:
    executor, compiled = paths
    answered = refused = rows = 0
    for (query, variables), caller in itertools.product(cases(), CALLERS):
        expected = await _ask(executor, query, variables, caller)
        with StatementCounter(database.engine) as counter:
            got = await _ask(compiled, query, variables, caller)
        context = f"{query} {variables} as {caller}"
        assert json.dumps(got) == json.dumps(expected), context
        # every document here compiles: at most one statement, the compiled one
        assert len(counter.statements) <= 1, f"{context}: {counter.statements}"
        assert all(s.endswith("AS data") for s in counter.statements), context
        # every document here compiles (a lone root field, refused or not); no statement only
        # where a limit of the request's size refused it (no `data` at all)
        assert len(counter.statements) == 1 or "data" not in expected, context
        if "errors" in expected:
            # refused before any table is read: the statement is `SELECT 'null' AS data`
            refused += 1
            assert expected.get("data") is None, context
            assert not any(" FROM " in s.upper() for s in counter.statements), context
        else:
            answered += 1
            rows += sum(len(v) for v in expected["data"].values() if isinstance(v, list))
    print(f"\n{answered} answered, {refused} refused, {rows} rows compared")
    assert answered > 100 and refused > 100 and rows > 1000


async def test_a_report_beside_other_fields_is_compiled_with_them(
    paths: tuple[httpx.AsyncClient, httpx.AsyncClient], database: Database
) -> None:
    executor, compiled = paths
    query = """{ films(first: 2) { nodes { title } } salesByFilmCategory { category }
                 stores { totalCount } }"""
    expected = await _ask(executor, query, {}, ADMIN)
    with StatementCounter(database.engine) as counter:
        got = await _ask(compiled, query, {}, ADMIN)
    assert got == expected and "errors" not in got
    assert len(got["data"]["salesByFilmCategory"]) == 16
    assert len(counter.statements) == 1
    # several reports, each with its own stores, aliases, fragments: one statement
    several = """query($a: Int, $b: Int) {
      one: salesByStore(storeId: $a) { storeId totalSales ...S }
      two: salesByStore(storeId: $b) { storeId totalSales }
      cats: salesByFilmCategory(storeId: $b) { category c2: category }
      top: topCustomers(year: 2022, month: 5, first: 2, storeId: $a) { customerId storeId }
    }
    fragment S on StoreSalesRow { paymentCount managerName }"""
    variables = {"a": 1, "b": 2}
    expected = await _ask(executor, several, variables, ADMIN)
    with StatementCounter(database.engine) as counter:
        got = await _ask(compiled, several, variables, ADMIN)
    assert json.dumps(got) == json.dumps(expected) and "errors" not in got
    assert [r["storeId"] for r in got["data"]["one"] + got["data"]["two"]] == [1, 2]
    assert {r["storeId"] for r in got["data"]["top"]} == {1}
    assert len(counter.statements) == 1
    # refused beside other fields: the executor's answer (which errors it reports follows
    # its resolvers' timing), not compiled
    refused = await _ask(compiled, query, {}, staff(1))
    assert refused == await _ask(executor, query, {}, staff(1))
    assert refused["data"] is None
    assert refused["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"


#: tables the sales are read from; any other table of a report only names or filters groups
SALES_TABLES = {"payment", "rental", "inventory"}


def _tables(node: dict[str, Any]) -> set[str]:
    found = {str(node["Relation Name"])} if "Relation Name" in node else set()
    for child in node.get("Plans", []):
        found |= _tables(child)
    return {"payment" if t.startswith("payment_") else t for t in found}


def _aggregated_before_named(node: dict[str, Any]) -> bool:
    """Every join that meets a naming table (category, store, customer, ...) meets the
    payments already aggregated: an Aggregate between that join and the payment scans."""
    children = node.get("Plans", [])
    if "Join" in str(node["Node Type"]) or node["Node Type"] == "Nested Loop":
        sides = [_tables(c) for c in children]
        paying = [c for c, t in zip(children, sides, strict=True) if "payment" in t]
        named = any(t - SALES_TABLES for t in sides if "payment" not in t)
        if paying and named and not all(_aggregates_payments(c) for c in paying):
            return False
    return all(_aggregated_before_named(c) for c in children)


def _aggregates_payments(node: dict[str, Any]) -> bool:
    """An Aggregate on the way from here down to the payment scans."""
    if node["Node Type"] == "Aggregate":
        return True
    below = [c for c in node.get("Plans", []) if "payment" in _tables(c)]
    return bool(below) and all(_aggregates_payments(c) for c in below)  # a scan: not summed


async def test_reports_sum_the_payments_before_joining_names(
    paths: tuple[httpx.AsyncClient, httpx.AsyncClient], database: Database, pg: Any
) -> None:
    """The plans PostgreSQL makes of the compiled statements (EXPLAIN, no timing): the
    payments are summed per film / store / customer before any join that names the groups
    (decision 0156), whatever the period or stores."""
    _, compiled = paths
    documents = [
        ("{ salesByFilmCategory { category totalSales } }", {}),
        ("{ salesByStore { storeName managerName totalSales } }", {}),
        (TOP, {"year": 2022, "month": 4, "storeId": 1}),
        (
            SALES.format(field="salesByFilmCategory", row=CATEGORY_ROW),
            {"storeId": 2, "period": PERIODS[2]},
        ),
    ]
    captured: list[tuple[str, tuple[Any, ...]]] = []

    def on_execute(_c: Any, _cur: Any, sql: str, params: Any, *_: Any) -> None:
        captured.append((sql, tuple(params or ())))

    event.listen(database.engine.sync_engine, "before_cursor_execute", on_execute)
    try:
        for query, variables in documents:
            body = await _ask(compiled, query, variables, ADMIN)
            assert "errors" not in body
    finally:
        event.remove(database.engine.sync_engine, "before_cursor_execute", on_execute)
    assert len(captured) == len(documents)
    for sql, params in captured:
        plan = json.loads(await pg.fetchval("EXPLAIN (FORMAT JSON) " + sql, *params))[0]["Plan"]
        assert "payment" in _tables(plan)
        assert _aggregated_before_named(plan), json.dumps(plan, indent=1)
