"""One Telegram update -> one :class:`InboundEvent` (or None when the bot should stay quiet).

Private chats carry the whole conversation: text, captions, photos, documents, button presses.
In groups the bot listens only to commands and to messages that mention it, so that ordinary
talk in the group is never read as a support request; the mention is taken out of the text.
Text carried into the private chat by a deep link (``/start <payload>``) is only ever read as
a new problem: a link can be crafted by anyone, so it must not run a command.

The agents' chat (CHATDESK_TELEGRAM_AGENT_CHAT) is the desk's back office: there the bot also
reads button presses on cards, replies to its own messages (a reply to a card is a comment on
the ticket) and messages in forum topics (one topic per ticket). Those events carry
``agent_chat=True``, ``reply_to`` (the bot message answered) and ``thread_id`` (the topic), so
the desk can find the ticket; whether the sender is an agent is looked up by the channel
(:mod:`.agents`). Agents chatting among themselves is none of the bot's business: no event.
"""

from __future__ import annotations

import re
from typing import TypedDict

from telegram import CallbackQuery, Chat, Message, MessageEntity, Update, User

from chatdesk.core.text import display_name
from chatdesk.events import Attachment, InboundEvent

from .commands import COMMANDS, command_text
from .deeplink import decode_payload

PLATFORM = "telegram"
_START = re.compile(r"^/start(?:@\w+)?(?:\s|$)")


class _Sender(TypedDict):
    """The fields of an :class:`InboundEvent` every kind of update fills alike."""

    platform: str
    user_id: str
    chat_id: str
    event_id: str
    display_name: str
    locale: str | None
    private: bool
    agent_chat: bool


def to_event(
    update: Update, bot_username: str, bot_id: int, agent_chat: str | None = None
) -> InboundEvent | None:
    """The event for ``update``, or None for updates the desk does not handle.

    ``agent_chat`` is the agents' chat id (or ``@name``); its events are read as agent events.
    """
    user = update.effective_user
    chat = update.effective_chat
    if user is None or chat is None or user.is_bot:
        return None
    if is_agent_chat(chat, agent_chat):
        return _agent_event(update, chat, user, bot_username, bot_id)
    base: _Sender = {
        "platform": PLATFORM,
        "user_id": str(user.id),
        "chat_id": str(chat.id),
        "event_id": str(update.update_id),
        "display_name": display_name(user.full_name, user.username),
        "locale": user.language_code,
        "private": chat.type == Chat.PRIVATE,
        "agent_chat": False,
    }
    if update.callback_query is not None:
        return _pressed(update.callback_query, base)
    message = update.message
    if message is None:
        return None
    text = message.text or message.caption or ""
    if chat.type != Chat.PRIVATE:
        addressed = _addressed_text(message, text, bot_username, bot_id)
        if addressed is None:
            return None
        text = addressed
    elif _START.match(text):
        text = _start_text(text)
    translated = command_text(text, bot_username)
    if translated is None:
        return None
    # In a private chat even a sticker gets an answer (the desk says what it can read).
    return InboundEvent(
        **base,
        text=translated,
        attachments=attachments_of(message),
        thread_id=_thread(message),
    )


def _pressed(query: CallbackQuery, base: _Sender) -> InboundEvent | None:
    """A button press, by a customer or an agent: its choice id, in the thread (forum topic)
    of the message it is under; None for a button without data (nothing to choose)."""
    if not query.data:
        return None
    message = query.message if isinstance(query.message, Message) else None
    return InboundEvent(**base, choice=query.data, thread_id=_thread(message))


def is_agent_chat(chat: Chat, agent_chat: str | None) -> bool:
    """Whether ``chat`` is the configured agents' chat (by id, or by ``@username``)."""
    if not agent_chat or chat.type == Chat.PRIVATE:
        return False
    if agent_chat.startswith("@"):
        return (chat.username or "").lower() == agent_chat[1:].lower()
    return str(chat.id) == agent_chat


def _agent_event(
    update: Update, chat: Chat, user: User, bot_username: str, bot_id: int
) -> InboundEvent | None:
    """An event in the agents' chat: a button, a reply to the bot, a topic message, a command
    or mention; anything else is the agents' own talk (None)."""
    base: _Sender = {
        "platform": PLATFORM,
        "user_id": str(user.id),
        "chat_id": str(chat.id),
        "event_id": str(update.update_id),
        "display_name": user.full_name,
        "locale": user.language_code,
        "private": False,
        "agent_chat": True,
    }
    if update.callback_query is not None:
        return _pressed(update.callback_query, base)
    message = update.message
    if message is None:
        return None
    text = message.text or message.caption or ""
    thread = _thread(message)
    reply_to = _reply_to_bot(message, bot_id)
    addressed = _addressed_text(message, text, bot_username, bot_id)
    if addressed is not None:
        command = command_text(addressed, bot_username)
        if command is None:
            return None  # a command for another bot
        text = command
    elif reply_to is None and thread is None:
        return None
    return InboundEvent(
        **base,
        text=text,
        attachments=attachments_of(message),
        thread_id=thread,
        reply_to=reply_to,
    )


def _reply_to_bot(message: Message, bot_id: int) -> str | None:
    """The id of the bot's message this one replies to. In a forum topic every message
    "replies" to the topic's first message; that is the topic, not a reply."""
    replied = message.reply_to_message
    if replied is None or replied.from_user is None or replied.from_user.id != bot_id:
        return None
    if message.is_topic_message and replied.message_id == message.message_thread_id:
        return None
    return str(replied.message_id)


def attachments_of(message: Message) -> tuple[Attachment, ...]:
    """Photos and documents as attachments. Only the platform's file id is kept, never bytes:
    the engine applies the size limit to the announced size."""
    if message.photo:
        photo = message.photo[-1]  # Telegram lists sizes smallest first
        return (
            Attachment(
                name=f"photo-{photo.file_unique_id}.jpg",
                content_type="image/jpeg",
                size=photo.file_size or 0,
                file_ref=photo.file_id,
            ),
        )
    if message.document:
        document = message.document
        return (
            Attachment(
                name=document.file_name or f"document-{document.file_unique_id}",
                content_type=document.mime_type or "application/octet-stream",
                size=document.file_size or 0,
                file_ref=document.file_id,
            ),
        )
    return ()


def _thread(message: Message | None) -> str | None:
    if message is not None and message.is_topic_message and message.message_thread_id:
        return str(message.message_thread_id)
    return None


def _start_text(text: str) -> str:
    """``/start <payload>`` from a deep link: a new problem described by the text it carries,
    or plain ``/start``.

    Anyone can craft a link, and whoever presses Start sends its payload as their own, so the
    carried text must never act as a command or a comment ("reopen SD-1042", "SD-1042 fixed"):
    it goes to the desk behind the ``new`` command, which starts an intake with it as the first
    answer (or, in the middle of an intake, asks to finish that one first).
    """
    _, _, payload = text.partition(" ")
    carried = decode_payload(payload.strip())
    return f"{COMMANDS['new']} {carried}" if carried is not None else "/start"


def _addressed_text(message: Message, text: str, bot_username: str, bot_id: int) -> str | None:
    """In a group: the text if it is a command or mentions the bot (mention removed), else None."""
    entities = message.parse_entities() if message.text else message.parse_caption_entities()
    if text.startswith("/") and any(
        e.type == MessageEntity.BOT_COMMAND and e.offset == 0 for e in entities
    ):
        return text
    handle = f"@{bot_username}".lower()
    mentioned = False
    for entity, value in sorted(entities.items(), key=lambda item: -item[0].offset):
        if (entity.type == MessageEntity.MENTION and value.lower() == handle) or (
            entity.type == MessageEntity.TEXT_MENTION and entity.user and entity.user.id == bot_id
        ):
            mentioned = True
            text = text.replace(value, "", 1)
    if not mentioned:
        return None
    return text.strip(" ,:\n") or "help"  # a bare mention asks what the bot can do
