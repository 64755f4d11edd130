"""Where a customer is in the dialogue: loaded at the start of a turn, written back at its end.

The row is read (and, on PostgreSQL, locked ``FOR UPDATE`` so that two deliveries of one
conversation at two processes take turns) and written with plain Core statements: a turn
touches it every time, and skipping the ORM's change tracking for it halves the cost of a
simple turn.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Insert, Table, bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from chatdesk.events import InboundEvent
from chatdesk.store.models import Conversation, table_of

TABLE = table_of(Conversation)

DialectInsert = Callable[[Table], postgresql.Insert] | Callable[[Table], sqlite.Insert]
"""``insert`` of PostgreSQL or of SQLite: both build ``INSERT .. ON CONFLICT``."""


@dataclass
class ConversationState:
    id: int
    state: str = "idle"
    data: dict[str, Any] = field(default_factory=dict)
    updated_at: datetime | None = None


def dialect_insert(session: Session) -> DialectInsert:
    """The INSERT construct with ON CONFLICT support for the session's database."""
    return postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


def ignoring_conflicts(table: Table) -> dict[str, Insert]:
    """``INSERT .. ON CONFLICT DO NOTHING`` into ``table``, built once for each database we
    run on; pick one with ``[session.get_bind().dialect.name]``."""
    return {
        "sqlite": sqlite_insert(table).on_conflict_do_nothing(),
        "postgresql": postgresql_insert(table).on_conflict_do_nothing(),
    }


# The statements of every turn are built once, with bound parameters, so a turn only binds
# values: building a statement and computing its cache key cost more than running it.
_LOAD = (
    select(TABLE.c.id, TABLE.c.state, TABLE.c.data, TABLE.c.updated_at)
    .where(
        (TABLE.c.platform == bindparam("k_platform"))
        & (TABLE.c.chat_id == bindparam("k_chat_id"))
        & (TABLE.c.user_id == bindparam("k_user_id"))
    )
    .with_for_update()
)
_CREATE = ignoring_conflicts(TABLE)
_SAVE = update(TABLE).where(TABLE.c.id == bindparam("k_id"))


def load(session: Session, event: InboundEvent, now: datetime) -> ConversationState:
    """The conversation of this platform, chat and user, created (idle) on first contact."""
    key = {"k_platform": event.platform, "k_chat_id": event.chat_id, "k_user_id": event.user_id}
    connection = session.connection()  # Core statements: no need for the ORM's dispatch
    row = connection.execute(_LOAD, key).first()
    if row is None:
        connection.execute(
            _CREATE[session.get_bind().dialect.name],
            {
                "platform": event.platform,
                "chat_id": event.chat_id,
                "user_id": event.user_id,
                "state": "idle",
                "data": {},
                "updated_at": now,
            },
        )
        row = connection.execute(_LOAD, key).one()
    return ConversationState(row.id, row.state, dict(row.data or {}), row.updated_at)


def save(session: Session, conversation: ConversationState) -> None:
    session.connection().execute(
        _SAVE,
        {
            "k_id": conversation.id,
            "state": conversation.state,
            "data": conversation.data,
            "updated_at": conversation.updated_at,
        },
    )
