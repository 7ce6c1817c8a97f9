"""Test data made with plain SQL, so that tests never depend on each other's writes."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from decimal import Decimal

import asyncpg

_serial = itertools.count(1)


@dataclass(frozen=True, slots=True)
class Counter:
    store_id: int
    staff_id: int
    film_id: int
    inventory_ids: tuple[int, ...]


async def counter_with_copies(sql: asyncpg.Connection, copies: int = 1, **film: object) -> Counter:
    """A new film with `copies` copies at a store that has staff; returns who can rent it out."""
    store_id, staff_id = await sql.fetchrow(
        "SELECT store_id, min(staff_id) FROM staff GROUP BY store_id ORDER BY store_id "
        "OFFSET $1 LIMIT 1",
        next(_serial) % 400,
    )
    columns = {
        "rental_duration": 3,
        "rental_rate": Decimal("2.99"),
        "replacement_cost": Decimal("19.99"),
        **film,
    }
    film_id = await sql.fetchval(
        "INSERT INTO film (title, language_id, rental_duration, rental_rate, replacement_cost) "
        "VALUES ($1, 1, $2, $3, $4) RETURNING film_id",
        f"TEST FILM {next(_serial)}",
        columns["rental_duration"],
        columns["rental_rate"],
        columns["replacement_cost"],
    )
    inventory_ids = [
        await sql.fetchval(
            "INSERT INTO inventory (film_id, store_id) VALUES ($1, $2) RETURNING inventory_id",
            film_id,
            store_id,
        )
        for _ in range(copies)
    ]
    return Counter(store_id, staff_id, film_id, tuple(inventory_ids))


async def new_customer(sql: asyncpg.Connection, store_id: int, *, active: bool = True) -> int:
    """A customer with no rentals and no payments."""
    customer_id: int = await sql.fetchval(
        "INSERT INTO customer (store_id, first_name, last_name, address_id, activebool, active) "
        "VALUES ($1, 'TEST', $2, 1, $3, $4) RETURNING customer_id",
        store_id,
        f"CUSTOMER {next(_serial)}",
        active,
        1 if active else 0,
    )
    return customer_id
