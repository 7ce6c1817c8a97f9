"""Every root list: default order equals SQL's, and pages chain forward and backward."""

from __future__ import annotations

import asyncpg
import pytest

from tests.read_api.conftest import ADMIN, Api

#: root field (with arguments) → (key field, the same list in SQL, in the documented order)
LISTS = {
    "actors": ("actorId", "SELECT actor_id FROM actor ORDER BY last_name, first_name, actor_id"),
    "categories": ("categoryId", "SELECT category_id FROM category ORDER BY name, category_id"),
    "languages": ("languageId", "SELECT language_id FROM language ORDER BY name, language_id"),
    "stores": ("storeId", "SELECT store_id FROM store ORDER BY store_id"),
    "staff": ("staffId", "SELECT staff_id FROM staff ORDER BY staff_id"),
    "inventory(filter: {filmId: 10, storeId: 1})": (
        "inventoryId",
        "SELECT inventory_id FROM inventory WHERE film_id = 10 AND store_id = 1 "
        "ORDER BY inventory_id",
    ),
    "customers": (
        "customerId",
        "SELECT customer_id FROM customer ORDER BY last_name, first_name, customer_id",
    ),
    "rentals": (
        "rentalId",
        "SELECT rental_id FROM rental ORDER BY rental_date DESC, rental_id DESC",
    ),
    "payments": (
        "paymentId",
        "SELECT payment_id FROM payment ORDER BY payment_date DESC, payment_id DESC",
    ),
}


def _with(field: str, arguments: str) -> str:
    if "(" in field:
        return field.replace("(", f"({arguments}, ", 1)
    return f"{field}({arguments})"


@pytest.mark.parametrize("field", sorted(LISTS))
async def test_root_list_pages_chain(api: Api, pg: asyncpg.Connection, field: str) -> None:
    key, sql = LISTS[field]
    expected = [r[0] for r in await pg.fetch(f"{sql} LIMIT 6")]
    name = field.split("(", maxsplit=1)[0]
    query = (
        "query($after: String, $before: String) { "
        + _with(field, "first: 3, after: $after")
        + f" {{ nodes {{ {key} }} pageInfo {{ endCursor }} }} "
        + "back: "
        + _with(field, "last: 3, before: $before")
        + f" {{ nodes {{ {key} }} }} }}"
    )
    first = await api.data(query, {"after": None, "before": None}, as_=ADMIN)
    cursor = first[name]["pageInfo"]["endCursor"]  # type: ignore[index]
    second = await api.data(query, {"after": cursor, "before": cursor}, as_=ADMIN)
    got = [n[key] for n in first[name]["nodes"] + second[name]["nodes"]]  # type: ignore[index]
    assert got == expected[: len(got)] and len(got) == min(6, len(expected))
    # backward from the end of page one: the two before its last item
    assert [n[key] for n in second["back"]["nodes"]] == expected[:2]  # type: ignore[index]


async def test_single_object_fields_by_key(api: Api, pg: asyncpg.Connection) -> None:
    data = await api.data(
        "{ actor(actorId: 2) { lastName } category(categoryId: 2) { name } "
        "language(languageId: 2) { name } inventoryItem(inventoryId: 2) { film { filmId } } "
        "store(storeId: 2) { storeId } staffMember(staffId: 2) { lastName } "
        "rental(rentalId: 2) { customer { customerId } } payment(paymentId: 16051) { amount } }",
        as_=ADMIN,
    )
    row = await pg.fetchrow(
        "SELECT (SELECT last_name FROM actor WHERE actor_id = 2) AS actor, "
        "(SELECT name FROM category WHERE category_id = 2) AS category, "
        "(SELECT rtrim(name) FROM language WHERE language_id = 2) AS language, "
        "(SELECT film_id FROM inventory WHERE inventory_id = 2) AS film, "
        "(SELECT last_name FROM staff WHERE staff_id = 2) AS staff, "
        "(SELECT customer_id FROM rental WHERE rental_id = 2) AS customer, "
        "(SELECT amount::text FROM payment WHERE payment_id = 16051) AS amount"
    )
    assert data == {
        "actor": {"lastName": row["actor"]},
        "category": {"name": row["category"]},
        "language": {"name": row["language"]},
        "inventoryItem": {"film": {"filmId": row["film"]}},
        "store": {"storeId": 2},
        "staffMember": {"lastName": row["staff"]},
        "rental": {"customer": {"customerId": row["customer"]}},
        "payment": {"amount": row["amount"]},
    }
