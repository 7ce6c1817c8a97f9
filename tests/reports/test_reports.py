"""Reports through the HTTP app against Pagila's own views and SQL written here, on the same
data; and who may see them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import asyncpg
import pytest

from tests.read_api_support import ADMIN, Caller, manager

SALES_BY_STORE = """
query($period: ReportPeriod, $storeId: Int) {
  salesByStore(period: $period, storeId: $storeId) {
    storeId storeName managerName totalSales paymentCount
  }
}
"""
SALES_BY_CATEGORY = """
query($period: ReportPeriod, $storeId: Int) {
  salesByFilmCategory(period: $period, storeId: $storeId) { category totalSales paymentCount }
}
"""
TOP_CUSTOMERS = """
query($year: Int!, $month: Int!, $minPurchases: Int!, $minAmount: Decimal!, $first: Int!) {
  topCustomers(year: $year, month: $month, minPurchases: $minPurchases,
               minAmount: $minAmount, first: $first) {
    customerId storeId firstName lastName purchases amountPaid
  }
}
"""

#: A period cutting through the data (the Pagila payments run from 2022-01 to 2022-07).
PERIOD = {"start": "2022-03-01T00:00:00+00:00", "end": "2022-05-15T00:00:00+00:00"}
PERIOD_BOUNDS = (
    dt.datetime(2022, 3, 1, tzinfo=dt.UTC),
    dt.datetime(2022, 5, 15, tzinfo=dt.UTC),
)

# Independent SQL: the same joins as Pagila's views, with the period added.
STORE_SQL = """
SELECT s.store_id, c.city || ',' || cy.country AS store,
       m.first_name || ' ' || m.last_name AS manager, sum(p.amount) AS total, count(*) AS n
FROM payment p JOIN rental r ON p.rental_id = r.rental_id
JOIN inventory i ON r.inventory_id = i.inventory_id JOIN store s ON i.store_id = s.store_id
JOIN address a ON s.address_id = a.address_id JOIN city c ON a.city_id = c.city_id
JOIN country cy ON c.country_id = cy.country_id JOIN staff m ON s.manager_staff_id = m.staff_id
WHERE p.payment_date >= $1 AND p.payment_date < $2
GROUP BY s.store_id, c.city, cy.country, m.first_name, m.last_name ORDER BY cy.country, c.city
"""
CATEGORY_SQL = """
SELECT c.name AS category, sum(p.amount) AS total, count(*) AS n
FROM payment p JOIN rental r ON p.rental_id = r.rental_id
JOIN inventory i ON r.inventory_id = i.inventory_id
JOIN film_category fc ON i.film_id = fc.film_id JOIN category c ON fc.category_id = c.category_id
WHERE p.payment_date >= $1 AND p.payment_date < $2 AND i.store_id = ANY($3::int[])
GROUP BY c.name ORDER BY sum(p.amount) DESC, c.name
"""
# rewards_report's own query, with the month given instead of "three months ago".
REWARDS_SQL = """
SELECT p.customer_id, sum(p.amount) AS amount, count(p.customer_id) AS purchases
FROM payment AS p
WHERE DATE(p.payment_date) BETWEEN $1 AND $2
GROUP BY customer_id
HAVING SUM(p.amount) > $3 AND COUNT(customer_id) > $4
"""


def money(value: Any) -> Decimal:
    return Decimal(str(value))


async def test_sales_by_store_all_time_equals_the_view(
    api: Caller, sql: asyncpg.Connection
) -> None:
    rows = (await api.data(SALES_BY_STORE, who=ADMIN))["salesByStore"]
    view = await sql.fetch("SELECT store, manager, total_sales FROM sales_by_store")
    assert [(r["storeName"], r["managerName"], money(r["totalSales"])) for r in rows] == [
        (v["store"], v["manager"], v["total_sales"]) for v in view
    ]
    assert len(rows) == 2


async def test_sales_by_store_over_a_period(api: Caller, sql: asyncpg.Connection) -> None:
    rows = (await api.data(SALES_BY_STORE, {"period": PERIOD}, who=ADMIN))["salesByStore"]
    expected = await sql.fetch(STORE_SQL, *PERIOD_BOUNDS)
    assert [
        (r["storeId"], r["storeName"], money(r["totalSales"]), r["paymentCount"]) for r in rows
    ] == [(e["store_id"], e["store"], e["total"], e["n"]) for e in expected]
    all_time = (await api.data(SALES_BY_STORE, who=ADMIN))["salesByStore"]
    assert money(rows[0]["totalSales"]) < money(all_time[0]["totalSales"])


async def test_sales_by_film_category_equals_the_view(api: Caller, sql: asyncpg.Connection) -> None:
    rows = (await api.data(SALES_BY_CATEGORY, who=ADMIN))["salesByFilmCategory"]
    view = await sql.fetch("SELECT category, total_sales FROM sales_by_film_category")
    assert {r["category"]: money(r["totalSales"]) for r in rows} == {
        v["category"]: v["total_sales"] for v in view
    }
    totals = [money(r["totalSales"]) for r in rows]
    assert totals == sorted(totals, reverse=True)


@pytest.mark.parametrize("store_id", [1, 2])
async def test_a_manager_sees_their_store_by_category(
    api: Caller, sql: asyncpg.Connection, store_id: int
) -> None:
    data = await api.data(SALES_BY_CATEGORY, {"period": PERIOD}, who=manager(store_id))
    expected = await sql.fetch(CATEGORY_SQL, *PERIOD_BOUNDS, [store_id])
    assert [
        (r["category"], money(r["totalSales"]), r["paymentCount"])
        for r in data["salesByFilmCategory"]
    ] == [(e["category"], e["total"], e["n"]) for e in expected]

    stores = (await api.data(SALES_BY_STORE, who=manager(store_id)))["salesByStore"]
    assert [s["storeId"] for s in stores] == [store_id]


async def test_top_customers_equals_the_rewards_query(api: Caller, sql: asyncpg.Connection) -> None:
    busiest = await sql.fetchval(
        "SELECT date_trunc('month', payment_date AT TIME ZONE 'UTC') FROM payment "
        "GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"
    )
    first_day = busiest.date()
    last_day = (busiest + dt.timedelta(days=32)).replace(day=1).date() - dt.timedelta(days=1)
    for min_purchases, min_amount in [(7, Decimal("20.00")), (3, Decimal("10.00"))]:
        expected = await sql.fetch(REWARDS_SQL, first_day, last_day, min_amount, min_purchases)
        variables = {
            "year": first_day.year,
            "month": first_day.month,
            "minPurchases": min_purchases,
            "minAmount": str(min_amount),
            "first": 100,
        }
        rows = (await api.data(TOP_CUSTOMERS, variables, who=ADMIN))["topCustomers"]
        ranked = sorted(expected, key=lambda e: (-e["amount"], e["customer_id"]))[:100]
        assert [(r["customerId"], money(r["amountPaid"]), r["purchases"]) for r in rows] == [
            (e["customer_id"], e["amount"], e["purchases"]) for e in ranked
        ]
        assert rows, "the month has qualifying customers"


async def test_top_customers_of_a_manager_are_their_store_customers(api: Caller) -> None:
    variables = {"year": 2022, "month": 4, "minPurchases": 1, "minAmount": "1", "first": 50}
    rows = (await api.data(TOP_CUSTOMERS, variables, who=manager(2)))["topCustomers"]
    assert rows and {r["storeId"] for r in rows} == {2}


@pytest.mark.parametrize(
    ("who", "variables", "code"),
    [
        (None, {}, "UNAUTHENTICATED"),
        ("customer:1", {}, "PERMISSION_DENIED"),
        ("staff:1:1", {}, "PERMISSION_DENIED"),
        (manager(1), {"storeId": 2}, "PERMISSION_DENIED"),
    ],
)
async def test_who_may_not_see_reports(
    api: Caller, who: str | None, variables: dict[str, Any], code: str
) -> None:
    for query in (SALES_BY_STORE, SALES_BY_CATEGORY):
        error = await api.error(query, variables, who=who)
        assert error["extensions"]["code"] == code


async def test_bad_report_input_is_invalid_input(api: Caller) -> None:
    backwards = {"period": {"start": PERIOD["end"], "end": PERIOD["start"]}}
    error = await api.error(SALES_BY_STORE, backwards, who=ADMIN)
    assert error["extensions"]["code"] == "INVALID_INPUT"
    variables = {"year": 2022, "month": 13, "minPurchases": 1, "minAmount": "1", "first": 5}
    error = await api.error(TOP_CUSTOMERS, variables, who=ADMIN)
    assert error["extensions"] == {"code": "INVALID_INPUT", "field": "month"}
