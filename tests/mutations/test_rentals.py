"""rentFilm, returnRental, recordPayment through GraphQL against PostgreSQL: happy paths, each
rule's refusal, permissions (refusals write nothing)."""

from __future__ import annotations

from decimal import Decimal

import asyncpg

from tests.mutations.fixtures import counter_with_copies, new_customer
from tests.mutations.support import Caller, error_types, staff

RENTAL = (
    "rental { rentalId rentalDate returnDate inventory { inventoryId } customer { customerId } }"
)
RETURN = f"{RENTAL} charge paid amountDue"
PAYMENT = "payment { paymentId amount paymentDate rental { rentalId } }"


async def test_rent_by_film_picks_an_available_copy(call: Caller, sql: asyncpg.Connection) -> None:
    counter = await counter_with_copies(sql, copies=2)
    customer = await new_customer(sql, counter.store_id)
    # the first copy is out already: the second one must be picked
    first = await call.mutate(
        "rentFilm",
        RENTAL,
        {
            "customerId": customer,
            "storeId": counter.store_id,
            "inventoryId": counter.inventory_ids[0],
        },
        who=staff(counter.staff_id, counter.store_id),
    )
    assert first["errors"] == []
    payload = await call.mutate(
        "rentFilm",
        RENTAL,
        {"customerId": customer, "storeId": counter.store_id, "filmId": counter.film_id},
        who=staff(counter.staff_id, counter.store_id),
    )
    assert payload["errors"] == []
    rental = payload["rental"]
    row = await sql.fetchrow(
        "SELECT inventory_id, customer_id, staff_id, return_date FROM rental WHERE rental_id = $1",
        rental["rentalId"],
    )
    assert row is not None
    assert row["inventory_id"] == rental["inventory"]["inventoryId"] == counter.inventory_ids[1]
    assert rental["customer"] == {"customerId": customer}
    assert row["customer_id"] == customer and row["staff_id"] == counter.staff_id
    assert row["return_date"] is None and rental["returnDate"] is None


async def test_no_free_copy_is_not_in_stock(call: Caller, sql: asyncpg.Connection) -> None:
    counter = await counter_with_copies(sql, copies=1)
    customer = await new_customer(sql, counter.store_id)
    who = staff(counter.staff_id, counter.store_id)
    by_copy = {"customerId": customer, "storeId": counter.store_id}
    ok = await call.mutate(
        "rentFilm", RENTAL, {**by_copy, "inventoryId": counter.inventory_ids[0]}, who=who
    )
    assert ok["errors"] == []
    again = await call.mutate(
        "rentFilm", RENTAL, {**by_copy, "inventoryId": counter.inventory_ids[0]}, who=who
    )
    by_film = await call.mutate("rentFilm", RENTAL, {**by_copy, "filmId": counter.film_id}, who=who)
    for refused, field in ((again, "input.inventoryId"), (by_film, "input.filmId")):
        assert refused["rental"] is None
        assert refused["errors"] == [
            {
                "__typename": "NotInStockError",
                "code": "NOT_IN_STOCK",
                "message": refused["errors"][0]["message"],
                "field": field,
            }
        ]
    rentals = await sql.fetchval(
        "SELECT count(*) FROM rental WHERE inventory_id = $1", counter.inventory_ids[0]
    )
    assert rentals == 1


async def test_inactive_customer_cannot_rent(call: Caller, sql: asyncpg.Connection) -> None:
    counter = await counter_with_copies(sql)
    customer = await new_customer(sql, counter.store_id, active=False)
    payload = await call.mutate(
        "rentFilm",
        RENTAL,
        {"customerId": customer, "storeId": counter.store_id, "filmId": counter.film_id},
        who=staff(counter.staff_id, counter.store_id),
    )
    assert error_types(payload) == ["CustomerInactiveError"]
    assert payload["errors"][0]["field"] == "input.customerId"
    assert await sql.fetchval("SELECT count(*) FROM rental WHERE customer_id = $1", customer) == 0


async def test_unknown_references_are_not_found(call: Caller, sql: asyncpg.Connection) -> None:
    counter = await counter_with_copies(sql)
    customer = await new_customer(sql, counter.store_id)
    who = staff(counter.staff_id, counter.store_id)
    base = {"customerId": customer, "storeId": counter.store_id}
    missing_film = await call.mutate("rentFilm", RENTAL, {**base, "filmId": 10**8}, who=who)
    missing_copy = await call.mutate("rentFilm", RENTAL, {**base, "inventoryId": 10**8}, who=who)
    missing_customer = await call.mutate(
        "rentFilm", RENTAL, {**base, "customerId": 10**8, "filmId": counter.film_id}, who=who
    )
    missing_rental = await call.mutate("returnRental", RETURN, {"rentalId": 10**8}, who=who)
    assert [
        (p["errors"][0]["__typename"], p["errors"][0]["field"])
        for p in (missing_film, missing_copy, missing_customer, missing_rental)
    ] == [
        ("NotFoundError", "input.filmId"),
        ("NotFoundError", "input.inventoryId"),
        ("NotFoundError", "input.customerId"),
        ("NotFoundError", "input.rentalId"),
    ]


async def test_bad_input_reports_every_field(call: Caller, sql: asyncpg.Connection) -> None:
    counter = await counter_with_copies(sql)
    payload = await call.mutate(
        "rentFilm",
        RENTAL,
        {
            "customerId": -1,
            "storeId": counter.store_id,
            "filmId": counter.film_id,
            "inventoryId": counter.inventory_ids[0],
            "idempotencyKey": "k" * 256,
        },
        who=staff(counter.staff_id, counter.store_id),
    )
    assert {(e["__typename"], e["field"]) for e in payload["errors"]} == {
        ("ValidationError", "input.customerId"),
        ("ValidationError", "input.filmId"),
        ("ValidationError", "input.idempotencyKey"),
    }


async def test_return_computes_the_charge_like_get_customer_balance(
    call: Caller, sql: asyncpg.Connection
) -> None:
    counter = await counter_with_copies(sql, rental_duration=3)
    customer = await new_customer(sql, counter.store_id)
    who = staff(counter.staff_id, counter.store_id)
    rented = await call.mutate(
        "rentFilm",
        RENTAL,
        {"customerId": customer, "storeId": counter.store_id, "filmId": counter.film_id},
        who=who,
    )
    rental_id = rented["rental"]["rentalId"]
    # kept 5 days and a bit: 3 started days late
    await sql.execute(
        "UPDATE rental SET rental_date = now() - interval '5 days 1 hour' WHERE rental_id = $1",
        rental_id,
    )
    await call.mutate(
        "recordPayment",
        PAYMENT,
        {"customerId": customer, "rentalId": rental_id, "amount": "1.00"},
        who=who,
    )
    returned = await call.mutate("returnRental", RETURN, {"rentalId": rental_id}, who=who)
    assert returned["errors"] == []
    row = await sql.fetchrow(
        "SELECT return_date, get_customer_balance(customer_id, return_date) + 1.00 AS charge "
        "FROM rental WHERE rental_id = $1",
        rental_id,
    )
    assert row["return_date"] is not None
    assert Decimal(returned["charge"]) == row["charge"] == Decimal("5.99")
    assert Decimal(returned["paid"]) == Decimal("1.00")
    assert Decimal(returned["amountDue"]) == row["charge"] - Decimal("1.00")

    again = await call.mutate("returnRental", RETURN, {"rentalId": rental_id}, who=who)
    assert error_types(again) == ["AlreadyReturnedError"]
    assert again["errors"][0]["code"] == "ALREADY_RETURNED"


async def test_record_payment_lands_in_the_default_partition(
    call: Caller, sql: asyncpg.Connection
) -> None:
    counter = await counter_with_copies(sql, copies=2)
    customer = await new_customer(sql, counter.store_id)
    who = staff(counter.staff_id, counter.store_id)
    rentals = []
    for inventory_id in counter.inventory_ids:
        rented = await call.mutate(
            "rentFilm",
            RENTAL,
            {"customerId": customer, "storeId": counter.store_id, "inventoryId": inventory_id},
            who=who,
        )
        rentals.append(rented["rental"]["rentalId"])
    paid = await call.mutate(
        "recordPayment", PAYMENT, {"customerId": customer, "amount": "3.50"}, who=who
    )
    assert paid["errors"] == []
    row = await sql.fetchrow(
        "SELECT tableoid::regclass::text AS partition, amount, rental_id, staff_id "
        "FROM payment WHERE payment_id = $1",
        paid["payment"]["paymentId"],
    )
    latest = await sql.fetchval(
        "SELECT rental_id FROM rental WHERE customer_id = $1 "
        "ORDER BY rental_date DESC, rental_id DESC LIMIT 1",
        customer,
    )
    assert row["partition"] == "payment_default"
    assert row["amount"] == Decimal("3.50") == Decimal(paid["payment"]["amount"])
    assert row["rental_id"] == latest == paid["payment"]["rental"]["rentalId"]
    assert row["staff_id"] == counter.staff_id


async def test_bad_amounts_are_refused_with_their_path(
    call: Caller, sql: asyncpg.Connection
) -> None:
    counter = await counter_with_copies(sql)
    customer = await new_customer(sql, counter.store_id)
    who = staff(counter.staff_id, counter.store_id)
    for amount in ("-1.00", "0", "1.234", "1000.00"):
        payload = await call.mutate(
            "recordPayment", PAYMENT, {"customerId": customer, "amount": amount}, who=who
        )
        assert [(e["__typename"], e["field"]) for e in payload["errors"]] == [
            ("ValidationError", "input.amount")
        ], amount
    no_rental = await call.mutate(
        "recordPayment", PAYMENT, {"customerId": customer, "amount": "1.00"}, who=who
    )
    assert [(e["__typename"], e["field"]) for e in no_rental["errors"]] == [
        ("ValidationError", "input.rentalId")
    ]
    assert await sql.fetchval("SELECT count(*) FROM payment WHERE customer_id = $1", customer) == 0


async def test_only_staff_of_the_store_may_work_the_counter(
    call: Caller, sql: asyncpg.Connection
) -> None:
    counter = await counter_with_copies(sql)
    customer = await new_customer(sql, counter.store_id)
    another_customer = await new_customer(sql, counter.store_id)
    other_store, other_staff = await sql.fetchrow(
        "SELECT store_id, staff_id FROM staff WHERE store_id <> $1 LIMIT 1", counter.store_id
    )
    rent = {"customerId": customer, "storeId": counter.store_id, "filmId": counter.film_id}
    pay = {"customerId": customer, "amount": "1.00"}
    callers = {  # a customer may rent for themself (decision 0120), never for someone else
        None: "UnauthenticatedError",
        f"customer:{another_customer}": "PermissionDeniedError",
        staff(other_staff, other_store): "PermissionDeniedError",
    }
    for who, refusal in callers.items():
        rented = await call.mutate("rentFilm", RENTAL, rent, who=who)
        paid = await call.mutate("recordPayment", PAYMENT, pay, who=who)
        assert error_types(rented) == error_types(paid) == [refusal], who
    assert await sql.fetchval("SELECT count(*) FROM rental WHERE customer_id = $1", customer) == 0
    assert await sql.fetchval("SELECT count(*) FROM payment WHERE customer_id = $1", customer) == 0


async def test_return_at_a_given_moment_must_be_aware_and_plausible(
    call: Caller, sql: asyncpg.Connection
) -> None:
    counter = await counter_with_copies(sql, rental_duration=3)
    customer = await new_customer(sql, counter.store_id)
    who = staff(counter.staff_id, counter.store_id)
    rented = await call.mutate(
        "rentFilm",
        RENTAL,
        {"customerId": customer, "storeId": counter.store_id, "filmId": counter.film_id},
        who=who,
    )
    rental_id = rented["rental"]["rentalId"]
    await sql.execute(
        "UPDATE rental SET rental_date = '2026-01-01T10:00:00+00' WHERE rental_id = $1", rental_id
    )
    for moment in ("2026-01-05T10:00:00", "2999-01-01T00:00:00+00:00", "2025-12-31T00:00:00Z"):
        refused = await call.mutate(
            "returnRental", RETURN, {"rentalId": rental_id, "returnedAt": moment}, who=who
        )
        assert [(e["__typename"], e["field"]) for e in refused["errors"]] == [
            ("ValidationError", "input.returnedAt")
        ], moment
    returned = await call.mutate(
        "returnRental",
        RETURN,
        {"rentalId": rental_id, "returnedAt": "2026-01-05T12:00:00+02:00"},
        who=who,
    )
    assert returned["errors"] == []
    row = await sql.fetchrow(
        "SELECT return_date, get_customer_balance(customer_id, return_date) AS charge "
        "FROM rental WHERE rental_id = $1",
        rental_id,
    )
    assert row["return_date"].isoformat() == "2026-01-05T10:00:00+00:00"
    assert Decimal(returned["charge"]) == row["charge"] == Decimal("3.99")
