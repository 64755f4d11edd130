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
from chatdesk.store.models import Conversation, Requester, table_of
from chatdesk.store.prepared import Prepared

TABLE = table_of(Conversation)
REQUESTERS = table_of(Requester)

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
_KEY = (
    (TABLE.c.platform == bindparam("k_platform"))
    & (TABLE.c.chat_id == bindparam("k_chat_id"))
    & (TABLE.c.user_id == bindparam("k_user_id"))
)
_COLUMNS = (TABLE.c.id, TABLE.c.state, TABLE.c.data, TABLE.c.updated_at)
_LOAD = Prepared(select(*_COLUMNS).where(_KEY).with_for_update())
_CREATE = Prepared(
    ignoring_conflicts(TABLE),
    column_keys=("platform", "chat_id", "user_id", "state", "data", "updated_at"),
)
_KNOWN = Prepared(
    select(
        *REQUESTERS.columns,
        *(column.label(f"conversation_{column.name}") for column in _COLUMNS),
    )
    .select_from(
        TABLE.join(
            REQUESTERS,
            (REQUESTERS.c.platform == TABLE.c.platform)
            & (REQUESTERS.c.platform_user_id == TABLE.c.user_id),
        )
    )
    .where(_KEY)
    .with_for_update(of=TABLE)
)
_SAVE = Prepared(
    update(TABLE).where(TABLE.c.id == bindparam("k_id")),
    column_keys=("state", "data", "updated_at"),
)


def load(session: Session, event: InboundEvent, now: datetime) -> ConversationState:
    """The conversation of this platform, chat and user, created (idle) on first contact."""
    key = {"k_platform": event.platform, "k_chat_id": event.chat_id, "k_user_id": event.user_id}
    row = _LOAD.first(session, key)
    if row is None:
        _CREATE.rows(
            session,
            {
                "platform": event.platform,
                "chat_id": event.chat_id,
                "user_id": event.user_id,
                "state": "idle",
                "data": {},
                "updated_at": now,
            },
        )
        row = _LOAD.first(session, key)
        assert row is not None
    return ConversationState(row["id"], row["state"], dict(row["data"] or {}), row["updated_at"])


def load_known(
    session: Session, event: InboundEvent
) -> tuple[dict[str, Any], ConversationState] | None:
    """The requester's row and the conversation (locked as :func:`load` locks it) in one
    statement, for a requester and conversation that exist (every turn but the first of a
    chat); None otherwise, and then :func:`load` creates what is missing."""
    key = {"k_platform": event.platform, "k_chat_id": event.chat_id, "k_user_id": event.user_id}
    values = _KNOWN.first(session, key)
    if values is None:
        return None
    conversation = ConversationState(
        values.pop("conversation_id"),
        values.pop("conversation_state"),
        dict(values.pop("conversation_data") or {}),
        values.pop("conversation_updated_at"),
    )
    return values, conversation


def save(session: Session, conversation: ConversationState) -> None:
    _SAVE.rows(
        session,
        {
            "k_id": conversation.id,
            "state": conversation.state,
            "data": conversation.data,
            "updated_at": conversation.updated_at,
        },
    )
