"""Agent conversations and messages (issue 6).

A conversation belongs to the customer (or signed-in user) who started it; each question and
each answer is one message, the answer with its agent, steps and token usage.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIMESTAMPTZ = postgresql.TIMESTAMP(timezone=True)


def upgrade() -> None:
    op.create_table(
        "conversation",
        sa.Column("conversation_id", sa.Integer, sa.Identity(), primary_key=True),
        sa.Column(
            "customer_id",
            sa.Integer,
            sa.ForeignKey("customer.customer_id", ondelete="CASCADE"),
            nullable=True,
        ),
        sa.Column("user_id", sa.Integer, nullable=True),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("created_at", TIMESTAMPTZ, nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint("length(title) BETWEEN 1 AND 200", name="conversation_title_check"),
    )
    op.create_index("idx_conversation_customer_id", "conversation", ["customer_id"])
    op.create_index("idx_conversation_user_id", "conversation", ["user_id"])
    op.create_table(
        "message",
        sa.Column("message_id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column(
            "conversation_id",
            sa.Integer,
            sa.ForeignKey("conversation.conversation_id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("role", sa.Text, nullable=False),
        sa.Column("agent", sa.Text, nullable=True),
        sa.Column("content", sa.Text, nullable=False),
        sa.Column("steps", postgresql.JSONB, nullable=False, server_default=sa.text("'[]'::jsonb")),
        sa.Column("prompt_tokens", sa.Integer, nullable=False, server_default="0"),
        sa.Column("completion_tokens", sa.Integer, nullable=False, server_default="0"),
        sa.Column("latency_ms", sa.Integer, nullable=True),
        sa.Column("created_at", TIMESTAMPTZ, nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint("role IN ('user', 'assistant')", name="message_role_check"),
    )
    op.create_index("idx_message_conversation_id", "message", ["conversation_id", "message_id"])


def downgrade() -> None:
    op.drop_index("idx_message_conversation_id", table_name="message")
    op.drop_table("message")
    op.drop_index("idx_conversation_user_id", table_name="conversation")
    op.drop_index("idx_conversation_customer_id", table_name="conversation")
    op.drop_table("conversation")
