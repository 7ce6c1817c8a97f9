"""Customer.balance, Rental.dueDate / isOverdue through the HTTP app, on both read paths: equal
to SQL on the same data; the executor spends one statement per computed field for a whole page,
the compiled path one statement for everything (decision 0135); only for callers who may see
them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal

import asyncpg
import httpx
import pytest

from config.settings import Settings
from pagila_graph.app import create_app
from persistence.db import Database, StatementCounter
from tests.mutations.support import HeaderAuthenticator
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


@pytest.fixture(scope="module", params=[False, True], ids=["executor", "compiled"])
async def either_path(
    request: pytest.FixtureRequest, settings: Settings, database: Database
) -> AsyncIterator[tuple[Caller, int]]:
    """An app on either read path, and the statements CUSTOMERS costs there: customers, their
    balances, their rentals, the rentals' due dates (executor); one (compiled)."""
    compiled: bool = request.param
    app = create_app(
        settings.model_copy(update={"compiled_reads": compiled}), database, HeaderAuthenticator()
    )
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        yield Caller(c), 1 if compiled else 4


@pytest.fixture
def api(either_path: tuple[Caller, int]) -> Caller:
    return either_path[0]


async def test_balances_and_due_dates_of_a_page(
    either_path: tuple[Caller, int], sql: asyncpg.Connection, sql_counter: StatementCounter
) -> None:
    api, statements = either_path
    customers = (await api.data(CUSTOMERS, who=ADMIN))["customers"]["nodes"]
    assert sql_counter.count == statements, sql_counter.statements
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
