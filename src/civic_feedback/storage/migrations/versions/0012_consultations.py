"""Public consultations: drafts open for proposals, the proposals and their decisions.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

JSON_VALUE = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _when() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def _ref(name: str, target: str, ondelete: str, *, nullable: bool = False) -> sa.Column[int]:
    return sa.Column(
        name, sa.Integer(), sa.ForeignKey(target, ondelete=ondelete), nullable=nullable
    )


def _key(name: str, target: str) -> sa.Column[int]:
    return sa.Column(
        name, sa.Integer(), sa.ForeignKey(target, ondelete="CASCADE"), primary_key=True
    )


def _attachment() -> list[sa.Column[object]]:
    return [
        sa.Column("attachment_kind", sa.String(16), nullable=True),
        sa.Column("attachment_file_id", sa.String(200), nullable=True),
        sa.Column("attachment_name", sa.String(200), nullable=True),
        sa.Column("attachment_size", sa.Integer(), nullable=True),
    ]


def upgrade() -> None:
    op.create_table(
        "consultation",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("code", sa.String(16), nullable=False, unique=True),
        sa.Column("municipality", sa.String(100), nullable=True),
        sa.Column("title", JSON_VALUE, nullable=False),
        sa.Column("summary", JSON_VALUE, nullable=False),
        sa.Column("document_url", sa.String(500), nullable=True),
        sa.Column("document_name", sa.String(200), nullable=True),
        sa.Column("document_file_id", sa.String(200), nullable=True),
        sa.Column("opens_at", _when(), nullable=False),
        sa.Column("closes_at", _when(), nullable=False),
        sa.Column("short_term_reason", sa.Text(), nullable=True),
        sa.Column("closed_early_reason", sa.Text(), nullable=True),
        sa.Column("report_due_at", _when(), nullable=True),
        sa.Column("flow_id", sa.String(64), sa.ForeignKey("form.flow_id"), nullable=True),
        sa.Column("created_at", _when(), nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("published_at", _when(), nullable=True),
        sa.Column("published_chat", sa.String(100), nullable=True),
        sa.Column("published_url", sa.String(300), nullable=True),
    )
    op.create_index("ix_consultation_municipality", "consultation", ["municipality"])
    op.create_table(
        "consultation_document",
        _key("consultation_id", "consultation.id"),
        sa.Column("data", sa.LargeBinary(), nullable=False),
    )
    op.create_table(
        "proposal",
        sa.Column("id", sa.Integer(), primary_key=True),
        _ref("consultation_id", "consultation.id", "CASCADE"),
        sa.Column("number", sa.Integer(), nullable=False),
        _ref("citizen_id", "citizen.id", "SET NULL", nullable=True),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("text_language", sa.String(8), nullable=True),
        *_attachment(),
        sa.Column("author_name", sa.String(200), nullable=True),
        sa.Column("created_at", _when(), nullable=False),
        sa.Column("decision", sa.String(16), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("decided_at", _when(), nullable=True),
        sa.Column("decided_by", sa.String(100), nullable=True),
        sa.UniqueConstraint("consultation_id", "number"),
    )
    op.create_index("ix_proposal_citizen_id", "proposal", ["citizen_id"])
    op.create_table(
        "consultation_follower",
        _key("consultation_id", "consultation.id"),
        _key("citizen_id", "citizen.id"),
        sa.Column("followed_at", _when(), nullable=False),
        sa.Column("notice_state", sa.String(16), nullable=True),
        sa.Column("notice_sent_at", _when(), nullable=True),
        sa.Column("notice_error", sa.String(200), nullable=True),
    )
    op.create_index(
        "ix_consultation_follower_notice",
        "consultation_follower",
        ["notice_state", "consultation_id"],
    )
    op.create_table(
        "proposal_draft",
        _key("citizen_id", "citizen.id"),
        _ref("consultation_id", "consultation.id", "CASCADE"),
        *_attachment(),
        sa.Column("started_at", _when(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("proposal_draft")
    op.drop_table("consultation_follower")
    op.drop_table("proposal")
    op.drop_table("consultation_document")
    op.drop_table("consultation")
