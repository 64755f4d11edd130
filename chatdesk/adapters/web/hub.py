"""The browsers connected to this process, and the lines that reach them.

A line written in this process (a turn's answer, an outbox notification delivered here) is
pushed to its chat's browsers at once by :meth:`Hub.publish`. A line written by another
``chatdesk serve`` process is found by :meth:`Hub.poll`, which every
CHATDESK_WEB_POLL_SECONDS reads the recent lines of the chats that have a browser here
(:mod:`.store` says why a table). A line goes to each browser once: ids already pushed are
remembered for as long as a poll can still see them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import defaultdict

from .store import RECENT, Line, WebStore

log = logging.getLogger(__name__)


class Hub:
    """Queues of the open connections per chat; one poll task per process."""

    def __init__(self, store: WebStore, poll_seconds: float) -> None:
        self.store = store
        self.poll_seconds = poll_seconds
        self._queues: dict[str, set[asyncio.Queue[Line]]] = defaultdict(set)
        self._pushed: dict[int, float] = {}
        self._task: asyncio.Task[None] | None = None

    def join(self, chat_id: str) -> asyncio.Queue[Line]:
        queue: asyncio.Queue[Line] = asyncio.Queue()
        self._queues[chat_id].add(queue)
        return queue

    def leave(self, chat_id: str, queue: asyncio.Queue[Line]) -> None:
        queues = self._queues.get(chat_id)
        if queues is not None:
            queues.discard(queue)
            if not queues:
                del self._queues[chat_id]

    def publish(self, line: Line) -> None:
        """Push ``line`` to its chat's browsers here, unless it was pushed before."""
        if line.id in self._pushed:
            return
        self._pushed[line.id] = time.monotonic()
        for queue in self._queues.get(line.chat_id, ()):
            queue.put_nowait(line)

    async def poll(self) -> int:
        """Push the lines other processes wrote for chats connected here; how many."""
        chats = list(self._queues)
        if not chats:
            return 0
        lines = await asyncio.to_thread(self.store.recent, chats)
        fresh = [line for line in lines if line.id not in self._pushed]
        for line in fresh:
            self.publish(line)
        self._forget_old()
        return len(fresh)

    def _forget_old(self) -> None:
        horizon = time.monotonic() - 2 * RECENT.total_seconds()
        if len(self._pushed) > 1000 or (self._pushed and min(self._pushed.values()) < horizon):
            self._pushed = {i: at for i, at in self._pushed.items() if at >= horizon}

    async def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="chatdesk-web-poll")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _loop(self) -> None:
        while True:
            try:
                await self.poll()
            except Exception:
                log.exception("web: looking for new lines failed; trying again")
            await asyncio.sleep(self.poll_seconds)
