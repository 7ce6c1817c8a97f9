"""Index payment(payment_id): a payment by id otherwise scans every partition.

Pagila's partitions are keyed (payment_date, payment_id), so `node(id:)` on a payment and the
payment DataLoaders read every partition in full without this index.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # An index on the partitioned parent cascades to every partition, present and future.
    op.create_index("idx_payment_payment_id", "payment", ["payment_id"])


def downgrade() -> None:
    op.drop_index("idx_payment_payment_id", table_name="payment")
