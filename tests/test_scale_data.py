"""The benchmark's data generator (persistence/scale.py): N times the rows, references intact,
payments in their partitions, deterministic (decision 0142)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest

from persistence.scale import KEYS, SCALED, SEQUENCES, generate, read_template, scale_up
from tests.conftest import pagila_database

FACTOR = 2


async def _counts(conn: asyncpg.Connection, tables: list[str]) -> dict[str, int]:
    return {t: int(await conn.fetchval(f'SELECT count(*) FROM "{t}"')) for t in tables}


async def _partitions(conn: asyncpg.Connection) -> list[str]:
    rows = await conn.fetch(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "WHERE i.inhparent = 'payment'::regclass ORDER BY 1"
    )
    return [r["relname"] for r in rows]


@pytest.fixture(scope="module")
async def scaled(server_url: str) -> AsyncIterator[tuple[str, dict[str, int]]]:
    """A database of its own, loaded, counted, then scaled by FACTOR."""
    async with pagila_database(server_url, "pagila_scale") as url:
        conn = await asyncpg.connect(url)
        try:
            tables = [
                r["tablename"]
                for r in await conn.fetch(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
                )
            ]
            before = await _counts(conn, tables)
        finally:
            await conn.close()
        await scale_up(url, FACTOR)
        yield url, before


async def test_scaled_tables_hold_n_times_their_rows_and_the_others_are_unchanged(
    scaled: tuple[str, dict[str, int]],
) -> None:
    url, before = scaled
    conn = await asyncpg.connect(url)
    try:
        after = await _counts(conn, list(before))
    finally:
        await conn.close()
    for table, count in before.items():
        expected = count * FACTOR if table in SCALED or table.startswith("payment_") else count
        assert after[table] == expected, (table, count, after[table])


async def test_every_reference_of_a_copied_row_finds_its_row(
    scaled: tuple[str, dict[str, int]],
) -> None:
    """For every shifted reference (from the generator's own table), the rows pointing nowhere
    are as many after scaling as the loaded data set had, times the factor (none, except the
    few payments upstream Pagila books to another customer than the rental's)."""
    url, _ = scaled
    conn = await asyncpg.connect(url)
    try:
        for table, shifted in SCALED.items():
            for column, target in shifted.items():
                dangling = await conn.fetchval(
                    f'SELECT count(*) FROM "{table}" t WHERE NOT EXISTS (SELECT 1 FROM '
                    f'"{target}" x WHERE x."{KEYS[target]}" = t."{column}")'
                )
                assert dangling == 0, (table, column, target)
        # a copied payment pays a rental of the same copy: its customer is the rental's
        # whenever the template's was
        mismatched = await conn.fetchval(
            "SELECT count(*) FROM payment p JOIN rental r USING (rental_id) "
            "WHERE r.customer_id <> p.customer_id"
        )
        template_mismatched = await conn.fetchval(
            "SELECT count(*) FROM payment p JOIN rental r USING (rental_id) "
            "WHERE r.customer_id <> p.customer_id AND p.payment_id <= $1",
            await conn.fetchval("SELECT max(payment_id) / $1 FROM payment", FACTOR),
        )
        assert mismatched == template_mismatched * FACTOR
        # keys are unique and the sequences continue after them
        for table, key in KEYS.items():
            assert await conn.fetchval(
                f'SELECT count(*) = count(DISTINCT "{key}") FROM "{table}"'
            ), table
            nextval = await conn.fetchval("SELECT nextval($1)", SEQUENCES[table])
            assert nextval > await conn.fetchval(f'SELECT max("{key}") FROM "{table}"')
    finally:
        await conn.close()


async def test_copied_rentals_keep_their_order_of_events(
    scaled: tuple[str, dict[str, int]],
) -> None:
    url, _ = scaled
    conn = await asyncpg.connect(url)
    try:
        # the template's and the copies' rentals: returned after rented, or not returned
        assert not await conn.fetchval(
            "SELECT count(*) FROM rental WHERE return_date < rental_date"
        )
        # each partition got its share (the default partition stays empty)
        for partition in await _partitions(conn):
            assert await conn.fetchval(
                f'SELECT count(*) FROM "{partition}" WHERE payment_id > '
                "(SELECT max(payment_id) / 2 FROM payment)"
            ) == await conn.fetchval(
                f'SELECT count(*) FROM "{partition}" WHERE payment_id <= '
                "(SELECT max(payment_id) / 2 FROM payment)"
            ), partition
    finally:
        await conn.close()


async def test_generation_is_deterministic_and_the_seed_moves_times_only(
    pagila_url: str,
) -> None:
    conn = await asyncpg.connect(pagila_url)
    try:
        template = await read_template(conn)
    finally:
        await conn.close()
    once = dict(generate(template, 2, seed=1))
    again = dict(generate(template, 2, seed=1))
    other = dict(generate(template, 2, seed=2))
    assert once == again
    assert once["film"] == other["film"] and once["rental"] != other["rental"]
    columns = template.columns["rental"]
    moved = [c for c in range(len(columns)) if once["rental"][0][c] != other["rental"][0][c]]
    assert {columns[c] for c in moved} <= {"rental_date", "return_date"}
