"""The bot's command menu (setMyCommands, English and Dutch) and commands -> engine words.

Telegram commands are single ASCII words (``/mytickets``); the engine reads typed phrases
("my tickets", "status SD-12") in either language. So a command is rewritten to the phrase the
engine knows, its argument kept; the menu's descriptions come from the catalogues.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable

from telegram import Bot, BotCommand
from telegram.error import TelegramError

from chatdesk.core.i18n import LANGUAGES

log = logging.getLogger(__name__)

Texts = Callable[..., str]

# Telegram command -> the engine's phrase for it. The order is the menu's order.
COMMANDS: dict[str, str] = {
    "new": "new",
    "status": "status",
    "mytickets": "my tickets",
    "close": "close",
    "reopen": "reopen",
    "cancel": "cancel",
    "lang": "lang",
    "help": "help",
}
_COMMAND = re.compile(r"^/([A-Za-z0-9_]{1,32})(?:@(\w+))?(?:\s+(.*))?$", re.DOTALL)


def command_text(text: str, bot_username: str) -> str | None:
    """The engine's words for a ``/command``, ``text`` unchanged if it is not one, or None if
    the command is addressed to another bot (``/new@other_bot`` in a group)."""
    match = _COMMAND.match(text.strip())
    if match is None:
        return text
    name, addressee, argument = match.group(1).lower(), match.group(2), match.group(3) or ""
    if addressee is not None and addressee.lower() != bot_username.lower():
        return None
    phrase = COMMANDS.get(name, name)
    return f"{phrase} {argument.strip()}".strip()


def menu(texts: Texts, lang: str) -> list[BotCommand]:
    """The command menu in one language."""
    return [BotCommand(name, texts(f"telegram.command.{name}", lang)) for name in COMMANDS]


async def register_commands(bot: Bot, texts: Texts) -> None:
    """setMyCommands: English as the default menu, and each language for its own users.

    A failure is logged, not raised: the bot works without a menu.
    """
    try:
        await bot.set_my_commands(menu(texts, "en"))
        for lang in LANGUAGES:
            await bot.set_my_commands(menu(texts, lang), language_code=lang)
    except TelegramError as exc:
        log.warning("telegram: could not register the command menu: %s", exc)
