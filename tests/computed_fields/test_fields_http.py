"""Customer.balance, Rental.dueDate / isOverdue through the HTTP app: equal to SQL on the same
data, one statement per computed field for a whole page, and only for callers who may see them."""

from __future__ import annotations

from decimal import Decimal

import asyncpg

from persistence.db import StatementCounter
from tests.read_api_support import ADMIN, Caller

CUSTOMERS = """
query {
  customers(first: 40) {
    nodes {
      customerId
      balance
      then: balance(asOf: "2022-06-01T00:00:00+00:00")
      rentals(first: 10) { nodes { rentalId dueDate isOverdue } }
    }
  }
}
"""


async def test_balances_and_due_dates_of_a_page(
    api: Caller, sql: asyncpg.Connection, sql_counter: StatementCounter
) -> None:
    customers = (await api.data(CUSTOMERS, who=ADMIN))["customers"]["nodes"]
    # customers, their balances, their rentals, the rentals' due dates
    assert sql_counter.count == 4, sql_counter.statements
    ids = [c["customerId"] for c in customers]
    expected = {
        r["customer_id"]: r
        for r in await sql.fetch(
            "SELECT customer_id, get_customer_balance(customer_id, now()) AS now,"
            " get_customer_balance(customer_id, '2022-06-01T00:00:00+00:00') AS then"
            " FROM customer WHERE customer_id = ANY($1::int[])",
            ids,
        )
    }
    for customer in customers:
        row = expected[customer["customerId"]]
        assert Decimal(customer["balance"]) == row["now"]
        assert Decimal(customer["then"]) == row["then"]

    rentals = [r for c in customers for r in c["rentals"]["nodes"]]
    due = {
        r["rental_id"]: r
        for r in await sql.fetch(
            "SELECT rental_id, due, return_date IS NULL AND now() > due AS overdue FROM ("
            " SELECT r.rental_id, r.return_date,"
            " r.rental_date + f.rental_duration * interval '1 day' AS due"
            " FROM rental r JOIN inventory USING (inventory_id) JOIN film f USING (film_id)"
            " WHERE r.rental_id = ANY($1::int[])) AS rentals",
            [r["rentalId"] for r in rentals],
        )
    }
    assert len(rentals) > 100
    for rental in rentals:
        row = due[rental["rentalId"]]
        assert rental["isOverdue"] is row["overdue"]
        assert rental["dueDate"].replace("Z", "+00:00") == row["due"].isoformat()


async def test_a_customer_sees_their_own_balance(api: Caller, sql: asyncpg.Connection) -> None:
    query = "{ customer(customerId: 7) { balance } }"
    mine = (await api.data(query, who="customer:7"))["customer"]
    assert Decimal(mine["balance"]) == await sql.fetchval("SELECT get_customer_balance(7, now())")
    error = await api.error(query, who="customer:8")
    assert error["extensions"]["code"] == "PERMISSION_DENIED"
    error = await api.error(query)
    assert error["extensions"]["code"] == "UNAUTHENTICATED"


async def test_as_of_needs_a_time_zone(api: Caller) -> None:
    query = '{ customer(customerId: 7) { balance(asOf: "2022-06-01T00:00:00") } }'
    error = await api.error(query, who=ADMIN)
    assert error["extensions"] == {"code": "INVALID_INPUT", "field": "asOf"}
