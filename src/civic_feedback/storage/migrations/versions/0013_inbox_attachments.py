"""Photos, files, voice notes and places with citizens' messages, an item's place, the
bot's copies of them to delete when a citizen is erased, and the status a citizen follows
through to "resolved".

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inbox_attachment",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "message_id",
            sa.Integer(),
            sa.ForeignKey("inbox_message.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("file_id", sa.String(200), nullable=True),
        sa.Column("file_unique_id", sa.String(100), nullable=True),
        sa.Column("file_name", sa.String(200), nullable=True),
        sa.Column("mime_type", sa.String(100), nullable=True),
        sa.Column("file_size", sa.Integer(), nullable=True),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("venue", sa.String(300), nullable=True),
        sa.Column("media_group_id", sa.String(64), nullable=True),
        sa.Column("source_chat_id", sa.BigInteger(), nullable=False),
        sa.Column("source_message_id", sa.Integer(), nullable=False),
        sa.Column("copy_chat_id", sa.BigInteger(), nullable=True),
        sa.Column("copy_message_id", sa.Integer(), nullable=True),
    )
    op.create_index("ix_inbox_attachment_message_id", "inbox_attachment", ["message_id"])
    op.create_table(
        "message_removal",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    with op.batch_alter_table("inbox_item") as table:
        table.add_column(sa.Column("latitude", sa.Float(), nullable=True))
        table.add_column(sa.Column("longitude", sa.Float(), nullable=True))
        table.add_column(sa.Column("status_reason", sa.Text(), nullable=True))
        table.add_column(sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True))
        table.add_column(
            sa.Column("confirmation_asked", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        table.add_column(sa.Column("confirmed", sa.Boolean(), nullable=True))
        table.add_column(sa.Column("resolution_rating", sa.Integer(), nullable=True))
    with op.batch_alter_table("inbox_message") as table:
        table.add_column(sa.Column("status", sa.String(16), nullable=True))
    op.create_table(
        "inbox_supporter",
        sa.Column(
            "item_id",
            sa.Integer(),
            sa.ForeignKey("inbox_item.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "citizen_id",
            sa.Integer(),
            sa.ForeignKey("citizen.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("inbox_supporter")
    with op.batch_alter_table("inbox_message") as table:
        table.drop_column("status")
    with op.batch_alter_table("inbox_item") as table:
        for column in (
            "resolution_rating",
            "confirmed",
            "confirmation_asked",
            "resolved_at",
            "status_reason",
            "longitude",
            "latitude",
        ):
            table.drop_column(column)
    op.drop_table("message_removal")
    op.drop_table("inbox_attachment")
