"""The agents' side of Telegram: ticket cards and ticket threads in CHATDESK_TELEGRAM_AGENT_CHAT.

The outbox (:mod:`chatdesk.worker`) hands us two kinds of agent-side notification:

- a :class:`TicketCard`: posted once (with the card's actions as buttons), then edited in
  place whenever the ticket changes, so the chat shows one card per ticket, always current;
- a :class:`ThreadNote`: a line in the ticket's thread. Telegram groups have no threads, so a
  note is a *reply to the card*; in a forum supergroup (CHATDESK_TELEGRAM_AGENT_TOPICS=true)
  each ticket gets its own topic, and the card and its notes live there.

An agent may delete a ticket's topic. Telegram then answers 400 "message thread not found" for
anything sent into it, so a card that must be posted again opens a new topic for its ticket (or
goes to the main chat if no topic can be opened), and a note goes to the main chat on its own:
nothing about the ticket is set aside.

Each post reports where it landed (:class:`Posted`), so the desk can find the ticket again when
an agent replies to any of these messages (and, for a card, where the ticket's topic now is).
Every note starts with a plain marker of whose words these are (customer, sent to the customer,
internal note), so nothing internal is mistaken for something the customer saw. The words are
defused (:func:`.formatting.defuse`): a customer's "@agent_alice" or "/ban" reaches the group as
text, never as a mention that notifies someone or a command a tap would run.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from telegram import Bot, InlineKeyboardMarkup, LinkPreviewOptions, ReplyParameters
from telegram import Message as TgMessage
from telegram.constants import ParseMode
from telegram.error import BadRequest

from chatdesk.events import CardLocation, Posted, ThreadNote, TicketCard
from chatdesk.store.outbox import Progress

from .card import card_markup, card_text
from .formatting import MAX_MESSAGE, defuse, escape, split_text, utf16_len
from .render import chat_ref, with_choices

log = logging.getLogger(__name__)

Texts = Callable[..., str]
MAX_TOPIC_NAME = 128  # characters, Telegram's limit for a forum topic's name
NOTE_KINDS = ("customer", "public", "internal", "event", "escalation")
_NOT_MODIFIED = "message is not modified"
_GONE = ("message to edit not found", "message can't be edited")
_THREAD_GONE = ("message thread not found", "topic_deleted")


@dataclass
class AgentChat:
    """Posts cards and notes to ``chat_id`` (None: no agents' chat, nothing is posted).

    ``lang`` is the agents' language (CHATDESK_AGENT_LANG) for the notes' markers.
    """

    bot: Bot
    texts: Texts
    chat_id: str | None
    topics: bool = False
    lang: str = "en"
    # Topics this process created whose card is not posted yet: a retry reuses the topic
    # instead of opening a second one for the same ticket.
    _open_topics: dict[str, int] = field(default_factory=dict)
    # Topics (chat id, thread id) Telegram said are gone: later notes skip the failing try.
    _gone_topics: set[tuple[str, str]] = field(default_factory=set)

    # -- cards ------------------------------------------------------------------------------
    async def post_card(self, card: TicketCard) -> Posted | None:
        """A ticket's first card; in topics mode, in a new topic of its own."""
        if not self.chat_id:
            log.info("telegram: no agent chat set; card for %s not posted", card.reference)
            return None
        thread = await self._topic_for(card) if self.topics else None
        try:
            message = await self._send_card(self.chat_id, card, thread)
        except BadRequest as exc:
            if thread is None or not _thread_gone(exc):
                raise
            # The topic opened on an earlier try was deleted before the card got there.
            log.warning("telegram: topic of %s is gone (%s); opening another", card.reference, exc)
            self._open_topics.pop(card.reference, None)
            return await self._card_elsewhere(self.chat_id, card)
        self._open_topics.pop(card.reference, None)
        return _posted(message, str(thread) if thread else None)

    async def update_card(self, card: TicketCard, where: CardLocation) -> Posted:
        """Edit the card in place. Unchanged is fine; a card someone deleted is posted again."""
        try:
            await self.bot.edit_message_text(
                card_text(card, self.texts),
                chat_id=chat_ref(where.chat_id),
                message_id=int(where.message_id),
                parse_mode=ParseMode.HTML,
                reply_markup=card_markup(card, self.texts),
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        except BadRequest as exc:
            reason = exc.message.lower()
            if _NOT_MODIFIED in reason:
                return Posted(where.chat_id, where.message_id, where.thread_id)
            if not any(gone in reason for gone in _GONE):
                raise
            log.warning("telegram: card of %s is gone (%s); posting it again", card.reference, exc)
            return await self._repost_card(card, where)
        return Posted(where.chat_id, where.message_id, where.thread_id)

    async def _repost_card(self, card: TicketCard, where: CardLocation) -> Posted:
        """Post the card again where it was; if its topic was deleted too, somewhere new."""
        if where.thread_id and (where.chat_id, where.thread_id) not in self._gone_topics:
            try:
                message = await self._send_card(where.chat_id, card, where.thread_id)
                return _posted(message, where.thread_id)
            except BadRequest as exc:
                if not _thread_gone(exc):
                    raise
                self._gone_topics.add((where.chat_id, where.thread_id))
                log.warning("telegram: topic of %s is gone (%s)", card.reference, exc)
        elif not where.thread_id:
            message = await self._send_card(where.chat_id, card, None)
            return _posted(message, None)
        return await self._card_elsewhere(where.chat_id, card)

    async def _card_elsewhere(self, chat_id: str, card: TicketCard) -> Posted:
        """The card's topic is gone: a new topic for the ticket (topics mode, in the agents'
        chat), or else the main chat. The Posted names the new topic, so the desk remembers it
        as the card's place and the ticket's later notes follow it there."""
        thread: int | None = None
        if self.topics and chat_id == self.chat_id:
            try:
                thread = await self._topic_for(card)
            except BadRequest as exc:  # no longer a forum, or no right to manage topics
                log.warning(
                    "telegram: no new topic for %s (%s); the card goes to the main chat",
                    card.reference,
                    exc,
                )
        message = await self._send_card(chat_id, card, thread)
        self._open_topics.pop(card.reference, None)
        return _posted(message, str(thread) if thread else None)

    async def _send_card(
        self, chat_id: str, card: TicketCard, thread: int | str | None
    ) -> TgMessage:
        return await self.bot.send_message(
            chat_id=chat_ref(chat_id),
            text=card_text(card, self.texts),
            parse_mode=ParseMode.HTML,
            reply_markup=card_markup(card, self.texts),
            message_thread_id=int(thread) if thread else None,
            link_preview_options=LinkPreviewOptions(is_disabled=True),
        )

    async def _topic_for(self, card: TicketCard) -> int:
        known = self._open_topics.get(card.reference)
        if known is not None:
            return known
        assert self.chat_id is not None
        topic = await self.bot.create_forum_topic(chat_ref(self.chat_id), topic_name(card))
        self._open_topics[card.reference] = topic.message_thread_id
        return topic.message_thread_id

    # -- thread notes -----------------------------------------------------------------------
    async def post_note(
        self, note: ThreadNote, where: CardLocation | None, progress: Progress | None = None
    ) -> Posted | None:
        """A line in the ticket's thread: a reply to its card, or a message in its topic.

        Without a card (it could not be posted) the note still goes to the agents' chat, on
        its own, so nothing is lost; without an agents' chat there is nowhere to say it. A
        long note goes as several messages; ``progress`` skips those an earlier attempt sent
        (the Posted is then the first message sent now).
        """
        if where is None:
            if not self.chat_id:
                log.info("telegram: no agent chat set; note on %s not posted", note.reference)
                return None
            log.info("telegram: no card for %s; its note goes to the chat alone", note.reference)
            where = CardLocation(self.chat_id, "", None)
        kind = note.kind if note.kind in NOTE_KINDS else "event"
        header = self.texts(f"telegram.note.{kind}", self.lang, reference=note.reference)
        text, markup = with_choices(defuse(note.text), note.choices)
        parts = split_text(text, MAX_MESSAGE - utf16_len(header) - 1)
        quiet = kind == "event" and not note.ping  # a claim or status line need not buzz anyone
        if where.thread_id and (where.chat_id, where.thread_id) in self._gone_topics:
            where = _main_chat(where)
        progress = progress or Progress()
        first: TgMessage | None = None
        for index, part in progress.pending(parts):
            last = index == len(parts) - 1
            html = f"<b>{escape(header)}</b>\n{escape(part)}"
            try:
                message = await self._send_note(where, html, markup if last else None, quiet)
            except BadRequest as exc:
                if not where.thread_id or not _thread_gone(exc):
                    raise
                # The ticket's topic was deleted: say it in the main chat (the header names the
                # ticket). The card moves to a new topic the next time it changes.
                log.warning(
                    "telegram: topic of %s is gone (%s); its note goes to the main chat",
                    note.reference,
                    exc,
                )
                self._gone_topics.add((where.chat_id, where.thread_id))
                where = _main_chat(where)
                message = await self._send_note(where, html, markup if last else None, quiet)
            progress.done(index)
            first = first or message
        return _posted(first, where.thread_id) if first is not None else None

    async def _send_note(
        self,
        where: CardLocation,
        html: str,
        markup: InlineKeyboardMarkup | None,
        quiet: bool,
    ) -> TgMessage:
        reply = None
        if not where.thread_id and where.message_id:
            reply = ReplyParameters(int(where.message_id), allow_sending_without_reply=True)
        return await self.bot.send_message(
            chat_id=chat_ref(where.chat_id),
            text=html,
            parse_mode=ParseMode.HTML,
            reply_markup=markup,
            message_thread_id=int(where.thread_id) if where.thread_id else None,
            reply_parameters=reply,
            disable_notification=quiet,
            link_preview_options=LinkPreviewOptions(is_disabled=True),
        )


def topic_name(card: TicketCard) -> str:
    """``SD-1042 · subject``, clipped to Telegram's 128 characters (counted in UTF-16)."""
    name = " ".join(f"{card.reference} · {card.subject}".split())
    if utf16_len(name) <= MAX_TOPIC_NAME:
        return name
    while utf16_len(name) > MAX_TOPIC_NAME - 1:
        name = name[:-1]
    return name.rstrip() + "…"


def _thread_gone(exc: BadRequest) -> bool:
    """Telegram's answer for a message sent into a forum topic that was deleted."""
    reason = exc.message.lower()
    return any(gone in reason for gone in _THREAD_GONE)


def _main_chat(where: CardLocation) -> CardLocation:
    """The chat itself, outside any topic and replying to nothing (the card went with it)."""
    return CardLocation(where.chat_id, "", None)


def _posted(message: TgMessage, thread: str | None) -> Posted:
    return Posted(str(message.chat_id), str(message.message_id), thread)
