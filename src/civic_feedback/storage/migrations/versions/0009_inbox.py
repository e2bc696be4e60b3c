"""The inbox: citizens' messages to their municipality and the staff's answers.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inbox_item",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "citizen_id",
            sa.Integer(),
            sa.ForeignKey("citizen.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column(
            "response_id",
            sa.Integer(),
            sa.ForeignKey("response.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("municipality", sa.String(100), nullable=True),
        sa.Column("topic", sa.String(64), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("text_language", sa.String(8), nullable=True),
        sa.Column("contact_name", sa.String(200), nullable=True),
        sa.Column("contact_allowed", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("first_answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_inbox_item_citizen_id", "inbox_item", ["citizen_id"])
    op.create_index("ix_inbox_item_created_at", "inbox_item", ["created_at"])
    op.create_index("ix_inbox_item_status", "inbox_item", ["status", "municipality"])
    op.create_table(
        "inbox_message",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "item_id",
            sa.Integer(),
            sa.ForeignKey("inbox_item.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("author", sa.String(16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("staff_id", sa.BigInteger(), nullable=True),
        sa.Column("staff_name", sa.String(200), nullable=True),
        sa.Column("source_chat_id", sa.BigInteger(), nullable=True),
        sa.Column("source_message_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=True),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.Column("error", sa.String(200), nullable=True),
    )
    op.create_index("ix_inbox_message_item_id", "inbox_message", ["item_id"])
    op.create_index("ix_inbox_message_copy", "inbox_message", ["chat_id", "message_id"])
    op.create_index("ix_inbox_message_delivery", "inbox_message", ["state", "id"])


def downgrade() -> None:
    op.drop_table("inbox_message")
    op.drop_table("inbox_item")
