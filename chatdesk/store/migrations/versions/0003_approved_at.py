"""when a contact person approved a ticket

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 11:00:00

The service-target clocks of a ticket that waited for approval start at the approval. The
moment is recorded on the ticket, so the periodic check reads it with the ticket instead of
looking for the contact person's comment of every such ticket at every run. Tickets approved
before this revision get it from that comment.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True))
    op.execute(
        "UPDATE tickets SET approved_at = ("
        " SELECT min(comments.created_at) FROM comments"
        " WHERE comments.ticket_id = tickets.id AND comments.author_kind = 'contact')"
        " WHERE approval = 'approved'"
    )


def downgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_column("approved_at")
