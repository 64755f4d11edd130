"""Who is an agent on Telegram: the members of the agents' group, asked of Telegram and cached.

Agents are the people in CHATDESK_TELEGRAM_AGENT_CHAT, so adding someone to the group is all it
takes to let them work tickets, and removing them takes it away again within :data:`TTL`. The
desk adds its own explicit list (CHATDESK_AGENTS) on top. A lookup that fails (Telegram down)
counts as "not a member" for that one event and is not cached: better one refused button press
than a stranger allowed in.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from telegram import Bot, ChatMember, ChatMemberRestricted
from telegram.error import BadRequest, Forbidden, TelegramError

from .render import chat_ref

log = logging.getLogger(__name__)

TTL = 300.0  # seconds a membership answer is trusted
MEMBER_STATUSES = {ChatMember.OWNER, ChatMember.ADMINISTRATOR, ChatMember.MEMBER}


class AgentDirectory:
    """``await directory.is_agent(user_id)``: is this user a member of the agents' chat?"""

    def __init__(
        self,
        bot: Bot,
        chat_id: str | None,
        *,
        ttl: float = TTL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.bot = bot
        self.chat_id = chat_id
        self.ttl = ttl
        self.clock = clock
        self._known: dict[int, tuple[bool, float]] = {}

    async def is_agent(self, user_id: int) -> bool:
        if not self.chat_id:
            return False
        now = self.clock()
        known = self._known.get(user_id)
        if known is not None and known[1] > now:
            return known[0]
        try:
            member = await self.bot.get_chat_member(chat_ref(self.chat_id), user_id)
        except (BadRequest, Forbidden) as exc:  # not in the chat, or we may not ask
            log.info("telegram: user %s is not an agent (%s)", user_id, exc)
            answer = False
        except TelegramError as exc:
            log.warning("telegram: membership of %s unknown for now (%s)", user_id, exc)
            return False
        else:
            answer = is_member(member)
        self._known[user_id] = (answer, now + self.ttl)
        return answer


def is_member(member: ChatMember) -> bool:
    """Owner, administrator or member; a restricted user only while still in the chat."""
    if isinstance(member, ChatMemberRestricted):
        return member.is_member
    return member.status in MEMBER_STATUSES
