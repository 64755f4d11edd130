"""A rate limit per visitor: a token bucket of CHATDESK_WEB_RATE_PER_MINUTE in each process.

It keeps one browser (or a script posing as one) from flooding the desk with turns. It lives in
memory: with several processes behind a load balancer each allows the rate, which still bounds
a visitor to a small multiple of it.
"""

from __future__ import annotations

import time
from collections.abc import Callable


class RateLimiter:
    """``allow(key)`` is False when ``key`` used up its burst; it refills at ``per_minute``."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.capacity = float(max(1, per_minute))
        self.rate = self.capacity / 60.0
        self.clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}

    def allow(self, key: str) -> bool:
        now = self.clock()
        tokens, since = self._buckets.get(key, (self.capacity, now))
        tokens = min(self.capacity, tokens + (now - since) * self.rate)
        if len(self._buckets) > 10000:  # forget visitors whose buckets are full again
            self._forget_full(now)
        if tokens < 1:
            self._buckets[key] = (tokens, now)
            return False
        self._buckets[key] = (tokens - 1, now)
        return True

    def _forget_full(self, now: float) -> None:
        full = [
            key
            for key, (tokens, since) in self._buckets.items()
            if tokens + (now - since) * self.rate >= self.capacity
        ]
        for key in full:
            del self._buckets[key]
