"""The web chat's lines and files in the database, shared by every ``chatdesk serve`` process.

Why a table and not LISTEN/NOTIFY: a web chat needs its lines stored anyway (a visitor who
comes back, or opens the chat on another device, sees the conversation as it was), the table
works the same on SQLite and PostgreSQL, and no process needs a connection of its own parked
on LISTEN. Each process pushes the lines it writes to its own browsers at once and looks for
lines written by other processes every CHATDESK_WEB_POLL_SECONDS (:class:`~.hub.Hub`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import CursorResult, insert, select

from chatdesk.store.db import Database
from chatdesk.store.models import WebFile, WebMessage

HISTORY = 200  # lines a browser gets when it connects
RECENT = timedelta(seconds=30)
"""How far back a process looks for lines of other processes. Ids come from a sequence and
two transactions may commit out of id order, so "newer than the last id seen" could skip a
line; "written in the last 30 seconds and not pushed yet" cannot (clocks kept in step)."""


@dataclass(frozen=True)
class Line:
    """One line of a web chat, as the browser receives it."""

    id: int
    chat_id: str
    sender: str  # visitor | desk
    payload: dict[str, Any]
    created_at: datetime

    def frame(self) -> dict[str, Any]:
        return {"type": "line", "id": self.id, "sender": self.sender, **self.payload}


def _line(row: WebMessage) -> Line:
    return Line(row.id, row.chat_id, row.sender, dict(row.payload), row.created_at)


class WebStore:
    """Reads and writes ``web_messages`` and ``web_files`` (blocking: call from a thread)."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def add(self, chat_id: str, sender: str, payload: dict[str, Any]) -> Line:
        now = datetime.now(UTC)
        with self.database.session() as session:
            row = WebMessage(chat_id=chat_id, sender=sender, payload=payload, created_at=now)
            session.add(row)
            session.flush()
            return _line(row)

    def history(self, chat_id: str, limit: int = HISTORY) -> list[Line]:
        with self.database.session() as session:
            rows = session.scalars(
                select(WebMessage)
                .where(WebMessage.chat_id == chat_id)
                .order_by(WebMessage.id.desc())
                .limit(limit)
            )
            return [_line(row) for row in reversed(list(rows))]

    def recent(self, chat_ids: list[str]) -> list[Line]:
        """Lines of these chats written in the last :data:`RECENT` (by any process)."""
        if not chat_ids:
            return []
        since = datetime.now(UTC) - RECENT
        with self.database.session() as session:
            rows = session.scalars(
                select(WebMessage)
                .where(WebMessage.created_at >= since, WebMessage.chat_id.in_(chat_ids))
                .order_by(WebMessage.id)
            )
            return [_line(row) for row in rows]

    def save_file(self, chat_id: str, name: str, content_type: str, data: bytes) -> int:
        now = datetime.now(UTC)
        with self.database.session() as session:
            result = session.execute(
                insert(WebFile).values(
                    chat_id=chat_id,
                    name=name,
                    content_type=content_type,
                    size=len(data),
                    data=data,
                    created_at=now,
                )
            )
            # An INSERT's result is a CursorResult; Session.execute is typed for any statement.
            assert isinstance(result, CursorResult) and result.inserted_primary_key is not None
            return int(result.inserted_primary_key[0])
