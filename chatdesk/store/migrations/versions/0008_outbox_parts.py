"""outbox progress: how many parts of an item are out

Revision ID: 0008_outbox_parts
Revises: 0007_web
Create Date: 2026-12-03 01:00:00

A long answer goes out as several platform messages. When a later one fails, the outbox
retries the item; ``parts_sent`` says how many went out already, so the retry starts at the
part that failed instead of sending the earlier ones again. Rows written before this revision
start at 0, as they did.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_outbox_parts"
down_revision = "0007_web"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("parts_sent", sa.Integer(), nullable=False, server_default=sa.text("0"))
        )


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("parts_sent")
