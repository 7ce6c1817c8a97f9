"""Film posters (issue 16): one image per film, stored in PostgreSQL (decision 0115).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "film_poster",
        sa.Column(
            "film_id",
            sa.Integer,
            sa.ForeignKey("film.film_id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("content_type", sa.Text, nullable=False),
        sa.Column("content", postgresql.BYTEA, nullable=False),
        sa.Column("sha256", sa.Text, nullable=False),
        sa.Column(
            "updated_at",
            postgresql.TIMESTAMP(timezone=True),
            nullable=False,
            server_default=sa.func.now(),
        ),
        sa.CheckConstraint(
            "content_type IN ('image/png', 'image/jpeg', 'image/webp')",
            name="film_poster_content_type_check",
        ),
    )


def downgrade() -> None:
    op.drop_table("film_poster")
