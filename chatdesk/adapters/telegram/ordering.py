"""Updates of one chat in order, different chats side by side.

A customer's quick answers must be handled in the order they were sent, but one slow chat (a
429 being waited out, Telegram's 20-messages-a-minute limit on a busy group, a slow database
turn) must not hold up every other customer, as PTB's default one-at-a-time processing would.
So each update first takes its chat's lock (FIFO, so arrival order is kept), and only then one
of ``max_concurrent_updates`` running slots. PTB's own semaphore is taken before
``do_process_update`` knows the chat (its ``process_update`` is final): with it as the bound,
16 quick messages from one slow chat would hold every slot while they wait for that chat, and
no other customer would be answered. So PTB's bound is set out of reach and ours is applied
after the chat's lock. Updates without a chat (none we handle) take a slot unordered.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

_OUT_OF_REACH = 1 << 20  # PTB's semaphore: never the bound (see the module docstring)


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """At most ``running`` updates at once; within a chat, strictly one after another; an
    update waiting for its chat holds no running slot."""

    def __init__(self, max_concurrent_updates: int = 16) -> None:
        super().__init__(_OUT_OF_REACH)
        self.running = max_concurrent_updates
        self._slots = asyncio.BoundedSemaphore(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._users: dict[int, int] = {}  # chat id -> updates holding or awaiting its lock

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        chat = update.effective_chat if isinstance(update, Update) else None
        if chat is None:
            async with self._slots:
                await coroutine
            return
        lock = self._locks.setdefault(chat.id, asyncio.Lock())
        self._users[chat.id] = self._users.get(chat.id, 0) + 1
        try:
            async with lock, self._slots:
                await coroutine
        finally:
            self._users[chat.id] -= 1
            if not self._users[chat.id]:
                del self._users[chat.id], self._locks[chat.id]

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass
