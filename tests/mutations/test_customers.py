"""Customer and streaming-subscription mutations through GraphQL against PostgreSQL."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import asyncpg

from tests.mutations.fixtures import counter_with_copies, new_customer
from tests.mutations.support import Caller, error_types, staff

CUSTOMER = "customer { customerId firstName lastName email active store { storeId } }"
SUBSCRIPTION = "subscription { subscriptionId planName startDate endDate }"


def fields(payload: dict[str, Any]) -> list[tuple[str, str | None]]:
    return [(e["__typename"], e["field"]) for e in payload["errors"]]


def address(**changes: str) -> dict[str, str]:
    return {
        "address": "1 Test Street",
        "district": "Alberta",
        "city": "lethbridge",
        "country": "CANADA",
        "phone": "555-0100",
        **changes,
    }


async def clerk(sql: asyncpg.Connection) -> tuple[int, str]:
    store_id, staff_id = await sql.fetchrow(
        "SELECT store_id, min(staff_id) FROM staff GROUP BY store_id ORDER BY store_id DESC LIMIT 1"
    )
    return store_id, staff(staff_id, store_id)


async def test_create_customer_finds_or_adds_the_city(
    call: Caller, sql: asyncpg.Connection
) -> None:
    store_id, who = await clerk(sql)
    created = await call.mutate(
        "createCustomer",
        CUSTOMER,
        {
            "storeId": store_id,
            "firstName": " Ada ",
            "lastName": "Lovelace",
            "email": "ada@example.org",
            "address": address(),
        },
        who=who,
    )
    assert created["errors"] == []
    row = await sql.fetchrow(
        "SELECT c.store_id, c.first_name, c.email, c.activebool, c.active, a.address, ci.city "
        "FROM customer c JOIN address a USING (address_id) JOIN city ci USING (city_id) "
        "WHERE c.customer_id = $1",
        created["customer"]["customerId"],
    )
    assert tuple(row) == (
        store_id,
        "Ada",
        "ada@example.org",
        True,
        1,
        "1 Test Street",
        "Lethbridge",
    )
    assert created["customer"]["firstName"] == "Ada" and created["customer"]["active"] is True
    assert created["customer"]["store"] == {"storeId": store_id}

    cities = await sql.fetchval("SELECT count(*) FROM city")
    elsewhere = await call.mutate(
        "createCustomer",
        "customer { customerId }",
        {
            "storeId": store_id,
            "firstName": "Grace",
            "lastName": "Hopper",
            "address": address(city="Red Deer"),
        },
        who=who,
    )
    assert elsewhere["errors"] == []
    assert await sql.fetchval("SELECT count(*) FROM city") == cities + 1
    assert (
        await sql.fetchval(
            "SELECT co.country FROM customer JOIN address USING (address_id) JOIN city USING "
            "(city_id) JOIN country co USING (country_id) WHERE customer_id = $1",
            elsewhere["customer"]["customerId"],
        )
        == "Canada"
    )


async def test_create_customer_refusals(call: Caller, sql: asyncpg.Connection) -> None:
    store_id, who = await clerk(sql)
    before = await sql.fetchval("SELECT count(*) FROM customer")
    bad = await call.mutate(
        "createCustomer",
        "customer { customerId }",
        {
            "storeId": store_id,
            "firstName": "x" * 46,
            "lastName": " ",
            "email": "not-an-address",
            "address": address(phone="", postalCode="12345678901"),
        },
        who=who,
    )
    assert set(fields(bad)) == {
        ("ValidationError", "input.firstName"),
        ("ValidationError", "input.lastName"),
        ("ValidationError", "input.email"),
        ("ValidationError", "input.address.phone"),
        ("ValidationError", "input.address.postalCode"),
    }
    nowhere = await call.mutate(
        "createCustomer",
        "customer { customerId }",
        {
            "storeId": store_id,
            "firstName": "A",
            "lastName": "B",
            "address": address(country="Atlantis"),
        },
        who=who,
    )
    assert fields(nowhere) == [("NotFoundError", "input.address.country")]
    other_store = await call.mutate(
        "createCustomer",
        "customer { customerId }",
        {"storeId": store_id - 1, "firstName": "A", "lastName": "B", "address": address()},
        who=who,
    )
    assert error_types(other_store) == ["PermissionDeniedError"]
    assert await sql.fetchval("SELECT count(*) FROM customer") == before


async def test_update_customer(call: Caller, sql: asyncpg.Connection) -> None:
    store_id, who = await clerk(sql)
    customer = await new_customer(sql, store_id)
    old_address = await sql.fetchval(
        "SELECT address_id FROM customer WHERE customer_id = $1", customer
    )
    by_staff = await call.mutate(
        "updateCustomer",
        CUSTOMER,
        {"customerId": customer, "email": "new@example.org", "address": address(district="AB")},
        who=who,
    )
    assert by_staff["errors"] == []
    row = await sql.fetchrow(
        "SELECT c.first_name, c.email, c.address_id, a.district FROM customer c "
        "JOIN address a USING (address_id) WHERE customer_id = $1",
        customer,
    )
    assert (row["first_name"], row["email"], row["district"]) == ("TEST", "new@example.org", "AB")
    assert row["address_id"] != old_address
    assert (
        await sql.fetchval("SELECT count(*) FROM address WHERE address_id = $1", old_address) == 1
    )  # left as it was: it may be shared

    self_service = await call.mutate(
        "updateCustomer",
        "customer { lastName email }",
        {"customerId": customer, "lastName": "Renamed", "email": None},
        who=f"customer:{customer}",
    )
    assert self_service == {"customer": {"lastName": "Renamed", "email": None}, "errors": []}
    moving = await call.mutate(
        "updateCustomer",
        "customer { customerId }",
        {"customerId": customer, "storeId": 1},
        who=f"customer:{customer}",
    )
    someone_else = await call.mutate(
        "updateCustomer",
        "customer { lastName }",
        {"customerId": customer, "lastName": "X"},
        who="customer:1",
    )
    anonymous = await call.mutate(
        "updateCustomer", "customer { lastName }", {"customerId": customer, "lastName": "X"}
    )
    assert error_types(moving) == error_types(someone_else) == ["PermissionDeniedError"]
    assert error_types(anonymous) == ["UnauthenticatedError"]
    assert (
        await sql.fetchval("SELECT last_name FROM customer WHERE customer_id = $1", customer)
        == "Renamed"
    )


async def test_deactivated_customer_cannot_rent(call: Caller, sql: asyncpg.Connection) -> None:
    counter = await counter_with_copies(sql)
    customer = await new_customer(sql, counter.store_id)
    who = staff(counter.staff_id, counter.store_id)
    as_customer = await call.mutate(
        "deactivateCustomer",
        "customer { active }",
        {"customerId": customer},
        who=f"customer:{customer}",
    )
    assert error_types(as_customer) == ["PermissionDeniedError"]
    deactivated = await call.mutate(
        "deactivateCustomer", "customer { customerId active }", {"customerId": customer}, who=who
    )
    assert deactivated == {"customer": {"customerId": customer, "active": False}, "errors": []}
    row = await sql.fetchrow(
        "SELECT activebool, active FROM customer WHERE customer_id = $1", customer
    )
    assert tuple(row) == (False, 0)
    rent = await call.mutate(
        "rentFilm",
        "rental { rentalId }",
        {"customerId": customer, "storeId": counter.store_id, "filmId": counter.film_id},
        who=who,
    )
    assert error_types(rent) == ["CustomerInactiveError"]


async def test_subscriptions_never_overlap(call: Caller, sql: asyncpg.Connection) -> None:
    store_id, who = await clerk(sql)
    customer = await new_customer(sql, store_id)
    me = f"customer:{customer}"
    today = dt.datetime.now(dt.UTC).date()
    day = dt.timedelta(days=1)
    started = await call.mutate(
        "startStreamingSubscription",
        SUBSCRIPTION,
        {"customerId": customer, "planName": " Premium ", "startDate": today.isoformat()},
        who=me,
    )
    assert started["errors"] == [] and started["subscription"]["planName"] == "Premium"
    overlapping = await call.mutate(
        "startStreamingSubscription",
        SUBSCRIPTION,
        {"customerId": customer, "planName": "Basic", "startDate": (today + 30 * day).isoformat()},
        who=who,
    )
    backwards = await call.mutate(
        "startStreamingSubscription",
        SUBSCRIPTION,
        {
            "customerId": customer,
            "planName": "Basic",
            "startDate": (today + 10 * day).isoformat(),
            "endDate": (today + 10 * day).isoformat(),
        },
        who=me,
    )
    assert fields(overlapping) == [("ConflictError", "input.startDate")]
    assert fields(backwards) == [("ValidationError", "input.endDate")]

    cancelled = await call.mutate(
        "cancelStreamingSubscription",
        SUBSCRIPTION,
        {"subscriptionId": started["subscription"]["subscriptionId"]},
        who=me,
    )
    assert (
        cancelled["errors"] == []
        and cancelled["subscription"]["endDate"] == (today + day).isoformat()
    )
    after = await call.mutate(
        "startStreamingSubscription",
        SUBSCRIPTION,
        {"customerId": customer, "planName": "Basic", "startDate": (today + day).isoformat()},
        who=me,
    )
    assert after["errors"] == []
    rows = await sql.fetch(
        "SELECT plan_name, start_date, end_date FROM streaming_subscription "
        "WHERE customer_id = $1 ORDER BY start_date",
        customer,
    )
    assert [tuple(r) for r in rows] == [
        ("Premium", today, today + day),
        ("Basic", today + day, None),
    ]
    stranger = await call.mutate(
        "cancelStreamingSubscription",
        SUBSCRIPTION,
        {"subscriptionId": after["subscription"]["subscriptionId"]},
        who="customer:1",
    )
    assert error_types(stranger) == ["PermissionDeniedError"]


async def test_concurrent_starts_for_one_customer_make_one_subscription(
    call: Caller, sql: asyncpg.Connection
) -> None:
    store_id, _ = await clerk(sql)
    customer = await new_customer(sql, store_id)
    payloads = await asyncio.gather(
        *(
            call.mutate(
                "startStreamingSubscription",
                "subscription { subscriptionId }",
                {"customerId": customer, "planName": f"Plan {i}"},
                who=f"customer:{customer}",
            )
            for i in range(8)
        )
    )
    assert sorted(error_types(p) for p in payloads) == [[]] + [["ConflictError"]] * 7
    assert (
        await sql.fetchval(
            "SELECT count(*) FROM streaming_subscription WHERE customer_id = $1", customer
        )
        == 1
    )


async def test_an_ended_subscription_cannot_be_cancelled(
    call: Caller, sql: asyncpg.Connection
) -> None:
    store_id, who = await clerk(sql)
    customer = await new_customer(sql, store_id)
    ended = await sql.fetchval(
        "INSERT INTO streaming_subscription (customer_id, plan_name, start_date, end_date) "
        "VALUES ($1, 'Old', current_date - 30, current_date - 1) RETURNING id",
        customer,
    )
    payload = await call.mutate(
        "cancelStreamingSubscription", SUBSCRIPTION, {"subscriptionId": ended}, who=who
    )
    assert fields(payload) == [("ConflictError", "input.subscriptionId")]
    missing = await call.mutate(
        "cancelStreamingSubscription", SUBSCRIPTION, {"subscriptionId": 10**8}, who=who
    )
    assert fields(missing) == [("NotFoundError", "input.subscriptionId")]


async def test_null_for_a_field_that_cannot_be_empty_is_invalid_input(
    call: Caller, sql: asyncpg.Connection
) -> None:
    """Found by the fuzz run (issue 14): `firstName: null` was an internal error. Each field
    that cannot be empty refuses null at its own path, all at once, and nothing changes; a null
    e-mail still removes it."""
    store_id, who = await clerk(sql)
    customer = await new_customer(sql, store_id)
    before = await sql.fetchrow("SELECT * FROM customer WHERE customer_id = $1", customer)
    nulls = ["firstName", "lastName", "storeId", "address"]
    payload = await call.mutate(
        "updateCustomer", CUSTOMER, {"customerId": customer, **dict.fromkeys(nulls)}, who=who
    )
    assert sorted(fields(payload)) == sorted(
        ("ValidationError", f"input.{name}") for name in nulls
    ), payload
    assert payload["customer"] is None
    after = await sql.fetchrow("SELECT * FROM customer WHERE customer_id = $1", customer)
    assert after == before
    emptied = await call.mutate(
        "updateCustomer", CUSTOMER, {"customerId": customer, "email": None}, who=who
    )
    assert emptied["errors"] == [] and emptied["customer"]["email"] is None
