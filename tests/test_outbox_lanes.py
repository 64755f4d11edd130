"""Customers' answers do not wait behind sends to the agents' chat.

Telegram lets a bot post about 20 messages a minute in a group, and python-telegram-bot's rate
limiter waits inside the send. The platform here is a stand-in for an adapter (the outbox's
boundary) whose sends to the agents' chat wait the same way, until the test lets them go.
"""

from __future__ import annotations

import asyncio

import pytest

from chatdesk.events import Message, Posted, ThreadNote
from chatdesk.store import outbox
from chatdesk.worker import AGENT_CHAT_SENDS, BATCH, CONCURRENCY, Worker


class PacedAgentsChat:
    """A Sender whose agents' chat is at its rate limit: those sends wait for ``opened``."""

    name = "test"

    def __init__(self) -> None:
        self.opened = asyncio.Event()
        self.waiting = 0
        self.delivered: list[str] = []

    async def deliver(self, reply, card, progress):  # type: ignore[no-untyped-def]
        if isinstance(reply, ThreadNote):
            self.waiting += 1
            await self.opened.wait()
            self.delivered.append(reply.text)
            return Posted("agents", str(len(self.delivered)), None)
        self.delivered.append(reply.text)
        return None


@pytest.mark.parametrize(
    "waiting",
    [CONCURRENCY + 4, BATCH + 5],
    ids=["more-than-the-send-slots", "more-than-a-claimed-batch"],
)
def test_an_answer_goes_out_while_the_agents_chat_is_at_its_limit(desk, waiting: int) -> None:  # type: ignore[no-untyped-def]
    """Cards and notes waiting for the agents' chat's pace take neither all the send slots
    nor all the places of a claimed batch."""
    notes = [ThreadNote("test", f"SD-{n}", f"note {n}") for n in range(waiting)]
    with desk.database.session() as session:
        for note in notes:
            outbox.enqueue(session, note, desk.clock())
    platform = PacedAgentsChat()

    async def scenario() -> None:
        worker = Worker(desk, {"test": platform}, jobs=[])
        await worker.start()
        try:
            for _ in range(200):  # the notes' sends are under way, waiting for the limit
                if platform.waiting:
                    break
                await asyncio.sleep(0.01)
            with desk.database.session() as session:
                outbox.enqueue(session, Message("test", "chat-ann", "your answer"), desk.clock())
            worker.wake()
            for _ in range(300):
                if "your answer" in platform.delivered:
                    break
                await asyncio.sleep(0.01)
            assert platform.delivered == ["your answer"]  # no note was sent yet
            assert platform.waiting == AGENT_CHAT_SENDS  # the other notes wait for their lane
            platform.opened.set()
            for _ in range(1000):
                if len(platform.delivered) == len(notes) + 1:
                    break
                await asyncio.sleep(0.01)
        finally:
            await worker.stop()

    asyncio.run(scenario())
    assert sorted(platform.delivered) == sorted(["your answer", *(n.text for n in notes)])


def test_a_claim_of_one_side_leaves_the_other(desk) -> None:  # type: ignore[no-untyped-def]
    with desk.database.session() as session:
        outbox.enqueue(session, ThreadNote("test", "SD-1", "a note"), desk.clock())
        outbox.enqueue(session, Message("test", "chat-ann", "an answer"), desk.clock())
    now, name = desk.clock(), "w"
    [note] = outbox.claim(desk.database, name, ["test"], now, kinds=outbox.AGENT_CHAT_KINDS)
    [answer] = outbox.claim(desk.database, name, ["test"], now, kinds=outbox.CUSTOMER_KINDS)
    assert isinstance(note.reply, ThreadNote) and isinstance(answer.reply, Message)
    assert outbox.claim(desk.database, name, ["test"], now) == []
