"""Housekeeping an operator schedules (cron, a Kubernetes CronJob): `pagila-graph purge-keys`."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete

from persistence.db import create_engine
from persistence.models import IdempotencyKey


async def purge_idempotency_keys(url: str, older_than: dt.timedelta) -> int:
    """Delete the idempotency keys older than `older_than` (decision 0031); returns how many.
    A retry arriving after that is treated as a new request."""
    engine = create_engine(url, pool_size=1, max_overflow=0)
    try:
        async with engine.begin() as conn:
            cutoff = dt.datetime.now(dt.UTC) - older_than
            result = await conn.execute(
                delete(IdempotencyKey).where(IdempotencyKey.created_at < cutoff)
            )
            return int(result.rowcount)
    finally:
        await engine.dispose()
