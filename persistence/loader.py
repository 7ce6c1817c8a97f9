"""Load the bundled Pagila data with COPY, in one transaction, and verify the row counts."""

from __future__ import annotations

import gzip
import io
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg

DATA_DIR = Path(__file__).parent / "data" / "pagila"
DATA_FILE = DATA_DIR / "pagila-data.sql.gz"

#: Row counts of Pagila 3.1, checked after every load.
EXPECTED_COUNTS: dict[str, int] = {
    "film": 1000,
    "actor": 200,
    "customer": 599,
    "inventory": 4581,
    "rental": 16044,
    "payment": 16049,
    "category": 16,
    "language": 6,
    "film_actor": 5462,
    "film_category": 2367,
    "address": 603,
    "city": 600,
    "country": 109,
    "store": 500,
    "staff": 1500,
}

#: Every table the data file fills, children before parents for TRUNCATE.
DATA_TABLES = (
    "payment",
    "rental",
    "inventory",
    "film_category",
    "film_actor",
    "film",
    "language",
    "category",
    "actor",
    "customer",
    "staff",
    "store",
    "address",
    "city",
    "country",
)

_COPY = re.compile(r"^COPY public\.(\w+) \(([^)]*)\) FROM stdin;$")
_SETVAL = re.compile(r"^SELECT pg_catalog\.setval\('([\w.]+)', (\d+), (true|false)\);$")


class DataAlreadyLoaded(RuntimeError):
    """The database already holds Pagila data (pass force=True to replace it)."""


class RowCountMismatch(RuntimeError):
    pass


@dataclass(frozen=True, slots=True)
class CopyBlock:
    table: str
    columns: tuple[str, ...]
    payload: bytes
    rows: int


@dataclass(slots=True)
class LoadReport:
    seconds: float = 0.0
    rows: dict[str, int] = field(default_factory=dict)
    skipped: bool = False


def parse_dump(path: Path = DATA_FILE) -> tuple[list[CopyBlock], list[tuple[str, int, bool]]]:
    """Split a pg_dump data file into COPY blocks and sequence positions."""
    blocks: list[CopyBlock] = []
    sequences: list[tuple[str, int, bool]] = []
    with gzip.open(path, "rb") as fh:
        lines: Iterator[bytes] = iter(fh)
        for raw in lines:
            line = raw.decode("utf-8").rstrip("\n")
            if match := _COPY.match(line):
                rows: list[bytes] = []
                for data in lines:
                    if data == b"\\.\n":
                        break
                    rows.append(data)
                columns = tuple(c.strip() for c in match.group(2).split(","))
                blocks.append(CopyBlock(match.group(1), columns, b"".join(rows), len(rows)))
            elif match := _SETVAL.match(line):
                sequences.append((match.group(1), int(match.group(2)), match.group(3) == "true"))
    return blocks, sequences


async def has_data(conn: asyncpg.Connection) -> bool:
    return bool(await conn.fetchval("SELECT EXISTS (SELECT 1 FROM public.film)"))


async def row_counts(conn: asyncpg.Connection) -> dict[str, int]:
    query = " UNION ALL ".join(
        f"SELECT '{table}', count(*) FROM public.{table}" for table in EXPECTED_COUNTS
    )
    return {name: int(count) for name, count in await conn.fetch(query)}


async def load_pagila(
    dsn: str,
    *,
    force: bool = False,
    on_table: Callable[[str, int], None] | None = None,
) -> LoadReport:
    """Load Pagila into the (migrated) database at `dsn`.

    Refuses with `DataAlreadyLoaded` when data is present, unless `force`, which truncates first.
    `on_table(table, rows)` is called after each table, for progress bars.
    """
    started = time.perf_counter()
    blocks, sequences = parse_dump()
    conn = await asyncpg.connect(dsn.replace("postgresql+asyncpg://", "postgresql://", 1))
    try:
        async with conn.transaction():
            if await has_data(conn):
                if not force:
                    raise DataAlreadyLoaded(
                        "The database already holds Pagila data; use --force to reload it."
                    )
                await conn.execute(
                    "TRUNCATE "
                    + ", ".join(f"public.{t}" for t in DATA_TABLES)
                    + " RESTART IDENTITY CASCADE"
                )
            for block in blocks:
                await conn.copy_to_table(
                    block.table,
                    schema_name="public",
                    source=io.BytesIO(block.payload),
                    columns=list(block.columns),
                    format="text",
                )
                if on_table is not None:
                    on_table(block.table, block.rows)
            for sequence, value, is_called in sequences:
                await conn.execute("SELECT setval($1, $2, $3)", sequence, value, is_called)
            await conn.execute("REFRESH MATERIALIZED VIEW public.rental_by_category")
            counts = await row_counts(conn)
            wrong = {
                t: (counts.get(t), n) for t, n in EXPECTED_COUNTS.items() if counts.get(t) != n
            }
            if wrong:
                raise RowCountMismatch(f"Row counts after load differ (got, expected): {wrong}")
        # VACUUM too: it marks the loaded pages all-visible, so index-only scans (the covering
        # per-parent indexes of migration 0012) need no heap visit
        await conn.execute("VACUUM ANALYZE")
    finally:
        await conn.close()
    return LoadReport(seconds=time.perf_counter() - started, rows=counts)


def total_rows() -> int:
    """Rows in the data file, for sizing a progress bar before loading."""
    return sum(block.rows for block in parse_dump()[0])
