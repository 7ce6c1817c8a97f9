"""Accounts and refresh tokens (issue 7, docs/decisions/0070-0072).

`app_user` is a sign-in: an e-mail (unique ignoring case), an argon2id hash and a role, linked to
exactly one Pagila person — a `customer` row for the role `customer`, a `staff` row for the
others. `refresh_token` keeps only the SHA-256 of each refresh token; tokens rotated from one
login share a `family_id`, so presenting a rotated token again can revoke the whole family.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIMESTAMPTZ = postgresql.TIMESTAMP(timezone=True)


def upgrade() -> None:
    op.create_table(
        "app_user",
        sa.Column("user_id", sa.Integer, sa.Identity(), primary_key=True),
        sa.Column("email", sa.Text, nullable=False),
        sa.Column("password_hash", sa.Text, nullable=False),
        sa.Column("role", sa.Text, nullable=False),
        sa.Column(
            "customer_id",
            sa.Integer,
            sa.ForeignKey("customer.customer_id", onupdate="CASCADE", ondelete="CASCADE"),
            nullable=True,
        ),
        sa.Column(
            "staff_id",
            sa.Integer,
            sa.ForeignKey("staff.staff_id", onupdate="CASCADE", ondelete="CASCADE"),
            nullable=True,
        ),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.text("true")),
        sa.Column("created_at", TIMESTAMPTZ, nullable=False, server_default=sa.func.now()),
        sa.Column("updated_at", TIMESTAMPTZ, nullable=False, server_default=sa.func.now()),
        sa.Column("last_login_at", TIMESTAMPTZ, nullable=True),
        sa.CheckConstraint(
            "role IN ('customer', 'staff', 'manager', 'admin')", name="app_user_role_check"
        ),
        # a customer account names a customer; every other role names a staff member
        sa.CheckConstraint(
            "(role = 'customer' AND customer_id IS NOT NULL AND staff_id IS NULL)"
            " OR (role <> 'customer' AND staff_id IS NOT NULL AND customer_id IS NULL)",
            name="app_user_person_check",
        ),
        sa.CheckConstraint(
            "length(email) BETWEEN 3 AND 254 AND position('@' IN email) > 1",
            name="app_user_email_check",
        ),
    )
    op.create_index("idx_app_user_email", "app_user", [sa.text("lower(email)")], unique=True)
    op.create_index("idx_app_user_customer_id", "app_user", ["customer_id"], unique=True)
    op.create_index("idx_app_user_staff_id", "app_user", ["staff_id"], unique=True)

    op.create_table(
        "refresh_token",
        sa.Column("token_id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column(
            "user_id",
            sa.Integer,
            sa.ForeignKey("app_user.user_id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("token_hash", sa.LargeBinary, nullable=False),
        sa.Column("family_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("issued_at", TIMESTAMPTZ, nullable=False, server_default=sa.func.now()),
        sa.Column("expires_at", TIMESTAMPTZ, nullable=False),
        sa.Column("used_at", TIMESTAMPTZ, nullable=True),
        sa.Column("revoked_at", TIMESTAMPTZ, nullable=True),
        sa.CheckConstraint("octet_length(token_hash) = 32", name="refresh_token_hash_check"),
    )
    op.create_index("idx_refresh_token_hash", "refresh_token", ["token_hash"], unique=True)
    op.create_index("idx_refresh_token_family_id", "refresh_token", ["family_id"])
    op.create_index("idx_refresh_token_user_id", "refresh_token", ["user_id"])


def downgrade() -> None:
    op.drop_index("idx_refresh_token_user_id", table_name="refresh_token")
    op.drop_index("idx_refresh_token_family_id", table_name="refresh_token")
    op.drop_index("idx_refresh_token_hash", table_name="refresh_token")
    op.drop_table("refresh_token")
    op.drop_index("idx_app_user_staff_id", table_name="app_user")
    op.drop_index("idx_app_user_customer_id", table_name="app_user")
    op.drop_index("idx_app_user_email", table_name="app_user")
    op.drop_table("app_user")
