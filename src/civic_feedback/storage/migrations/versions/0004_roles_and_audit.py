"""Staff roles, the audit log, and broadcasts composed in Telegram.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

JSON_VALUE = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _when() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "staff_member",
        sa.Column("telegram_id", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("municipality", sa.String(100), nullable=True),
        sa.Column("granted_by", sa.String(100), nullable=False),
        sa.Column("granted_at", _when(), nullable=False),
    )
    op.create_table(
        "audit_entry",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", _when(), nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("subject", sa.String(200), nullable=True),
        sa.Column("details", JSON_VALUE, nullable=False),
    )
    op.create_index("ix_audit_entry_at", "audit_entry", ["at"])
    op.create_index("ix_audit_entry_action", "audit_entry", ["action"])
    with op.batch_alter_table("broadcast") as table:
        table.add_column(sa.Column("report_chat_id", sa.BigInteger(), nullable=True))
        table.add_column(sa.Column("report_message_id", sa.Integer(), nullable=True))
        table.add_column(sa.Column("report_language", sa.String(8), nullable=True))
        table.add_column(sa.Column("awaiting_text", sa.String(8), nullable=True))
        table.create_index("ix_broadcast_report_chat_id", ["report_chat_id"])


def downgrade() -> None:
    with op.batch_alter_table("broadcast") as table:
        table.drop_index("ix_broadcast_report_chat_id")
        table.drop_column("awaiting_text")
        table.drop_column("report_language")
        table.drop_column("report_message_id")
        table.drop_column("report_chat_id")
    op.drop_index("ix_audit_entry_action", "audit_entry")
    op.drop_index("ix_audit_entry_at", "audit_entry")
    op.drop_table("audit_entry")
    op.drop_table("staff_member")
