"""agent desk

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 13:30:15.863397
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """One helper per table, in the order of the foreign keys (a table before those that
    refer to it)."""
    _create_outbox()
    _create_service_breaches()
    _create_ticket_posts()
    _alter_tickets()


def _create_outbox() -> None:
    """The ``outbox`` table and its indexes."""
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("topic", sa.String(length=200), nullable=False),
        sa.Column("platform", sa.String(length=20), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claimed_by", sa.String(length=100), nullable=True),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_outbox_ticket_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outbox_due_at"), ["due_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_outbox_sent_at"), ["sent_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_outbox_topic"), ["topic"], unique=False)


def _create_service_breaches() -> None:
    """The ``service_breaches`` table."""
    op.create_table(
        "service_breaches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("target", sa.String(length=30), nullable=False),
        sa.Column("breached_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_service_breaches_ticket_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_breaches")),
        sa.UniqueConstraint("ticket_id", "target", name=op.f("uq_service_breaches_ticket_id")),
    )


def _create_ticket_posts() -> None:
    """The ``ticket_posts`` table and its indexes."""
    op.create_table(
        "ticket_posts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=20), nullable=False),
        sa.Column("chat_id", sa.String(length=100), nullable=False),
        sa.Column("message_id", sa.String(length=100), nullable=False),
        sa.Column("thread_id", sa.String(length=100), nullable=True),
        sa.Column("card", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_ticket_posts_ticket_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_posts")),
        sa.UniqueConstraint(
            "platform", "chat_id", "message_id", name=op.f("uq_ticket_posts_platform")
        ),
    )
    with op.batch_alter_table("ticket_posts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ticket_posts_thread_id"), ["thread_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_ticket_posts_ticket_id"), ["ticket_id"], unique=False)


def _alter_tickets() -> None:
    """The new columns of ``tickets``."""
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("assignee", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("assignee_id", sa.String(length=120), nullable=True))
        batch_op.add_column(
            sa.Column("first_response_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("escalated", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("approval", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("rating", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("rating_remark", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("rated_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("rating_asked_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_column("rating_asked_at")
        batch_op.drop_column("rated_at")
        batch_op.drop_column("rating_remark")
        batch_op.drop_column("rating")
        batch_op.drop_column("approval")
        batch_op.drop_column("escalated")
        batch_op.drop_column("first_response_at")
        batch_op.drop_column("assignee_id")
        batch_op.drop_column("assignee")

    with op.batch_alter_table("ticket_posts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ticket_posts_ticket_id"))
        batch_op.drop_index(batch_op.f("ix_ticket_posts_thread_id"))

    op.drop_table("ticket_posts")
    op.drop_table("service_breaches")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_topic"))
        batch_op.drop_index(batch_op.f("ix_outbox_sent_at"))
        batch_op.drop_index(batch_op.f("ix_outbox_due_at"))

    op.drop_table("outbox")
