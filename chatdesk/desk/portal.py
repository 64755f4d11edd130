"""What a customer portal shows: a requester's tickets and a ticket's public thread.

Read-only, for front ends that show tickets beside the chat (the web chat's "My tickets"
panel). Who may see which ticket is the desk's rule in :func:`chatdesk.store.tickets.visible_to`
(their own, their organization's where shared): this module only uses it. Everything a
customer *does* to a ticket (comment, file, close, reopen) still goes through
:meth:`chatdesk.engine.Desk.handle` as a command, so there is one copy of every rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from chatdesk.core import statuses
from chatdesk.desk import organizations
from chatdesk.desk.context import JobContext
from chatdesk.store import tickets
from chatdesk.store.models import Requester, Ticket

LIST_LIMIT = 50


@dataclass(frozen=True)
class TicketSummary:
    """One line of the list: what it is, where it stands and what that means."""

    reference: str
    subject: str
    status: str
    status_name: str
    meaning: str
    changed_at: datetime
    mine: bool
    can_close: bool
    can_reopen: bool


@dataclass(frozen=True)
class ThreadEntry:
    """A public comment: ``by`` is ``you``, ``customer`` (a colleague, named) or ``desk``
    (agents are never named to customers). Notes, contact persons' decisions and system
    lines are not the customer's thread and are left out."""

    by: str
    name: str
    body: str
    at: datetime


@dataclass(frozen=True)
class TicketView:
    summary: TicketSummary
    description: str
    entries: tuple[ThreadEntry, ...]
    files: tuple[str, ...]


def _requester(session: Session, platform: str, user_id: str) -> Requester | None:
    return session.scalar(
        select(Requester).where(
            Requester.platform == platform, Requester.platform_user_id == user_id
        )
    )


def _summary(ticket: Ticket, requester: Requester, lang: str) -> TicketSummary:
    state = statuses.get(ticket.status)
    return TicketSummary(
        reference=ticket.reference or "",
        subject=ticket.subject,
        status=ticket.status,
        status_name=state.name(lang),
        meaning=state.meaning(lang),
        changed_at=ticket.status_changed_at,
        mine=ticket.requester_id == requester.id,
        can_close=not state.final,
        can_reopen=state.reopenable or state.final,
    )


def tickets_of(desk: JobContext, platform: str, user_id: str, lang: str) -> list[TicketSummary]:
    """The requester's tickets (and their organization's where shared), newest first."""
    with desk.database.session() as session:
        requester = _requester(session, platform, user_id)
        if requester is None:
            return []
        mine = Ticket.requester_id == requester.id
        sharing = organizations.shares(desk.settings, requester.organization)
        condition = or_(mine, Ticket.organization == requester.organization) if sharing else mine
        found = session.scalars(
            select(Ticket)
            .where(condition, Ticket.reference.is_not(None))
            .order_by(Ticket.created_at.desc(), Ticket.id.desc())
            .limit(LIST_LIMIT)
        )
        return [
            _summary(ticket, requester, lang)
            for ticket in found
            if tickets.visible_to(ticket, requester, sharing)
        ]


def ticket_view(
    desk: JobContext, platform: str, user_id: str, reference: str, lang: str
) -> TicketView | None:
    """One ticket with its public thread; None when it does not exist or is not theirs to
    see (the two look the same, as everywhere on the desk)."""
    with desk.database.session() as session:
        requester = _requester(session, platform, user_id)
        if requester is None:
            return None
        sharing = organizations.shares(desk.settings, requester.organization)
        ticket = tickets.find_visible(session, reference, requester, sharing)
        if ticket is None:
            return None
        entries = tuple(
            ThreadEntry(
                by=_by(comment.author_kind, comment.author_name, requester),
                name=comment.author_name if comment.author_kind == "customer" else "",
                body=comment.body,
                at=comment.created_at,
            )
            for comment in ticket.comments
            if comment.public and comment.author_kind in ("customer", "agent")
        )
        return TicketView(
            summary=_summary(ticket, requester, lang),
            description=ticket.description,
            entries=entries,
            files=tuple(attachment.name for attachment in ticket.attachments),
        )


def _by(kind: str, name: str, requester: Requester) -> str:
    """Comments keep the author's name (the desk's ``Turn.author``), not who they are."""
    if kind != "customer":
        return "desk"
    own = {requester.display_name, requester.platform_user_id} - {""}
    return "you" if name in own else "customer"
