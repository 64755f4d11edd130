"""The Telegram adapter: python-telegram-bot delivers updates and sends replies; the desk decides.

Modules, one job each: :mod:`.inbound` turns an update into an InboundEvent, :mod:`.render`
turns replies into Bot API calls (with :mod:`.formatting` for escaping and splitting and
:mod:`.card` for the agents' ticket card), :mod:`.limiter` paces and retries every API call,
:mod:`.ordering` keeps each chat's updates in order while chats run side by side,
:mod:`.commands` holds the bot's command menu, and :mod:`.channel` wires them to
``chatdesk serve`` in polling or webhook mode.
"""

from .channel import TelegramChannel

__all__ = ["TelegramChannel"]
