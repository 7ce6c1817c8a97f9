"""The data one permission case acts on, made fresh with plain SQL (all of it at the "own"
store), and the callers of each case of the matrix relative to it."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import asyncpg
from argon2 import PasswordHasher

from graph.permissions import Case

OWN_STORE = 1
OTHER_STORE = 2

_serial = itertools.count(1)
PASSWORD = "permission matrix password"
#: cheap parameters: these tests check who may, not what hashing costs
_HASH = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)


@dataclass(frozen=True, slots=True)
class World:
    serial: int
    customer_id: int  # a customer of the own store: "self"
    other_customer_id: int  # another customer of the same store: "other"
    own_staff_id: int
    other_staff_id: int
    film_id: int  # with a free copy and a rented one, at the own store
    bare_film_id: int  # no copies, no history: deletable
    free_copy_id: int
    rental_id: int  # open, the customer's, of the other copy
    payment_id: int
    subscription_id: int  # the customer's, running for 30 more days
    category_id: int  # used by no film
    conversation_id: int  # the customer's
    #: each signed-in case's principal, with an account (`app_user`) of its own behind it
    callers: dict[Case, dict[str, object]] = field(default_factory=dict)

    @property
    def email(self) -> str:
        """The e-mail of the customer's account (password `PASSWORD`)."""
        return f"perm-{self.serial}-customer-self@example.org"

    def caller(self, case: Case) -> dict[str, object] | None:
        """The `X-Test-Principal` header of `case` (None: anonymous)."""
        return self.callers.get(case)


async def _customer(sql: asyncpg.Connection, serial: int, label: str) -> int:
    customer_id: int = await sql.fetchval(
        "INSERT INTO customer (store_id, first_name, last_name, address_id, activebool, active) "
        "VALUES ($1, 'PERM', $2, 1, true, 1) RETURNING customer_id",
        OWN_STORE,
        f"{label} {serial}",
    )
    return customer_id


async def _staff(sql: asyncpg.Connection, serial: int, store_id: int, case: Case) -> int:
    staff_id: int = await sql.fetchval(
        "INSERT INTO staff (first_name, last_name, address_id, store_id, username) "
        "VALUES ('PERM', $1, 1, $2, $3) RETURNING staff_id",
        f"{case.name} {serial}",
        store_id,
        f"p{serial}-{list(Case).index(case)}",
    )
    return staff_id


async def _account(
    sql: asyncpg.Connection, serial: int, case: Case, principal: dict[str, object]
) -> dict[str, object]:
    """An account for `principal`; returns the principal with its `user_id`."""
    label = case.name.lower().replace("_", "-")
    user_id = await sql.fetchval(
        "INSERT INTO app_user (email, password_hash, role, customer_id, staff_id) "
        "VALUES ($1, $2, $3, $4, $5) RETURNING user_id",
        f"perm-{serial}-{label}@example.org",
        _HASH,
        principal["role"],
        principal.get("customer_id"),
        principal.get("staff_id"),
    )
    return {**principal, "user_id": user_id}


async def _film(sql: asyncpg.Connection, title: str) -> int:
    film_id: int = await sql.fetchval(
        "INSERT INTO film (title, language_id, rental_duration, rental_rate, replacement_cost) "
        "VALUES ($1, 1, 3, 2.99, 19.99) RETURNING film_id",
        title,
    )
    return film_id


async def _copy(sql: asyncpg.Connection, film_id: int) -> int:
    inventory_id: int = await sql.fetchval(
        "INSERT INTO inventory (film_id, store_id) VALUES ($1, $2) RETURNING inventory_id",
        film_id,
        OWN_STORE,
    )
    return inventory_id


async def make_world(sql: asyncpg.Connection) -> World:
    serial = next(_serial)
    customer_id = await _customer(sql, serial, "SELF")
    other_customer_id = await _customer(sql, serial, "OTHER")
    # staff of their own per case: an account names one staff member
    staff_ids = {
        case: await _staff(sql, serial, store, case)
        for case, store in (
            (Case.STAFF_OWN, OWN_STORE),
            (Case.STAFF_OTHER, OTHER_STORE),
            (Case.MANAGER_OWN, OWN_STORE),
            (Case.MANAGER_OTHER, OTHER_STORE),
            (Case.ADMIN, OWN_STORE),
        )
    }
    own_staff_id, other_staff_id = staff_ids[Case.STAFF_OWN], staff_ids[Case.STAFF_OTHER]
    film_id = await _film(sql, f"PERM FILM {serial}")
    bare_film_id = await _film(sql, f"PERM BARE FILM {serial}")
    free_copy_id = await _copy(sql, film_id)
    rented_copy_id = await _copy(sql, film_id)
    rental_id = await sql.fetchval(
        "INSERT INTO rental (rental_date, inventory_id, customer_id, staff_id) "
        "VALUES (now() - interval '1 day', $1, $2, $3) RETURNING rental_id",
        rented_copy_id,
        customer_id,
        own_staff_id,
    )
    payment_id = await sql.fetchval(
        "INSERT INTO payment (customer_id, staff_id, rental_id, amount, payment_date) "
        "VALUES ($1, $2, $3, 1.00, now()) RETURNING payment_id",
        customer_id,
        own_staff_id,
        rental_id,
    )
    subscription_id = await sql.fetchval(
        "INSERT INTO streaming_subscription (customer_id, plan_name, start_date, end_date) "
        "VALUES ($1, 'basic', current_date - 30, current_date + 30) RETURNING id",
        customer_id,
    )
    category_id = await sql.fetchval(
        "INSERT INTO category (name) VALUES ($1) RETURNING category_id", f"PERM CAT {serial}"
    )
    conversation_id = await sql.fetchval(
        "INSERT INTO conversation (customer_id, user_id, title) "
        "VALUES ($1, NULL, 'films?') RETURNING conversation_id",
        customer_id,
    )
    principals: dict[Case, dict[str, object]] = {
        Case.CUSTOMER_SELF: {"role": "customer", "customer_id": customer_id},
        Case.CUSTOMER_OTHER: {"role": "customer", "customer_id": other_customer_id},
        Case.ADMIN: {"role": "admin", "staff_id": staff_ids[Case.ADMIN]},
    }
    for case, role, store in (
        (Case.STAFF_OWN, "staff", OWN_STORE),
        (Case.STAFF_OTHER, "staff", OTHER_STORE),
        (Case.MANAGER_OWN, "manager", OWN_STORE),
        (Case.MANAGER_OTHER, "manager", OTHER_STORE),
    ):
        principals[case] = {"role": role, "store_id": store, "staff_id": staff_ids[case]}
    callers = {case: await _account(sql, serial, case, p) for case, p in principals.items()}
    return World(
        callers=callers,
        serial=serial,
        customer_id=customer_id,
        other_customer_id=other_customer_id,
        own_staff_id=own_staff_id,
        other_staff_id=other_staff_id,
        film_id=film_id,
        bare_film_id=bare_film_id,
        free_copy_id=free_copy_id,
        rental_id=rental_id,
        payment_id=payment_id,
        subscription_id=subscription_id,
        category_id=category_id,
        conversation_id=conversation_id,
    )


#: Every table a mutation may write.
WRITTEN_TABLES = (
    "film",
    "film_actor",
    "film_category",
    "category",
    "inventory",
    "customer",
    "address",
    "city",
    "rental",
    "payment",
    "streaming_subscription",
    "conversation",
    "message",
    "app_user",
    "refresh_token",
)


async def checksums(sql: asyncpg.Connection) -> dict[str, tuple[int, int]]:
    """Row count and an order-independent sum of row hashes, per table."""
    result: dict[str, tuple[int, int]] = {}
    for table in WRITTEN_TABLES:
        row = await sql.fetchrow(
            f"SELECT count(*), coalesce(sum(hashtext(t::text)::bigint), 0) FROM {table} t"
        )
        result[table] = (row[0], row[1])
    return result
