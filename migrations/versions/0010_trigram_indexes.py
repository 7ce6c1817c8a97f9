"""pg_trgm with trigram indexes on film titles and actor names, for the agents' linking of a
question to the catalogue (titles and names with typos, any case; docs/decisions/0065).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute("CREATE INDEX idx_film_title_trgm ON film USING gin (title gin_trgm_ops)")
    op.execute(
        "CREATE INDEX idx_actor_name_trgm ON actor "
        "USING gin ((first_name || ' ' || last_name) gin_trgm_ops)"
    )


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS idx_actor_name_trgm")
    op.execute("DROP INDEX IF EXISTS idx_film_title_trgm")
    op.execute("DROP EXTENSION IF EXISTS pg_trgm")
