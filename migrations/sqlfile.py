"""Run a whole SQL script (functions, `$$` bodies and all) inside an Alembic migration.

asyncpg's simple-query protocol runs a multi-statement script in one round trip, which a
statement splitter would only approximate; we reach it through SQLAlchemy's greenlet bridge so it
joins the migration's transaction.
"""

from __future__ import annotations

from pathlib import Path

from alembic import op
from sqlalchemy.util import await_only

SQL_DIR = Path(__file__).parent / "sql"


def execute_script(sql: str) -> None:
    raw = op.get_bind().connection.driver_connection
    assert raw is not None
    await_only(raw.execute(sql))


def execute_file(name: str) -> None:
    execute_script((SQL_DIR / name).read_text(encoding="utf-8"))
