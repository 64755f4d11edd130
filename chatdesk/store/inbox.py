"""The inbox: a delivery is durable before the platform is told it was received.

Telegram and Slack deliver an event until they are told "received" (a webhook's HTTP 200, the
next getUpdates offset, a Socket Mode acknowledgement), and never again after that. So an
adapter of ``chatdesk serve`` first stores the raw event with :func:`receive`, in its own short
transaction, and only then acknowledges it; the turn runs afterwards, and :func:`done` removes
the row once it has. The row is held by the process that received it (a lease, as in the
outbox); if that process dies, the lease runs out and any process's worker claims it with
:func:`claim_stale` and replays it through the platform's adapter.

A replay of an event whose turn did commit is harmless: the engine records each event id with
its turn (``processed_events``) and answers a second delivery with nothing. Answers are outbox
rows written with the turn, so what a committed turn said is sent even if the process died
before sending it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select

from chatdesk.store.conversations import ignoring_conflicts
from chatdesk.store.db import Database
from chatdesk.store.models import InboxItem, table_of

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
"""Replays of one event before it is given up (an event that fails its turn every time)."""
EVENT_ID_LIMIT = 200  # the column's length
_INBOX = table_of(InboxItem)
_RECEIVE = {
    dialect: statement.returning(_INBOX.c.id)
    for dialect, statement in ignoring_conflicts(_INBOX).items()
}  # the new row's id; nothing when the delivery was stored already


@dataclass(frozen=True)
class Received:
    """An event claimed for a replay."""

    platform: str
    event_id: str
    payload: dict[str, Any]
    attempts: int


def receive(
    database: Database,
    platform: str,
    event_id: str,
    payload: dict[str, Any],
    worker: str,
    now: datetime,
    lease: timedelta,
) -> bool:
    """Store a delivery, held by ``worker`` for ``lease``; commit before returning.

    False when the same delivery is stored already (a platform's retry while the first one is
    still waiting for its turn): it will be handled there, so this one must not run.
    """
    with database.session() as session:
        result = session.execute(
            _RECEIVE[session.get_bind().dialect.name],
            {
                "platform": platform,
                "event_id": event_id[:EVENT_ID_LIMIT],
                "payload": payload,
                "received_at": now,
                "claimed_by": worker,
                "claimed_until": now + lease,
                "attempts": 1,
            },
        )
        return result.scalar() is not None


def done(database: Database, platform: str, event_id: str) -> None:
    """The delivery's turn ran (or it needed none): forget it."""
    with database.session() as session:
        session.execute(
            delete(InboxItem).where(
                InboxItem.platform == platform,
                InboxItem.event_id == event_id[:EVENT_ID_LIMIT],
            )
        )


def claim_stale(
    database: Database,
    worker: str,
    platforms: Iterable[str],
    now: datetime,
    lease: timedelta,
    *,
    limit: int = 50,
) -> list[Received]:
    """Claim deliveries whose holder's lease ran out (it died), oldest first.

    Rows are locked with ``FOR UPDATE SKIP LOCKED``, so two processes never claim the same
    one. One that was replayed :data:`MAX_ATTEMPTS` times is given up, with a log line.
    """
    platforms = list(platforms)
    if not platforms:
        return []
    query = (
        select(InboxItem)
        .where(
            InboxItem.platform.in_(platforms),
            InboxItem.claimed_until < now,
        )
        .order_by(InboxItem.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    claimed: list[Received] = []
    with database.session() as session:
        for row in session.scalars(query):
            if row.attempts >= MAX_ATTEMPTS:
                log.error(
                    "inbox: %s event %s given up after %d attempts",
                    row.platform,
                    row.event_id,
                    row.attempts,
                )
                session.delete(row)
                continue
            row.attempts += 1
            row.claimed_by = worker
            row.claimed_until = now + lease
            claimed.append(Received(row.platform, row.event_id, dict(row.payload), row.attempts))
    return claimed


class Inbox:
    """One adapter's side of the inbox: :meth:`receive` before acknowledging, :meth:`done`
    after the turn. Blocking calls: async adapters run them in a thread."""

    def __init__(self, database: Database, platform: str, holder: str, lease: timedelta) -> None:
        self.database = database
        self.platform = platform
        self.holder = holder
        self.lease = lease

    def receive(self, event_id: str, payload: dict[str, Any], now: datetime) -> bool:
        return receive(
            self.database, self.platform, event_id, payload, self.holder, now, self.lease
        )

    def done(self, event_id: str) -> None:
        """Forget a delivery whose turn ran; a failure here only means a harmless replay."""
        try:
            done(self.database, self.platform, event_id)
        except Exception:
            log.warning(
                "inbox: %s event %s not cleared; it will be replayed", self.platform, event_id
            )


def waiting(database: Database) -> int:
    """Deliveries stored and not yet done (for tests and status output)."""
    from sqlalchemy import func

    with database.session() as session:
        return int(session.scalar(select(func.count()).select_from(InboxItem)) or 0)
