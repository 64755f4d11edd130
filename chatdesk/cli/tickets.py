"""The ``chatdesk tickets`` commands: the agent desk for admins without chat access.

``list`` and ``show`` read tickets (:mod:`chatdesk.cli.ticket_view` lays them out; reading
takes no row lock, so a look never waits for, or holds up, a running desk); ``file`` saves a
file sent on the web (:mod:`chatdesk.cli.ticket_files`); ``status``, ``reply`` and ``assign``
act on one (:mod:`chatdesk.cli.ticket_actions`).

Like ``chatdesk kb``, this is for operators, in English, on the terminal: nothing printed
here is shown to customers, so no text comes from the message catalogues. A failure the
operator can fix (an unknown reference, a status the catalogue forbids, an empty reply) is one
line on stderr and exit code 1.

:func:`register` adds the commands to the main parser; each sets ``func(args) -> int``.
"""

from __future__ import annotations

import argparse
import json

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from chatdesk.cli import ticket_actions, ticket_files
from chatdesk.cli.common import MAX_LIMIT, positive_count, session
from chatdesk.cli.ticket_actions import unknown
from chatdesk.cli.ticket_view import detail, render_detail, summary, table
from chatdesk.core import statuses
from chatdesk.store import tickets
from chatdesk.store.models import ServiceBreach, Ticket

DEFAULT_LIMIT = 50


def register(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add ``tickets list|show|file|status|reply|assign`` to the ``chatdesk`` command."""
    group = subparsers.add_parser("tickets", help="list, show and work tickets (the agent desk)")
    sub = group.add_subparsers(
        dest="tickets_command", metavar="{list,show,file,status,reply,assign}", required=True
    )
    _register_list(sub)

    show = sub.add_parser("show", help="one ticket: fields, history, comments, files, rating")
    show.add_argument("reference", metavar="REF")
    show.add_argument("--json", action="store_true", help="print one JSON object")
    show.set_defaults(func=cmd_show)
    ticket_files.register(sub)

    status = sub.add_parser("status", help="change a ticket's status (the customer is told)")
    status.add_argument("reference", metavar="REF")
    status.add_argument(
        "code", metavar="CODE", help="a status code: " + ", ".join(statuses.CATALOGUE)
    )
    status.set_defaults(func=ticket_actions.cmd_status)

    reply = sub.add_parser("reply", help="answer the customer, or add an internal note")
    reply.add_argument("reference", metavar="REF")
    reply.add_argument("text", nargs="+", metavar="TEXT", help="the reply; - reads it from stdin")
    reply.add_argument(
        "--internal", action="store_true", help="a note for the agents; the customer sees nothing"
    )
    reply.set_defaults(func=ticket_actions.cmd_reply)

    assign = sub.add_parser("assign", help="make an agent the ticket's assignee")
    assign.add_argument("reference", metavar="REF")
    assign.add_argument(
        "agent", metavar="AGENT", help="the agent's name, or an id such as slack:U0123"
    )
    assign.set_defaults(func=ticket_actions.cmd_assign)
    for acting in (status, reply, assign):
        acting.add_argument(
            "--as",
            dest="acting_as",
            metavar="NAME",
            help="your name on the card and in the ticket's thread (default: your login)",
        )
    return group


def _register_list(sub: argparse._SubParsersAction) -> None:
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


def cmd_list(args: argparse.Namespace) -> int:
    """Tickets matching the filters, newest change first, as a table or JSON Lines."""
    with session() as (opened, settings):
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
        total = opened.scalar(select(func.count()).select_from(query.subquery())) or 0
        found = list(
            opened.scalars(
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
        print(table(found, settings))
        if total > len(found):
            print(f"… {total - len(found)} more; raise --limit or narrow the filters.")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    """Everything about one ticket; an unknown reference is one line and exit code 1.

    A plain read: no row lock (``show`` changes nothing, so it must not wait for a turn
    that holds the ticket, nor make one wait).
    """
    with session() as (opened, settings):
        ticket = tickets.by_reference(opened, args.reference.strip())
        if ticket is None:
            return unknown(args.reference)
        breaches = list(
            opened.scalars(
                select(ServiceBreach)
                .where(ServiceBreach.ticket_id == ticket.id)
                .order_by(ServiceBreach.breached_at, ServiceBreach.id)
            )
        )
        if args.json:
            print(json.dumps(detail(ticket, breaches), ensure_ascii=False))
        else:
            print(render_detail(ticket, breaches, settings))
    return 0
