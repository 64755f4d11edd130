"""Where a customer is in the dialogue: loaded at the start of a turn, written back at its end.

The row is read (and, on PostgreSQL, locked ``FOR UPDATE`` so that two deliveries of one
conversation at two processes take turns) and written with plain Core statements: a turn
touches it every time, and skipping the ORM's change tracking for it halves the cost of a
simple turn.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from chatdesk.events import InboundEvent
from chatdesk.models import Conversation

TABLE = Conversation.__table__


@dataclass
class ConversationState:
    id: int
    state: str = "idle"
    data: dict[str, Any] = field(default_factory=dict)
    updated_at: datetime | None = None


def dialect_insert(session: Session):  # type: ignore[no-untyped-def]
    """The INSERT construct with ON CONFLICT support for the session's database."""
    return postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


def load(session: Session, event: InboundEvent, now: datetime) -> ConversationState:
    """The conversation of this platform, chat and user, created (idle) on first contact."""
    key = (
        (TABLE.c.platform == event.platform)
        & (TABLE.c.chat_id == event.chat_id)
        & (TABLE.c.user_id == event.user_id)
    )
    query = (
        select(TABLE.c.id, TABLE.c.state, TABLE.c.data, TABLE.c.updated_at)
        .where(key)
        .with_for_update()
    )
    row = session.execute(query).first()
    if row is None:
        session.execute(
            dialect_insert(session)(TABLE)
            .values(
                platform=event.platform,
                chat_id=event.chat_id,
                user_id=event.user_id,
                state="idle",
                data={},
                updated_at=now,
            )
            .on_conflict_do_nothing()
        )
        row = session.execute(query).one()
    return ConversationState(row.id, row.state, dict(row.data or {}), row.updated_at)


def save(session: Session, conversation: ConversationState) -> None:
    session.execute(
        update(TABLE)
        .where(TABLE.c.id == conversation.id)
        .values(
            state=conversation.state,
            data=conversation.data,
            updated_at=conversation.updated_at,
        )
    )
