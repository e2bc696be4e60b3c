"""Core tables: citizens, forms and their versions, responses, answers, processed updates.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

JSON_VALUE = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _when() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "citizen",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("telegram_id", sa.BigInteger(), nullable=False, unique=True),
        sa.Column("language", sa.String(), nullable=True),
        sa.Column("first_seen", _when(), nullable=False),
        sa.Column("last_seen", _when(), nullable=False),
        sa.Column("opted_out", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_citizen_last_seen", "citizen", ["last_seen"])
    op.create_table(
        "form",
        sa.Column("flow_id", sa.String(64), primary_key=True),
        sa.Column("listed", sa.Boolean(), nullable=False),
        sa.Column("created_at", _when(), nullable=False),
    )
    op.create_table(
        "flow_version",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("flow_id", sa.String(64), sa.ForeignKey("form.flow_id"), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("definition", JSON_VALUE, nullable=False),
        sa.Column("published_at", _when(), nullable=False),
        sa.UniqueConstraint("flow_id", "version"),
    )
    op.create_index("ix_flow_version_flow_id", "flow_version", ["flow_id"])
    op.create_table(
        "response",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "flow_version_id", sa.Integer(), sa.ForeignKey("flow_version.id"), nullable=False
        ),
        sa.Column("flow_id", sa.String(64), nullable=False),
        sa.Column(
            "citizen_id",
            sa.Integer(),
            sa.ForeignKey("citizen.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("started_at", _when(), nullable=False),
        sa.Column("completed_at", _when(), nullable=True),
    )
    op.create_index("ix_response_citizen_flow", "response", ["citizen_id", "flow_id", "state"])
    op.create_index("ix_response_completed_at", "response", ["completed_at"])
    op.create_index("ix_response_flow_version_id", "response", ["flow_version_id"])
    op.create_table(
        "answer",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "response_id",
            sa.Integer(),
            sa.ForeignKey("response.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("question_id", sa.String(64), nullable=False),
        sa.Column("question_type", sa.String(16), nullable=False),
        sa.Column("number_value", sa.Float(), nullable=True),
        sa.Column("text_value", sa.String(), nullable=True),
        sa.Column("bool_value", sa.Boolean(), nullable=True),
        sa.Column("text_language", sa.String(8), nullable=True),
        sa.Column("answered_at", _when(), nullable=False),
        sa.UniqueConstraint("response_id", "question_id"),
    )
    op.create_table(
        "answer_choice",
        sa.Column(
            "answer_id",
            sa.Integer(),
            sa.ForeignKey("answer.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("option_id", sa.String(64), primary_key=True),
        sa.Column("position", sa.Integer(), nullable=False),
    )
    op.create_table(
        "conversation",
        sa.Column(
            "citizen_id",
            sa.Integer(),
            sa.ForeignKey("citizen.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "response_id",
            sa.Integer(),
            sa.ForeignKey("response.id", ondelete="CASCADE"),
            nullable=False,
            unique=True,
        ),
        sa.Column("draft", JSON_VALUE, nullable=False),
        sa.Column("updated_at", _when(), nullable=False),
    )
    op.create_table(
        "anonymous_receipt",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("created_at", _when(), nullable=False),
    )
    op.create_table(
        "processed_update",
        sa.Column("update_id", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("processed_at", _when(), nullable=False),
    )
    op.create_index("ix_processed_update_processed_at", "processed_update", ["processed_at"])


def downgrade() -> None:
    for table in (
        "processed_update",
        "anonymous_receipt",
        "conversation",
        "answer_choice",
        "answer",
        "response",
        "flow_version",
        "form",
        "citizen",
    ):
        op.drop_table(table)
