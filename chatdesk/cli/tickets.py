"""The ``chatdesk tickets`` commands: the agent desk for admins without chat access.

``list`` and ``show`` read tickets; ``status``, ``reply`` and ``assign`` act on one through
:mod:`chatdesk.agent_actions`, exactly as a button or a thread reply in the agents' chat does,
so the card, the ticket's thread and the customer hear of it the same way. Those notifications
are written to the outbox in the same transaction as the change; the outbox worker of a
running ``chatdesk serve`` sends them (within CHATDESK_OUTBOX_POLL_SECONDS).

Like ``chatdesk kb``, this is for operators, in English, on the terminal: nothing printed
here is shown to customers, so no text comes from the message catalogues (whose status names
speak to the customer: "Waiting on you"). Text that customers or agents wrote is printed with
its control characters escaped, so a subject cannot repaint the terminal. A failure the
operator can fix (an unknown reference, a status the catalogue forbids, an empty reply) is one
line on stderr and exit code 1.

:func:`register` adds the commands to the main parser; each sets ``func(args) -> int``.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from chatdesk.config import Settings, load_settings
from chatdesk.core import statuses
from chatdesk.desk import agent_actions
from chatdesk.desk.agent_actions import Agent
from chatdesk.store import chatfeed, tickets
from chatdesk.store.models import Comment, ServiceBreach, StatusChange, Ticket

STATUS_NAMES = {
    statuses.NEW: "New",
    statuses.OPEN: "Open",
    statuses.WAITING_CUSTOMER: "Waiting on customer",
    statuses.WAITING_THIRD_PARTY: "Waiting on third party",
    statuses.SCHEDULED: "Scheduled",
    statuses.IN_INVESTIGATION: "In investigation",
    statuses.SOLVED: "Solved",
    statuses.CLOSED: "Closed",
    statuses.CANCELLED: "Cancelled",
}
"""Status names as an operator reads them; a code missing here is shown as it is."""
DEFAULT_LIMIT = 50
MAX_LIMIT = 10_000
"""The most rows ``list --limit`` gives: more is a typo (or a job for ``--json`` and a filter)."""
PLATFORM = "cli"
"""``Agent.platform`` of whoever acts from the command line (``cli:<name>`` as assignee id)."""


def utcnow() -> datetime:
    return datetime.now(UTC)


clock: Callable[[], datetime] = utcnow
"""Where ``now`` comes from; tests set it to their controllable clock."""


def register(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add ``tickets list|show|status|reply|assign`` to the ``chatdesk`` command's subparsers."""
    group = subparsers.add_parser("tickets", help="list, show and work tickets (the agent desk)")
    sub = group.add_subparsers(
        dest="tickets_command", metavar="{list,show,status,reply,assign}", required=True
    )

    listing = sub.add_parser("list", help="tickets as a table, newest change first")
    listing.add_argument(
        "--status",
        nargs="+",
        action="extend",
        choices=list(statuses.CATALOGUE),
        metavar="CODE",
        help="only these statuses (default: every status that is still open: "
        + ", ".join(statuses.OPEN_CODES)
        + ")",
    )
    listing.add_argument("--unassigned", action="store_true", help="only tickets nobody claimed")
    listing.add_argument(
        "--mine-as",
        metavar="NAME",
        help="only tickets assigned to NAME (an agent's name, or an id such as slack:U0123)",
    )
    listing.add_argument("--org", metavar="NAME", help="only this organization's tickets")
    listing.add_argument(
        "--limit",
        type=positive_count,
        default=DEFAULT_LIMIT,
        metavar="N",
        help=f"at most N rows ({DEFAULT_LIMIT}; at most {MAX_LIMIT})",
    )
    listing.add_argument(
        "--json", action="store_true", help="one JSON object per ticket a line (JSON Lines)"
    )
    listing.set_defaults(func=cmd_list)

    show = sub.add_parser("show", help="one ticket: fields, history, comments, files, rating")
    show.add_argument("reference", metavar="REF")
    show.add_argument("--json", action="store_true", help="print one JSON object")
    show.set_defaults(func=cmd_show)

    status = sub.add_parser("status", help="change a ticket's status (the customer is told)")
    status.add_argument("reference", metavar="REF")
    status.add_argument(
        "code", metavar="CODE", help="a status code: " + ", ".join(statuses.CATALOGUE)
    )
    _acting_as(status)
    status.set_defaults(func=cmd_status)

    reply = sub.add_parser("reply", help="answer the customer, or add an internal note")
    reply.add_argument("reference", metavar="REF")
    reply.add_argument("text", nargs="+", metavar="TEXT", help="the reply; - reads it from stdin")
    reply.add_argument(
        "--internal", action="store_true", help="a note for the agents; the customer sees nothing"
    )
    _acting_as(reply)
    reply.set_defaults(func=cmd_reply)

    assign = sub.add_parser("assign", help="make an agent the ticket's assignee")
    assign.add_argument("reference", metavar="REF")
    assign.add_argument(
        "agent", metavar="AGENT", help="the agent's name, or an id such as slack:U0123"
    )
    _acting_as(assign)
    assign.set_defaults(func=cmd_assign)
    return group


def _acting_as(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--as",
        dest="acting_as",
        metavar="NAME",
        help="your name on the card and in the ticket's thread (default: your login)",
    )


def positive_count(value: str) -> int:
    """An argparse type: a whole number from 1 to MAX_LIMIT (also ``kb search --limit``)."""
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
    if number < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    if number > MAX_LIMIT:
        raise argparse.ArgumentTypeError(f"must be at most {MAX_LIMIT}")
    return number


# -- plumbing -------------------------------------------------------------------------------
def _fail(message: str) -> int:
    """One line on stderr, exit code 1: the operator can fix this and try again."""
    print(f"chatdesk: {message}", file=sys.stderr)
    return 1


@contextmanager
def _session() -> Iterator[tuple[Session, Settings]]:
    """One transaction on the configured database (migrated first, as every command does)."""
    from chatdesk.app import open_database

    settings = load_settings()
    database = open_database(settings)
    try:
        with database.session() as session:
            yield session, settings
    finally:
        database.dispose()


BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
"""Direction overrides: they could make a line read differently from what it holds."""


def safe(text: str | None) -> str:
    """Text someone wrote, fit for a terminal: control characters shown as escapes.

    Newlines and tabs are kept (descriptions have lines); anything else in Unicode's control
    category, such as the ESC that starts a terminal escape sequence, and the direction
    overrides are shown escaped (``\\x1b``, ``\\u202e``).
    """
    if not text:
        return ""
    return "".join(
        ch.encode("unicode_escape").decode()
        if ch in BIDI_CONTROLS or (ch not in "\n\t" and unicodedata.category(ch) == "Cc")
        else ch
        for ch in text
    )


def _line(text: str | None) -> str:
    """:func:`safe`, on one line (for table cells)."""
    return " ".join(safe(text).split())


def _when(moment: datetime | None, settings: Settings) -> str:
    if moment is None:
        return ""
    return moment.astimezone(settings.hours.zone).strftime("%Y-%m-%d %H:%M")


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _status_name(code: str) -> str:
    return STATUS_NAMES.get(code, code)


def _requester(ticket: Ticket) -> str:
    requester = ticket.requester
    if requester is None:
        return ""
    return requester.display_name or requester.platform_user_id


def _find(session: Session, reference: str) -> Ticket | None:
    # locked: a change made here must not overwrite one a running desk made meanwhile
    return tickets.by_reference(session, reference.strip(), lock=True)


def _unknown(reference: str) -> int:
    return _fail(f"no ticket {reference!r} (try: chatdesk tickets list)")


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


class TooLong(Exception):
    """A name is longer than the database keeps; the message names the option and the limit."""


def _me(args: argparse.Namespace) -> Agent:
    name = (args.acting_as or "").strip() or _login()
    limit = name_limit()
    if len(name) > limit:
        raise TooLong(f"--as is at most {limit} characters (got {len(name)}); nothing was changed")
    return Agent(PLATFORM, name, name)


# -- list -----------------------------------------------------------------------------------
def cmd_list(args: argparse.Namespace) -> int:
    """Tickets matching the filters, newest change first, as a table or JSON Lines."""
    with _session() as (session, settings):
        query = select(Ticket).where(Ticket.status.in_(args.status or statuses.OPEN_CODES))
        if args.unassigned:
            query = query.where(Ticket.assignee_id.is_(None))
        if args.mine_as:
            name = args.mine_as.strip()
            query = query.where(
                or_(func.lower(Ticket.assignee) == name.lower(), Ticket.assignee_id == name)
            )
        if args.org:
            query = query.where(func.lower(Ticket.organization) == args.org.strip().lower())
        total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
        found = list(
            session.scalars(
                query.options(selectinload(Ticket.requester))
                .order_by(Ticket.updated_at.desc(), Ticket.id.desc())
                .limit(args.limit)
            )
        )
        if args.json:
            for ticket in found:
                print(json.dumps(summary(ticket), ensure_ascii=False))
            return 0
        if not found:
            print("No tickets match.")
            return 0
        print(_table(found, settings))
        if total > len(found):
            print(f"… {total - len(found)} more; raise --limit or narrow the filters.")
    return 0


def summary(ticket: Ticket) -> dict[str, Any]:
    """One ticket as a row of ``tickets list --json``."""
    requester = ticket.requester
    return {
        "reference": ticket.reference,
        "subject": ticket.subject,
        "status": ticket.status,
        "status_name": _status_name(ticket.status),
        "priority": ticket.priority,
        "assignee": ticket.assignee,
        "assignee_id": ticket.assignee_id,
        "requester": _requester(ticket),
        "requester_id": (
            f"{requester.platform}:{requester.platform_user_id}" if requester is not None else None
        ),
        "organization": ticket.organization,
        "created_at": _iso(ticket.created_at),
        "updated_at": _iso(ticket.updated_at),
        "escalated": bool(ticket.escalated),
        "approval": ticket.approval,
    }


TABLE_HEADER = (
    "reference",
    "status",
    "priority",
    "assignee",
    "requester",
    "organization",
    "updated",
    "escalated",
    "subject",
)
SUBJECT_WIDTH = 50


def _table(found: Sequence[Ticket], settings: Settings) -> str:
    rows = [
        (
            ticket.reference or "",
            _status_name(ticket.status),
            ticket.priority,
            _line(ticket.assignee) or "-",
            _line(_requester(ticket)),
            _line(ticket.organization) or "-",
            _when(ticket.updated_at, settings),
            "yes" if ticket.escalated else "",
            _clip(_line(ticket.subject), SUBJECT_WIDTH),
        )
        for ticket in found
    ]
    widths = [max(len(row[i]) for row in [TABLE_HEADER, *rows]) for i in range(len(TABLE_HEADER))]

    def fmt(row: Sequence[str]) -> str:
        return "  ".join(
            cell.ljust(width) for cell, width in zip(row, widths, strict=True)
        ).rstrip()

    return "\n".join([fmt(TABLE_HEADER), fmt(["-" * w for w in widths]), *map(fmt, rows)])


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


# -- show -----------------------------------------------------------------------------------
def cmd_show(args: argparse.Namespace) -> int:
    """Everything about one ticket; an unknown reference is one line and exit code 1."""
    with _session() as (session, settings):
        ticket = _find(session, args.reference)
        if ticket is None:
            return _unknown(args.reference)
        breaches = list(
            session.scalars(
                select(ServiceBreach)
                .where(ServiceBreach.ticket_id == ticket.id)
                .order_by(ServiceBreach.breached_at, ServiceBreach.id)
            )
        )
        data = detail(ticket, breaches)
        if args.json:
            print(json.dumps(data, ensure_ascii=False))
        else:
            print(render_detail(ticket, breaches, settings))
    return 0


def _comment_kind(author_kind: str, public: bool) -> str:
    """customer, public (an agent's words the customer got), internal, or system."""
    if author_kind == "agent":
        return "public" if public else "internal"
    return author_kind


def detail(ticket: Ticket, breaches: Sequence[ServiceBreach]) -> dict[str, Any]:
    """Every field of a ticket, with its history, comments, files and rating (for ``--json``)."""
    data = summary(ticket)
    data.update(
        {
            "description": ticket.description,
            "steps": ticket.steps,
            "error_message": ticket.error_message,
            "platform": ticket.platform,
            "chat_id": ticket.chat_id,
            "lang": ticket.lang,
            "follows_up": ticket.follows_up.reference if ticket.follows_up is not None else None,
            "status_changed_at": _iso(ticket.status_changed_at),
            "first_response_at": _iso(ticket.first_response_at),
            "service_breaches": [
                {"target": b.target, "breached_at": _iso(b.breached_at)} for b in breaches
            ],
            "rating": ticket.rating,
            "rating_remark": ticket.rating_remark,
            "rated_at": _iso(ticket.rated_at),
            "rating_asked_at": _iso(ticket.rating_asked_at),
            "history": [
                {
                    "from": change.from_status,
                    "to": change.to_status,
                    "by": change.changed_by,
                    "at": _iso(change.created_at),
                }
                for change in ticket.history
            ],
            "comments": [
                {
                    "kind": _comment_kind(comment.author_kind, comment.public),
                    "author": comment.author_name,
                    "public": comment.public,
                    "body": comment.body,
                    "at": _iso(comment.created_at),
                }
                for comment in ticket.comments
            ],
            "attachments": [
                {
                    "name": file.name,
                    "content_type": file.content_type,
                    "size": file.size,
                    "platform": file.platform,
                    "file_ref": file.file_ref,
                    "at": _iso(file.created_at),
                }
                for file in ticket.attachments
            ],
        }
    )
    return data


COMMENT_MARKS = {
    "customer": "customer",
    "public": "PUBLIC, sent to the customer",
    "internal": "INTERNAL, agents only",
    "system": "system",
}


def render_detail(ticket: Ticket, breaches: Sequence[ServiceBreach], settings: Settings) -> str:
    """The ticket as a page of labelled fields and sections."""
    requester = ticket.requester
    who = _line(_requester(ticket))
    if requester is not None:
        who += f" ({requester.platform}:{_line(requester.platform_user_id)})"
    fields = [
        ("Subject", _line(ticket.subject)),
        (
            "Status",
            f"{_status_name(ticket.status)} ({ticket.status}) since "
            f"{_when(ticket.status_changed_at, settings)}",
        ),
        ("Priority", ticket.priority),
        (
            "Assignee",
            f"{_line(ticket.assignee)} ({_line(ticket.assignee_id)})"
            if ticket.assignee
            else "nobody",
        ),
        ("Requester", who),
        ("Organization", _line(ticket.organization) or "-"),
        ("Approval", ticket.approval or "-"),
        ("Chat", f"{ticket.platform} {_line(ticket.chat_id)}, language {ticket.lang}"),
        ("Created", _when(ticket.created_at, settings)),
        ("Updated", _when(ticket.updated_at, settings)),
        ("First response", _when(ticket.first_response_at, settings) or "not yet"),
        ("Escalated", "yes" if ticket.escalated else "no"),
    ]
    if ticket.follows_up is not None:
        fields.append(("Follows up", ticket.follows_up.reference or ""))
    width = max(len(label) for label, _ in fields) + 1
    lines = [f"{ticket.reference}: {_line(ticket.subject)}", ""]
    lines += [f"{label + ':':<{width}} {value}" for label, value in fields]

    def section(title: str, body: str | None) -> None:
        lines.extend(["", f"{title}:"])
        lines.extend(f"  {part}" for part in (safe(body) or "-").splitlines() or ["-"])

    section("Description", ticket.description)
    section("Steps", ticket.steps)
    section("Error message", ticket.error_message)

    lines.extend(["", "Status history:"])
    for change in ticket.history:
        start = _status_name(change.from_status) if change.from_status else "(created)"
        by = f" by {_line(change.changed_by)}" if change.changed_by else ""
        lines.append(
            f"  {_when(change.created_at, settings)}  {start} -> "
            f"{_status_name(change.to_status)}{by}"
        )

    lines.extend(["", "Service targets missed:" if breaches else "Service targets missed: none"])
    for breach in breaches:
        lines.append(
            f"  {breach.target.replace('_', ' ')} at {_when(breach.breached_at, settings)}"
        )

    lines.extend(
        ["", f"Comments ({len(ticket.comments)}):" if ticket.comments else "Comments: none"]
    )
    for comment in ticket.comments:
        mark = COMMENT_MARKS.get(_comment_kind(comment.author_kind, comment.public), "")
        lines.append(
            f"  {_when(comment.created_at, settings)}  {_line(comment.author_name)} [{mark}]"
        )
        lines.extend(f"    {part}" for part in safe(comment.body).splitlines())

    files = ticket.attachments
    lines.extend(["", f"Attachments ({len(files)}):" if files else "Attachments: none"])
    for file in files:
        lines.append(
            f"  {_line(file.name)}  {file.content_type}, {_size(file.size)}, "
            f"{file.platform} {_line(file.file_ref)}".rstrip()
        )

    lines.append("")
    if ticket.rating is not None:
        remark = f": {_line(ticket.rating_remark)}" if ticket.rating_remark else ""
        lines.append(f"Rating: {ticket.rating}/5{remark} ({_when(ticket.rated_at, settings)})")
    elif ticket.rating_asked_at is not None:
        lines.append(f"Rating: asked {_when(ticket.rating_asked_at, settings)}, no answer yet")
    else:
        lines.append("Rating: not asked")
    return "\n".join(lines)


def _size(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / 1024 / 1024:.1f} MB"


# -- status ---------------------------------------------------------------------------------
def _allowed(ticket: Ticket) -> str:
    targets = agent_actions.allowed_targets(ticket)
    return ", ".join(targets) if targets else f"none ({ticket.status} is final)"


def cmd_status(args: argparse.Namespace) -> int:
    """Change the status as an agent; the customer's notification goes to the outbox."""
    try:
        agent = _me(args)
    except TooLong as exc:
        return _fail(str(exc))
    code = args.code.strip().lower().replace("-", "_")
    with _session() as (session, settings):
        ticket = _find(session, args.reference)
        if ticket is None:
            return _unknown(args.reference)
        reference, before = ticket.reference, ticket.status
        if code not in statuses.CATALOGUE:
            return _fail(
                f"unknown status {args.code!r}; {reference} ({before}) can go to: "
                + _allowed(ticket)
            )
        if code == before:
            return _fail(f"{reference} is already {before}; it can go to: {_allowed(ticket)}")
        asked = ticket.rating_asked_at
        try:
            agent_actions.change_status(session, ticket, code, agent, settings, clock())
        except statuses.TransitionError:
            return _fail(
                f"{reference} is {before} and cannot be set to {code}; allowed: {_allowed(ticket)}"
            )
        rating = ticket.rating_asked_at is not None and asked is None
        sent = _sent_to_customer(session, ticket)
    print(f"{reference}: {_status_name(before)} -> {_status_name(code)} (by {_line(agent.name)}).")
    extra = " with the rating question" if rating else ""
    print(f"The customer's notification{extra}: {_delivery(settings, sent)}.")
    return 0


def _sent_to_customer(session: Session, ticket: Ticket) -> tuple[int | None, str, str]:
    """The outbox message just written for the ticket's customer, and where it goes."""
    item = chatfeed.newest_for(session, ticket.platform, ticket.chat_id)
    return item, ticket.platform, ticket.chat_id


def _delivery(settings: Settings, sent: tuple[int | None, str, str]) -> str:
    """Whether the customer got it (a terminal customer's open chat shows it at once, and is
    waited for) or what happens to it (:func:`chatdesk.chatfeed.delivery_report`)."""
    from chatdesk.app import open_database

    database = open_database(settings)
    try:
        return chatfeed.delivery_report(database, *sent, clock=clock)
    finally:
        database.dispose()


# -- reply ----------------------------------------------------------------------------------
def _reply_text(args: argparse.Namespace) -> str:
    from chatdesk.cli.main import text_from_os

    if args.text == ["-"]:
        return text_from_os(sys.stdin.read())
    return " ".join(args.text)


def cmd_reply(args: argparse.Namespace) -> int:
    """A public reply (default) or, with ``--internal``, a note for the agents only.

    Without ``--internal`` the text goes through the chat's markers
    (:func:`chatdesk.agent_actions.parse_marker`), so "internal: ..." typed here stays internal
    just as it would in a ticket's thread; ``--internal`` always wins.
    """
    try:
        agent = _me(args)
    except TooLong as exc:
        return _fail(str(exc))
    text = _reply_text(args)
    if not text.strip():
        return _fail("the reply is empty; nothing was sent (give the text, or - to read stdin)")
    if args.internal:
        public, body = False, text.strip()
    else:
        public, body = agent_actions.parse_marker(text, default_public=True)
        if not body:
            return _fail("there is no text after the marker; nothing was sent")
    with _session() as (session, settings):
        ticket = _find(session, args.reference)
        if ticket is None:
            return _unknown(args.reference)
        reference = ticket.reference
        agent_actions.reply(session, ticket, body, agent, settings, clock(), public=public)
        sent = _sent_to_customer(session, ticket)
    if public:
        print(f"{reference}: reply stored (by {_line(agent.name)}).")
        print(f"The customer's message: {_delivery(settings, sent)}.")
    else:
        print(
            f"{reference}: internal note stored (by {_line(agent.name)}); "
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
        return _fail(str(exc))
    wanted = args.agent.strip()
    if not wanted:
        return _fail("name the agent to assign (a name, or an id such as slack:U0123)")
    limit = agent_limit()
    if len(wanted) > limit:
        return _fail(
            f"AGENT is at most {limit} characters (got {len(wanted)}); nothing was changed"
        )
    with _session() as (session, settings):
        ticket = _find(session, args.reference)
        if ticket is None:
            return _unknown(args.reference)
        reference, before, previous = ticket.reference, ticket.status, ticket.assignee
        if statuses.get(ticket.status).final:
            return _fail(f"{reference} is {ticket.status}; nothing more can be done with it")
        assignee = known_agent(session, wanted)
        if ticket.assignee_id == assignee.key:
            return _fail(f"{reference} is already assigned to {_line(assignee.name)}")
        agent_actions.assign(session, ticket, assignee, by, settings, clock())
        after = ticket.status
        sent = _sent_to_customer(session, ticket)
    was = f" (was {_line(previous)})" if previous else ""
    print(f"{reference} is now assigned to {_line(assignee.name)}{was}, by {_line(by.name)}.")
    if after != before:
        print(
            f"Status {_status_name(before)} -> {_status_name(after)}; the customer's "
            f"notification: {_delivery(settings, sent)}."
        )
    return 0
