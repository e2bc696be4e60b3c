"""Roll-ups: the summary's counts kept per day and per month, so that a report over years
sums a few rows per month instead of reading every answer (storage/rollups.py). They start
empty: the bot rolls up settled days in the background, ``feedback-admin rollups rebuild``
all at once; until then every figure is counted from the answers, as before.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

FACTS = ("rollup_started", "rollup_completed", "rollup_value", "rollup_text", "rollup_option")


def _owner() -> list[sa.Column[object]]:
    return [
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "day_id",
            sa.Integer(),
            sa.ForeignKey("rollup_day.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.Column("citizen_municipality", sa.String(100), nullable=True),
        sa.Column("flow_version_id", sa.Integer(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "rollup_day",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("zone", sa.String(64), nullable=False),
        sa.Column("span", sa.String(8), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("built_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("zone", "span", "day"),
    )
    op.create_index("ix_rollup_day_bounds", "rollup_day", ["starts_at", "ends_at"])
    op.create_table(
        "rollup_started",
        *_owner(),
        sa.Column("completed_by", sa.DateTime(timezone=True), nullable=True),
        sa.Column("responses", sa.Integer(), nullable=False),
    )
    op.create_table(
        "rollup_completed", *_owner(), sa.Column("responses", sa.Integer(), nullable=False)
    )
    op.create_table(
        "rollup_value",
        *_owner(),
        sa.Column("question_id", sa.String(64), nullable=False),
        sa.Column("question_type", sa.String(16), nullable=False),
        sa.Column("number_value", sa.Float(), nullable=True),
        sa.Column("bool_value", sa.Boolean(), nullable=True),
        sa.Column("answers", sa.Integer(), nullable=False),
    )
    op.create_table(
        "rollup_text",
        *_owner(),
        sa.Column("question_id", sa.String(64), nullable=False),
        sa.Column("text_language", sa.String(8), nullable=True),
        sa.Column("texts", sa.Integer(), nullable=False),
    )
    op.create_table(
        "rollup_option",
        *_owner(),
        sa.Column("question_id", sa.String(64), nullable=False),
        sa.Column("option_id", sa.String(64), nullable=False),
        sa.Column("ticks", sa.Integer(), nullable=False),
        sa.Column("firsts", sa.Integer(), nullable=False),
    )
    for name in FACTS:
        op.create_index(f"ix_{name}_day_id", name, ["day_id"])


def downgrade() -> None:
    for name in FACTS:
        op.drop_table(name)
    op.drop_table("rollup_day")
