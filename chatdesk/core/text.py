"""Small text helpers every layer shares: moments, names, cuts and control characters.

They lived as copies in the dialogue, the desk, the CLI and the adapters; each copy drifted a
little (one kept a carriage return, one forgot the direction overrides). Here each exists once,
and where callers differ on purpose the difference is a parameter with its reason beside it.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from zoneinfo import ZoneInfo

from chatdesk.core.i18n import t

ELLIPSIS = "…"
STAMP = "%Y-%m-%d %H:%M"
"""How a moment is shown to agents and operators: sortable, the same in every language."""

BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
"""Direction overrides and isolates: they can make a line read differently from what it holds."""

_C0_BUT_LINES = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_C0 = re.compile(r"[\x00-\x1f\x7f]")


def when(moment: datetime, zone: ZoneInfo | str, lang: str | None = None) -> str:
    """``moment`` in the desk's time zone ``zone``.

    Without ``lang``: ``2026-11-24 08:30`` (what agents and operators read: sortable, the same
    in every language). With ``lang``: ``Monday 24 November from 08:30`` with the names from the
    message catalogue, never from the OS locale (a server may not have Dutch installed).
    """
    local = moment.astimezone(ZoneInfo(zone) if isinstance(zone, str) else zone)
    if lang is None:
        return local.strftime(STAMP)
    return t(
        "service.when",
        lang,
        weekday=t(f"service.weekday.{local.weekday()}", lang),
        day=local.day,
        month=t(f"service.month.{local.month}", lang),
        time=local.strftime("%H:%M"),
    )


def display_name(full_name: str, username: str | None = None) -> str:
    """How agents see a person: the full name, and ``@username`` when there is one."""
    return f"{full_name} (@{username})" if username else full_name


def clip(text: str, width: int, *, at_word: bool = False, keep_end: int = 0) -> str:
    """``text`` cut to at most ``width`` characters, an ellipsis marking the cut.

    ``at_word`` cuts at the last space before the limit (an article's summary reads better
    that way); ``keep_end`` keeps that many characters of the end (a file name's extension
    says what the file is).
    """
    if len(text) <= width:
        return text
    if keep_end:
        return f"{text[: width - keep_end - 1]}{ELLIPSIS}{text[-keep_end:]}"
    cut = text[: width - 1]
    if at_word:
        cut = cut.rsplit(" ", 1)[0].rstrip(",;:.-")
    return cut + ELLIPSIS


def clean(text: str, *, lines: bool = True, terminal: bool = False) -> str:
    """``text`` without control characters.

    By default the C0 controls and DEL go, and tabs and line breaks (``\\n``, ``\\r``) stay:
    PostgreSQL refuses a NUL in text, and the others are invisible and only confuse agents.
    ``lines=False`` drops tabs and line breaks too, for what must be one line (a file name).
    ``terminal`` drops every character of Unicode's "other" categories but newline and tab
    (escape sequences, direction overrides, carriage returns): on a terminal they can repaint
    or reorder what was printed before.
    """
    if terminal:
        return "".join(
            ch for ch in text if ch in "\n\t" or not unicodedata.category(ch).startswith("C")
        )
    pattern = _C0_BUT_LINES if lines else _C0
    return pattern.sub("", text) if pattern.search(text) else text


def printable(text: str | None) -> str:
    """Text someone wrote, fit for an operator's terminal: control characters shown escaped.

    Unlike :func:`clean` nothing is dropped, so an operator sees what was really sent.
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


def one_line(text: str | None, width: int | None = None) -> str:
    """:func:`printable` on one line (a table cell), cut to ``width`` when given."""
    flat = " ".join(printable(text).split())
    return flat if width is None else clip(flat, width)
