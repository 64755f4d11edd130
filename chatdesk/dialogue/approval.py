"""Organizations in the conversation: a member's list of their organization's tickets, and
a contact person's approval of a colleague's new ticket.

The directory itself (who belongs where, who may share, who approves) is
:mod:`chatdesk.desk.organizations`; this is what the desk says and does about it in a turn.
"""

from __future__ import annotations

import logging
from typing import TypedDict

from sqlalchemy import select

from chatdesk.core import choices as ids
from chatdesk.core import statuses
from chatdesk.core.i18n import normalize_lang, t
from chatdesk.desk import notify
from chatdesk.desk.organizations import (
    APPROVED,
    CONTACT_COMMENT,
    DECLINED,
    PENDING,
    directory,
    shares,
)
from chatdesk.dialogue.turn import Turn
from chatdesk.events import Choice, Message
from chatdesk.store import outbox, tickets
from chatdesk.store.models import Requester, Ticket

log = logging.getLogger(__name__)


class _Decision(TypedDict):
    """What the texts about a contact person's decision name."""

    reference: str
    organization: str
    name: str


def organization_tickets(turn: Turn) -> None:
    """``organization tickets``: the open tickets of the requester's organization."""
    name = turn.requester.organization
    if not name:
        turn.say("org.none")
        return
    if not shares(turn.settings, name):
        turn.say("org.not_shared", organization=name)
        return
    query = (
        select(Ticket)
        .where(Ticket.organization == name, Ticket.status.in_(statuses.OPEN_CODES))
        .order_by(Ticket.created_at.desc(), Ticket.id.desc())
        .limit(50)
    )
    found = list(turn.session.scalars(query))
    if not found:
        turn.say("org.empty", organization=name)
        return
    lines = [turn.text("org.header", organization=name, count=len(found))]
    for ticket in found:
        key = "org.line_pending" if ticket.approval == PENDING else "org.line"
        lines.append(
            turn.text(
                key,
                reference=ticket.reference,
                subject=ticket.subject,
                status=statuses.get(ticket.status).name(turn.lang),
                requester=_requester_name(ticket),
            )
        )
    choices = [
        turn.choice(
            ids.status(ticket.reference or ""), "choice.status_of", reference=ticket.reference
        )
        for ticket in found[:10]
    ]
    turn.say_text("\n".join(lines), choices)


def _requester_name(ticket: Ticket) -> str:
    requester = ticket.requester
    if requester is None:
        return ""
    return requester.display_name or requester.platform_user_id


# -- approval by a contact person ----------------------------------------------------------
def hold_for_approval(turn: Turn, ticket: Ticket) -> bool:
    """Keep a new ticket from the agents until a contact person approves it.

    True when the ticket now waits: approval is "pending", every contact person reachable by
    platform id has approve/decline buttons in their private chat, and the requester was told.
    False when no approval is needed (the caller posts the card as usual).
    """
    settings = turn.settings
    if not settings.organizations.approval:
        return False
    org = directory(settings).get(ticket.organization)
    if org is None or not (org.contacts or org.contact_emails):
        return False
    event = turn.event
    if org.is_contact(event.platform, event.user_id, event.email):
        return False
    if not org.contacts:
        log.warning(
            "organization %r has only e-mail contact persons, who cannot be sent approval "
            "requests; %s goes to the agents without approval",
            org.name,
            ticket.reference,
        )
        return False
    ticket.approval = PENDING
    turn.session.flush()
    for platform, user_id in sorted(org.contacts):
        lang = _language_of(turn, platform, user_id, ticket.lang)
        text = t(
            "org.ask_approval",
            lang,
            requester=turn.author,
            organization=org.name,
            reference=ticket.reference,
            subject=ticket.subject,
        )
        choices = (
            Choice(ids.approval(ticket.reference or "", True), t("org.choice.approve", lang)),
            Choice(ids.approval(ticket.reference or "", False), t("org.choice.decline", lang)),
        )
        # The private chat: on Telegram its id is the user id; on Slack chat.postMessage to a
        # user id opens the DM. A contact person who never talked to the Telegram bot cannot be
        # reached: the adapter reports that as a permanent failure (docs/organizations.md).
        outbox.enqueue(
            turn.session, Message(platform, user_id, text, choices), turn.now, ticket_id=ticket.id
        )
    turn.say("org.pending", reference=ticket.reference, organization=org.name)
    return True


def _language_of(turn: Turn, platform: str, user_id: str, fallback: str) -> str:
    """A contact person's language: their own choice if they ever talked to the bot."""
    known = turn.session.scalar(
        select(Requester).where(
            Requester.platform == platform, Requester.platform_user_id == user_id
        )
    )
    if known is not None and (known.lang or known.locale):
        return known.lang or normalize_lang(known.locale, fallback)
    return fallback


def on_choice(turn: Turn, choice: str) -> None:
    """A contact person pressed approve or decline (buttons sent through the outbox)."""
    decision = ids.approval_of(choice)
    if decision is None:
        turn.say("choice.expired")
        return
    approve, reference = decision.approve, decision.reference
    ticket = turn.session.scalar(
        select(Ticket).where(Ticket.reference == reference).with_for_update()
    )
    settings = turn.settings
    org = directory(settings).get(ticket.organization) if ticket is not None else None
    event = turn.event
    if (
        ticket is None
        or ticket.approval is None
        or org is None
        or not org.is_contact(event.platform, event.user_id, event.email)
    ):
        # A missing ticket and somebody else's get the same answer: nothing is revealed.
        turn.say("org.not_contact", reference=reference)
        return
    if ticket.approval != PENDING:
        key = "org.already_approved" if ticket.approval == APPROVED else "org.already_declined"
        turn.say(key, reference=reference, name=_decided_by(ticket))
        return
    if statuses.get(ticket.status).final:
        turn.say("org.gone", reference=reference)
        return
    name = turn.author
    agent_lang = settings.desk.agent_language
    values = _Decision(reference=reference, organization=org.name, name=name)
    if approve:
        ticket.approval = APPROVED
        ticket.approved_at = turn.now  # its service-target clocks start now
        note = t("org.log.approved", agent_lang, **values)
        tickets.add_comment(turn.session, ticket, note, CONTACT_COMMENT, name, turn.now, False)
        notify.card(turn.session, ticket, settings, turn.now)
        notify.thread(turn.session, ticket, note, turn.now)
        _thread_what_waited(turn, ticket, agent_lang)
        notify.customer_key(turn.session, ticket, "org.approved_customer", turn.now, **values)
        turn.say("org.approved", **values)
    else:
        ticket.approval = DECLINED
        note = t("org.log.declined", agent_lang, **values)
        tickets.add_comment(turn.session, ticket, note, CONTACT_COMMENT, name, turn.now, False)
        tickets.set_status(ticket, statuses.CANCELLED, name, turn.now)
        notify.customer_key(turn.session, ticket, "org.declined_customer", turn.now, **values)
        turn.say("org.declined", requester=_requester_name(ticket), **values)


def _thread_what_waited(turn: Turn, ticket: Ticket, agent_lang: str) -> None:
    """What the requester added while the ticket waited for approval goes to the agents'
    thread with it: the whole conversation lives there."""
    for comment in sorted(ticket.comments, key=lambda c: (c.created_at, c.id or 0)):
        if comment.author_kind == "customer":
            line = t(
                "lifecycle.note.customer",
                agent_lang,
                customer=comment.author_name,
                body=comment.body,
            )
            notify.thread(turn.session, ticket, line, turn.now, kind="customer")


def _decided_by(ticket: Ticket) -> str:
    decisions = [c for c in ticket.comments if c.author_kind == CONTACT_COMMENT]
    return max(decisions, key=lambda c: (c.created_at, c.id)).author_name if decisions else "?"
