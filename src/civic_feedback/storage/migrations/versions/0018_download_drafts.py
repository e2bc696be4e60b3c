"""Files the console made from what its page sent (the form editor's YAML), kept a minute or
two for Telegram's app to fetch by a download link on any replica.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "download_draft",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("telegram_id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_download_draft_expires_at", "download_draft", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_download_draft_expires_at", table_name="download_draft")
    op.drop_table("download_draft")
