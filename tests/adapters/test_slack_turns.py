"""Slack turns of one chat run in order on bolt's thread pool without holding its threads:
``ChatQueues`` on its own, with a real thread pool the size of the channel's."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from chatdesk.adapters.slack.channel import WORKERS
from chatdesk.adapters.slack.turns import ChatQueues


def test_a_busy_chat_holds_no_pool_thread_while_its_messages_wait() -> None:
    queues = ChatQueues()
    release, other_done = threading.Event(), threading.Event()
    order: list[int] = []

    def turn(number: int) -> None:
        if number == 1:
            release.wait(10)  # chat A's first turn is slow (a 429 being slept out)
        order.append(number)

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        for number in range(1, 2 * WORKERS + 1):  # more messages than threads, all chat A
            pool.submit(queues.run, "DAAA", lambda number=number: turn(number))
        pool.submit(queues.run, "DBBB", other_done.set)
        answered = other_done.wait(3)
        release.set()
    assert answered, "chat B waited for chat A"
    assert order == list(range(1, 2 * WORKERS + 1))  # chat A in the order it was sent


def test_a_failing_turn_does_not_stop_the_chats_queue() -> None:
    queues = ChatQueues()
    done: list[str] = []

    def boom() -> None:
        raise RuntimeError("a turn that failed")

    queues.run("D1", boom)
    queues.run("D1", lambda: done.append("next"))
    assert done == ["next"]
