"""When each form takes answers: an opening and a closing time, both optional.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("form") as table:
        table.add_column(sa.Column("opens_at", sa.DateTime(timezone=True), nullable=True))
        table.add_column(sa.Column("closes_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("form") as table:
        table.drop_column("closes_at")
        table.drop_column("opens_at")
