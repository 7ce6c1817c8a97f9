"""Catalogue mutations through GraphQL against PostgreSQL: happy paths, refusals, permissions."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import asyncpg

from tests.mutations.fixtures import counter_with_copies, new_customer
from tests.mutations.support import Caller, error_types, staff

FILM = "film { filmId title description rentalRate rating specialFeatures streamingAvailable }"
ADMIN = "admin"


def fields(payload: dict[str, Any]) -> list[tuple[str, str | None]]:
    return [(e["__typename"], e["field"]) for e in payload["errors"]]


async def test_create_film(call: Caller, sql: asyncpg.Connection) -> None:
    payload = await call.mutate(
        "createFilm",
        FILM,
        {
            "title": "  NEW RELEASE  ",
            "languageId": 1,
            "description": "A film made for a test",
            "rentalRate": "3.49",
            "rating": "PG_13",
            "specialFeatures": ["Trailers", " Commentaries "],
        },
        who=ADMIN,
    )
    assert payload["errors"] == []
    film = payload["film"]
    row = await sql.fetchrow(
        "SELECT title, rental_rate, rating::text, special_features, rental_duration, "
        "replacement_cost, fulltext::text <> '' AS indexed FROM film WHERE film_id = $1",
        film["filmId"],
    )
    assert row["title"] == film["title"] == "NEW RELEASE"
    assert row["rental_rate"] == Decimal("3.49") == Decimal(film["rentalRate"])
    assert row["rating"] == "PG-13" and film["rating"] == "PG_13"
    assert row["special_features"] == ["Trailers", "Commentaries"] == film["specialFeatures"]
    assert (row["rental_duration"], row["replacement_cost"]) == (3, Decimal("19.99"))
    assert row["indexed"]


async def test_create_film_reports_every_bad_field(call: Caller, sql: asyncpg.Connection) -> None:
    before = await sql.fetchval("SELECT count(*) FROM film")
    payload = await call.mutate(
        "createFilm",
        FILM,
        {
            "title": "   ",
            "languageId": 1,
            "description": "x" * 2001,
            "releaseYear": 1800,
            "rentalRate": "1.234",
            "replacementCost": "-1.00",
            "length": 0,
            "specialFeatures": ["Trailers", "Bloopers"],
        },
        who=ADMIN,
    )
    assert set(fields(payload)) == {
        ("ValidationError", f"input.{name}")
        for name in (
            "title",
            "description",
            "releaseYear",
            "rentalRate",
            "replacementCost",
            "length",
            "specialFeatures[1]",
        )
    }
    unknown_language = await call.mutate(
        "createFilm", FILM, {"title": "X", "languageId": 999}, who=ADMIN
    )
    assert fields(unknown_language) == [("NotFoundError", "input.languageId")]
    assert await sql.fetchval("SELECT count(*) FROM film") == before


async def test_update_film_changes_only_what_is_given(
    call: Caller, sql: asyncpg.Connection
) -> None:
    counter = await counter_with_copies(sql)
    await sql.execute(
        "UPDATE film SET description = 'old', length = 90 WHERE film_id = $1", counter.film_id
    )
    payload = await call.mutate(
        "updateFilm",
        FILM,
        {"filmId": counter.film_id, "title": "RENAMED", "description": None},
        who=staff(counter.staff_id, counter.store_id),
    )
    assert payload["errors"] == []
    row = await sql.fetchrow(
        "SELECT title, description, length, rental_rate FROM film WHERE film_id = $1",
        counter.film_id,
    )
    assert (row["title"], row["description"], row["length"]) == ("RENAMED", None, 90)
    assert row["rental_rate"] == Decimal("2.99")
    cleared = await call.mutate(
        "updateFilm", FILM, {"filmId": counter.film_id, "title": None}, who=ADMIN
    )
    assert fields(cleared) == [("ValidationError", "input.title")]
    missing = await call.mutate("updateFilm", FILM, {"filmId": 10**8, "length": 5}, who=ADMIN)
    assert fields(missing) == [("NotFoundError", "input.filmId")]

    streamed = await call.mutate(
        "setStreamingAvailable", FILM, {"filmId": counter.film_id, "available": True}, who=ADMIN
    )
    assert streamed["film"]["streamingAvailable"] is True
    assert await sql.fetchval(
        "SELECT streaming_available FROM film WHERE film_id = $1", counter.film_id
    )


async def test_delete_film_refused_while_rented_or_with_history(
    call: Caller, sql: asyncpg.Connection
) -> None:
    counter = await counter_with_copies(sql)
    customer = await new_customer(sql, counter.store_id)
    rental_id = await sql.fetchval(
        "INSERT INTO rental (rental_date, inventory_id, customer_id, staff_id) "
        "VALUES (now(), $1, $2, $3) RETURNING rental_id",
        counter.inventory_ids[0],
        customer,
        counter.staff_id,
    )
    rented = await call.mutate(
        "deleteFilm", "deletedFilmId", {"filmId": counter.film_id}, who=ADMIN
    )
    assert fields(rented) == [("ConflictError", "input.filmId")]
    assert "rented out" in rented["errors"][0]["message"]
    await sql.execute("UPDATE rental SET return_date = now() WHERE rental_id = $1", rental_id)
    history = await call.mutate(
        "deleteFilm", "deletedFilmId", {"filmId": counter.film_id}, who=ADMIN
    )
    assert fields(history) == [("ConflictError", "input.filmId")]
    assert await sql.fetchval("SELECT count(*) FROM film WHERE film_id = $1", counter.film_id) == 1

    unrented = await counter_with_copies(sql, copies=2)
    await sql.execute("INSERT INTO film_actor (actor_id, film_id) VALUES (1, $1)", unrented.film_id)
    deleted = await call.mutate(
        "deleteFilm", "deletedFilmId", {"filmId": unrented.film_id}, who=ADMIN
    )
    assert deleted == {"deletedFilmId": unrented.film_id, "errors": []}
    left = await sql.fetchval(
        "SELECT (SELECT count(*) FROM film WHERE film_id = $1)"
        " + (SELECT count(*) FROM inventory WHERE film_id = $1)"
        " + (SELECT count(*) FROM film_actor WHERE film_id = $1)",
        unrented.film_id,
    )
    assert left == 0


async def test_set_film_actors_and_categories(call: Caller, sql: asyncpg.Connection) -> None:
    counter = await counter_with_copies(sql)
    actors = await call.mutate(
        "setFilmActors",
        "film { filmId }",
        {"filmId": counter.film_id, "actorIds": [3, 1, 3]},
        who=ADMIN,
    )
    categories = await call.mutate(
        "setFilmCategories",
        "film { filmId }",
        {"filmId": counter.film_id, "categoryIds": [2]},
        who=ADMIN,
    )
    assert actors["errors"] == categories["errors"] == []
    assert [
        r[0]
        for r in await sql.fetch(
            "SELECT actor_id FROM film_actor WHERE film_id = $1 ORDER BY 1", counter.film_id
        )
    ] == [1, 3]
    # replaced, not added to
    await call.mutate(
        "setFilmActors",
        "film { filmId }",
        {"filmId": counter.film_id, "actorIds": [5]},
        who=ADMIN,
    )
    assert [
        r[0]
        for r in await sql.fetch(
            "SELECT actor_id FROM film_actor WHERE film_id = $1", counter.film_id
        )
    ] == [5]
    assert await sql.fetchval(
        "SELECT array_agg(category_id) FROM film_category WHERE film_id = $1", counter.film_id
    ) == [2]
    unknown = await call.mutate(
        "setFilmActors",
        "film { filmId }",
        {"filmId": counter.film_id, "actorIds": [1, 10**6]},
        who=ADMIN,
    )
    assert fields(unknown) == [("NotFoundError", "input.actorIds[1]")]
    no_category = await call.mutate(
        "setFilmCategories",
        "film { filmId }",
        {"filmId": counter.film_id, "categoryIds": [10**6]},
        who=ADMIN,
    )
    assert fields(no_category) == [("NotFoundError", "input.categoryIds[0]")]
    assert [
        r[0]
        for r in await sql.fetch(
            "SELECT actor_id FROM film_actor WHERE film_id = $1", counter.film_id
        )
    ] == [5]


async def test_categories(call: Caller, sql: asyncpg.Connection) -> None:
    created = await call.mutate(
        "createCategory", "category { categoryId name }", {"name": " Westerns "}, who=ADMIN
    )
    assert created["errors"] == [] and created["category"]["name"] == "Westerns"
    category_id = created["category"]["categoryId"]
    assert (
        await sql.fetchval("SELECT name FROM category WHERE category_id = $1", category_id)
        == "Westerns"
    )
    duplicate = await call.mutate(
        "createCategory", "category { categoryId }", {"name": "westerns"}, who=ADMIN
    )
    taken = await call.mutate(
        "updateCategory",
        "category { categoryId }",
        {"categoryId": category_id, "name": "Action"},
        who=ADMIN,
    )
    too_long = await call.mutate(
        "createCategory", "category { categoryId }", {"name": "x" * 26}, who=ADMIN
    )
    assert fields(duplicate) == fields(taken) == [("ConflictError", "input.name")]
    assert fields(too_long) == [("ValidationError", "input.name")]
    renamed = await call.mutate(
        "updateCategory",
        "category { name }",
        {"categoryId": category_id, "name": "Western"},
        who=ADMIN,
    )
    assert renamed["category"]["name"] == "Western"

    used = await sql.fetchval("SELECT category_id FROM film_category LIMIT 1")
    in_use = await call.mutate(
        "deleteCategory", "deletedCategoryId", {"categoryId": used}, who=ADMIN
    )
    assert fields(in_use) == [("ConflictError", "input.categoryId")]
    deleted = await call.mutate(
        "deleteCategory", "deletedCategoryId", {"categoryId": category_id}, who=ADMIN
    )
    assert deleted == {"deletedCategoryId": category_id, "errors": []}
    assert (
        await sql.fetchval(
            "SELECT count(*) FROM category WHERE category_id = ANY($1::int[])", [category_id, used]
        )
        == 1
    )


async def test_add_and_remove_inventory(call: Caller, sql: asyncpg.Connection) -> None:
    counter = await counter_with_copies(sql, copies=1)
    who = staff(counter.staff_id, counter.store_id)
    added = await call.mutate(
        "addInventory",
        "inventory { inventoryId film { filmId } }",
        {"filmId": counter.film_id, "storeId": counter.store_id},
        who=who,
    )
    assert added["errors"] == []
    row = await sql.fetchrow(
        "SELECT film_id, store_id FROM inventory WHERE inventory_id = $1",
        added["inventory"]["inventoryId"],
    )
    assert (row["film_id"], row["store_id"]) == (counter.film_id, counter.store_id)
    assert added["inventory"]["film"] == {"filmId": counter.film_id}

    customer = await new_customer(sql, counter.store_id)
    await sql.execute(
        "INSERT INTO rental (rental_date, inventory_id, customer_id, staff_id) "
        "VALUES (now(), $1, $2, $3)",
        counter.inventory_ids[0],
        customer,
        counter.staff_id,
    )
    rented = await call.mutate(
        "removeInventory", "removedInventoryId", {"inventoryId": counter.inventory_ids[0]}, who=who
    )
    assert fields(rented) == [("ConflictError", "input.inventoryId")]
    await sql.execute(
        "UPDATE rental SET return_date = now() WHERE inventory_id = $1", counter.inventory_ids[0]
    )
    history = await call.mutate(
        "removeInventory", "removedInventoryId", {"inventoryId": counter.inventory_ids[0]}, who=who
    )
    assert fields(history) == [("ConflictError", "input.inventoryId")]
    assert "history" in history["errors"][0]["message"]
    removed = await call.mutate(
        "removeInventory",
        "removedInventoryId",
        {"inventoryId": added["inventory"]["inventoryId"]},
        who=who,
    )
    assert removed == {"removedInventoryId": added["inventory"]["inventoryId"], "errors": []}
    assert (
        await sql.fetchval("SELECT count(*) FROM inventory WHERE film_id = $1", counter.film_id)
        == 1
    )


async def test_catalogue_writes_need_staff(call: Caller, sql: asyncpg.Connection) -> None:
    counter = await counter_with_copies(sql)
    other_store, other_staff = await sql.fetchrow(
        "SELECT store_id, staff_id FROM staff WHERE store_id <> $1 LIMIT 1", counter.store_id
    )
    before = await sql.fetchval(
        "SELECT (SELECT count(*) FROM film) + (SELECT count(*) FROM category)"
        " + (SELECT count(*) FROM inventory)"
    )
    for who, refusal in ((None, "UnauthenticatedError"), ("customer:1", "PermissionDeniedError")):
        for name, selection, input in (
            ("createFilm", "film { filmId }", {"title": "NOPE", "languageId": 1}),
            ("createCategory", "category { categoryId }", {"name": "Nope"}),
            ("deleteFilm", "deletedFilmId", {"filmId": counter.film_id}),
            (
                "addInventory",
                "inventory { inventoryId }",
                {"filmId": counter.film_id, "storeId": counter.store_id},
            ),
        ):
            payload = await call.mutate(name, selection, input, who=who)
            assert error_types(payload) == [refusal], (who, name)
    elsewhere = await call.mutate(
        "addInventory",
        "inventory { inventoryId }",
        {"filmId": counter.film_id, "storeId": counter.store_id},
        who=staff(other_staff, other_store),
    )
    assert error_types(elsewhere) == ["PermissionDeniedError"]
    after = await sql.fetchval(
        "SELECT (SELECT count(*) FROM film) + (SELECT count(*) FROM category)"
        " + (SELECT count(*) FROM inventory)"
    )
    assert after == before


async def test_a_poster_that_is_not_a_file_is_invalid_input(
    call: Caller, sql: asyncpg.Connection
) -> None:
    """Found by the fuzz run (issue 14): `file: "..."` as a literal was an internal error."""
    counter = await counter_with_copies(sql)
    for file in ["not a file", ""]:
        payload = await call.mutate(
            "uploadFilmPoster",
            "film { filmId posterUrl }",
            {"filmId": counter.film_id, "file": file},
            who=ADMIN,
        )
        assert [(e["__typename"], e["field"]) for e in payload["errors"]] == [
            ("ValidationError", "input.file")
        ], payload
        assert payload["film"] is None
    assert (
        await sql.fetchval("SELECT count(*) FROM film_poster WHERE film_id = $1", counter.film_id)
        == 0
    )
