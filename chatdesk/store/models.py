"""The database schema, as SQLAlchemy 2.0 typed ORM classes.

Changes to this file need an Alembic migration in ``chatdesk/store/migrations/versions``; a test
compares the migrated schema with these classes so the two never drift.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def table_of(model: type[Base]) -> Table:
    """The Table ``model`` maps, for Core statements (``insert``, ``update``, ON CONFLICT).

    SQLAlchemy types ``__table__`` as any FROM clause (a class may map a join or a subquery);
    every model here maps one Table, and this says so where it is used, checked once.
    """
    table = model.__table__
    if not isinstance(table, Table):
        raise TypeError(f"{model.__name__} maps {type(table).__name__}, not a Table")
    return table


class Requester(Base):
    """A customer as one platform knows them."""

    __tablename__ = "requesters"
    __table_args__ = (UniqueConstraint("platform", "platform_user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform: Mapped[str] = mapped_column(String(20))
    platform_user_id: Mapped[str] = mapped_column(String(100))
    display_name: Mapped[str] = mapped_column(String(200), default="")
    locale: Mapped[str | None] = mapped_column(String(20))
    lang: Mapped[str | None] = mapped_column(String(5))  # set by `lang`, overrides the locale
    organization: Mapped[str | None] = mapped_column(String(100), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Ticket(Base):
    __tablename__ = "tickets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str | None] = mapped_column(String(30), unique=True)
    subject: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text)
    steps: Mapped[str] = mapped_column(Text)
    error_message: Mapped[str | None] = mapped_column(Text)
    priority: Mapped[str] = mapped_column(String(20), default="normal")
    status: Mapped[str] = mapped_column(String(40), index=True)
    requester_id: Mapped[int] = mapped_column(ForeignKey("requesters.id"), index=True)
    organization: Mapped[str | None] = mapped_column(String(100), index=True)
    platform: Mapped[str] = mapped_column(String(20))
    chat_id: Mapped[str] = mapped_column(String(100))  # where the customer is told of changes
    lang: Mapped[str] = mapped_column(String(5), default="en")
    follows_up_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status_changed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The agent desk
    assignee: Mapped[str | None] = mapped_column(String(200))  # an agent's display name
    assignee_id: Mapped[str | None] = mapped_column(String(120))  # "platform:user id"
    first_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    escalated: Mapped[bool] = mapped_column(Boolean, default=False)
    approval: Mapped[str | None] = mapped_column(String(20))  # pending | approved | declined
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # service clocks start
    rating: Mapped[int | None] = mapped_column(Integer)
    rating_remark: Mapped[str | None] = mapped_column(Text)
    rated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    rating_asked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    requester: Mapped[Requester] = relationship()
    follows_up: Mapped[Ticket | None] = relationship(remote_side=[id])
    comments: Mapped[list[Comment]] = relationship(
        back_populates="ticket", order_by="Comment.id", cascade="all, delete-orphan"
    )
    attachments: Mapped[list[TicketAttachment]] = relationship(
        back_populates="ticket", order_by="TicketAttachment.id", cascade="all, delete-orphan"
    )
    history: Mapped[list[StatusChange]] = relationship(
        back_populates="ticket", order_by="StatusChange.id", cascade="all, delete-orphan"
    )


class Comment(Base):
    __tablename__ = "comments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    author_kind: Mapped[str] = mapped_column(String(20))  # customer | agent | system
    author_name: Mapped[str] = mapped_column(String(200), default="")
    body: Mapped[str] = mapped_column(Text)
    public: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    ticket: Mapped[Ticket] = relationship(back_populates="comments")


class StatusChange(Base):
    __tablename__ = "status_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(40))
    to_status: Mapped[str] = mapped_column(String(40))
    changed_by: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    ticket: Mapped[Ticket] = relationship(back_populates="history")


class TicketAttachment(Base):
    """A file sent with a ticket: the platform keeps the bytes, we keep what finds them."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(300))
    content_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int] = mapped_column(BigInteger)
    platform: Mapped[str] = mapped_column(String(20))
    file_ref: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    ticket: Mapped[Ticket] = relationship(back_populates="attachments")


class Conversation(Base):
    """Where a customer is in the dialogue; one row per platform, chat and user.

    ``data`` holds the draft and the choices last offered. Expiry is computed from
    ``updated_at`` when the row is read, so no timer has to survive a restart.
    """

    __tablename__ = "conversations"
    __table_args__ = (UniqueConstraint("platform", "chat_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform: Mapped[str] = mapped_column(String(20))
    chat_id: Mapped[str] = mapped_column(String(100))
    user_id: Mapped[str] = mapped_column(String(100))
    state: Mapped[str] = mapped_column(String(40), default="idle")
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ProcessedEvent(Base):
    """Inbound deliveries already handled, so a redelivery is recognised and ignored."""

    __tablename__ = "processed_events"

    platform: Mapped[str] = mapped_column(String(20), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    processed_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SuggestionEvent(Base):
    """One step of the deflection funnel: shown, chosen, solved or ticket_anyway."""

    __tablename__ = "suggestion_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[str] = mapped_column(String(300), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    platform: Mapped[str] = mapped_column(String(20))
    user_id: Mapped[str] = mapped_column(String(100))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class OutboxItem(Base):
    """One notification waiting to be sent (or sent): written in the transaction of the change.

    A worker in ``chatdesk serve`` claims due items (row locks with SKIP LOCKED on PostgreSQL, a
    lease in ``claimed_until`` everywhere), sends them and stamps ``sent_at``. ``topic`` keeps
    order: an item is only claimed when every earlier item of its topic is done, so a customer
    reads messages in the order they were written and a card exists before its thread.
    """

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    topic: Mapped[str] = mapped_column(String(200), index=True)
    platform: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(30))  # the reply type: message, card, thread_note
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    due_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    parts_sent: Mapped[int] = mapped_column(Integer, default=0)
    """Platform messages of this item already out (a long text goes as several): a retry
    after a failed part starts at that part."""


class InboxItem(Base):
    """A platform delivery stored before the platform was told "received", until its turn ran.

    ``chatdesk serve`` writes the raw event here and only then answers the webhook (HTTP 200),
    lets the poller confirm its offset, or acknowledges over Socket Mode. The process that
    wrote it holds it (``claimed_by``, ``claimed_until``) and deletes it once the turn is done;
    if that process dies, any process replays it when the lease has run out. The turn itself
    is deduplicated on the event id (``processed_events``), so a replay is answered once.
    """

    __tablename__ = "inbox"
    __table_args__ = (UniqueConstraint("platform", "event_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform: Mapped[str] = mapped_column(String(20))
    event_id: Mapped[str] = mapped_column(String(200))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=1)


class TicketPost(Base):
    """A message the bot posted about a ticket in an agents' chat: the card, or a thread line.

    An agent's reply to any of them (a Slack thread under the card, a Telegram reply or forum
    topic) is found back to its ticket through this table; the card row (``card``) is also
    where the card is edited in place.
    """

    __tablename__ = "ticket_posts"
    __table_args__ = (UniqueConstraint("platform", "chat_id", "message_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    platform: Mapped[str] = mapped_column(String(20))
    chat_id: Mapped[str] = mapped_column(String(100))
    message_id: Mapped[str] = mapped_column(String(100))
    thread_id: Mapped[str | None] = mapped_column(String(100), index=True)
    card: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ServiceBreach(Base):
    """A service target a ticket broke; unique per ticket and target, so it pings once."""

    __tablename__ = "service_breaches"
    __table_args__ = (UniqueConstraint("ticket_id", "target"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    target: Mapped[str] = mapped_column(String(30))  # first_response | resolution
    breached_at: Mapped[datetime] = mapped_column(UTCDateTime())


class OpenChat(Base):
    """A chat that fetches its own messages from the outbox (``chatdesk chat``) and is running.

    ``holder`` names the process; the row is renewed while it runs and counts only until
    ``alive_until``, so a chat that was killed stops counting by itself.
    """

    __tablename__ = "open_chats"
    __table_args__ = (Index("ix_open_chats_chat", "platform", "chat_id"),)

    holder: Mapped[str] = mapped_column(String(100), primary_key=True)
    platform: Mapped[str] = mapped_column(String(20))
    chat_id: Mapped[str] = mapped_column(String(100))
    alive_until: Mapped[datetime] = mapped_column(UTCDateTime())


class WebMessage(Base):
    """One line of a web chat (the visitor's own words, the desk's answers, notifications).

    The web channel writes every line here before a browser sees it, and every ``chatdesk
    serve`` process reads the newest rows to push them to the browsers connected to it: a
    notification sent by one process's outbox worker reaches a browser on another, and a
    visitor who comes back finds the conversation as it was.
    """

    __tablename__ = "web_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[str] = mapped_column(String(100), index=True)
    sender: Mapped[str] = mapped_column(String(10))  # visitor | desk
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class WebFile(Base):
    """A file a web visitor sent: on the web, chatdesk is the platform that keeps the bytes."""

    __tablename__ = "web_files"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[str] = mapped_column(String(100), index=True)
    name: Mapped[str] = mapped_column(String(300))
    content_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
