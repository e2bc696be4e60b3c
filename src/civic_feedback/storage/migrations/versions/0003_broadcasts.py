"""Broadcasts and their outbox.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

JSON_VALUE = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _when() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "broadcast",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("texts", JSON_VALUE, nullable=False),
        sa.Column("segment", sa.String(200), nullable=False),
        sa.Column("button", JSON_VALUE, nullable=True),
        sa.Column("send_at", _when(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("created_at", _when(), nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
    )
    op.create_index("ix_broadcast_send_at", "broadcast", ["send_at"])
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "broadcast_id",
            sa.Integer(),
            sa.ForeignKey("broadcast.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "citizen_id",
            sa.Integer(),
            sa.ForeignKey("citizen.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("sent_at", _when(), nullable=True),
        sa.Column("error", sa.String(200), nullable=True),
        sa.UniqueConstraint("broadcast_id", "citizen_id"),
    )
    op.create_index("ix_outbox_work", "outbox", ["broadcast_id", "state", "id"])
    op.create_index("ix_outbox_citizen_id", "outbox", ["citizen_id"])


def downgrade() -> None:
    op.drop_table("outbox")
    op.drop_table("broadcast")
