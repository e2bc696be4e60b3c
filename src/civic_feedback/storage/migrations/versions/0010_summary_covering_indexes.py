"""Indexes holding every column the weekly summary reads, so that it reads no table rows.

Responses get an index by state and completion, the index by start gains the columns
summaries group by, and the one by event those its response rate filters by. Answers get an
index of their values and a partial one of the texts given (a text can be thousands of
characters: the index only says there is one, and in which language).

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_OWNER = ["event_id", "citizen_id", "flow_version_id"]
_TEXT_GIVEN = sa.text("text_value IS NOT NULL")


def upgrade() -> None:
    op.drop_index("ix_response_started_at", table_name="response")
    op.create_index(
        "ix_response_started_at", "response", ["started_at", "state", "completed_at", *_OWNER]
    )
    op.create_index("ix_response_completion", "response", ["state", "completed_at", *_OWNER])
    op.drop_index("ix_response_event_id", table_name="response")
    op.create_index("ix_response_event_id", "response", ["event_id", "state", "completed_at"])
    op.create_index(
        "ix_answer_values",
        "answer",
        ["response_id", "question_type", "question_id", "number_value", "bool_value"],
    )
    op.create_index(
        "ix_answer_texts",
        "answer",
        ["response_id", "question_id", "text_language"],
        sqlite_where=_TEXT_GIVEN,
        postgresql_where=_TEXT_GIVEN,
    )


def downgrade() -> None:
    op.drop_index("ix_answer_texts", table_name="answer")
    op.drop_index("ix_answer_values", table_name="answer")
    op.drop_index("ix_response_event_id", table_name="response")
    op.create_index("ix_response_event_id", "response", ["event_id"])
    op.drop_index("ix_response_completion", table_name="response")
    op.drop_index("ix_response_started_at", table_name="response")
    op.create_index("ix_response_started_at", "response", ["started_at"])
