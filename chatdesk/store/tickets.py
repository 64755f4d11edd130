"""The ticket store: creating tickets, finding them for the people allowed to see them,
comments and status changes. Every function works inside the caller's session (one
transaction per turn), so a turn's effects commit or roll back together.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import CursorResult, bindparam, insert, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

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

REFERENCE_OFFSET = 1000  # SD-1001 is the first ticket: numbers that look like a real desk's
# Built once: creating a ticket only binds values.
_TICKETS = table_of(Ticket)
_INSERT_TICKET = insert(_TICKETS)
_INSERT_HISTORY = insert(table_of(StatusChange))
_INSERT_ATTACHMENT = insert(table_of(TicketAttachment))
_SET_REFERENCE = update(_TICKETS).where(_TICKETS.c.id == bindparam("k_id"))


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

    The ticket, its first status change and its attachments are written with Core
    statements and the ticket is then loaded as an ORM object: the unit of work's flush
    of a new ticket with its collections cost several times what the inserts do.
    """
    inserted = session.execute(_INSERT_TICKET, _ticket_row(requester, draft, now))
    # A Core INSERT's result is a CursorResult; Session.execute is typed for any statement.
    assert isinstance(inserted, CursorResult) and inserted.inserted_primary_key is not None
    ticket_id: int = inserted.inserted_primary_key[0]
    session.execute(
        _INSERT_HISTORY,
        {
            "ticket_id": ticket_id,
            "from_status": None,
            "to_status": statuses.NEW,
            "changed_by": "",
            "created_at": now,
        },
    )
    if attachments:
        session.execute(
            _INSERT_ATTACHMENT,
            [
                {"ticket_id": ticket_id, **_attachment_row(attachment, draft.platform, now)}
                for attachment in attachments
            ],
        )
    # The reference needs the id.
    reference = f"{prefix}-{ticket_id + REFERENCE_OFFSET}"
    session.execute(_SET_REFERENCE, {"k_id": ticket_id, "reference": reference})
    ticket = session.get(Ticket, ticket_id)
    assert ticket is not None
    set_committed_value(ticket, "requester", requesters.attached(session, requester))
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
