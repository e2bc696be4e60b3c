"""Events: registrations, scheduled notifications, answers linked to an event.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

JSON_VALUE = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _when() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "event",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("code", sa.String(16), nullable=False, unique=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("municipality", sa.String(100), nullable=True),
        sa.Column("title", JSON_VALUE, nullable=False),
        sa.Column("description", JSON_VALUE, nullable=False),
        sa.Column("place", sa.String(500), nullable=False),
        sa.Column("map_url", sa.String(500), nullable=True),
        sa.Column("starts_at", _when(), nullable=False),
        sa.Column("ends_at", _when(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=True),
        sa.Column("flow_id", sa.String(64), sa.ForeignKey("form.flow_id"), nullable=False),
        sa.Column("reminder_offsets", JSON_VALUE, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("created_at", _when(), nullable=False),
    )
    op.create_index("ix_event_municipality", "event", ["municipality"])
    op.create_index("ix_event_starts_at", "event", ["starts_at"])
    op.create_table(
        "registration",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "event_id", sa.Integer(), sa.ForeignKey("event.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column(
            "citizen_id",
            sa.Integer(),
            sa.ForeignKey("citizen.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", _when(), nullable=False),
        sa.Column("updated_at", _when(), nullable=False),
        sa.UniqueConstraint("event_id", "citizen_id"),
    )
    op.create_index("ix_registration_citizen_id", "registration", ["citizen_id"])
    op.create_table(
        "notification",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column(
            "event_id", sa.Integer(), sa.ForeignKey("event.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column(
            "citizen_id",
            sa.Integer(),
            sa.ForeignKey("citizen.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("offset_seconds", sa.Integer(), nullable=False),
        sa.Column("due_at", _when(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("sent_at", _when(), nullable=True),
        sa.Column("error", sa.String(200), nullable=True),
        sa.UniqueConstraint("kind", "event_id", "citizen_id", "offset_seconds"),
    )
    op.create_index("ix_notification_due", "notification", ["state", "due_at"])
    op.create_index("ix_notification_citizen_id", "notification", ["citizen_id"])
    with op.batch_alter_table("citizen") as batch:
        batch.add_column(sa.Column("municipality", sa.String(100), nullable=True))
        batch.add_column(
            sa.Column("unreachable", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("response") as batch:
        batch.add_column(sa.Column("event_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_response_event_id", "event", ["event_id"], ["id"], ondelete="SET NULL"
        )
        batch.create_index("ix_response_event_id", ["event_id"])


def downgrade() -> None:
    with op.batch_alter_table("response") as batch:
        batch.drop_index("ix_response_event_id")
        batch.drop_constraint("fk_response_event_id", type_="foreignkey")
        batch.drop_column("event_id")
    with op.batch_alter_table("citizen") as batch:
        batch.drop_column("unreachable")
        batch.drop_column("municipality")
    op.drop_table("notification")
    op.drop_table("registration")
    op.drop_table("event")
