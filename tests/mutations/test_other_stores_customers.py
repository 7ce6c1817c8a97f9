"""Issue 14 item 11, decision 0150: staff serve any active customer of the chain at their own
store's counter, whatever store the customer registered at (as Pagila's own rentals do). The
answer agrees with the write: the payload reads back the rental and the customer just served,
with no error; nothing else of that customer's becomes visible, and a refused write writes
nothing."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import asyncpg
import httpx

from tests.mutations.fixtures import Counter, counter_with_copies, new_customer
from tests.mutations.support import HEADER, Caller, error_types, staff

SERVED = (
    "rental { rentalId returnDate inventory { store { storeId } } "
    "customer { customerId firstName lastName store { storeId } } }"
)


async def elsewhere(sql: asyncpg.Connection, counter: Counter) -> tuple[int, int]:
    """A customer registered at another store than the counter's, and that store."""
    other_store: int = await sql.fetchval(
        "SELECT store_id FROM store WHERE store_id <> $1 ORDER BY random() LIMIT 1",
        counter.store_id,
    )
    return await new_customer(sql, other_store), other_store


async def rentals_of(sql: asyncpg.Connection, customer_id: int) -> int:
    query = "SELECT count(*) FROM rental WHERE customer_id = $1"
    count: int = await sql.fetchval(query, customer_id)
    return count


async def test_the_data_has_staff_serving_other_stores_customers(sql: asyncpg.Connection) -> None:
    """The rule follows the data: Pagila's rentals pair customers with staff of other stores."""
    crossed = await sql.fetchval(
        "SELECT count(*) FROM rental r JOIN staff s USING (staff_id) "
        "JOIN customer c USING (customer_id) WHERE s.store_id <> c.store_id"
    )
    assert crossed > 0


async def test_staff_rent_and_take_back_for_another_stores_customer(
    call: Caller, sql: asyncpg.Connection
) -> None:
    counter = await counter_with_copies(sql)
    customer, home = await elsewhere(sql, counter)
    who = staff(counter.staff_id, counter.store_id)
    rent = {"customerId": customer, "storeId": counter.store_id, "filmId": counter.film_id}

    rented = await call.mutate("rentFilm", SERVED, rent, who=who)  # no top-level error either

    assert rented["errors"] == []
    rental = rented["rental"]
    assert rental["customer"] == {
        "customerId": customer,
        "firstName": "TEST",
        "lastName": rental["customer"]["lastName"],
        "store": {"storeId": home},
    }
    assert rental["inventory"]["store"]["storeId"] == counter.store_id
    assert await rentals_of(sql, customer) == 1

    returned = await call.mutate(
        "returnRental", f"{SERVED} charge", {"rentalId": rental["rentalId"]}, who=who
    )
    assert returned["errors"] == []
    assert returned["rental"]["customer"]["customerId"] == customer
    assert returned["rental"]["returnDate"] is not None
    assert returned["charge"] is not None


async def test_a_replayed_rental_reads_back_the_same(call: Caller, sql: asyncpg.Connection) -> None:
    counter = await counter_with_copies(sql, copies=2)
    customer, _ = await elsewhere(sql, counter)
    who = staff(counter.staff_id, counter.store_id)
    rent = {
        "customerId": customer,
        "storeId": counter.store_id,
        "filmId": counter.film_id,
        "idempotencyKey": f"cross-store-{customer}",
    }
    first = await call.mutate("rentFilm", SERVED, rent, who=who)
    again = await call.mutate("rentFilm", SERVED, rent, who=who)
    assert first == again and first["errors"] == []
    assert await rentals_of(sql, customer) == 1


async def test_the_customer_served_is_visible_in_that_operation_only(
    call: Caller, write_client: httpx.AsyncClient, sql: asyncpg.Connection
) -> None:
    """The read-back covers the customer served, in that operation only: a later request of the
    same caller is refused as before."""
    counter = await counter_with_copies(sql)
    customer, _ = await elsewhere(sql, counter)
    who = staff(counter.staff_id, counter.store_id)
    rent = {"customerId": customer, "storeId": counter.store_id, "filmId": counter.film_id}
    nested = "rental { customer { customerId balance rentals(first: 1) { totalCount } } }"
    query = (
        "mutation($input: RentFilmInput!) { rentFilm(input: $input) { "
        f"{nested} errors {{ code }} }} }}"
    )
    answer: dict[str, Any] = (
        await write_client.post(
            "/graphql", json={"query": query, "variables": {"input": rent}}, headers={HEADER: who}
        )
    ).json()
    assert answer["data"]["rentFilm"]["errors"] == []
    assert answer["data"]["rentFilm"]["rental"]["customer"]["customerId"] == customer
    assert await rentals_of(sql, customer) == 1
    # the customer's payments stay their store's business (an error at that field only)
    # the counter sees the account it serves as the customer's own store does: what they owe
    # (the new rental's rate) and their rentals
    assert "errors" not in answer, answer["errors"]
    customer_read = answer["data"]["rentFilm"]["rental"]["customer"]
    assert customer_read["rentals"] == {"totalCount": 1}
    assert Decimal(customer_read["balance"]) == Decimal("2.99")

    later = await write_client.post(
        "/graphql",
        json={"query": f"{{ customer(customerId: {customer}) {{ customerId }} }}"},
        headers={HEADER: who},
    )
    assert later.json()["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"


async def test_staff_of_another_store_still_cannot_rent_here(
    call: Caller, sql: asyncpg.Connection
) -> None:
    """The counter's store is the staff member's own: a refusal is typed and writes nothing."""
    counter = await counter_with_copies(sql)
    customer, home = await elsewhere(sql, counter)
    home_staff = await sql.fetchval("SELECT min(staff_id) FROM staff WHERE store_id = $1", home)
    rent = {"customerId": customer, "storeId": counter.store_id, "filmId": counter.film_id}
    if home_staff is not None:
        refused = await call.mutate("rentFilm", SERVED, rent, who=staff(home_staff, home))
        assert error_types(refused) == ["PermissionDeniedError"]
        assert refused["rental"] is None
    assert await rentals_of(sql, customer) == 0
