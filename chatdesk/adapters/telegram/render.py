"""Neutral replies -> Bot API calls.

``Message`` becomes one or more HTML messages (escaped, split under 4096 characters) with the
choices as an inline keyboard on the last part; ``MoveToPrivate`` is said where the customer
spoke, with a button that opens the private chat. Cards and thread notes belong to the agents'
chat (:mod:`.agentchat`) and arrive through the outbox, never as a direct answer; any other
reply type raises :class:`TypeError`: a reply is never dropped silently.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions
from telegram import Message as TgMessage
from telegram.constants import ParseMode

from chatdesk.events import Choice, Message, MoveToPrivate, Reply
from chatdesk.store.outbox import Progress

from .deeplink import start_link
from .formatting import defuse, escape, split_text

log = logging.getLogger(__name__)

Texts = Callable[..., str]
MAX_CALLBACK_DATA = 64  # bytes, Telegram's limit for callback_data
MAX_BUTTONS = 100  # Telegram's limit for an inline keyboard


@dataclass
class Renderer:
    """Sends replies through ``bot``. ``texts`` looks up the Telegram catalogue.

    Answers in ``agent_chat`` (an agent's ``/status SD-1042``, the open tickets) quote
    subjects customers wrote: they are defused there, so they notify nobody.
    """

    bot: Bot
    texts: Texts
    agent_chat: str | None = None

    async def render(self, reply: Reply, lang: str = "en") -> None:
        """Send one reply. ``lang`` words the few texts of our own (the private-chat button)."""
        if isinstance(reply, Message):
            await self.send_text(reply.chat_id, reply.text, reply.choices, reply.thread_id)
        elif isinstance(reply, MoveToPrivate):
            await self.send_move_to_private(reply, lang)
        else:
            raise TypeError(f"the Telegram adapter cannot render {type(reply).__name__}")

    async def send_text(
        self,
        chat_id: str,
        text: str,
        choices: tuple[Choice, ...] = (),
        thread_id: str | None = None,
        extra_markup: InlineKeyboardMarkup | None = None,
        *,
        progress: Progress | None = None,
    ) -> list[TgMessage]:
        """Plain ``text`` as escaped HTML parts; choices as buttons under the last part.

        ``progress`` (an outbox item's): the parts an earlier attempt sent are skipped, and
        each part sent now is counted, so a retry after a failed part starts at that part.
        """
        if self.agent_chat is not None and chat_id == self.agent_chat:
            text = defuse(text)
        text, markup = with_choices(text, choices)
        markup = markup or extra_markup
        parts = split_text(text)
        progress = progress or Progress()
        sent = []
        for index, part in progress.pending(parts):
            last = index == len(parts) - 1
            sent.append(
                await self._send(chat_id, escape(part), markup if last else None, thread_id)
            )
            progress.done(index)
        return sent

    async def send_move_to_private(self, move: MoveToPrivate, lang: str) -> None:
        link = start_link(self.bot.username, move.original_text)
        button = InlineKeyboardButton(self.texts("telegram.private.button", lang), url=link)
        await self.send_text(
            move.chat_id,
            move.text,
            thread_id=move.thread_id,
            extra_markup=InlineKeyboardMarkup([[button]]),
        )

    async def _send(
        self,
        chat_id: str,
        html: str,
        markup: InlineKeyboardMarkup | None,
        thread_id: str | None,
    ) -> TgMessage:
        return await self.bot.send_message(
            chat_id=chat_ref(chat_id),
            text=html,
            parse_mode=ParseMode.HTML,
            reply_markup=markup,
            message_thread_id=int(thread_id) if thread_id else None,
            link_preview_options=LinkPreviewOptions(is_disabled=True),
        )


def with_choices(text: str, choices: tuple[Choice, ...]) -> tuple[str, InlineKeyboardMarkup | None]:
    """Choices as one button per row; past Telegram's limits, a numbered list under the text."""
    if not choices:
        return text, None
    if buttons_fit(choices):
        rows = [[InlineKeyboardButton(c.label, callback_data=c.id)] for c in choices]
        return text, InlineKeyboardMarkup(rows)
    return f"{text}\n\n{numbered(choices)}", None


def buttons_fit(choices: tuple[Choice, ...]) -> bool:
    """Whether every choice can be a button (callback data within 64 bytes, few enough)."""
    return len(choices) <= MAX_BUTTONS and all(
        0 < len(c.id.encode("utf-8")) <= MAX_CALLBACK_DATA for c in choices
    )


def numbered(choices: tuple[Choice, ...]) -> str:
    """Choices as a numbered list, for when buttons cannot carry them; typed numbers work."""
    return "\n".join(f"{n}. {c.label}" for n, c in enumerate(choices, start=1))


def chat_ref(chat_id: str) -> int | str:
    """Numeric ids as int; ``@channelname`` stays a string."""
    try:
        return int(chat_id)
    except ValueError:
        return chat_id
