"""Index payment(rental_id): rental -> payments otherwise scans every partition.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # An index on the partitioned parent cascades to every partition, present and future.
    op.create_index("idx_payment_rental_id", "payment", ["rental_id"])


def downgrade() -> None:
    op.drop_index("idx_payment_rental_id", table_name="payment")
