"""The ``chatdesk`` command: chat, serve, kb, tickets, stats, db.

Every expected failure (a bad setting, an unreachable database, a missing knowledge folder)
ends with one line on stderr and a non-zero exit code, never a traceback. Arguments and
standard input that are not valid UTF-8 are read with the undecodable bytes replaced (U+FFFD),
and a reader that closes the pipe early (``| head``) ends the command quietly.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import sys
from collections.abc import Sequence

from chatdesk import __version__
from chatdesk.cli.common import Clock, CommandError, text_from_os, utcnow
from chatdesk.config import Settings, SettingsError, load_settings
from chatdesk.kb.articles import KnowledgeError
from chatdesk.store.db import DatabaseError

log = logging.getLogger("chatdesk")


BROKEN_PIPE_EXIT = 141
"""Exit code when the reader of our output went away: 128 + SIGPIPE, as ``cat`` or ``grep``."""


def _replace_undecodable_stdin() -> None:
    """Read standard input with undecodable bytes replaced, instead of failing on them."""
    reconfigure = getattr(sys.stdin, "reconfigure", None)
    if reconfigure is None:
        return
    with contextlib.suppress(OSError, ValueError):  # stdin closed, or already read from
        reconfigure(errors="replace")


def _quiet_after_broken_pipe() -> None:
    """The reader closed our output: send what is left to /dev/null, so exiting prints nothing."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # pragma: no cover - stdout is not a real file
        pass


def _setup_logging(settings: Settings, quiet: bool = False) -> None:
    from chatdesk.ops import logs

    logs.setup(settings, quiet)  # text or JSON lines; httpx (URLs with tokens) kept quiet


def _user_limit() -> int:
    """The longest ``chat --user``: it is stored as the customer's id and as the chat's id."""
    from chatdesk.store.models import Conversation, Requester, Ticket

    columns = (
        Requester.platform_user_id,
        Requester.display_name,
        Conversation.user_id,
        Conversation.chat_id,
        Ticket.chat_id,
    )
    return min(column.type.length for column in columns)


def cmd_chat(args: argparse.Namespace) -> int:
    from chatdesk.adapters.terminal import run_chat
    from chatdesk.app import open_desk

    limit = _user_limit()
    if args.user is not None and len(args.user) > limit:
        raise CommandError(f"--user is at most {limit} characters (got {len(args.user)})")
    overrides = {"default_lang": args.lang} if args.lang else {}
    settings = load_settings(**overrides)
    _setup_logging(settings, quiet=True)
    desk = open_desk(settings)
    return run_chat(desk, user=args.user, lang=args.lang)


def cmd_serve(args: argparse.Namespace) -> int:
    from chatdesk.adapters.server import configured_channels, run_server
    from chatdesk.app import open_desk

    settings = load_settings()
    _setup_logging(settings)
    desk = open_desk(settings)
    channels = configured_channels(settings, desk)
    if not channels:
        log.warning(
            "no platform is configured (set CHATDESK_TELEGRAM_TOKEN, or CHATDESK_SLACK_BOT_TOKEN "
            "and CHATDESK_SLACK_SIGNING_SECRET, or CHATDESK_WEB_ENABLED=true); "
            "serving /healthz only"
        )
    asyncio.run(run_server(settings, channels, desk))
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    from chatdesk.app import open_database
    from chatdesk.store import stats

    settings = load_settings()
    database = open_database(settings)
    with database.session() as session:
        rows, total = stats.funnel(session)
    if args.json:
        print(json.dumps({"articles": [r.as_dict() for r in rows], "total": total.as_dict()}))
    elif not rows:
        print("No suggestions recorded yet.")
    else:
        print(stats.render_table(rows, total))
    return 0


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from chatdesk.app import open_database

    settings = load_settings()
    database = open_database(settings)
    print(f"database {database.safe_url} is up to date")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="chatdesk", description="A chat front end for support intake."
    )
    parser.add_argument("--version", action="version", version=f"chatdesk {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    chat = sub.add_parser("chat", help="talk to the desk in this terminal")
    chat.add_argument(
        "--user",
        default=None,
        help=f"your name in the chat, at most {_user_limit()} characters (default: your login)",
    )
    chat.add_argument("--lang", choices=["en", "nl"], default=None, help="language to start in")
    chat.set_defaults(func=cmd_chat)

    serve = sub.add_parser("serve", help="run the Slack and Telegram bots and the HTTP server")
    serve.set_defaults(func=cmd_serve)

    stats = sub.add_parser("stats", help="the deflection funnel per article")
    stats.add_argument("--json", action="store_true", help="print JSON instead of a table")
    stats.set_defaults(func=cmd_stats)
    from chatdesk.cli import ops as opscli  # `stats gaps` and `report --html`

    opscli.register(sub, stats)

    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    upgrade = db_sub.add_parser("upgrade", help="apply pending migrations")
    upgrade.set_defaults(func=cmd_db_upgrade)

    try:
        from chatdesk.cli import kb as kbcli
    except ImportError:  # pragma: no cover - the kb commands are part of every install
        pass
    else:
        kbcli.register(sub)

    from chatdesk.cli import (
        tickets as ticketcli,  # the agent desk from the command line (`chatdesk tickets`)
    )

    ticketcli.register(sub)
    return parser


def main(argv: Sequence[str] | None = None, *, clock: Clock = utcnow) -> int:
    """Run one command; ``clock`` is where commands that change tickets get ``now`` (tests
    pass their controllable clock)."""
    parser = build_parser()
    _replace_undecodable_stdin()
    args = parser.parse_args(
        [text_from_os(arg) for arg in (sys.argv[1:] if argv is None else argv)]
    )
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    args.clock = clock
    try:
        code = int(args.func(args) or 0)
        sys.stdout.flush()  # a closed pipe shows here, not as a warning at exit
        return code
    except SettingsError as exc:
        print(f"chatdesk: {exc}", file=sys.stderr)
    except DatabaseError as exc:
        print(f"chatdesk: {exc}", file=sys.stderr)
    except KnowledgeError as exc:
        print(f"chatdesk: {exc}", file=sys.stderr)
    except CommandError as exc:
        print(f"chatdesk: {exc}", file=sys.stderr)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        _quiet_after_broken_pipe()
        return BROKEN_PIPE_EXIT
    except OSError as exc:
        print(f"chatdesk: {exc}", file=sys.stderr)
    return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
