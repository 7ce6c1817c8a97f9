"""Alembic revisions on an empty database: up to head, down to base, up again."""

from __future__ import annotations

import asyncpg
from alembic.script import ScriptDirectory

from persistence import migrate

REVISIONS = [
    script.revision
    for script in reversed(
        list(
            ScriptDirectory.from_config(
                migrate.alembic_config("postgresql://unused")
            ).walk_revisions()
        )
    )
]

EXPECTED_FUNCTIONS = {
    "film_in_stock",
    "film_not_in_stock",
    "get_customer_balance",
    "inventory_held_by_customer",
    "inventory_in_stock",
    "rewards_report",
    "last_day",
    "last_updated",
    "_group_concat",
    "group_concat",
}
EXPECTED_VIEWS = {
    "actor_info",
    "customer_list",
    "film_list",
    "nicer_but_slower_film_list",
    "sales_by_film_category",
    "sales_by_store",
    "staff_list",
}


async def _objects(url: str) -> dict[str, set[str]]:
    conn = await asyncpg.connect(url)
    try:
        tables = {
            r["relname"]
            for r in await conn.fetch(
                "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')"
            )
        }
        views = {
            r["relname"]
            for r in await conn.fetch(
                "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = 'public' AND c.relkind IN ('v', 'm')"
            )
        }
        functions = {
            r["proname"]
            for r in await conn.fetch(
                "SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
                "WHERE n.nspname = 'public'"
            )
        }
        types = {
            r["typname"]
            for r in await conn.fetch(
                "SELECT t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace "
                "WHERE n.nspname = 'public' AND t.typtype IN ('e', 'd')"
            )
        }
        sequences = {
            r["relname"]
            for r in await conn.fetch(
                "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = 'public' AND c.relkind = 'S'"
            )
        }
        triggers = {
            f"{r['tgrelid']}.{r['tgname']}"
            for r in await conn.fetch(
                "SELECT tgrelid::regclass::text AS tgrelid, tgname FROM pg_trigger "
                "WHERE NOT tgisinternal"
            )
        }
    finally:
        await conn.close()
    return {
        "tables": tables,
        "views": views,
        "functions": functions,
        "types": types,
        "sequences": sequences,
        "triggers": triggers,
    }


async def test_upgrade_creates_the_full_schema(empty_database_url: str) -> None:
    await migrate.upgrade(empty_database_url)
    objects = await _objects(empty_database_url)

    assert {"film", "actor", "customer", "rental", "payment", "streaming_subscription"} <= objects[
        "tables"
    ]
    assert {f"payment_p2022_0{m}" for m in range(1, 8)} <= objects["tables"]
    assert EXPECTED_VIEWS | {"rental_by_category"} <= objects["views"]
    assert EXPECTED_FUNCTIONS <= objects["functions"]
    assert {"mpaa_rating", "year"} <= objects["types"]
    assert "film.film_fulltext_trigger" in objects["triggers"]
    assert "rental.last_updated" in objects["triggers"]

    conn = await asyncpg.connect(empty_database_url)
    try:
        partitioned = await conn.fetchval(
            "SELECT partstrat::text FROM pg_partitioned_table WHERE partrelid = 'payment'::regclass"
        )
        streaming = await conn.fetchrow(
            "SELECT is_nullable, column_default FROM information_schema.columns "
            "WHERE table_name = 'film' AND column_name = 'streaming_available'"
        )
        rental_index = await conn.fetchval(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'idx_payment_rental_id'"
        )
        revision = await conn.fetchval("SELECT version_num FROM alembic_version")
    finally:
        await conn.close()
    assert partitioned == "r"
    assert streaming["is_nullable"] == "NO" and streaming["column_default"] == "false"
    assert "rental_id" in rental_index
    assert revision == migrate.head_revision()


async def test_downgrade_to_base_removes_everything_then_upgrade_again(
    empty_database_url: str,
) -> None:
    before = await _objects(empty_database_url)
    await migrate.upgrade(empty_database_url)
    await migrate.downgrade(empty_database_url, "base")
    after = await _objects(empty_database_url)

    assert after["tables"] - before["tables"] == {"alembic_version"}
    assert after["views"] == before["views"]
    assert after["functions"] == before["functions"]
    assert after["types"] == before["types"]
    assert after["sequences"] == before["sequences"]
    assert after["triggers"] == before["triggers"]

    await migrate.upgrade(empty_database_url)
    assert "film" in (await _objects(empty_database_url))["tables"]


async def test_each_revision_downgrades_one_step(empty_database_url: str) -> None:
    await migrate.upgrade(empty_database_url)
    for target in reversed(["base", *REVISIONS[:-1]]):
        await migrate.downgrade(empty_database_url, target)
    await migrate.upgrade(empty_database_url)


def test_history_is_linear() -> None:
    heads = ScriptDirectory.from_config(migrate.alembic_config("postgresql://unused")).get_heads()
    assert len(heads) == 1, heads
    assert REVISIONS[0] == "0001"


async def test_a_payment_by_id_is_read_through_an_index(pagila_url: str) -> None:
    # Pagila's partitions are keyed (payment_date, payment_id): without 0009's index, payments
    # by id (node lookups, DataLoaders) scan every partition in full
    conn = await asyncpg.connect(pagila_url)
    try:
        await conn.execute("ANALYZE payment")
        plan = "\n".join(
            row[0]
            for row in await conn.fetch(
                "EXPLAIN SELECT * FROM payment WHERE payment_id = ANY($1::int[])", [5, 6, 7]
            )
        )
    finally:
        await conn.close()
    assert "payment_id_idx" in plan, plan
