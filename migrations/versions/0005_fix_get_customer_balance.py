"""get_customer_balance that runs on PostgreSQL and applies its documented late-fee rules.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

from migrations.sqlfile import execute_file

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    execute_file("0005_customer_balance_up.sql")


def downgrade() -> None:
    execute_file("0005_customer_balance_down.sql")
