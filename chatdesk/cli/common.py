"""What every ``chatdesk`` command group shares: argument types, failures, a session, a table.

The command groups (:mod:`chatdesk.cli.tickets`, :mod:`chatdesk.cli.kb`, :mod:`chatdesk.cli.ops`)
import from here and never from :mod:`chatdesk.cli.main`, the entry point that imports them all:
that keeps the CLI free of import cycles.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from chatdesk.config import Settings, load_settings

Clock = Callable[[], datetime]
"""Where a command's ``now`` comes from: :func:`utcnow`, or a test's controllable clock."""
MAX_LIMIT = 10_000
"""The most rows a ``--limit`` gives: more is a typo (or a job for ``--json`` and a filter)."""


class CommandError(Exception):
    """A failure to report in one line (the entry point prints it and exits with 2)."""


def utcnow() -> datetime:
    return datetime.now(UTC)


def clock_of(args: argparse.Namespace) -> Clock:
    """The clock :func:`chatdesk.cli.main.main` put on the parsed arguments."""
    clock: Clock = getattr(args, "clock", utcnow)
    return clock


def text_from_os(text: str) -> str:
    """``text`` as Python read it from the OS, with undecodable bytes as U+FFFD.

    Python keeps bytes that are not valid UTF-8 in arguments (and in standard input in the C
    locale) as lone surrogates, which cannot be stored or printed; each becomes U+FFFD here.
    """
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        try:
            raw = text.encode("utf-8", "surrogateescape")
        except UnicodeEncodeError:  # a surrogate that is not an escaped byte
            raw = text.encode("utf-8", "surrogatepass")
        return raw.decode("utf-8", "replace")
    return text


def positive_count(value: str) -> int:
    """An argparse type: a whole number from 1 to MAX_LIMIT (``tickets list``, ``kb search``)."""
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
    if number < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    if number > MAX_LIMIT:
        raise argparse.ArgumentTypeError(f"must be at most {MAX_LIMIT}")
    return number


def fail(message: str) -> int:
    """One line on stderr, exit code 1: the operator can fix this and try again."""
    print(f"chatdesk: {message}", file=sys.stderr)
    return 1


@contextmanager
def session() -> Iterator[tuple[Session, Settings]]:
    """One transaction on the configured database (migrated first, as every command does)."""
    from chatdesk.app import open_database

    settings = load_settings()
    database = open_database(settings)
    try:
        with database.session() as opened:
            yield opened, settings
    finally:
        database.dispose()


def render_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Left-aligned columns two spaces apart, a rule of dashes under the header."""
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]

    def fmt(row: Sequence[str]) -> str:
        return "  ".join(
            cell.ljust(width) for cell, width in zip(row, widths, strict=True)
        ).rstrip()

    return "\n".join([fmt(header), fmt(["-" * w for w in widths]), *map(fmt, rows)])
