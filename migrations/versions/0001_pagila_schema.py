"""Pagila 3.1 schema: tables, partitioned payment, views, functions, triggers, types.

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

from migrations.sqlfile import execute_file

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    execute_file("0001_pagila_schema.sql")


def downgrade() -> None:
    execute_file("0001_pagila_schema_drop.sql")
