"""the web chat's lines and files

Revision ID: 0007_web
Revises: 0005_terminal
Create Date: 2026-12-02 14:40:00

The web channel keeps every line of a web chat in ``web_messages`` (every ``chatdesk serve``
process reads the newest rows and pushes them to its browsers), and the files web visitors send
in ``web_files`` (on the web, chatdesk itself is the platform that keeps the bytes).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_web"
down_revision = "0005_terminal"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "web_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.String(length=100), nullable=False),
        sa.Column("sender", sa.String(length=10), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_messages")),
    )
    with op.batch_alter_table("web_messages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_web_messages_chat_id"), ["chat_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_web_messages_created_at"), ["created_at"], unique=False
        )
    op.create_table(
        "web_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("content_type", sa.String(length=120), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_files")),
    )
    with op.batch_alter_table("web_files", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_web_files_chat_id"), ["chat_id"], unique=False)


def downgrade() -> None:
    op.drop_table("web_files")
    op.drop_table("web_messages")
