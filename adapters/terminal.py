"""The terminal chat: ``chatdesk chat``, a real conversation with the desk in a terminal.

It uses only what the Slack and Telegram adapters use: it builds an
:class:`~chatdesk.events.InboundEvent` per line and renders the neutral replies. Line editing
and history come from prompt_toolkit; choices are numbered (type the number or the label);
colour is used where the terminal supports it. Ctrl-D and Ctrl-C leave cleanly.
"""

from __future__ import annotations

import getpass
import os
import sys
import unicodedata

from prompt_toolkit import PromptSession, print_formatted_text
from prompt_toolkit.formatted_text import FormattedText
from prompt_toolkit.styles import Style

from chatdesk.engine import Desk
from chatdesk.events import InboundEvent, Message, MoveToPrivate, Reply, TicketCard

PLATFORM = "terminal"
STYLE = Style.from_dict({"bot": "ansicyan", "choice": "ansiyellow", "note": "ansibrightblack"})


def clean(text: str) -> str:
    """Drop control characters (escape sequences could repaint the terminal), keep newlines."""
    return "".join(
        ch for ch in text if ch in "\n\t" or not unicodedata.category(ch).startswith("C")
    )


def render(reply: Reply, lang: str, desk: Desk) -> FormattedText:
    """One reply as styled terminal text."""
    if isinstance(reply, Message):
        parts: list[tuple[str, str]] = [("class:bot", clean(reply.text) + "\n")]
        for number, choice in enumerate(reply.choices, start=1):
            parts.append(("class:choice", f"  {number}) {clean(choice.label)}\n"))
        return FormattedText(parts)
    if isinstance(reply, TicketCard):
        note = desk.text("terminal.card", lang, reference=reply.reference, priority=reply.priority)
        return FormattedText([("class:note", clean(note) + "\n")])
    if isinstance(reply, MoveToPrivate):  # a terminal chat is always private
        return FormattedText([("class:bot", clean(reply.text) + "\n")])
    raise TypeError(f"the terminal cannot render {type(reply).__name__}")


def _locale(lang: str | None) -> str | None:
    if lang:
        return lang
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name, "")
        if value and value not in ("C", "POSIX") and not value.startswith("C."):
            return value.split(".")[0]
    return None


def run_chat(desk: Desk, user: str | None = None, lang: str | None = None) -> int:
    """Chat until end of input (Ctrl-D) or an interrupt (Ctrl-C)."""
    user_id = user or getpass.getuser()
    locale = _locale(lang)
    interactive = sys.stdin.isatty() and sys.stdout.isatty()
    session: PromptSession[str] | None = PromptSession() if interactive else None

    def show(replies: list[Reply]) -> None:
        current = desk.language_of(PLATFORM, user_id, locale)
        for reply in replies:
            print_formatted_text(render(reply, current, desk), style=STYLE)

    def send(text: str) -> None:
        event = InboundEvent(
            platform=PLATFORM,
            user_id=user_id,
            chat_id=user_id,
            text=text,
            display_name=user_id,
            locale=locale,
        )
        show(desk.handle(event))

    intro = desk.text("terminal.welcome", desk.language_of(PLATFORM, user_id, locale))
    print_formatted_text(FormattedText([("class:note", intro + "\n")]), style=STYLE)
    send("help")
    while True:
        try:
            line = session.prompt("> ") if session is not None else input("> ")
        except (EOFError, KeyboardInterrupt):
            bye = desk.text("terminal.bye", desk.language_of(PLATFORM, user_id, locale))
            print_formatted_text(FormattedText([("class:note", "\n" + bye)]), style=STYLE)
            return 0
        if line.strip():
            send(line)
