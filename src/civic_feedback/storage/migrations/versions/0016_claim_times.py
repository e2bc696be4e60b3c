"""When a reminder or a broadcast row was claimed for Telegram: a row still ``sending`` long
after its claim was left by a process that stopped, and is counted as uncertain.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

TABLES = ("outbox", "notification")


def upgrade() -> None:
    # Rows already ``sending`` keep no time: they were left before this version, uncertain.
    for name in TABLES:
        with op.batch_alter_table(name) as table:
            table.add_column(sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    for name in TABLES:
        with op.batch_alter_table(name) as table:
            table.drop_column("claimed_at")
