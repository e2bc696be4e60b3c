"""Events' results published to public channels.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "publication",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "event_id", sa.Integer(), sa.ForeignKey("event.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("chat", sa.String(100), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(300), nullable=True),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_publication_event_id", "publication", ["event_id"])


def downgrade() -> None:
    op.drop_index("ix_publication_event_id", "publication")
    op.drop_table("publication")
