"""The dialogue engine: one entry point, :meth:`Desk.handle`, for every platform.

(Skeleton: the real engine is being written; the public API below is fixed.)
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from chatdesk.events import InboundEvent, Reply


def utcnow() -> datetime:
    return datetime.now(UTC)


class Desk:
    """Owns every rule of the conversation and the desk; knows no platform.

    ``handle`` is synchronous and thread-safe (each call runs in its own database
    transaction); async adapters call it through ``asyncio.to_thread``.
    """

    def __init__(self, settings, database, knowledge, clock: Callable[[], datetime] = utcnow):
        self.settings = settings
        self.database = database
        self.knowledge = knowledge
        self.clock = clock

    def handle(self, event: InboundEvent) -> list[Reply]:
        """Process one inbound event and return the replies to send, in order.

        A redelivered event (same platform and event_id) returns ``[]``.
        """
        raise NotImplementedError

    def text(self, key: str, lang: str, **values: object) -> str:
        """A catalogue text, for the few messages an adapter must word itself."""
        raise NotImplementedError
