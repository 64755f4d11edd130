"""The update queue of the Telegram channel: an update is in the database before it is
acknowledged.

PTB's poller puts every update of a getUpdates answer into ``Application.update_queue`` and
only then asks for the next batch with an offset that confirms them; the webhook route puts
the update there before it answers 200. So a queue whose ``put`` first stores the update in
the inbox (:mod:`chatdesk.store.inbox`) makes both acknowledgements wait for the database: an
update Telegram will never send again is always either in the inbox or handled. While the
database cannot take it, ``put`` keeps trying (polling pauses, the webhook call waits and,
past Telegram's patience, is sent again), rather than acknowledging what is not stored.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime

from telegram import Update

from chatdesk.store.inbox import Inbox

log = logging.getLogger(__name__)

RETRY_SECONDS = (0.2, 0.5, 1.0, 2.0, 5.0)


class InboxQueue(asyncio.Queue[object]):
    """``Application.update_queue`` that stores each update (see the module docstring)."""

    def __init__(self, inbox: Inbox, clock: Callable[[], datetime]) -> None:
        super().__init__()
        self.inbox = inbox
        self.clock = clock

    async def put(self, item: object) -> None:
        if isinstance(item, Update) and not await self._store(item):
            log.info("telegram: update %s is waiting already; not queued twice", item.update_id)
            return
        await super().put(item)

    async def replay(self, update: Update) -> None:
        """Queue an update taken from the inbox (it is stored already)."""
        await super().put(update)

    async def _store(self, update: Update) -> bool:
        attempt = 0
        while True:
            try:
                return await asyncio.to_thread(
                    self.inbox.receive, str(update.update_id), update.to_dict(), self.clock()
                )
            except Exception as exc:
                wait = RETRY_SECONDS[min(attempt, len(RETRY_SECONDS) - 1)]
                attempt += 1
                log.warning(
                    "telegram: update %s not stored (%s); not acknowledged, retrying in %.1fs",
                    update.update_id,
                    type(exc).__name__,
                    wait,
                )
                await asyncio.sleep(wait)
