"""The agents' side of the desk for tests: an agent in the agents' chat, and a stand-in platform.

:class:`AgentChat` sends events as an adapter would for the agents' channel (``agent_chat``,
the adapter's ``agent`` membership flag, thread ids and reply-to ids). :class:`Room` runs the
real outbox worker against :class:`StandInPlatform`, which behaves like Slack: a card is a
channel message whose ``ts`` opens its thread, every thread line is posted in that thread, and
a card seen again is edited where it is. So thread replies find their ticket through the
ticket posts the worker recorded, exactly as in production.
"""

from __future__ import annotations

import asyncio
import itertools

from conftest import Chat  # isort: skip

from chatdesk.events import CardLocation, Message, Posted, ThreadNote, TicketCard
from chatdesk.worker import Worker

AGENTS_CHAT = "agents"


class StandInPlatform:
    """A Sender that records what it delivered and answers like Slack's chat.postMessage."""

    name = "test"

    def __init__(self) -> None:
        self.delivered: list[tuple[object, CardLocation | None]] = []
        self.threads: dict[str, str] = {}  # ticket reference -> its card's thread
        self._ids = itertools.count(1)

    async def deliver(self, reply, card, progress):  # type: ignore[no-untyped-def]
        self.delivered.append((reply, card))
        if isinstance(reply, TicketCard):
            if card is not None:  # edited in place
                return Posted(card.chat_id, card.message_id, card.thread_id)
            ts = f"ts-{next(self._ids)}"
            self.threads[reply.reference] = ts
            return Posted(AGENTS_CHAT, ts, ts)
        if isinstance(reply, ThreadNote):
            assert card is not None, "a thread line before its card"
            return Posted(AGENTS_CHAT, f"ts-{next(self._ids)}", card.thread_id)
        return None


class Room:
    """Delivers the outbox by hand and sorts what went where."""

    def __init__(self, desk) -> None:  # type: ignore[no-untyped-def]
        self.desk = desk
        self.platform = StandInPlatform()
        self.worker = Worker(desk, {"test": self.platform}, jobs=[])

    def deliver(self) -> list[object]:
        """Send everything due; the replies sent in this round, in order."""
        before = len(self.platform.delivered)
        while asyncio.run(self.worker.drain()):
            pass
        return [reply for reply, _ in self.platform.delivered[before:]]

    @staticmethod
    def to_chat(replies: list[object], chat_id: str) -> list[Message]:
        return [r for r in replies if isinstance(r, Message) and r.chat_id == chat_id]

    @staticmethod
    def notes(replies: list[object], kind: str | None = None) -> list[ThreadNote]:
        return [
            r for r in replies if isinstance(r, ThreadNote) and (kind is None or r.kind == kind)
        ]

    @staticmethod
    def cards(replies: list[object]) -> list[TicketCard]:
        return [r for r in replies if isinstance(r, TicketCard)]

    def thread_of(self, reference: str) -> str:
        """The thread id of the ticket's card, as the adapter would see it."""
        return self.platform.threads[reference]


class AgentChat(Chat):
    """Someone in the agents' chat. ``agent``: the adapter found them among its members."""

    def __init__(  # type: ignore[no-untyped-def]
        self, desk, user: str = "bob", name: str = "Bob", agent: bool = True, platform: str = "test"
    ) -> None:
        super().__init__(desk, user=user, name=name, private=False, platform=platform)
        self.agent = agent

    def send(self, **fields: object) -> list:
        values: dict[str, object] = {
            "chat_id": AGENTS_CHAT,
            "agent_chat": True,
            "agent": self.agent,
        }
        values.update(fields)
        return super().send(**values)

    def in_thread(self, thread_id: str, text: str, **fields: object) -> list:
        return self.send(text=text, thread_id=thread_id, **fields)
