"""At start-up: can the bot post in the agents' chat (CHATDESK_TELEGRAM_AGENT_CHAT)?

Without this, a chat id that does not exist, a group the bot was removed from, or a group
that became a supergroup (a new id) was noticed only when the first card failed, as "outbox:
item 1 set aside: BadRequest: Chat not found", which names no setting, while agents never saw
a ticket. ``getChat`` and ``getChatMember`` for the bot itself answer the question without
posting anything into the chat.
"""

from __future__ import annotations

from telegram import Bot, ChatMember, ChatMemberAdministrator, ChatMemberRestricted
from telegram.constants import ChatType
from telegram.error import BadRequest, ChatMigrated, Forbidden

from chatdesk.config import SettingsError

from .render import chat_ref

SETTING = "CHATDESK_TELEGRAM_AGENT_CHAT"
POSTING = {ChatMember.OWNER, ChatMember.ADMINISTRATOR, ChatMember.MEMBER}


async def check_agent_chat(bot: Bot, chat_id: str) -> None:
    """Raise :class:`SettingsError` (one line naming the setting) unless the bot may post in
    ``chat_id``. Network trouble is not caught: that is the API URL's business."""
    where = chat_ref(chat_id)
    try:
        chat = await bot.get_chat(where)
        member = await bot.get_chat_member(where, bot.id)
    except ChatMigrated as exc:
        raise SettingsError(
            f"{SETTING}: the group {chat_id} became a supergroup; set it to {exc.new_chat_id}"
        ) from None
    except (BadRequest, Forbidden) as exc:
        raise SettingsError(
            f"{SETTING}: the bot cannot reach the chat {chat_id!r} (Telegram: {exc.message}); "
            "give the group's id (-100...) or @name, and add the bot to it"
        ) from None
    problem = _cannot_post(member, chat.type == ChatType.CHANNEL)
    if problem:
        raise SettingsError(f"{SETTING}: the bot cannot post in {chat_id!r}: {problem}")


def _cannot_post(member: ChatMember, channel: bool) -> str | None:
    if member.status not in POSTING and not isinstance(member, ChatMemberRestricted):
        return f"it is not a member ({member.status}); add the bot to the group"
    if isinstance(member, ChatMemberRestricted) and not (
        member.is_member and member.can_send_messages
    ):
        return "it may not send messages there; lift the restriction"
    if channel and not (
        member.status == ChatMember.OWNER
        or (isinstance(member, ChatMemberAdministrator) and member.can_post_messages is not False)
    ):
        return "in a channel the bot must be an administrator allowed to post"
    return None
