"""A bigger Pagila for benchmarks: N copies of the catalogue, customers and their history.

`scale_up(url, n)` adds n - 1 copies of the loaded data set's films (with their actors' links and
categories), actors, copies (inventory), customers, rentals and payments, so that each of those
tables holds n times its rows. Copy k shifts every key of a scaled table by k times the table's
largest key, and every reference to a scaled table the same way: copy k's rentals are of copy
k's copies by copy k's customers, its payments pay copy k's rentals. References to tables that
are not scaled (languages, categories, stores, staff, addresses) are kept, so referential
integrity holds by construction, and a payment keeps its date's month, so it lands in the
partition its template is in. Rows go in with COPY (asyncpg's binary copy), one table at a time
in reference order, in one transaction; the sequences then continue after the new keys.

Deterministic: the same data set, n and seed give the same rows. The seed moves each copied
rental (with its return and its payments) by a whole number of seconds within the same day and
month, so that copies do not share timestamps (orderings by date interleave them) while every
due date, lateness and partition stays what the template's is.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg

#: Scaled table → {column: the scaled table whose key it holds}. Tables are listed in the
#: order they are loaded (referenced tables first).
SCALED: dict[str, dict[str, str]] = {
    "actor": {"actor_id": "actor"},
    "film": {"film_id": "film"},
    "film_actor": {"actor_id": "actor", "film_id": "film"},
    "film_category": {"film_id": "film"},
    "inventory": {"inventory_id": "inventory", "film_id": "film"},
    "customer": {"customer_id": "customer"},
    "rental": {"rental_id": "rental", "inventory_id": "inventory", "customer_id": "customer"},
    "payment": {"payment_id": "payment", "rental_id": "rental", "customer_id": "customer"},
}
#: The key column of each table whose keys shift.
KEYS = {
    "actor": "actor_id",
    "film": "film_id",
    "inventory": "inventory_id",
    "customer": "customer_id",
    "rental": "rental_id",
    "payment": "payment_id",
}
SEQUENCES = {
    "actor": "actor_actor_id_seq",
    "film": "film_film_id_seq",
    "inventory": "inventory_inventory_id_seq",
    "customer": "customer_customer_id_seq",
    "rental": "rental_rental_id_seq",
    "payment": "payment_payment_id_seq",
}
DEFAULT_SEED = 12
#: Columns a trigger computes on insert (film.fulltext, from title and description).
COMPUTED = {"fulltext"}


@dataclass(frozen=True)
class Template:
    """The data set as loaded: each scaled table's columns and rows (in key order), and each
    keyed table's largest key."""

    columns: Mapping[str, Sequence[str]]
    rows: Mapping[str, Sequence[tuple[Any, ...]]]
    largest: Mapping[str, int]


async def read_template(conn: asyncpg.Connection) -> Template:
    columns: dict[str, list[str]] = {}
    rows: dict[str, list[tuple[Any, ...]]] = {}
    for table, shifted in SCALED.items():
        names = [
            r["column_name"]
            for r in await conn.fetch(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = "
                "'public' AND table_name = $1 AND is_generated = 'NEVER' ORDER BY ordinal_position",
                table,
            )
            if r["column_name"] not in COMPUTED
        ]
        order = ", ".join(shifted)  # the shifted columns identify a row in every table here
        found = await conn.fetch(f'SELECT {", ".join(names)} FROM "{table}" ORDER BY {order}')
        columns[table], rows[table] = names, [tuple(r) for r in found]
    largest = {
        table: int(await conn.fetchval(f'SELECT coalesce(max("{key}"), 0) FROM "{table}"'))
        for table, key in KEYS.items()
    }
    return Template(columns, rows, largest)


def _moved(value: Any, seconds: int, same_month: bool) -> Any:
    if not isinstance(value, dt.datetime) or seconds == 0:
        return value
    moved = value + dt.timedelta(seconds=seconds)
    if moved.date() != value.date() or (same_month and moved.month != value.month):
        return value - dt.timedelta(seconds=seconds) if value.hour >= 12 else value
    return moved


def generate(
    template: Template, n: int, seed: int = DEFAULT_SEED
) -> Iterator[tuple[str, list[tuple[Any, ...]]]]:
    """(table, rows) of copies 1..n-1, table by table in load order."""
    for table, shifted in SCALED.items():
        names = template.columns[table]
        positions = {names.index(c): source for c, source in shifted.items()}
        dated = {
            names.index(c) for c in ("rental_date", "return_date", "payment_date") if c in names
        }
        rental_at = names.index("rental_id") if "rental_id" in names else None
        copies: list[tuple[Any, ...]] = []
        for k in range(1, n):
            shifts = {i: k * template.largest[source] for i, source in positions.items()}
            for row in template.rows[table]:
                values = list(row)
                for i, offset in shifts.items():
                    values[i] = row[i] + offset
                if dated and rental_at is not None:
                    # one draw per (seed, copy, rental): a rental and its payments move together
                    seconds = random.Random(f"{seed}:{k}:{row[rental_at]}").randrange(3600)
                    for i in dated:
                        values[i] = _moved(row[i], seconds, same_month=table == "payment")
                copies.append(tuple(values))
        yield table, copies


@dataclass(frozen=True)
class ScaleReport:
    factor: int
    rows_added: Mapping[str, int]
    seconds: float


async def scale_up(url: str, n: int, seed: int = DEFAULT_SEED) -> ScaleReport:
    """Make the loaded data set n times as big (n >= 1; 1 adds nothing)."""
    if n < 1:
        raise ValueError("The scale factor is a whole number of at least 1.")
    started = time.perf_counter()
    conn = await asyncpg.connect(url)
    added: dict[str, int] = {}
    try:
        template = await read_template(conn)
        async with conn.transaction():
            for table, rows in generate(template, n, seed):
                await conn.copy_records_to_table(
                    table, records=rows, columns=list(template.columns[table])
                )
                added[table] = len(rows)
            for table, sequence in SEQUENCES.items():
                await conn.execute(
                    f'SELECT setval(\'{sequence}\', (SELECT max("{KEYS[table]}") FROM "{table}"))'
                )
            await conn.execute("REFRESH MATERIALIZED VIEW public.rental_by_category")
        await conn.execute("VACUUM ANALYZE")
    finally:
        await conn.close()
    return ScaleReport(n, added, time.perf_counter() - started)
