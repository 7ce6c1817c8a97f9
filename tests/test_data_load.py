from __future__ import annotations

from decimal import Decimal

import asyncpg
import pytest

from persistence import loader, migrate


async def test_loaded_row_counts_match_pagila(pagila_url: str) -> None:
    conn = await asyncpg.connect(pagila_url)
    try:
        counts = await loader.row_counts(conn)
    finally:
        await conn.close()
    assert counts["film"] == 1000
    assert counts["actor"] == 200
    assert counts["customer"] == 599
    assert counts["inventory"] == 4581
    assert counts["rental"] == 16044
    assert counts["payment"] == 16049
    assert counts == loader.EXPECTED_COUNTS


async def test_sequences_and_business_functions_work_after_load(pagila_url: str) -> None:
    conn = await asyncpg.connect(pagila_url)
    try:
        next_film = await conn.fetchval("SELECT nextval('film_film_id_seq')")
        in_stock = await conn.fetchval("SELECT count(*) FROM film_in_stock(1, 1)")
        balance = await conn.fetchval("SELECT get_customer_balance(1, '2022-09-01')")
        fulltext = await conn.fetchval(
            "SELECT title FROM film WHERE fulltext @@ to_tsquery('english', 'dinosaur') "
            "ORDER BY film_id LIMIT 1"
        )
        by_category = await conn.fetchval("SELECT count(*) FROM rental_by_category")
    finally:
        await conn.close()
    assert next_film == 1001
    assert in_stock == 4
    assert isinstance(balance, Decimal)
    assert fulltext == "ACADEMY DINOSAUR"
    assert by_category == 16


async def test_load_refuses_non_empty_database_unless_forced(empty_database_url: str) -> None:
    await migrate.upgrade(empty_database_url)
    first = await loader.load_pagila(empty_database_url)
    assert first.rows == loader.EXPECTED_COUNTS
    print(f"pagila data load: {first.seconds:.2f} s")

    with pytest.raises(loader.DataAlreadyLoaded):
        await loader.load_pagila(empty_database_url)

    conn = await asyncpg.connect(empty_database_url)
    try:
        await conn.execute("DELETE FROM film_actor WHERE film_id = 1")
    finally:
        await conn.close()
    again = await loader.load_pagila(empty_database_url, force=True)
    assert again.rows == loader.EXPECTED_COUNTS


async def test_parse_dump_sees_every_table_once() -> None:
    blocks, sequences = loader.parse_dump()
    tables = [b.table for b in blocks]
    assert len(tables) == len(set(tables))
    assert sum(b.rows for b in blocks if b.table.startswith("payment_p")) == 16049
    assert ("public.film_film_id_seq", 1000, True) in sequences
