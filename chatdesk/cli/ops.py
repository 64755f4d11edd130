"""``chatdesk stats gaps`` and ``chatdesk report --html FILE``: what to learn from the desk.

Both read the database only. ``stats gaps`` prints the knowledge gaps (:mod:`chatdesk.ops.gaps`)
as text or JSON; ``report`` writes one self-contained HTML page (:mod:`chatdesk.ops.report`).
"""

from __future__ import annotations

import argparse
import json
from datetime import datetime, timedelta
from pathlib import Path

from chatdesk.cli.common import CommandError, clock_of

MAX_DAYS = 3660


def register(subparsers: argparse._SubParsersAction, stats: argparse.ArgumentParser) -> None:
    """Add ``gaps`` under ``stats``, and the ``report`` command."""
    stats_sub = stats.add_subparsers(dest="stats_command", metavar="VIEW")
    gaps = stats_sub.add_parser(
        "gaps",
        help="questions the knowledge base did not answer, in clusters (newest period first)",
    )
    gaps.add_argument("--period", choices=["week", "month"], default="week")
    gaps.add_argument("--days", type=_days, default=90, help="look back this many days (90)")
    gaps.add_argument("--lang", choices=["en", "nl"], default=None, help="one language only")
    gaps.add_argument("--limit", type=_count, default=10, help="clusters per period (10)")
    gaps.add_argument("--json", action="store_true", help="print JSON instead of text")
    gaps.set_defaults(func=cmd_gaps)

    report = subparsers.add_parser(
        "report", help="write one self-contained HTML page with the desk's charts"
    )
    report.add_argument("--html", required=True, type=Path, metavar="FILE")
    report.add_argument("--period", choices=["week", "month"], default="week")
    report.add_argument("--days", type=_days, default=90, help="look back this many days (90)")
    report.set_defaults(func=cmd_report)


def _days(value: str) -> int:
    return _number(value, MAX_DAYS)


def _count(value: str) -> int:
    return _number(value, 1000)


def _number(value: str, most: int) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
    if not 1 <= number <= most:
        raise argparse.ArgumentTypeError(f"must be from 1 to {most}")
    return number


def _since(args: argparse.Namespace) -> datetime:
    """The start of the ``--days`` look-back, counted from the command's clock."""
    return clock_of(args)() - timedelta(days=args.days)


def cmd_gaps(args: argparse.Namespace) -> int:
    from chatdesk.app import open_database
    from chatdesk.config import load_settings
    from chatdesk.ops import gaps

    database = open_database(load_settings())
    with database.session() as session:
        groups = gaps.report(session, args.period, _since(args), args.lang)
    if args.json:
        print(json.dumps({"periods": [g.as_dict() for g in groups]}, ensure_ascii=False))
    elif not groups:
        print(f"No tickets in the last {args.days} days: no gaps to show.")
    else:
        print(gaps.render_text(groups, args.limit))
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from chatdesk.app import open_database
    from chatdesk.config import load_settings
    from chatdesk.ops import report

    settings = load_settings()
    database = open_database(settings)
    now = clock_of(args)()
    with database.session() as session:
        page = report.build(session, settings, now, args.period, _since(args))
    try:
        args.html.write_text(page, encoding="utf-8")
    except OSError as exc:
        raise CommandError(f"cannot write {args.html}: {exc.strerror or exc}") from None
    print(f"report written to {args.html}")
    return 0
