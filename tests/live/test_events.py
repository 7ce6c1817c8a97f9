"""Domain events to subscriptions through real servers: each subscription gets the committed
changes it may see, in order, and a write that did not commit sends nothing. Run with the
in-process hub and with Redis pub/sub (one server; two processes: test_processes.py)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import asyncpg

from domain.auth import Role
from tests.live.conftest import Server
from tests.live.support import ADMIN, clerk, customer, subscribed

RENTAL_EVENTS = """
subscription($store: Int!) {
  rentalEvents(storeId: $store) {
    kind storeId customerId rentalId filmId inventoryId paymentId amount occurredAt
  }
}"""
AVAILABILITY = """
subscription($film: Int!) {
  filmAvailability(filmId: $film) { filmId inStock cause deleted stores { storeId copies inStock } }
}"""
ACCOUNT = """
subscription { myAccountEvents { kind rentalId filmId paymentId amount change balance } }
"""


async def free_film(sql: asyncpg.Connection, store_id: int, minimum: int = 1) -> int:
    """A film with at least `minimum` copies in stock at the store (and some at the other)."""
    film_id: int = await sql.fetchval(
        """SELECT i.film_id FROM inventory i
           WHERE NOT EXISTS (SELECT 1 FROM rental r
                             WHERE r.inventory_id = i.inventory_id AND r.return_date IS NULL)
           GROUP BY i.film_id
           HAVING count(*) FILTER (WHERE i.store_id = $1) >= $2
              AND count(*) FILTER (WHERE i.store_id <> $1) >= 1
           ORDER BY random() LIMIT 1""",
        store_id,
        minimum,
    )
    return film_id


async def active_customer(sql: asyncpg.Connection, store_id: int, skip: int = 0) -> int:
    customer_id: int = await sql.fetchval(
        "SELECT customer_id FROM customer WHERE store_id = $1 AND activebool "
        "ORDER BY customer_id OFFSET $2 LIMIT 1",
        store_id,
        skip,
    )
    return customer_id


async def rent(
    server: Server, sql: asyncpg.Connection, film_id: int, customer_id: int, store_id: int
) -> dict[str, Any]:
    payload = await server.http.mutate(
        "rentFilm",
        "rental { rentalId inventory { inventoryId } }",
        {"filmId": film_id, "customerId": customer_id, "storeId": store_id},
        as_=await clerk(sql, store_id),
    )
    assert payload["errors"] == [], payload
    rental: dict[str, Any] = payload["rental"]
    return {"rentalId": rental["rentalId"], "inventoryId": rental["inventory"]["inventoryId"]}


async def stock(sql: asyncpg.Connection, film_id: int) -> list[dict[str, int]]:
    rows = await sql.fetch(
        """SELECT i.store_id, count(*) AS copies,
                  count(*) FILTER (WHERE NOT EXISTS (
                      SELECT 1 FROM rental r
                      WHERE r.inventory_id = i.inventory_id AND r.return_date IS NULL)) AS free
           FROM inventory i WHERE i.film_id = $1 GROUP BY i.store_id ORDER BY i.store_id""",
        film_id,
    )
    return [{"storeId": r["store_id"], "copies": r["copies"], "inStock": r["free"]} for r in rows]


async def balance(sql: asyncpg.Connection, customer_id: int) -> Decimal:
    value: Decimal = await sql.fetchval("SELECT get_customer_balance($1, now())", customer_id)
    return value


async def test_store_staff_get_their_stores_rentals_returns_and_payments_in_order(
    server: Server, live_sql: asyncpg.Connection
) -> None:
    film_id = await free_film(live_sql, 1)
    other_film = await free_film(live_sql, 2)
    customer_id = await active_customer(live_sql, 1)
    store1 = subscribed(
        server.ws_url,
        server.settings,
        RENTAL_EVENTS,
        {"store": 1},
        as_=await clerk(live_sql, 1),
        hub=server.hub,
    )
    store2 = subscribed(
        server.ws_url,
        server.settings,
        RENTAL_EVENTS,
        {"store": 2},
        as_=await clerk(live_sql, 2, Role.MANAGER),
        hub=server.hub,
    )
    async with store1 as own, store2 as other:
        rental = await rent(server, live_sql, film_id, customer_id, 1)
        returned = await server.http.mutate(
            "returnRental",
            "amountDue",
            {"rentalId": rental["rentalId"]},
            as_=await clerk(live_sql, 1),
        )
        assert returned["errors"] == []
        paid = await server.http.mutate(
            "recordPayment",
            "payment { paymentId }",
            {"customerId": customer_id, "amount": "1.25", "rentalId": rental["rentalId"]},
            as_=await clerk(live_sql, 1),
        )
        assert paid["errors"] == []
        sentinel = await rent(server, live_sql, other_film, await active_customer(live_sql, 2), 2)

        got = [await own.data("rentalEvents") for _ in range(3)]
        assert [e["kind"] for e in got] == ["RENTED", "RETURNED", "PAID"]
        assert {e["rentalId"] for e in got} == {rental["rentalId"]}
        assert {(e["storeId"], e["customerId"]) for e in got} == {(1, customer_id)}
        assert got[0]["filmId"] == got[1]["filmId"] == film_id
        assert got[0]["inventoryId"] == rental["inventoryId"]
        assert got[2]["paymentId"] == paid["payment"]["paymentId"]
        assert Decimal(got[2]["amount"]) == Decimal("1.25")
        # store 2's staff heard nothing of store 1: their first event is their own rental
        first = await other.data("rentalEvents")
        assert (first["kind"], first["rentalId"], first["storeId"]) == (
            "RENTED",
            sentinel["rentalId"],
            2,
        )


async def test_film_availability_is_sent_now_and_after_each_committed_change(
    server: Server, live_sql: asyncpg.Connection
) -> None:
    film_id = await free_film(live_sql, 1, minimum=2)
    customer_id = await active_customer(live_sql, 1, skip=3)
    async with subscribed(server.ws_url, server.settings, AVAILABILITY, {"film": film_id}) as sub:
        first = await sub.data("filmAvailability")  # anonymous: the catalogue is public
        assert first["cause"] is None and first["deleted"] is False
        assert first["stores"] == await stock(live_sql, film_id)
        assert first["inStock"] == sum(s["inStock"] for s in first["stores"])

        rental = await rent(server, live_sql, film_id, customer_id, 1)
        after_rent = await sub.data("filmAvailability")
        assert after_rent["cause"] == "rented"
        assert after_rent["stores"] == await stock(live_sql, film_id)
        assert after_rent["inStock"] == first["inStock"] - 1

        added = await server.http.mutate(
            "addInventory",
            "inventory { inventoryId }",
            {"filmId": film_id, "storeId": 2},
            as_=await clerk(live_sql, 2),
        )
        assert added["errors"] == [], added
        after_add = await sub.data("filmAvailability")
        assert after_add["cause"] == "inventory_changed"
        assert after_add["inStock"] == first["inStock"]

        await server.http.mutate(
            "returnRental",
            "amountDue",
            {"rentalId": rental["rentalId"]},
            as_=await clerk(live_sql, 1),
        )
        after_return = await sub.data("filmAvailability")
        assert after_return["cause"] == "returned"
        assert after_return["stores"] == await stock(live_sql, film_id)
        assert after_return["inStock"] == first["inStock"] + 1


async def test_a_customer_gets_their_own_account_events_with_the_balance(
    server: Server, live_sql: asyncpg.Connection
) -> None:
    me = await active_customer(live_sql, 1, skip=5)
    someone_else = await active_customer(live_sql, 1, skip=6)
    async with subscribed(
        server.ws_url, server.settings, ACCOUNT, as_=customer(me), hub=server.hub
    ) as sub:
        await rent(server, live_sql, await free_film(live_sql, 1), someone_else, 1)  # not mine
        rental = await rent(server, live_sql, await free_film(live_sql, 1), me, 1)
        event = await sub.data("myAccountEvents")
        assert (event["kind"], event["rentalId"]) == ("RENTED", rental["rentalId"])
        assert Decimal(event["balance"]) == await balance(live_sql, me)

        paid = await server.http.mutate(
            "recordPayment",
            "payment { paymentId }",
            {"customerId": me, "amount": "2.00", "rentalId": rental["rentalId"]},
            as_=await clerk(live_sql, 1),
        )
        event = await sub.data("myAccountEvents")
        assert (event["kind"], event["paymentId"]) == ("PAID", paid["payment"]["paymentId"])
        assert Decimal(event["balance"]) == await balance(live_sql, me)

        changed = await server.http.mutate(
            "updateCustomer",
            "customer { customerId }",
            {"customerId": me, "lastName": "LIVE"},
            as_=ADMIN,
        )
        assert changed["errors"] == [], changed
        event = await sub.data("myAccountEvents")
        assert (event["kind"], event["change"]) == ("ACCOUNT_CHANGED", "updated")


async def test_refused_writes_send_nothing(server: Server, live_sql: asyncpg.Connection) -> None:
    """Every refusal below rolls its transaction back: the first event the store's staff get is
    the one write that committed after them."""
    film_id = await free_film(live_sql, 1)
    customer_id = await active_customer(live_sql, 1, skip=7)
    inactive = await live_sql.fetchval(
        "UPDATE customer SET activebool = false, active = 0 WHERE customer_id = $1 "
        "RETURNING customer_id",
        await active_customer(live_sql, 1, skip=8),
    )
    taken = await live_sql.fetchval(
        "SELECT inventory_id FROM rental WHERE return_date IS NULL AND inventory_id IN "
        "(SELECT inventory_id FROM inventory WHERE store_id = 1) LIMIT 1"
    )
    returned = await live_sql.fetchval(
        "SELECT rental_id FROM rental r JOIN inventory i USING (inventory_id) "
        "WHERE i.store_id = 1 AND r.return_date IS NOT NULL LIMIT 1"
    )
    async with subscribed(
        server.ws_url,
        server.settings,
        RENTAL_EVENTS,
        {"store": 1},
        as_=await clerk(live_sql, 1),
        hub=server.hub,
    ) as sub:
        refusals = [
            ("rentFilm", {"inventoryId": taken, "customerId": customer_id, "storeId": 1}),
            ("rentFilm", {"filmId": film_id, "customerId": inactive, "storeId": 1}),
            ("rentFilm", {"filmId": film_id, "customerId": customer_id, "storeId": 2}),
            ("rentFilm", {"filmId": 10**6, "customerId": customer_id, "storeId": 1}),
            ("returnRental", {"rentalId": returned}),
            ("recordPayment", {"customerId": customer_id, "amount": "-1"}),
            ("recordPayment", {"customerId": customer_id, "amount": "1", "rentalId": returned}),
        ]
        for name, input in refusals:
            payload = await server.http.mutate(name, "", input, as_=await clerk(live_sql, 1))
            assert payload["errors"], (name, input)
        sentinel = await rent(server, live_sql, film_id, customer_id, 1)
        first = await sub.data("rentalEvents")
        assert (first["kind"], first["rentalId"]) == ("RENTED", sentinel["rentalId"])
