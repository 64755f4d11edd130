"""``chatdesk tickets file REF N``: save a file a customer sent with a ticket.

Telegram and Slack keep the bytes of the files sent there (chatdesk keeps their ids); on the
web chatdesk is the platform, and keeps them in ``web_files``. Agents in the agents' chat only
hear that a customer added files, so this is how they get the screenshot of a web ticket.

A file's name is the customer's: it is cut to its last part, with anything a shell or another
file system reads specially replaced, and an existing file is never overwritten without
``--force``. ``-o -`` writes the bytes to standard output (for a pipe).
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from sqlalchemy.orm import Session

from chatdesk.cli.common import fail, session
from chatdesk.cli.ticket_actions import unknown
from chatdesk.core.text import one_line
from chatdesk.store import tickets
from chatdesk.store.models import TicketAttachment, WebFile

WEB_PREFIX = "web:"
"""``file_ref`` of a file chatdesk keeps: ``web:<web_files.id>``."""
MAX_NAME = 120
_UNSAFE = re.compile(r"[^\w.\- ()+,=@]")


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``tickets file`` to the ``tickets`` subcommands."""
    saving = sub.add_parser("file", help="save a file a customer sent (files sent on the web)")
    saving.add_argument("reference", metavar="REF")
    saving.add_argument(
        "number", type=int, metavar="N", help="the file's number in `chatdesk tickets show REF`"
    )
    saving.add_argument(
        "-o",
        "--output",
        metavar="PATH",
        help="where to save it: a file, a folder, or - for standard output "
        "(default: the file's own name, in this folder)",
    )
    saving.add_argument("--force", action="store_true", help="overwrite PATH if it exists")
    saving.set_defaults(func=cmd_file)


def cmd_file(args: argparse.Namespace) -> int:
    """Save file N of a ticket; one line and exit code 1 for what the agent can fix."""
    with session() as (opened, _settings):
        ticket = tickets.by_reference(opened, args.reference.strip())
        if ticket is None:
            return unknown(args.reference)
        files = ticket.attachments
        if not files:
            return fail(f"{ticket.reference} has no files")
        if not 1 <= args.number <= len(files):
            return fail(f"{ticket.reference} has files 1 to {len(files)}, not {args.number}")
        attachment = files[args.number - 1]
        kept = _kept_file(opened, attachment)
        if isinstance(kept, str):
            return fail(f"{one_line(attachment.name)} of {ticket.reference}: {kept}")
        data, name = kept.data, attachment.name
    if args.output == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return 0
    target = _target(args.output, name)
    if target.exists() and not args.force:
        return fail(f"{target} exists; choose another path with -o, or add --force")
    try:
        target.write_bytes(data)
    except OSError as exc:
        return fail(f"cannot write {target}: {exc.strerror or exc}")
    print(f"saved {one_line(name)} ({len(data)} bytes) to {target}")
    return 0


def _kept_file(opened: Session, attachment: TicketAttachment) -> WebFile | str:
    """The stored bytes of ``attachment``, or why there are none here."""
    ref = attachment.file_ref
    if not ref.startswith(WEB_PREFIX):
        where = attachment.platform or "the platform"
        if not ref:
            return "its bytes were never sent (it was over the size limit)"
        return (
            f"{where} keeps its bytes (file id {one_line(ref)}); "
            "chatdesk keeps only the files sent on the web"
        )
    try:
        file_id = int(ref.removeprefix(WEB_PREFIX))
    except ValueError:
        return f"its reference {one_line(ref)} names no stored file"
    kept = opened.get(WebFile, file_id)
    if kept is None:
        return "its bytes are no longer stored"
    return kept


def _target(output: str | None, name: str) -> Path:
    """Where to write: ``output`` (a folder gets the file's own name), else the safe name."""
    safe = safe_name(name)
    if output is None:
        return Path(safe)
    path = Path(output)
    return path / safe if path.is_dir() else path


def safe_name(name: str) -> str:
    """A customer's file name as a name to save under: its last part only (no folders, no
    ``..``), characters other than letters, digits and a few marks as ``_``, no leading dot
    (a hidden file), at most ``MAX_NAME`` characters with its type's suffix kept; "file"
    when nothing is left."""
    last = re.split(r"[\\/]", name)[-1]
    cleaned = _UNSAFE.sub("_", last).strip(" .")
    if len(cleaned) > MAX_NAME:
        suffix = Path(cleaned).suffix
        suffix = suffix if len(suffix) <= 16 else ""
        cleaned = cleaned[: MAX_NAME - len(suffix)].rstrip(" .") + suffix
    return cleaned or "file"
