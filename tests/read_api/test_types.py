"""Every type's fields and relations, compared with the rows SQL returns for the same object."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import asyncpg
from sqlalchemy import text

from persistence.db import Database
from tests.read_api.conftest import ADMIN, Api, staff


def when(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value)


async def test_film_fields_and_relations(api: Api, pg: asyncpg.Connection) -> None:
    data = await api.data(
        """{ film(filmId: 133) {
          filmId title description releaseYear rentalDuration rentalRate length replacementCost
          rating specialFeatures streamingAvailable lastUpdate
          language { languageId name } originalLanguage { name }
          actors(first: 100) { totalCount nodes { actorId } }
          categories { nodes { categoryId name } }
          inventory(first: 100) {
            totalCount nodes { inventoryId store { storeId } film { filmId } }
          }
        } }"""
    )
    film = data["film"]
    row = await pg.fetchrow(
        "SELECT f.*, rtrim(l.name) AS language FROM film f JOIN language l USING (language_id) "
        "WHERE film_id = 133"
    )
    assert film == {
        **film,  # type: ignore[dict-item]
        "filmId": 133,
        "title": row["title"],
        "description": row["description"],
        "releaseYear": row["release_year"],
        "rentalDuration": row["rental_duration"],
        "rentalRate": str(row["rental_rate"]),
        "length": row["length"],
        "replacementCost": str(row["replacement_cost"]),
        "rating": row["rating"].replace("-", "_"),  # GraphQL enum names: NC_17, PG_13
        "specialFeatures": row["special_features"],
        "streamingAvailable": row["streaming_available"],
        "language": {"languageId": row["language_id"], "name": row["language"]},
        "originalLanguage": None,
    }
    assert when(film["lastUpdate"]) == row["last_update"]  # type: ignore[index]
    cast = await pg.fetch(
        "SELECT actor_id FROM film_actor JOIN actor USING (actor_id) WHERE film_id = 133 "
        "ORDER BY last_name, first_name, actor_id"
    )
    assert film["actors"]["nodes"] == [{"actorId": r["actor_id"]} for r in cast]  # type: ignore[index]
    assert film["actors"]["totalCount"] == len(cast)  # type: ignore[index]
    categories = await pg.fetch(
        "SELECT category_id, name FROM film_category JOIN category USING (category_id) "
        "WHERE film_id = 133 ORDER BY name, category_id"
    )
    assert film["categories"]["nodes"] == [  # type: ignore[index]
        {"categoryId": r["category_id"], "name": r["name"]} for r in categories
    ]
    copies = await pg.fetch(
        "SELECT inventory_id, store_id FROM inventory WHERE film_id = 133 ORDER BY inventory_id"
    )
    assert film["inventory"]["nodes"] == [  # type: ignore[index]
        {
            "inventoryId": r["inventory_id"],
            "store": {"storeId": r["store_id"]},
            "film": {"filmId": 133},
        }
        for r in copies
    ]


async def test_actor_category_and_language(api: Api, pg: asyncpg.Connection) -> None:
    data = await api.data(
        """{ actor(actorId: 1) {
               firstName lastName lastUpdate films(first: 100) { nodes { filmId } }
             }
             category(categoryId: 1) { name films(first: 100) { totalCount nodes { filmId } } }
             languages { nodes { languageId name } } }"""
    )
    actor = await pg.fetchrow("SELECT * FROM actor WHERE actor_id = 1")
    films = await pg.fetch(
        "SELECT film_id FROM film JOIN film_actor USING (film_id) WHERE actor_id = 1 "
        "ORDER BY title, film_id"
    )
    assert data["actor"] == {
        "firstName": actor["first_name"],
        "lastName": actor["last_name"],
        "lastUpdate": data["actor"]["lastUpdate"],  # type: ignore[index]
        "films": {"nodes": [{"filmId": r["film_id"]} for r in films]},
    }
    in_category = await pg.fetch(
        "SELECT film_id FROM film JOIN film_category USING (film_id) WHERE category_id = 1 "
        "ORDER BY title, film_id"
    )
    category = data["category"]
    assert category["name"] == await pg.fetchval("SELECT name FROM category WHERE category_id = 1")  # type: ignore[index]
    assert category["films"]["totalCount"] == len(in_category)  # type: ignore[index]
    assert (
        category["films"]["nodes"]
        == [  # type: ignore[index]
            {"filmId": r["film_id"]} for r in in_category[:100]
        ]
    )
    languages = await pg.fetch(
        "SELECT language_id, rtrim(name) AS name FROM language ORDER BY name"
    )
    assert data["languages"]["nodes"] == [  # type: ignore[index]
        {"languageId": r["language_id"], "name": r["name"]} for r in languages
    ]
    assert all(not n["name"].endswith(" ") for n in data["languages"]["nodes"])  # type: ignore[index]


async def test_store_staff_and_geography(api: Api, pg: asyncpg.Connection) -> None:
    data = await api.data(
        """{ store(storeId: 1) {
              storeId manager { staffId firstName lastName email active username store { storeId } }
              address { address address2 district postalCode phone
                        city { city country { country } } }
              staff { nodes { staffId } }
              inventory(first: 3) { totalCount nodes { inventoryId } }
        } }""",
        as_=staff(1),
    )
    store = data["store"]
    row = await pg.fetchrow(
        "SELECT s.*, m.store_id AS manager_store, m.first_name, m.last_name, m.email, "
        "m.active, m.username, a.address, "
        "a.address2, a.district, a.postal_code, a.phone, ci.city, co.country "
        "FROM store s JOIN staff m ON m.staff_id = s.manager_staff_id "
        "JOIN address a ON a.address_id = s.address_id JOIN city ci USING (city_id) "
        "JOIN country co USING (country_id) WHERE s.store_id = 1"
    )
    assert store["manager"] == {  # type: ignore[index]
        "staffId": row["manager_staff_id"],
        "firstName": row["first_name"],
        "lastName": row["last_name"],
        "email": row["email"],
        "active": row["active"],
        "username": row["username"],
        "store": {"storeId": row["manager_store"]},
    }
    assert store["address"] == {  # type: ignore[index]
        "address": row["address"],
        "address2": row["address2"],
        "district": row["district"],
        "postalCode": row["postal_code"],
        "phone": row["phone"],
        "city": {"city": row["city"], "country": {"country": row["country"]}},
    }
    staff_ids = await pg.fetch("SELECT staff_id FROM staff WHERE store_id = 1 ORDER BY staff_id")
    assert store["staff"]["nodes"] == [{"staffId": r["staff_id"]} for r in staff_ids]  # type: ignore[index]
    copies = await pg.fetch("SELECT inventory_id FROM inventory WHERE store_id = 1 ORDER BY 1")
    assert (
        store["inventory"]
        == {  # type: ignore[index]
            "totalCount": len(copies),
            "nodes": [{"inventoryId": r["inventory_id"]} for r in copies[:3]],
        }
    )


async def test_customer_rental_and_payment(api: Api, pg: asyncpg.Connection) -> None:
    data = await api.data(
        """{ customer(customerId: 3) {
              customerId firstName lastName email active createDate
              store { storeId } address { addressId }
              rentals(first: 1) { totalCount nodes {
                  rentalId rentalDate returnDate lastUpdate customer { customerId }
                  staff { staffId } inventory { inventoryId film { filmId } store { storeId } }
                  film { filmId } payments { nodes { paymentId } } } }
              payments(last: 1) { totalCount nodes {
                  paymentId amount paymentDate customer { customerId } staff { staffId }
                  rental { rentalId } } }
        } }""",
        as_=ADMIN,
    )
    cust = data["customer"]
    row = await pg.fetchrow("SELECT * FROM customer WHERE customer_id = 3")
    assert {k: cust[k] for k in ("firstName", "lastName", "email", "active")} == {  # type: ignore[index]
        "firstName": row["first_name"],
        "lastName": row["last_name"],
        "email": row["email"],
        "active": row["activebool"],
    }
    assert cust["createDate"] == row["create_date"].isoformat()  # type: ignore[index]
    assert cust["store"] == {"storeId": row["store_id"]}  # type: ignore[index]
    assert cust["address"] == {"addressId": row["address_id"]}  # type: ignore[index]

    rental = await pg.fetchrow(
        "SELECT r.*, i.film_id, i.store_id FROM rental r JOIN inventory i USING (inventory_id) "
        "WHERE customer_id = 3 ORDER BY rental_date DESC, rental_id DESC LIMIT 1"
    )
    got = cust["rentals"]["nodes"][0]  # type: ignore[index]
    assert cust["rentals"]["totalCount"] == await pg.fetchval(  # type: ignore[index]
        "SELECT count(*) FROM rental WHERE customer_id = 3"
    )
    assert got["rentalId"] == rental["rental_id"]
    assert when(got["rentalDate"]) == rental["rental_date"]
    assert (got["returnDate"] and when(got["returnDate"])) == rental["return_date"]
    assert got["inventory"] == {
        "inventoryId": rental["inventory_id"],
        "film": {"filmId": rental["film_id"]},
        "store": {"storeId": rental["store_id"]},
    }
    assert got["film"] == {"filmId": rental["film_id"]}
    assert got["customer"] == {"customerId": 3}
    assert got["staff"] == {"staffId": rental["staff_id"]}
    paid = await pg.fetch(
        "SELECT payment_id FROM payment WHERE rental_id = $1 ORDER BY payment_date, payment_id",
        rental["rental_id"],
    )
    assert got["payments"]["nodes"] == [{"paymentId": r["payment_id"]} for r in paid]

    # payments newest first; `last: 1` is the oldest
    payment = await pg.fetchrow(
        "SELECT * FROM payment WHERE customer_id = 3 ORDER BY payment_date, payment_id LIMIT 1"
    )
    got_payment = cust["payments"]["nodes"][0]  # type: ignore[index]
    assert got_payment["paymentId"] == payment["payment_id"]
    assert Decimal(got_payment["amount"]) == payment["amount"]
    assert when(got_payment["paymentDate"]) == payment["payment_date"]
    assert got_payment["customer"] == {"customerId": 3}
    assert got_payment["staff"] == {"staffId": payment["staff_id"]}
    assert got_payment["rental"] == {"rentalId": payment["rental_id"]}


async def test_streaming_subscriptions(isolated_api: Api, isolated_database: Database) -> None:
    async with isolated_database.session() as session:
        await session.execute(
            text(
                "INSERT INTO streaming_subscription (customer_id, plan_name, start_date, end_date) "
                "VALUES (5, 'basic', DATE '2022-01-01', DATE '2022-02-01'), "
                "(5, 'premium', DATE '2022-02-01', NULL)"
            )
        )
        await session.commit()
        rows = (
            await session.execute(
                text(
                    "SELECT id, plan_name, start_date, end_date FROM streaming_subscription "
                    "WHERE customer_id = 5 ORDER BY id"
                )
            )
        ).all()
    data = await isolated_api.data(
        """{ customer(customerId: 5) { subscriptions { totalCount nodes {
              subscriptionId planName startDate endDate customer { customerId } } } } }""",
        as_=ADMIN,
    )
    assert data["customer"]["subscriptions"] == {  # type: ignore[index]
        "totalCount": 2,
        "nodes": [
            {
                "subscriptionId": r.id,
                "planName": r.plan_name,
                "startDate": r.start_date.isoformat(),
                "endDate": r.end_date and r.end_date.isoformat(),
                "customer": {"customerId": 5},
            }
            for r in rows
        ],
    }
