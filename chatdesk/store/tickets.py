"""The ticket store: creating tickets, finding them for the people allowed to see them,
comments and status changes. Every function works inside the caller's session (one
transaction per turn), so a turn's effects commit or roll back together.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.sql.schema import ScalarElementColumnDefault

from chatdesk.core import statuses
from chatdesk.events import Attachment
from chatdesk.store import requesters
from chatdesk.store.models import (
    Comment,
    StatusChange,
    Ticket,
    TicketAttachment,
    table_of,
)
from chatdesk.store.prepared import Prepared

REFERENCE_OFFSET = 1000  # SD-1001 is the first ticket: numbers that look like a real desk's
# Built once: creating a ticket only binds values.
# Built once and compiled once per database (chatdesk.store.prepared): creating a ticket
# only binds values.
_TICKETS = table_of(Ticket)
_NEW_COLUMNS = (
    "subject", "description", "steps", "error_message", "priority", "status", "requester_id",
    "organization", "platform", "chat_id", "lang", "follows_up_id", "created_at",
    "updated_at", "status_changed_at",
)  # fmt: skip
_INSERT_TICKET = Prepared(insert(_TICKETS).returning(_TICKETS.c.id), column_keys=_NEW_COLUMNS)
_INSERT_HISTORY = Prepared(
    insert(table_of(StatusChange)),
    column_keys=("ticket_id", "from_status", "to_status", "changed_by", "created_at"),
)
_INSERT_ATTACHMENT = Prepared(
    insert(table_of(TicketAttachment)),
    column_keys=("ticket_id", "name", "content_type", "size", "platform", "file_ref", "created_at"),
)
_SET_REFERENCE = Prepared(
    update(_TICKETS).where(_TICKETS.c.id == bindparam("k_id")), column_keys=("reference",)
)


@dataclass(frozen=True)
class NewTicket:
    subject: str
    description: str
    steps: str
    error_message: str | None
    priority: str
    platform: str
    chat_id: str
    lang: str
    follows_up_id: int | None = None


def create(
    session: Session,
    requester: requesters.RequesterRow,
    draft: NewTicket,
    prefix: str,
    now: datetime,
    attachments: list[Attachment] | None = None,
) -> Ticket:
    """Store a new ticket and give it its reference (prefix and a number from its id).

    The ticket, its first status change and its attachments are written with prepared Core
    statements, and the ticket becomes the session's ORM object from the values written
    (no query): the unit of work's flush of a new ticket with its collections, or loading it
    back, cost several times what the inserts do. Its ``requester`` is set too, so its card
    names them without a query.
    """
    if session.autoflush:  # as the ORM's statements would: pending changes go first
        session.flush()
    row = _ticket_row(requester, draft, now)
    ticket_id: int = _INSERT_TICKET.rows(session, row)[0][0]
    _INSERT_HISTORY.rows(
        session,
        {
            "ticket_id": ticket_id,
            "from_status": None,
            "to_status": statuses.NEW,
            "changed_by": "",
            "created_at": now,
        },
    )
    _INSERT_ATTACHMENT.many(
        session,
        [
            {"ticket_id": ticket_id, **_attachment_row(attachment, draft.platform, now)}
            for attachment in attachments or ()
        ],
    )
    # The reference needs the id.
    reference = f"{prefix}-{ticket_id + REFERENCE_OFFSET}"
    _SET_REFERENCE.rows(session, {"k_id": ticket_id, "reference": reference})
    ticket = _as_loaded(session, {**row, "id": ticket_id, "reference": reference})
    set_committed_value(ticket, "requester", requesters.attached(session, requester))
    return ticket


def _as_loaded(session: Session, written: dict[str, Any]) -> Ticket:
    """The new ticket as the session's persistent object, as a query would load it: every
    column the values written, a column's default, or NULL; datetimes in UTC."""
    columns: dict[str, Any] = {}
    for column in _TICKETS.columns:
        default = column.default
        value = default.arg if isinstance(default, ScalarElementColumnDefault) else None
        value = written.get(column.key, value)
        columns[column.key] = value.astimezone(UTC) if isinstance(value, datetime) else value
    ticket = Ticket(**columns)
    make_transient_to_detached(ticket)
    session.add(ticket)
    return ticket


def _ticket_row(
    requester: requesters.RequesterRow, draft: NewTicket, now: datetime
) -> dict[str, Any]:
    """The columns of a new ticket, as :func:`create` inserts them (reference set after)."""
    return {
        "subject": draft.subject,
        "description": draft.description,
        "steps": draft.steps,
        "error_message": draft.error_message,
        "priority": draft.priority,
        "status": statuses.NEW,
        "requester_id": requester.id,
        "organization": requester.organization,
        "platform": draft.platform,
        "chat_id": draft.chat_id,
        "lang": draft.lang,
        "follows_up_id": draft.follows_up_id,
        "created_at": now,
        "updated_at": now,
        "status_changed_at": now,
    }


def by_reference(session: Session, reference: str, lock: bool = False) -> Ticket | None:
    """The ticket with this reference. ``lock``: for a turn that may change it, the row is
    locked (PostgreSQL; SQLite turns are serialised already) and read afresh, so a change
    another process made meanwhile (auto-close, an agent) is seen, not overwritten."""
    query = select(Ticket).where(Ticket.reference == reference.upper())
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    return session.scalar(query)


def visible_to(
    ticket: Ticket, requester: requesters.Someone, share_with_organization: bool
) -> bool:
    """Whether ``requester`` may see ``ticket``: their own, or their organization's."""
    if ticket.requester_id == requester.id:
        return True
    return bool(
        share_with_organization
        and requester.organization
        and ticket.organization == requester.organization
    )


def find_visible(
    session: Session,
    reference: str,
    requester: requesters.Someone,
    share_with_organization: bool = False,
    lock: bool = False,
) -> Ticket | None:
    """The ticket with this reference if ``requester`` may see it; otherwise None.

    A missing ticket and somebody else's look the same to the caller, so the bot can never
    reveal that a reference exists. ``lock``: as for :func:`by_reference`.
    """
    ticket = by_reference(session, reference, lock)
    if ticket is None or not visible_to(ticket, requester, share_with_organization):
        return None
    return ticket


def open_tickets(session: Session, requester: requesters.Someone) -> list[Ticket]:
    """The requester's tickets that are not closed or cancelled, newest first."""
    query = (
        select(Ticket)
        .where(Ticket.requester_id == requester.id, Ticket.status.in_(statuses.OPEN_CODES))
        .order_by(Ticket.created_at.desc(), Ticket.id.desc())
    )
    return list(session.scalars(query))


def add_comment(
    session: Session,
    ticket: Ticket,
    body: str,
    author_kind: str,
    author_name: str,
    now: datetime,
    public: bool = True,
) -> Comment:
    comment = Comment(
        author_kind=author_kind, author_name=author_name, body=body, public=public, created_at=now
    )
    ticket.comments.append(comment)
    ticket.updated_at = now
    return comment


def attach(
    session: Session, ticket: Ticket, attachment: Attachment, platform: str, now: datetime
) -> TicketAttachment:
    stored = TicketAttachment(**_attachment_row(attachment, platform, now))
    ticket.attachments.append(stored)
    ticket.updated_at = now
    return stored


def _attachment_row(attachment: Attachment, platform: str, now: datetime) -> dict[str, Any]:
    """The stored columns of an attachment (whether added as an ORM object or a row)."""
    return {
        "name": attachment.name,
        "content_type": attachment.content_type,
        "size": attachment.size,
        "platform": platform,
        "file_ref": attachment.file_ref,
        "created_at": now,
    }


def set_status(ticket: Ticket, target: str, changed_by: str, now: datetime) -> None:
    """Move a ticket to ``target``, as the catalogue allows, and record the change."""
    statuses.check_move(ticket.status, target)
    ticket.history.append(
        StatusChange(
            from_status=ticket.status, to_status=target, changed_by=changed_by, created_at=now
        )
    )
    ticket.status = target
    ticket.status_changed_at = now
    ticket.updated_at = now


def last_public_reply(ticket: Ticket) -> Comment | None:
    """The newest public comment from the desk, for the customer's status view."""
    for comment in reversed(ticket.comments):
        if comment.public and comment.author_kind == "agent":
            return comment
    return None
