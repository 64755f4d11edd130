"""The outbox: every notification is a row, written in the transaction of the change it reports.

A status change, an agent's reply, a new ticket's card: whatever the desk must tell someone
outside the current turn is stored here with :func:`enqueue`, inside the same database
transaction as the change itself. If the change rolls back, so does the message; if it commits,
the message is there even if the process dies the next moment. A worker in ``chatdesk serve``
(:mod:`chatdesk.worker`) then :func:`claim`\\ s due rows, sends them through the platform's
adapter, and marks them :func:`sent`, or :func:`failed` with a back-off.

One item can become several platform messages (a long text split to the platform's limit).
The sender counts the parts it got out in a :class:`Progress`; when a later part fails,
:func:`failed` stores that count (``parts_sent``), and the retry starts at the part that
failed, so nobody reads the earlier parts twice.

Claiming is safe with several processes on one PostgreSQL database: the claim query locks the
rows it picks with ``FOR UPDATE SKIP LOCKED`` and stamps a lease (``claimed_by``,
``claimed_until``) before it commits, so two workers never hold the same row. On SQLite the
whole claim runs under the database's single write lock. Only the head of each *topic* (a
customer's chat, one ticket's thread) is claimable, so messages arrive in the order they were
written and a card exists before anything is said under it.

The one case where a message can go out twice: a process sends it and dies before it records
``sent_at``. After the lease runs out another worker sends it again. Platforms offer no way to
make a send and a database commit one atomic step; the lease keeps that window to a crash.

A customer who writes in a group is moved to the private chat by a row of its own (kind
``move``, a :class:`~chatdesk.events.MoveToPrivate`): its adapter carries the words over as a
turn of the private chat (once: that turn's delivery id is derived from the group's) and says
the pointer in the group, and the row is marked sent only after both. A crash anywhere in
between is a replay: the pointer at least once, the private turn exactly once.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import CursorResult, Select, and_, exists, insert, select, update
from sqlalchemy.orm import Session, aliased

from chatdesk.events import (
    CardLocation,
    Message,
    MoveToPrivate,
    Posted,
    Reply,
    ThreadNote,
    TicketCard,
)
from chatdesk.store.conversations import dialect_insert
from chatdesk.store.db import Database
from chatdesk.store.models import OutboxItem, TicketPost, table_of
from chatdesk.store.payloads import AGENT_CHAT_KINDS as AGENT_CHAT_KINDS
from chatdesk.store.payloads import CUSTOMER_KINDS as CUSTOMER_KINDS
from chatdesk.store.payloads import KIND_OF
from chatdesk.store.payloads import KINDS as KINDS
from chatdesk.store.payloads import decode as decode
from chatdesk.store.payloads import encode as encode
from chatdesk.store.prepared import Prepared

log = logging.getLogger(__name__)
T = TypeVar("T")

MAX_ERROR = 2000
_QUEUED = "chatdesk.store.outbox.queued"
_ENQUEUE = Prepared(  # compiled once, run on the driver (see chatdesk.store.prepared)
    insert(table_of(OutboxItem)),
    column_keys=(
        "topic",
        "platform",
        "kind",
        "payload",
        "ticket_id",
        "created_at",
        "due_at",
        "attempts",
    ),
)


class DeliveryFailed(Exception):
    """An adapter could not send an item.

    ``permanent``: retrying cannot help (the user blocked the bot, the chat is gone); the item
    is set aside with its reason instead of being retried. ``retry_after``: the platform said
    when to come back (a 429); otherwise the worker backs off exponentially.
    """

    def __init__(
        self, reason: str, *, permanent: bool = False, retry_after: float | None = None
    ) -> None:
        super().__init__(reason)
        self.permanent = permanent
        self.retry_after = retry_after


@dataclass
class Progress:
    """How many platform messages (parts) of one item are out, for a sender to resume at.

    An adapter that splits an item into parts sends those of :meth:`pending` (the ones before
    ``sent`` went out on an earlier attempt) and calls :meth:`done` after each part the
    platform accepted. The worker stores
    ``sent`` when the item fails, so the next attempt resumes at the part that failed. The
    split must come out the same on every attempt (it depends only on the item).
    """

    sent: int = 0

    def pending(self, parts: Sequence[T]) -> Iterator[tuple[int, T]]:
        """The parts (with their index, counted from 0) that did not go out on an earlier
        attempt, in order."""
        return itertools.islice(enumerate(parts), self.sent, None)

    def done(self, index: int) -> None:
        """Part ``index`` went out."""
        self.sent = max(self.sent, index + 1)


@dataclass(frozen=True)
class Delivery:
    """A claimed item, ready for its adapter: the reply, the card's place if it has one, and
    how many of its parts went out on earlier attempts."""

    id: int
    platform: str
    reply: Reply
    ticket_id: int | None
    attempts: int
    card: CardLocation | None = None
    parts_sent: int = 0


# -- writing ------------------------------------------------------------------------------


def topic_of(reply: Reply, ticket_id: int | None) -> str:
    """The ordering key: a customer's chat, or one ticket's place in the agents' chat. A move
    to the private chat is in the topic of the group it points from, after what was said there
    before it."""
    if isinstance(reply, Message | MoveToPrivate):
        return f"{reply.platform}:chat:{reply.chat_id}"
    if isinstance(reply, TicketCard | ThreadNote):
        key = ticket_id if ticket_id is not None else reply.reference
        return f"{reply.platform}:ticket:{key}"
    raise TypeError(f"{type(reply).__name__} cannot go through the outbox")


def enqueue(
    session: Session,
    reply: Reply,
    now: datetime,
    *,
    ticket_id: int | None = None,
    delay: timedelta = timedelta(0),
    platform: str | None = None,
) -> None:
    """Store ``reply`` for sending, in the caller's transaction. ``platform``: the adapter
    that sends it, when that is not the reply's own (a web ticket's card goes to the agents'
    chat on Slack or Telegram, see :func:`chatdesk.desk.notify.agents_platform`)."""
    session.info[_QUEUED] = True
    if session.autoflush:  # as an ORM insert would: pending changes reach the database first
        session.flush()
    _ENQUEUE.rows(
        session,
        {
            "topic": topic_of(reply, ticket_id),
            "platform": platform or reply.platform,
            "kind": KIND_OF[type(reply)],
            "payload": encode(reply),
            "ticket_id": ticket_id,
            "created_at": now,
            "due_at": now + delay,
            "attempts": 0,
        },
    )


def queued_in(session: Session) -> bool:
    """Whether this session's transaction wrote notifications (to wake the worker after it)."""
    return bool(session.info.get(_QUEUED))


# -- the worker's side ----------------------------------------------------------------------


def claim(
    database: Database,
    worker: str,
    platforms: Iterable[str],
    now: datetime,
    *,
    limit: int = 20,
    lease: timedelta = timedelta(minutes=2),
    kinds: Iterable[str] | None = None,
) -> list[Delivery]:
    """Claim up to ``limit`` due items, each the oldest unsent one of its topic; of ``kinds``
    only, if given (a topic holds one side's kinds: a customer's chat or a ticket's place in
    the agents' chat, so claiming one side leaves the other's order as it is).

    Only kinds this version knows (:data:`KINDS`) are claimed: during a rolling upgrade an
    older process leaves a newer kind to the processes that know it, and the topic behind it
    waits for them (its order holds). A row whose payload cannot be read (written by hand, or
    by a version that changed the kind's fields) is set aside with the reason in the same
    transaction, so it never holds up the rest of the batch.
    """
    platforms = list(platforms)
    if not platforms:
        return []
    known = [kind for kind in KINDS if kinds is None or kind in set(kinds)]
    query = _claimable(platforms, now, limit, known)
    deliveries: list[Delivery] = []
    with database.session() as session:
        rows = list(session.scalars(query))
        for row in rows:
            delivery = _claimed(session, row, worker, now, lease)
            if delivery is not None:
                deliveries.append(delivery)
    return deliveries


def _claimable(
    platforms: list[str], now: datetime, limit: int, kinds: list[str]
) -> Select[OutboxItem]:
    """Due items of known kinds that head their topic, oldest first, locked for the claim."""
    earlier = aliased(OutboxItem)
    pending = and_(OutboxItem.sent_at.is_(None), OutboxItem.failed_at.is_(None))
    blocked = exists().where(
        earlier.topic == OutboxItem.topic,
        earlier.id < OutboxItem.id,
        earlier.sent_at.is_(None),
        earlier.failed_at.is_(None),
    )
    return (
        select(OutboxItem)
        .where(
            pending,
            OutboxItem.platform.in_(platforms),
            OutboxItem.kind.in_(kinds),
            OutboxItem.due_at <= now,
            (OutboxItem.claimed_until.is_(None)) | (OutboxItem.claimed_until < now),
            ~blocked,
        )
        .order_by(OutboxItem.id)
        .limit(limit)
        .with_for_update(skip_locked=True, of=OutboxItem)
    )


def _claimed(
    session: Session, row: OutboxItem, worker: str, now: datetime, lease: timedelta
) -> Delivery | None:
    """Stamp ``row`` with this worker's lease and make it a delivery; None (the row set
    aside) when its payload cannot be read."""
    row.attempts += 1
    try:
        reply = decode(row.kind, row.payload)
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        log.error("outbox: item %s set aside: its payload cannot be read: %s", row.id, exc)
        row.failed_at = now
        row.last_error = f"unreadable payload: {type(exc).__name__}: {exc}"[:MAX_ERROR]
        return None
    row.claimed_by = worker
    row.claimed_until = now + lease
    return Delivery(
        id=row.id,
        platform=row.platform,
        reply=reply,
        ticket_id=row.ticket_id,
        attempts=row.attempts,
        card=_card_location(session, row.platform, row.ticket_id),
        parts_sent=row.parts_sent,
    )


def _card_location(session: Session, platform: str, ticket_id: int | None) -> CardLocation | None:
    if ticket_id is None:
        return None
    post = session.scalar(
        select(TicketPost)
        .where(
            TicketPost.ticket_id == ticket_id,
            TicketPost.platform == platform,
            TicketPost.card.is_(True),
        )
        .order_by(TicketPost.id.desc())
        .limit(1)
    )
    if post is None:
        return None
    return CardLocation(post.chat_id, post.message_id, post.thread_id)


def renew(
    database: Database, delivery: Delivery, worker: str, now: datetime, lease: timedelta
) -> bool:
    """Extend this worker's claim on ``delivery`` just before sending it; False when the claim
    is gone (its lease ran out while earlier items of the batch were sent, and another worker
    took it): then this worker must not send it too."""
    with database.session() as session:
        result = session.execute(
            update(OutboxItem)
            .where(
                OutboxItem.id == delivery.id,
                OutboxItem.claimed_by == worker,
                OutboxItem.sent_at.is_(None),
                OutboxItem.failed_at.is_(None),
            )
            .values(claimed_until=now + lease)
        )
        assert isinstance(result, CursorResult)  # an UPDATE's; Session.execute is typed for all
        return bool(result.rowcount)


def sent(
    database: Database, delivery: Delivery, worker: str, now: datetime, posted: Posted | None
) -> None:
    """Record a successful send, and where it landed in the agents' chat."""
    with database.session() as session:
        session.execute(
            update(OutboxItem)
            .where(OutboxItem.id == delivery.id, OutboxItem.claimed_by == worker)
            .values(sent_at=now, claimed_until=None, last_error=None)
        )
        if posted is not None and delivery.ticket_id is not None:
            session.execute(
                dialect_insert(session)(table_of(TicketPost))
                .values(
                    ticket_id=delivery.ticket_id,
                    platform=delivery.platform,
                    chat_id=posted.chat_id,
                    message_id=posted.message_id,
                    thread_id=posted.thread_id,
                    card=isinstance(delivery.reply, TicketCard),
                    created_at=now,
                )
                .on_conflict_do_nothing()
            )


def failed(
    database: Database,
    delivery: Delivery,
    worker: str,
    now: datetime,
    error: BaseException,
    *,
    parts_sent: int | None = None,
    max_backoff: float = 600.0,
) -> datetime | None:
    """Record a failed attempt: back off and retry later, or set a hopeless item aside.

    ``parts_sent``: how many parts of the item are out by now (:class:`Progress`), kept so
    the retry skips them, and so an item set aside says how much of it the reader got.
    Returns when the next attempt is due, or None when the item was set aside.
    """
    reason = f"{type(error).__name__}: {error}"[:MAX_ERROR]
    permanent = isinstance(error, DeliveryFailed) and error.permanent
    retry_after = error.retry_after if isinstance(error, DeliveryFailed) else None
    wait = retry_after if retry_after is not None else min(max_backoff, 2.0**delivery.attempts)
    due = now + timedelta(seconds=wait)
    values: dict[str, Any] = {"claimed_until": None, "last_error": reason}
    if parts_sent is not None:
        values["parts_sent"] = parts_sent
    if permanent:
        values["failed_at"] = now
    else:
        values["due_at"] = due
    with database.session() as session:
        session.execute(
            update(OutboxItem)
            .where(OutboxItem.id == delivery.id, OutboxItem.claimed_by == worker)
            .values(**values)
        )
    return None if permanent else due


def pending_count(session: Session) -> int:
    """Items not yet sent nor set aside (for status output and tests)."""
    from sqlalchemy import func

    return int(
        session.scalar(
            select(func.count())
            .select_from(OutboxItem)
            .where(OutboxItem.sent_at.is_(None), OutboxItem.failed_at.is_(None))
        )
        or 0
    )
