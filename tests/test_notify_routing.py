"""Where a web or terminal ticket's card and thread lines go: neither has an agents' chat, so
they go to the one configured (Slack's first, else Telegram's); other platforms keep their own."""

from __future__ import annotations

import pytest
from conftest import Chat
from sqlalchemy import select

from chatdesk.app import open_desk
from chatdesk.store.models import OutboxItem


@pytest.mark.parametrize(
    ("platform", "agent_chats", "expected"),
    [
        ("web", {"slack_agent_channel": "C0AGENTS"}, "slack"),
        ("web", {"telegram_agent_chat": "-100123"}, "telegram"),
        ("web", {"slack_agent_channel": "C0AGENTS", "telegram_agent_chat": "-100123"}, "slack"),
        ("web", {}, "web"),  # nowhere to go: the web channel accepts and drops them
        ("terminal", {"slack_agent_channel": "C0AGENTS"}, "slack"),
        ("terminal", {"telegram_agent_chat": "-100123"}, "telegram"),
        ("terminal", {}, "terminal"),
        ("telegram", {"slack_agent_channel": "C0AGENTS"}, "telegram"),
    ],
)
def test_a_tickets_card_and_thread_go_to_the_agents_chat(
    make_settings, kb_dir, platform: str, agent_chats: dict[str, str], expected: str
) -> None:
    desk = open_desk(make_settings(knowledge_dir=kb_dir, **agent_chats))
    try:
        chat = Chat(desk, platform=platform)
        reference = chat.open_ticket()
        chat.say(f"{reference} It also fails for CSV.")  # a line in the ticket's thread
        with desk.database.session() as session:
            rows = session.scalars(select(OutboxItem).order_by(OutboxItem.id)).all()
            sent = {(row.kind, row.platform) for row in rows}
        assert ("card", expected) in sent and ("thread_note", expected) in sent
        assert {p for kind, p in sent if kind in ("card", "thread_note")} == {expected}
    finally:
        desk.database.dispose()
