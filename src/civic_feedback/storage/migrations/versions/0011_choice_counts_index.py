"""An index of the options ticked that holds every column the summary counts them by.

Counting a week's ticks read each one's table row for its position (whether it was the
first option ticked); with the position in the index, the rows are never read.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03
"""

from __future__ import annotations

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_answer_choice_counts", "answer_choice", ["answer_id", "option_id", "position"]
    )


def downgrade() -> None:
    op.drop_index("ix_answer_choice_counts", table_name="answer_choice")
