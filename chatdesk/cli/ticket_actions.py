"""``chatdesk tickets status|reply|assign``: work a ticket as an agent from the terminal.

Each acts through :mod:`chatdesk.desk.agent_actions`, exactly as a button or a thread reply in
the agents' chat does, so the card, the ticket's thread and the customer hear of it the same
way. Those notifications are written to the outbox in the same transaction as the change; the
outbox worker of a running ``chatdesk serve`` sends them (within CHATDESK_OUTBOX_POLL_SECONDS).
"""

from __future__ import annotations

import argparse
import getpass
import sys

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from chatdesk.cli.common import Clock, clock_of, fail, session, text_from_os
from chatdesk.cli.ticket_view import status_name
from chatdesk.config import Settings
from chatdesk.core import statuses
from chatdesk.core.text import one_line
from chatdesk.desk import agent_actions
from chatdesk.desk.agent_actions import Agent
from chatdesk.store import chatfeed, tickets
from chatdesk.store.models import Comment, StatusChange, Ticket

PLATFORM = "cli"
"""``Agent.platform`` of whoever acts from the command line (``cli:<name>`` as assignee id)."""


class TooLong(Exception):
    """A name is longer than the database keeps; the message names the option and the limit."""


def find_for_change(session: Session, reference: str) -> Ticket | None:
    # locked: a change made here must not overwrite one a running desk made meanwhile
    return tickets.by_reference(session, reference.strip(), lock=True)


def unknown(reference: str) -> int:
    return fail(f"no ticket {reference!r} (try: chatdesk tickets list)")


def _login() -> str:
    """The OS login, for ``--as`` left out; "cli" where there is none (some containers)."""
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return PLATFORM


def name_limit() -> int:
    """The longest ``--as`` name: it is stored as a comment's author and a change's maker."""
    return min(Comment.author_name.type.length, StatusChange.changed_by.type.length)


def agent_limit() -> int:
    """The longest AGENT for ``assign``: stored as the assignee and, as ``cli:NAME``, its id."""
    return min(Ticket.assignee.type.length, Ticket.assignee_id.type.length - len(PLATFORM) - 1)


def _me(args: argparse.Namespace) -> Agent:
    name = (args.acting_as or "").strip() or _login()
    limit = name_limit()
    if len(name) > limit:
        raise TooLong(f"--as is at most {limit} characters (got {len(name)}); nothing was changed")
    return Agent(PLATFORM, name, name)


def _sent_to_customer(session: Session, ticket: Ticket) -> tuple[int | None, str, str]:
    """The outbox message just written for the ticket's customer, and where it goes."""
    item = chatfeed.newest_for(session, ticket.platform, ticket.chat_id)
    return item, ticket.platform, ticket.chat_id


def _delivery(settings: Settings, sent: tuple[int | None, str, str], clock: Clock) -> str:
    """Whether the customer got it (a terminal customer's open chat shows it at once, and is
    waited for) or what happens to it (:func:`chatdesk.store.chatfeed.delivery_report`)."""
    from chatdesk.app import open_database

    database = open_database(settings)
    try:
        return chatfeed.delivery_report(database, *sent, clock=clock)
    finally:
        database.dispose()


# -- status ---------------------------------------------------------------------------------
def _allowed(ticket: Ticket) -> str:
    targets = agent_actions.allowed_targets(ticket)
    return ", ".join(targets) if targets else f"none ({ticket.status} is final)"


def cmd_status(args: argparse.Namespace) -> int:
    """Change the status as an agent; the customer's notification goes to the outbox."""
    try:
        agent = _me(args)
    except TooLong as exc:
        return fail(str(exc))
    code = args.code.strip().lower().replace("-", "_")
    clock = clock_of(args)
    with session() as (opened, settings):
        ticket = find_for_change(opened, args.reference)
        if ticket is None:
            return unknown(args.reference)
        reference, before = ticket.reference, ticket.status
        if code not in statuses.CATALOGUE:
            return fail(
                f"unknown status {args.code!r}; {reference} ({before}) can go to: "
                + _allowed(ticket)
            )
        if code == before:
            return fail(f"{reference} is already {before}; it can go to: {_allowed(ticket)}")
        asked = ticket.rating_asked_at
        try:
            agent_actions.change_status(opened, ticket, code, agent, settings, clock())
        except statuses.TransitionError:
            return fail(
                f"{reference} is {before} and cannot be set to {code}; allowed: {_allowed(ticket)}"
            )
        rating = ticket.rating_asked_at is not None and asked is None
        sent = _sent_to_customer(opened, ticket)
    print(f"{reference}: {status_name(before)} -> {status_name(code)} (by {one_line(agent.name)}).")
    extra = " with the rating question" if rating else ""
    print(f"The customer's notification{extra}: {_delivery(settings, sent, clock)}.")
    return 0


# -- reply ----------------------------------------------------------------------------------
def _reply_text(args: argparse.Namespace) -> str:
    if args.text == ["-"]:
        return text_from_os(sys.stdin.read())
    return " ".join(args.text)


def cmd_reply(args: argparse.Namespace) -> int:
    """A public reply (default) or, with ``--internal``, a note for the agents only.

    Without ``--internal`` the text goes through the chat's markers
    (:func:`chatdesk.desk.agent_actions.parse_marker`), so "internal: ..." typed here stays
    internal just as it would in a ticket's thread; ``--internal`` always wins.
    """
    try:
        agent = _me(args)
    except TooLong as exc:
        return fail(str(exc))
    text = _reply_text(args)
    if not text.strip():
        return fail("the reply is empty; nothing was sent (give the text, or - to read stdin)")
    if args.internal:
        public, body = False, text.strip()
    else:
        public, body = agent_actions.parse_marker(text, default_public=True)
        if not body:
            return fail("there is no text after the marker; nothing was sent")
    clock = clock_of(args)
    with session() as (opened, settings):
        ticket = find_for_change(opened, args.reference)
        if ticket is None:
            return unknown(args.reference)
        reference = ticket.reference
        agent_actions.reply(opened, ticket, body, agent, settings, clock(), public=public)
        sent = _sent_to_customer(opened, ticket)
    if public:
        print(f"{reference}: reply stored (by {one_line(agent.name)}).")
        print(f"The customer's message: {_delivery(settings, sent, clock)}.")
    else:
        print(
            f"{reference}: internal note stored (by {one_line(agent.name)}); "
            "the customer does not see it."
        )
    return 0


# -- assign ---------------------------------------------------------------------------------
def known_agent(session: Session, wanted: str) -> Agent:
    """The agent ``wanted`` names: someone already assigned a ticket, or a new CLI name.

    ``wanted`` is a name ("Ann Agent") or an id ("slack:U0123"). When a ticket was ever
    assigned to that name or id, the same identity is used again, so a Slack agent's tickets
    stay theirs whether they were assigned from Slack or from here.
    """
    row = session.execute(
        select(Ticket.assignee_id, Ticket.assignee)
        .where(
            or_(Ticket.assignee_id == wanted, func.lower(Ticket.assignee) == wanted.lower()),
            Ticket.assignee_id.is_not(None),
        )
        .order_by(Ticket.updated_at.desc(), Ticket.id.desc())
        .limit(1)
    ).first()
    if row is not None:
        platform, _, user_id = str(row.assignee_id).partition(":")
        return Agent(platform, user_id, row.assignee or wanted)
    platform, colon, user_id = wanted.partition(":")
    if colon and platform in ("telegram", "slack", "terminal", PLATFORM) and user_id:
        return Agent(platform, user_id, wanted)
    return Agent(PLATFORM, wanted, wanted)


def cmd_assign(args: argparse.Namespace) -> int:
    """Make AGENT the ticket's assignee (a new ticket becomes open; the customer is told)."""
    try:
        by = _me(args)
    except TooLong as exc:
        return fail(str(exc))
    wanted = args.agent.strip()
    if not wanted:
        return fail("name the agent to assign (a name, or an id such as slack:U0123)")
    limit = agent_limit()
    if len(wanted) > limit:
        return fail(f"AGENT is at most {limit} characters (got {len(wanted)}); nothing was changed")
    clock = clock_of(args)
    with session() as (opened, settings):
        ticket = find_for_change(opened, args.reference)
        if ticket is None:
            return unknown(args.reference)
        reference, before, previous = ticket.reference, ticket.status, ticket.assignee
        if statuses.get(ticket.status).final:
            return fail(f"{reference} is {ticket.status}; nothing more can be done with it")
        assignee = known_agent(opened, wanted)
        if ticket.assignee_id == assignee.key:
            return fail(f"{reference} is already assigned to {one_line(assignee.name)}")
        agent_actions.assign(opened, ticket, assignee, by, settings, clock())
        after = ticket.status
        sent = _sent_to_customer(opened, ticket)
    was = f" (was {one_line(previous)})" if previous else ""
    print(f"{reference} is now assigned to {one_line(assignee.name)}{was}, by {one_line(by.name)}.")
    if after != before:
        print(
            f"Status {status_name(before)} -> {status_name(after)}; the customer's "
            f"notification: {_delivery(settings, sent, clock)}."
        )
    return 0
