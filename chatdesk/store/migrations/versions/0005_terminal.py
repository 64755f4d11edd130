"""open chats: which terminal chats are running, so `tickets reply` can say what happened

Revision ID: 0005_terminal
Revises: 0004_inbox
Create Date: 2026-12-02 15:00:00

A running `chatdesk chat` fetches its customer's messages from the outbox itself. It keeps a
row here, renewed every few seconds, while it runs; `chatdesk tickets reply` reads it to know
whether a reply will be shown now (and waits to say it was) or when the chat is next opened.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_terminal"
down_revision = "0004_inbox"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "open_chats",
        sa.Column("holder", sa.String(100), primary_key=True),
        sa.Column("platform", sa.String(20), nullable=False),
        sa.Column("chat_id", sa.String(100), nullable=False),
        sa.Column("alive_until", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_open_chats_chat", "open_chats", ["platform", "chat_id"])


def downgrade() -> None:
    op.drop_index("ix_open_chats_chat", table_name="open_chats")
    op.drop_table("open_chats")
