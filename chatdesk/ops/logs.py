"""Log lines an operator can use: text for people, or JSON (CHATDESK_LOG_FORMAT=json) for
log collectors, at the level of CHATDESK_LOG_LEVEL.

Every turn writes one line (platform, event id, outcome, state, duration; see
:mod:`chatdesk.engine`); in JSON those are fields of their own. No line carries what a
customer wrote or a token: httpx, which logs every request URL (Telegram's URLs contain the
bot token), is held at WARNING.
"""

from __future__ import annotations

import logging
import sys

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter

from chatdesk.config import Settings

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
JSON_FIELDS = ("asctime", "levelname", "name", "message")
NOT_IN_JSON = ("color_message",)  # uvicorn's copy of a line with terminal colour codes


def formatter(log_format: str) -> logging.Formatter:
    """The formatter for ``text`` or ``json``; JSON keeps the ``extra`` fields of a line."""
    if log_format == "json":
        return JsonFormatter(
            list(JSON_FIELDS),
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            reserved_attrs=[*RESERVED_ATTRS, *NOT_IN_JSON],
            timestamp=False,
        )
    return logging.Formatter(TEXT_FORMAT)


def setup(settings: Settings, quiet: bool = False) -> None:
    """Configure the root logger once for a command (``quiet``: warnings and errors only)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter(settings.logging.format))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(logging.WARNING if quiet else getattr(logging, settings.logging.level))
    logging.getLogger("httpx").setLevel(logging.WARNING)
