"""How ``chatdesk tickets list`` and ``show`` present tickets: a table, a page, or JSON.

For operators, in English: nothing here is shown to customers, so no text comes from the
message catalogues (whose status names speak to the customer: "Waiting on you"). Text that
customers or agents wrote goes through :func:`chatdesk.core.text.printable`, so a subject
cannot repaint the terminal.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from chatdesk.cli.common import render_table
from chatdesk.config import Settings
from chatdesk.core import statuses
from chatdesk.core.text import one_line, printable, when
from chatdesk.store.models import ServiceBreach, Ticket

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
COMMENT_MARKS = {
    "customer": "customer",
    "public": "PUBLIC, sent to the customer",
    "internal": "INTERNAL, agents only",
    "system": "system",
}


def status_name(code: str) -> str:
    return STATUS_NAMES.get(code, code)


def _stamp(moment: datetime | None, settings: Settings) -> str:
    """A moment in the desk's time zone; empty for one that has not happened."""
    return "" if moment is None else when(moment, settings.hours.zone)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _requester(ticket: Ticket) -> str:
    requester = ticket.requester
    if requester is None:
        return ""
    return requester.display_name or requester.platform_user_id


def _comment_kind(author_kind: str, public: bool) -> str:
    """customer, public (an agent's words the customer got), internal, or system."""
    if author_kind == "agent":
        return "public" if public else "internal"
    return author_kind


def summary(ticket: Ticket) -> dict[str, Any]:
    """One ticket as a row of ``tickets list --json``."""
    requester = ticket.requester
    return {
        "reference": ticket.reference,
        "subject": ticket.subject,
        "status": ticket.status,
        "status_name": status_name(ticket.status),
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


def table(found: Sequence[Ticket], settings: Settings) -> str:
    """The tickets as ``tickets list`` prints them, one row each."""
    rows = [
        (
            ticket.reference or "",
            status_name(ticket.status),
            ticket.priority,
            one_line(ticket.assignee) or "-",
            one_line(_requester(ticket)),
            one_line(ticket.organization) or "-",
            _stamp(ticket.updated_at, settings),
            "yes" if ticket.escalated else "",
            one_line(ticket.subject, SUBJECT_WIDTH),
        )
        for ticket in found
    ]
    return render_table(TABLE_HEADER, rows)


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


def render_detail(ticket: Ticket, breaches: Sequence[ServiceBreach], settings: Settings) -> str:
    """The ticket as a page of labelled fields and sections."""
    fields = _fields(ticket, settings)
    width = max(len(label) for label, _ in fields) + 1
    lines = [f"{ticket.reference}: {one_line(ticket.subject)}", ""]
    lines += [f"{label + ':':<{width}} {value}" for label, value in fields]
    for title, body in (
        ("Description", ticket.description),
        ("Steps", ticket.steps),
        ("Error message", ticket.error_message),
    ):
        lines.extend(["", f"{title}:"])
        lines.extend(f"  {part}" for part in (printable(body) or "-").splitlines() or ["-"])
    lines += _history(ticket, breaches, settings)
    lines += _comments(ticket, settings)
    lines += _attachments(ticket)
    lines += ["", _rating(ticket, settings)]
    return "\n".join(lines)


def _fields(ticket: Ticket, settings: Settings) -> list[tuple[str, str]]:
    """The labelled fields at the top of ``tickets show``."""
    requester = ticket.requester
    who = one_line(_requester(ticket))
    if requester is not None:
        who += f" ({requester.platform}:{one_line(requester.platform_user_id)})"
    since = _stamp(ticket.status_changed_at, settings)
    fields = [
        ("Subject", one_line(ticket.subject)),
        ("Status", f"{status_name(ticket.status)} ({ticket.status}) since {since}"),
        ("Priority", ticket.priority),
        (
            "Assignee",
            f"{one_line(ticket.assignee)} ({one_line(ticket.assignee_id)})"
            if ticket.assignee
            else "nobody",
        ),
        ("Requester", who),
        ("Organization", one_line(ticket.organization) or "-"),
        ("Approval", ticket.approval or "-"),
        ("Chat", f"{ticket.platform} {one_line(ticket.chat_id)}, language {ticket.lang}"),
        ("Created", _stamp(ticket.created_at, settings)),
        ("Updated", _stamp(ticket.updated_at, settings)),
        ("First response", _stamp(ticket.first_response_at, settings) or "not yet"),
        ("Escalated", "yes" if ticket.escalated else "no"),
    ]
    if ticket.follows_up is not None:
        fields.append(("Follows up", ticket.follows_up.reference or ""))
    return fields


def _history(ticket: Ticket, breaches: Sequence[ServiceBreach], settings: Settings) -> list[str]:
    """The status changes, then the service targets the ticket missed."""
    lines = ["", "Status history:"]
    for change in ticket.history:
        start = status_name(change.from_status) if change.from_status else "(created)"
        by = f" by {one_line(change.changed_by)}" if change.changed_by else ""
        lines.append(
            f"  {_stamp(change.created_at, settings)}  {start} -> "
            f"{status_name(change.to_status)}{by}"
        )
    lines.extend(["", "Service targets missed:" if breaches else "Service targets missed: none"])
    for breach in breaches:
        lines.append(
            f"  {breach.target.replace('_', ' ')} at {_stamp(breach.breached_at, settings)}"
        )
    return lines


def _comments(ticket: Ticket, settings: Settings) -> list[str]:
    lines = ["", f"Comments ({len(ticket.comments)}):" if ticket.comments else "Comments: none"]
    for comment in ticket.comments:
        mark = COMMENT_MARKS.get(_comment_kind(comment.author_kind, comment.public), "")
        lines.append(
            f"  {_stamp(comment.created_at, settings)}  {one_line(comment.author_name)} [{mark}]"
        )
        lines.extend(f"    {part}" for part in printable(comment.body).splitlines())
    return lines


def _attachments(ticket: Ticket) -> list[str]:
    files = ticket.attachments
    lines = ["", f"Attachments ({len(files)}):" if files else "Attachments: none"]
    for number, file in enumerate(files, 1):
        lines.append(
            f"  {number}. {one_line(file.name)}  {file.content_type}, {_size(file.size)}, "
            f"{file.platform} {one_line(file.file_ref)}".rstrip()
        )
    if any(file.file_ref.startswith("web:") for file in files):
        lines.append("  (save a file sent on the web: chatdesk tickets file REF N)")
    return lines


def _rating(ticket: Ticket, settings: Settings) -> str:
    if ticket.rating is not None:
        remark = f": {one_line(ticket.rating_remark)}" if ticket.rating_remark else ""
        return f"Rating: {ticket.rating}/5{remark} ({_stamp(ticket.rated_at, settings)})"
    if ticket.rating_asked_at is not None:
        return f"Rating: asked {_stamp(ticket.rating_asked_at, settings)}, no answer yet"
    return "Rating: not asked"


def _size(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / 1024 / 1024:.1f} MB"
