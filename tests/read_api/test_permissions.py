"""Customer data follows domain/auth: yourself, your store's customers (staff), all (admin).

Lists are narrowed, rows by id are refused, and the counts match SQL on the same data."""

from __future__ import annotations

import asyncpg
import pytest

from graph.relay import to_global_id
from persistence.db import StatementCounter
from tests.read_api.conftest import ADMIN, Api, customer, staff

ROOTS = [
    "{ customers { totalCount } }",
    "{ rentals { totalCount } }",
    "{ payments { totalCount } }",
    "{ customer(customerId: 1) { firstName } }",
    "{ rental(rentalId: 1) { rentalDate } }",
    "{ payment(paymentId: 16050) { amount } }",
]


@pytest.mark.parametrize("query", ROOTS)
async def test_anonymous_callers_see_no_customer_data(api: Api, query: str) -> None:
    body = await api(query, expect_errors=True)
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"  # type: ignore[index]


async def test_the_catalogue_is_public(api: Api) -> None:
    data = await api.data("{ films(first: 1) { nodes { title } } stores { totalCount } }")
    assert data["films"]["nodes"][0]["title"] == "ACADEMY DINOSAUR"  # type: ignore[index]


async def test_a_customer_sees_only_themselves(api: Api, pg: asyncpg.Connection) -> None:
    me = customer(1)
    data = await api.data(
        "{ customers { nodes { customerId } } rentals { totalCount } payments { totalCount } }",
        as_=me,
    )
    assert data["customers"] == {"nodes": [{"customerId": 1}]}
    rentals = await pg.fetchval("SELECT count(*) FROM rental WHERE customer_id = 1")
    payments = await pg.fetchval("SELECT count(*) FROM payment WHERE customer_id = 1")
    assert data["rentals"] == {"totalCount": rentals}
    assert data["payments"] == {"totalCount": payments}
    # asking for someone else's rentals narrows to nothing rather than leaking
    others = await api.data("{ rentals(filter: {customerId: 2}) { totalCount } }", as_=me)
    assert others["rentals"] == {"totalCount": 0}


async def test_rows_of_another_customer_are_refused_by_id(api: Api, pg: asyncpg.Connection) -> None:
    rental = await pg.fetchval("SELECT min(rental_id) FROM rental WHERE customer_id = 2")
    payment = await pg.fetchval("SELECT min(payment_id) FROM payment WHERE customer_id = 2")
    for query in (
        "{ customer(customerId: 2) { firstName } }",
        f"{{ rental(rentalId: {rental}) {{ rentalDate }} }}",
        f"{{ payment(paymentId: {payment}) {{ amount }} }}",
    ):
        body = await api(query, as_=customer(1), expect_errors=True)
        assert body["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED", query  # type: ignore[index]
        assert "2" not in str(body["data"])


async def test_staff_see_their_store_customers(api: Api, pg: asyncpg.Connection) -> None:
    data = await api.data(
        "{ customers { totalCount } rentals { totalCount } }", as_=staff(store_id=1)
    )
    customers = await pg.fetchval("SELECT count(*) FROM customer WHERE store_id = 1")
    rentals = await pg.fetchval(
        "SELECT count(*) FROM rental r JOIN customer c USING (customer_id) WHERE c.store_id = 1"
    )
    assert data == {"customers": {"totalCount": customers}, "rentals": {"totalCount": rentals}}
    other = await pg.fetchval("SELECT min(customer_id) FROM customer WHERE store_id = 2")
    body = await api(
        f"{{ customer(customerId: {other}) {{ email }} }}", as_=staff(1), expect_errors=True
    )
    assert body["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"  # type: ignore[index]
    mine = await api.data(
        f"{{ customer(customerId: {other}) {{ email }} }}", as_=staff(2, role="manager")
    )
    assert mine["customer"] is not None


async def test_admins_see_everyone(api: Api, pg: asyncpg.Connection) -> None:
    data = await api.data("{ customers { totalCount } }", as_=ADMIN)
    assert data["customers"] == {"totalCount": await pg.fetchval("SELECT count(*) FROM customer")}


async def test_home_addresses_are_for_staff(api: Api, pg: asyncpg.Connection) -> None:
    name = await pg.fetchval("SELECT first_name FROM staff WHERE staff_id = 1")
    query = "{ staffMember(staffId: 1) { firstName address { address } } }"
    anonymous = await api(query, expect_errors=True)
    as_customer = await api(query, as_=customer(1), expect_errors=True)
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"  # type: ignore[index]
    assert as_customer["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"  # type: ignore[index]
    # the address is non-null in the schema, so the refusal nulls the staff member
    assert anonymous["data"] == {"staffMember": None}
    named = await api.data("{ staffMember(staffId: 1) { firstName } }")
    assert named == {"staffMember": {"firstName": name}}
    allowed = await api.data(query, as_=staff(1))
    assert allowed["staffMember"]["address"]["address"]  # type: ignore[index]
    # a store's address is public
    store = await api.data("{ store(storeId: 1) { address { address } } }")
    assert store["store"]["address"]["address"]  # type: ignore[index]


async def test_a_refused_field_is_null_with_its_code_and_path(
    api: Api, pg: asyncpg.Connection
) -> None:
    other = await pg.fetchval("SELECT min(customer_id) FROM customer WHERE customer_id <> 1")
    ids = [to_global_id("Customer", 1), to_global_id("Customer", other)]
    body = await api(
        "query($ids: [ID!]!) { nodes(ids: $ids) { ... on Customer { customerId } } }",
        {"ids": ids},
        as_=customer(1),
        expect_errors=True,
    )
    # only the refused position is null; the error says why and where
    assert body["data"] == {"nodes": [{"customerId": 1}, None]}
    (error,) = body["errors"]  # type: ignore[misc]
    assert error["path"] == ["nodes", 1]
    assert error["extensions"]["code"] == "PERMISSION_DENIED"
    # a guarded field: the same shape, refused before its resolver runs
    staff_query = "{ store(storeId: 1) { storeId manager { address { address } } } }"
    refused = await api(staff_query, as_=customer(1), expect_errors=True)
    (error,) = refused["errors"]  # type: ignore[misc]
    assert error["path"] == ["store", "manager", "address"]
    assert error["extensions"]["code"] == "PERMISSION_DENIED"
    # `address` and `manager` are non-null, so the null reaches the nullable `store`
    assert refused["data"] == {"store": None}


async def test_a_guarded_nested_field_adds_no_statement(
    api: Api, sql_counter: StatementCounter
) -> None:
    query = "{ staff { nodes { firstName address { address } } } }"
    data = await api.data(query, as_=staff(1))
    assert all(s["address"]["address"] for s in data["staff"]["nodes"])  # type: ignore[index]
    # compiled (decision 0135): the guard reads only the caller, so the staff page and their
    # addresses are one statement (the executor's two are pinned by test_sql_counts.py)
    assert sql_counter.count == 1, sql_counter.statements
    sql_counter.statements.clear()
    refused = await api(query, expect_errors=True)
    assert {e["extensions"]["code"] for e in refused["errors"]} == {"UNAUTHENTICATED"}  # type: ignore[union-attr]
    # refused before the addresses are loaded
    assert sql_counter.count == 1, sql_counter.statements
