"""Notifications: what the desk tells people outside the current turn, via the outbox.

Every function here writes into the caller's transaction (see :mod:`chatdesk.outbox`), so a
notification exists exactly when the change it reports was committed. Three audiences:

- the customer, in their own chat and language (:func:`customer`);
- the agents, on the ticket's card, which is posted once and then edited in place
  (:func:`card`);
- the agents, in the ticket's thread under the card (:func:`thread`), where the whole
  conversation of a ticket is kept: the customer's answers, agents' replies and notes, status
  changes and escalations (the manuals' "prikbord").

Agent-side texts use the agents' language (CHATDESK_AGENT_LANG), customer texts the ticket's.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from chatdesk.config import Settings
from chatdesk.core import statuses
from chatdesk.core.i18n import t
from chatdesk.events import Choice, Message, NoteKind, ThreadNote, TicketCard, status_code
from chatdesk.store import outbox
from chatdesk.store.models import OutboxItem, Ticket

CLAIM = "ag:claim:"
STATUS_MENU = "ag:status:"
SET_STATUS = "ag:set:"
REPLY = "ag:reply:"
"""Agent button ids are ``<prefix><reference>`` (``ag:set:`` adds ``:<status>``): at most
about 40 bytes, inside Telegram's 64-byte callback limit."""


WITHOUT_AGENTS_CHAT = frozenset({"web", "terminal"})
"""Platforms whose customers have no agents' chat beside them: their tickets' cards and
thread lines go to the agents' chat that is configured (Slack's, else Telegram's). Without
one they stay on the ticket's own platform, where nobody reads them: a desk without an
agents' chat works its tickets with `chatdesk tickets`."""


def agents_platform(settings: Settings, platform: str) -> str:
    """Where the agents read about a ticket that came in on ``platform``."""
    if platform not in WITHOUT_AGENTS_CHAT:
        return platform
    if settings.slack.agent_channel:
        return "slack"
    if settings.telegram.agent_chat:
        return "telegram"
    return platform


def _card_platform(session: Session, ticket: Ticket) -> str:
    """The platform the ticket's card went to (its thread lines follow it there)."""
    if ticket.platform not in WITHOUT_AGENTS_CHAT:
        return ticket.platform
    found = session.scalar(
        select(OutboxItem.platform)
        .where(OutboxItem.ticket_id == ticket.id, OutboxItem.kind == "card")
        .order_by(OutboxItem.id.desc())
        .limit(1)
    )
    return found or ticket.platform


def customer_lang(ticket: Ticket) -> str:
    requester = ticket.requester
    return (requester.lang if requester is not None and requester.lang else None) or ticket.lang


def customer(
    session: Session,
    ticket: Ticket,
    text: str,
    now: datetime,
    choices: Sequence[Choice] = (),
) -> None:
    """Plain ``text`` to the ticket's customer, in the chat the ticket came from."""
    outbox.enqueue(
        session,
        Message(ticket.platform, ticket.chat_id, text, tuple(choices)),
        now,
        ticket_id=ticket.id,
    )


def customer_key(
    session: Session,
    ticket: Ticket,
    key: str,
    now: datetime,
    choices: Sequence[Choice] = (),
    **values: object,
) -> None:
    """A catalogue text to the ticket's customer, in their language."""
    customer(session, ticket, t(key, customer_lang(ticket), **values), now, choices)


def build_card(ticket: Ticket, settings: Settings) -> TicketCard:
    """The card for ``ticket`` as it is now, with the agent buttons in the agents' language."""
    lang = settings.desk.agent_language
    reference = ticket.reference or ""
    requester = ticket.requester
    name = requester.display_name or requester.platform_user_id if requester is not None else ""
    if requester is not None and requester.organization:
        name = f"{name} ({requester.organization})"
    return TicketCard(
        reference=reference,
        subject=ticket.subject,
        requester=name,
        priority=ticket.priority,
        status=status_code(ticket.status),
        status_label=statuses.get(ticket.status).name(lang),
        platform=ticket.platform,
        urgent=ticket.priority == "urgent",
        lang=lang,
        ticket_id=ticket.id,
        assignee=ticket.assignee or "",
        escalated=ticket.escalated,
        actions=(
            Choice(CLAIM + reference, t("agent.button.claim", lang)),
            Choice(STATUS_MENU + reference, t("agent.button.status", lang)),
            Choice(REPLY + reference, t("agent.button.reply", lang)),
        ),
    )


def card(session: Session, ticket: Ticket, settings: Settings, now: datetime) -> None:
    """Post the ticket's card, or edit it in place when it was posted before.

    A ticket waiting for its organization's approval is not the agents' yet: nothing is
    posted (approval posts the card).
    """
    if ticket.approval == "pending":
        return
    session.flush()
    outbox.enqueue(
        session,
        build_card(ticket, settings),
        now,
        ticket_id=ticket.id,
        platform=agents_platform(settings, ticket.platform),
    )


def thread(
    session: Session,
    ticket: Ticket,
    text: str,
    now: datetime,
    *,
    kind: NoteKind = "event",
    ping: bool = False,
    choices: Sequence[Choice] = (),
) -> None:
    """A line in the ticket's thread in the agents' chat (none while approval is pending)."""
    if ticket.approval == "pending":
        return
    session.flush()
    outbox.enqueue(
        session,
        ThreadNote(ticket.platform, ticket.reference or "", text, kind, ping, tuple(choices)),
        now,
        ticket_id=ticket.id,
        platform=_card_platform(session, ticket),
    )
