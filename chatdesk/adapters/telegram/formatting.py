"""Plain text -> Telegram HTML: escaping and splitting under the 4096-character limit.

Every text the engine hands us is plain and may hold user-written words, so the whole text is
escaped (``&``, ``<``, ``>``) before any markup of ours is added around it. What goes to the
agents' group is defused too (:func:`defuse`), so a customer's ``@name`` notifies nobody.
Telegram counts the limit after entity parsing, in UTF-16 code units, so we split the plain
text and escape each part afterwards: an entity such as ``&amp;`` can never be cut in two.
"""

from __future__ import annotations

import html
import re

MAX_MESSAGE = 4096
QUIET = "\u200b"
"""A zero-width space: invisible, and it ends what Telegram reads as a username or a command."""
_PINGS = re.compile(r"(?:(?<![A-Za-z0-9_])@|(?<![A-Za-z0-9_/:.<>])/)(?=[A-Za-z0-9_])")


def escape(text: str) -> str:
    """Text safe to put inside a parse_mode=HTML message; it shows exactly as typed."""
    return html.escape(text, quote=False)


def defuse(text: str) -> str:
    """``text`` as it reads, minus what Telegram would act on in a group: ``@name`` becomes no
    mention (which would notify that member) and ``/command`` no command (which a tap would
    send to every bot in the group). A zero-width space after the ``@`` or ``/`` does it; the
    words look the same. E-mail addresses and URLs are left alone (no ``@`` or ``/`` there
    starts a word)."""
    return _PINGS.sub(lambda m: m.group(0) + QUIET, text)


def utf16_len(text: str) -> int:
    """Length as Telegram counts it (an emoji outside the BMP counts twice)."""
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int = MAX_MESSAGE) -> list[str]:
    """Cut plain ``text`` into parts of at most ``limit`` UTF-16 units each.

    Prefers a paragraph break, then a line break, then a space; cuts mid-word only when a single
    word is longer than the limit. Never returns an empty list.
    """
    parts: list[str] = []
    rest = text
    while utf16_len(rest) > limit:
        head = _prefix_within(rest, limit)
        cut = _cut(head)
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip("\n ")
    parts.append(rest)
    return [p for p in parts if p.strip()] or [text]


def _cut(head: str) -> int:
    """Where to end a part: the last paragraph break, else line break, else space, as long as
    it keeps at least half the part; otherwise mid-word at the limit."""
    for separator in ("\n\n", "\n", " "):
        cut = head.rfind(separator)
        if cut >= len(head) // 2:
            return cut
    cut = max(head.rfind("\n"), head.rfind(" "))
    return cut if cut > 0 else len(head)


def _prefix_within(text: str, limit: int) -> str:
    """The longest prefix of ``text`` whose UTF-16 length is at most ``limit``."""
    units = 0
    for index, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit:
            return text[:index]
    return text
