"""What a customer asks about their tickets: one ticket's status, and the list of the open ones.

Both are answered, never stored; a ticket is found among those the customer may see (their
own, and their organization's when it shares).
"""

from __future__ import annotations

from datetime import datetime

from chatdesk.core import choices as ids
from chatdesk.core import statuses, text
from chatdesk.desk import organizations
from chatdesk.dialogue.turn import Turn
from chatdesk.store import tickets
from chatdesk.store.models import Ticket


def when(turn: Turn, moment: datetime) -> str:
    """``moment`` as the customer reads it on their tickets, in the desk's time zone."""
    return text.when(moment, turn.settings.hours.zone)


def find(turn: Turn, reference: str) -> Ticket | None:
    sharing = organizations.shares(turn.settings, turn.requester.organization)
    # locked: a comment, close or reopen must see what auto-close or an agent just did
    return tickets.find_visible(turn.session, reference, turn.requester, sharing, lock=True)


def not_found(turn: Turn, reference: str) -> None:
    turn.say("ticket.not_found", reference=reference)


def lookup(turn: Turn, reference: str | None, usage_key: str) -> Ticket | None:
    """The customer's ticket for a command, or None after saying what was wrong."""
    if not reference:
        turn.say(usage_key)
        return None
    ticket = find(turn, reference)
    if ticket is None:
        not_found(turn, reference)
    return ticket


def status(turn: Turn, reference: str | None) -> None:
    ticket = lookup(turn, reference, "status.usage")
    if ticket is None:
        return
    state = statuses.get(ticket.status)
    lines = [
        turn.text(
            "status.view",
            reference=ticket.reference,
            subject=ticket.subject,
            status=state.name(turn.lang),
            meaning=state.meaning(turn.lang),
            changed=when(turn, ticket.status_changed_at),
        )
    ]
    if ticket.follows_up is not None:
        lines.append(turn.text("status.follows_up", reference=ticket.follows_up.reference))
    if ticket.approval == organizations.PENDING:
        lines.append(turn.text("org.status_pending", organization=ticket.organization))
    reply = tickets.last_public_reply(ticket)
    if reply is not None:
        lines.append(
            turn.text("status.last_reply", when=when(turn, reply.created_at), body=reply.body)
        )
    if state.final:
        hint = (
            "status.cancelled_hint" if ticket.status == statuses.CANCELLED else "status.closed_hint"
        )
        lines.append(turn.text(hint, reference=ticket.reference))
    turn.say_text("\n".join(lines))


def my_tickets(turn: Turn, numbered: bool = True) -> None:
    """The open tickets; ``numbered=False`` while another question is open, so that a typed
    number only ever answers the newest list on screen."""
    mine = tickets.open_tickets(turn.session, turn.requester)
    if not mine:
        turn.say("mine.none")
        return
    lines = [turn.text("mine.header", count=len(mine))]
    for ticket in mine:
        lines.append(
            turn.text(
                "mine.line",
                reference=ticket.reference,
                subject=ticket.subject,
                status=statuses.get(ticket.status).name(turn.lang),
                changed=when(turn, ticket.status_changed_at),
            )
        )
    choices = [
        turn.choice(ids.status(t.reference or ""), "choice.status_of", reference=t.reference)
        for t in mine[:10]
    ]
    turn.say_text("\n".join(lines), choices if numbered else [])
