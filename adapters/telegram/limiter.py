"""Pacing and retrying every Bot API call, so that a reply is delayed rather than lost.

PTB's :class:`AIORateLimiter` keeps us under Telegram's flood limits (about 30 messages a second
overall, 20 a minute per group) and, on a 429, waits the ``retry_after`` Telegram names before
trying again. Telegram can also fail transiently (a 5xx, a dropped connection, a timeout); those
are retried here with a short backoff. Errors that will not heal by waiting (400 Bad Request,
403 blocked by the user, a bad token) are raised at once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.error import BadRequest, NetworkError
from telegram.ext import AIORateLimiter

log = logging.getLogger(__name__)


class RetryingRateLimiter(AIORateLimiter):
    """AIORateLimiter (flood limits, 429 retry_after) plus retries of transient failures."""

    def __init__(
        self,
        *,
        max_retries: int = 3,
        transient_retries: int = 3,
        backoff: float = 0.5,
    ) -> None:
        super().__init__(max_retries=max_retries)
        self.transient_retries = transient_retries
        self.backoff = backoff

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        attempt = 0
        while True:
            try:
                return await super().process_request(
                    callback, args, kwargs, endpoint, data, rate_limit_args
                )
            except BadRequest:
                raise
            except NetworkError as exc:
                if attempt >= self.transient_retries:
                    raise
                delay = self.backoff * 2**attempt
                attempt += 1
                log.warning(
                    "telegram: %s failed (%s); retry %d in %.1fs", endpoint, exc, attempt, delay
                )
                await asyncio.sleep(delay)
