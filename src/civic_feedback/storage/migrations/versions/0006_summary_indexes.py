"""An index for the weekly summary: responses started in a week.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # completed_at has had its index since 0001; summaries also count by start.
    op.create_index("ix_response_started_at", "response", ["started_at"])


def downgrade() -> None:
    op.drop_index("ix_response_started_at", table_name="response")
