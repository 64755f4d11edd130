"""The Telegram update processor on its own: one chat in order, the others side by side, and
a busy chat holding no running slot while its updates wait for their turn."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from telegram import Chat, Message, Update, User

from chatdesk.adapters.telegram.ordering import PerChatUpdateProcessor


def _update(update_id: int, chat_id: int) -> Update:
    chat = Chat(chat_id, "private")
    user = User(chat_id, "someone", False)
    return Update(update_id, message=Message(update_id, datetime.now(UTC), chat, from_user=user))


def test_many_waiting_updates_of_one_slow_chat_do_not_hold_up_another_chat() -> None:
    async def scenario() -> tuple[bool, list[int]]:
        processor = PerChatUpdateProcessor(max_concurrent_updates=4)
        release, other_done = asyncio.Event(), asyncio.Event()
        order: list[int] = []

        async def turn(number: int) -> None:
            if number == 1:
                await release.wait()  # chat A's first turn is slow (a 429 being waited out)
            order.append(number)

        async def other_turn() -> None:
            other_done.set()

        busy = [
            asyncio.create_task(processor.process_update(_update(n, 111), turn(n)))
            for n in range(1, 11)  # more than the running slots, all from chat A
        ]
        await asyncio.sleep(0.05)
        other = asyncio.create_task(processor.process_update(_update(99, 222), other_turn()))
        try:
            await asyncio.wait_for(other_done.wait(), 2)
            answered = True
        except TimeoutError:
            answered = False
        release.set()
        await asyncio.gather(*busy, other)
        return answered, order

    answered, order = asyncio.run(scenario())
    assert answered, "chat B waited for chat A"
    assert order == list(range(1, 11))  # chat A's updates in the order they came


def test_no_more_than_the_running_slots_at_once() -> None:
    async def scenario() -> int:
        processor = PerChatUpdateProcessor(max_concurrent_updates=3)
        running = peak = 0

        async def turn() -> None:
            nonlocal running, peak
            running += 1
            peak = max(peak, running)
            await asyncio.sleep(0.01)
            running -= 1

        await asyncio.gather(
            *(processor.process_update(_update(n, 1000 + n), turn()) for n in range(12))
        )
        return peak

    assert asyncio.run(scenario()) == 3
