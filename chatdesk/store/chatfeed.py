"""The outbox for a chat that fetches its own messages: the terminal.

Telegram and Slack are sent to by the outbox worker of ``chatdesk serve``. A terminal chat
cannot be sent to: it is a process on someone's machine, running or not. So a running
``chatdesk chat`` fetches what the outbox holds for its customer (:func:`claim_chat`), shows it
and marks it sent, every second or so; what arrived while no chat was open waits in the outbox
and is shown at the next start. While it runs, the chat keeps a row in ``open_chats``
(:func:`hold_open`, renewed well within :data:`OPEN_TTL`), which is how ``chatdesk tickets
reply`` knows whether the customer will see a reply now (it waits until they did) or later
(:func:`delivery_report`).

Claiming works as the worker's does: rows locked with ``SKIP LOCKED`` where the database has
it and a lease in ``claimed_until``, so two chats open for the same customer show each message
once.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from chatdesk.events import Message
from chatdesk.store import outbox
from chatdesk.store.db import Database
from chatdesk.store.models import OpenChat, OutboxItem

OPEN_TTL = timedelta(seconds=15)
"""How long an open chat counts after its last renewal (it renews every few seconds)."""
LEASE = timedelta(seconds=30)
SHOWN_WAIT_SECONDS = 5.0
"""How long ``tickets reply`` waits for an open chat to show the reply before saying "queued"."""


def chat_topic(platform: str, chat_id: str) -> str:
    """The outbox topic of a customer's chat (see :func:`chatdesk.store.outbox.topic_of`)."""
    return outbox.topic_of(Message(platform, chat_id, ""), None)


def claim_chat(
    database: Database, holder: str, platform: str, chat_id: str, now: datetime, limit: int = 20
) -> list[outbox.Delivery]:
    """Claim the due, unsent messages of one chat, oldest first (the caller shows them and
    calls :func:`chatdesk.store.outbox.sent` for each)."""
    pending = (
        select(OutboxItem)
        .where(
            OutboxItem.topic == chat_topic(platform, chat_id),
            OutboxItem.sent_at.is_(None),
            OutboxItem.failed_at.is_(None),
            OutboxItem.due_at <= now,
            (OutboxItem.claimed_until.is_(None)) | (OutboxItem.claimed_until < now),
        )
        .order_by(OutboxItem.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    claimed: list[outbox.Delivery] = []
    with database.session() as session:
        for row in session.scalars(pending):
            row.claimed_by, row.claimed_until = holder, now + LEASE
            row.attempts += 1
            reply = outbox.decode(row.kind, row.payload)
            claimed.append(
                outbox.Delivery(row.id, row.platform, reply, row.ticket_id, row.attempts)
            )
    return claimed


def hold_open(database: Database, holder: str, platform: str, chat_id: str, now: datetime) -> None:
    """Say (again) that ``holder`` has this chat open, until ``now`` + :data:`OPEN_TTL`."""
    with database.session() as session:
        row = session.get(OpenChat, holder)
        if row is None:
            session.add(OpenChat(holder=holder, platform=platform, chat_id=chat_id,
                                 alive_until=now + OPEN_TTL))  # fmt: skip
        else:
            row.alive_until = now + OPEN_TTL


def let_go(database: Database, holder: str) -> None:
    """The chat closed: it no longer counts as open."""
    with database.session() as session:
        session.execute(delete(OpenChat).where(OpenChat.holder == holder))


def is_open(session: Session, platform: str, chat_id: str, now: datetime) -> bool:
    return (
        session.scalar(
            select(OpenChat.holder)
            .where(
                OpenChat.platform == platform,
                OpenChat.chat_id == chat_id,
                OpenChat.alive_until > now,
            )
            .limit(1)
        )
        is not None
    )


def newest_for(session: Session, platform: str, chat_id: str) -> int | None:
    """The id of the newest outbox message for this chat (after an ``enqueue`` in this
    transaction: the one just written)."""
    return session.scalar(
        select(OutboxItem.id)
        .where(OutboxItem.topic == chat_topic(platform, chat_id))
        .order_by(OutboxItem.id.desc())
        .limit(1)
    )


def delivery_report(
    database: Database,
    item: int | None,
    platform: str,
    chat_id: str,
    clock: Callable[[], datetime],
    wait: float = SHOWN_WAIT_SECONDS,
) -> str:
    """What became of the customer's message ``item``, in words for the operator.

    Only "sent" when it was: a terminal customer's open chat shows it within a second or two
    (waited for, up to ``wait`` seconds); otherwise it is queued, and the sentence says who
    delivers it and when.
    """
    if item is None:
        return "nothing was queued"
    if platform != "terminal":
        return f"queued for their {platform} chat: the outbox worker of `chatdesk serve` sends it"
    deadline = time.monotonic() + wait
    while True:
        with database.session() as session:
            if session.scalar(select(OutboxItem.sent_at).where(OutboxItem.id == item)):
                return "sent: the customer's open chat showed it"
            chat_open = is_open(session, platform, chat_id, clock())
        if not chat_open or time.monotonic() >= deadline:
            break
        time.sleep(0.1)
    if chat_open:
        return "queued: the customer's chat is open and shows it within moments"
    return (
        "queued for delivery: the customer sees it when their chat (`chatdesk chat`) is next open"
    )


def mark_unclaimed(database: Database, delivery: outbox.Delivery, holder: str) -> None:
    """Give an item back (the chat could not show it), to be shown by the next fetch."""
    with database.session() as session:
        session.execute(
            update(OutboxItem)
            .where(OutboxItem.id == delivery.id, OutboxItem.claimed_by == holder)
            .values(claimed_until=None)
        )
