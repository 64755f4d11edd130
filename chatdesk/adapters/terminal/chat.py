"""The terminal chat: ``chatdesk chat``, a real conversation with the desk in a terminal.

It uses only what the Slack and Telegram adapters use: it builds an
:class:`~chatdesk.events.InboundEvent` per line and renders the neutral replies. Line editing
and history come from prompt_toolkit; choices are numbered (type the number or the label);
colour is used where the terminal supports it. Ctrl-D and Ctrl-C leave cleanly.

It is a full channel: what agents and the desk say outside the customer's turns (a public
reply, a status change, the rating question) reaches a running chat through the outbox and is
printed above the prompt as it arrives (:class:`Feed`); what arrived while no chat was open is
shown at the next start.
"""

from __future__ import annotations

import asyncio
import contextlib
import getpass
import logging
import os
import socket
import sys
import time
import uuid
from datetime import datetime

from prompt_toolkit import PromptSession, print_formatted_text
from prompt_toolkit.formatted_text import FormattedText
from prompt_toolkit.styles import Style

from chatdesk.core.text import clean as text_clean
from chatdesk.engine import Desk
from chatdesk.events import Choice, InboundEvent, Message, MoveToPrivate, Reply, TicketCard
from chatdesk.store import chatfeed, outbox

from .catalogue import t

log = logging.getLogger(__name__)

PLATFORM = "terminal"
RENEW_SECONDS = 5.0
"""How often a running chat renews its open-chat row (it counts for 15 seconds)."""
STYLE = Style.from_dict({"bot": "ansicyan", "choice": "ansiyellow", "note": "ansibrightblack"})


def clean(text: str) -> str:
    """Drop control characters (escape sequences could repaint the terminal), keep newlines."""
    return text_clean(text, terminal=True)


def render(reply: Reply, lang: str, desk: Desk) -> FormattedText:
    """One reply as styled terminal text."""
    if isinstance(reply, Message):
        parts: list[tuple[str, str]] = [("class:bot", clean(reply.text) + "\n")]
        for number, choice in enumerate(reply.choices, start=1):
            parts.append(("class:choice", f"  {number}) {clean(choice.label)}\n"))
        return FormattedText(parts)
    if isinstance(reply, TicketCard):
        note = t("terminal.card", lang, reference=reply.reference, priority=reply.priority)
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
    return asyncio.run(_chat(desk, user or getpass.getuser(), _locale(lang)))


async def _chat(desk: Desk, user_id: str, locale: str | None) -> int:
    """The prompt, and beside it the feed that shows what the desk sends meanwhile."""
    interactive = sys.stdin.isatty() and sys.stdout.isatty()
    session: PromptSession[str] | None = PromptSession() if interactive else None
    feed = Feed(desk, user_id, locale)

    async def send(text: str) -> None:
        pressed = feed.pressed(text)  # the number or words of a question the feed showed
        event = InboundEvent(
            platform=PLATFORM,
            user_id=user_id,
            chat_id=user_id,
            text="" if pressed else text,
            choice=pressed,
            display_name=user_id,
            locale=locale,
        )
        feed.forget_choices()  # the turn's answer is the newest thing on screen now
        feed.show(await asyncio.to_thread(desk.handle, event))

    note(t("terminal.welcome", feed.lang()))
    await send("help")
    await asyncio.to_thread(feed.open)
    await feed.deliver()  # what arrived while the chat was closed
    task = asyncio.create_task(feed.run(), name="chatdesk-terminal-feed")
    try:
        while True:
            try:
                if session is not None:
                    line = await session.prompt_async("> ")
                else:
                    line = await asyncio.to_thread(input, "> ")
            except (EOFError, KeyboardInterrupt):
                note("\n" + t("terminal.bye", feed.lang()), end="")
                return 0
            if line.strip():
                await send(line)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await asyncio.to_thread(feed.close)


def note(text: str, end: str = "\n") -> None:
    print_formatted_text(FormattedText([("class:note", text + end)]), style=STYLE)


class Feed:
    """Shows what the desk sends this customer outside their own turns (agent replies, status
    news, the rating question), through the outbox (:mod:`chatdesk.store.chatfeed`): polled every
    ``CHATDESK_OUTBOX_POLL_SECONDS`` while the chat runs, and once at its start.

    A question with choices that came this way is numbered like any other; while it is the
    newest list on screen, typing its number or label answers it as a button press would.
    """

    def __init__(self, desk: Desk, user_id: str, locale: str | None) -> None:
        self.desk = desk
        self.user_id = user_id
        self.locale = locale
        self.holder = f"terminal:{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self._choices: tuple[Choice, ...] = ()
        self._renewed = 0.0

    def lang(self) -> str:
        return self.desk.language_of(PLATFORM, self.user_id, self.locale)

    def show(self, replies: list[Reply]) -> None:
        current = self.lang()
        for reply in replies:
            print_formatted_text(render(reply, current, self.desk), style=STYLE)

    # -- choices of delivered questions ------------------------------------------------------
    def pressed(self, text: str) -> str | None:
        """The id of the delivered choice ``text`` names (its number or label), if any."""
        typed = " ".join(text.split()).casefold()
        if typed.isdigit() and 1 <= int(typed) <= len(self._choices):
            return self._choices[int(typed) - 1].id
        return next((c.id for c in self._choices if c.label.casefold() == typed), None)

    def forget_choices(self) -> None:
        self._choices = ()

    # -- the outbox --------------------------------------------------------------------------
    def open(self) -> None:
        chatfeed.hold_open(self.desk.database, self.holder, PLATFORM, self.user_id, self.now())
        self._renewed = time.monotonic()

    def close(self) -> None:
        with contextlib.suppress(Exception):  # the database may be what ended the chat
            chatfeed.let_go(self.desk.database, self.holder)

    def now(self) -> datetime:
        return self.desk.clock()

    async def run(self) -> None:
        """Fetch and show, renewing the open-chat row, until cancelled."""
        while True:
            await asyncio.sleep(self.desk.settings.delivery.poll_seconds)
            try:
                if time.monotonic() - self._renewed > RENEW_SECONDS:
                    await asyncio.to_thread(self.open)
                await self.deliver()
            except Exception as exc:  # a locked or unreachable database: try again later
                log.warning("terminal: could not fetch messages: %s", exc)

    async def deliver(self) -> int:
        """Show every message waiting for this customer; the number shown."""
        database = self.desk.database
        items = await asyncio.to_thread(
            chatfeed.claim_chat, database, self.holder, PLATFORM, self.user_id, self.now()
        )
        for item in items:
            if not isinstance(item.reply, Message):  # nothing else is addressed to a chat
                await asyncio.to_thread(chatfeed.mark_unclaimed, database, item, self.holder)
                continue
            self.show([item.reply])
            if item.reply.choices:
                self._choices = item.reply.choices
            await asyncio.to_thread(outbox.sent, database, item, self.holder, self.now(), None)
        return len(items)
