"""Pacing and retrying every Bot API call, so that a reply is delayed rather than lost.

PTB's :class:`AIORateLimiter` keeps us under Telegram's flood limits (about 30 messages a second
overall, 20 a minute per group). On a 429 we wait the ``retry_after`` Telegram names and try
again; a transient failure (a 5xx, a dropped connection, a timeout) is retried with a short
backoff. Both are bounded: a few attempts, and a 429 that asks for longer than ``max_wait`` is
raised at once, so a long outage never holds a chat's updates (or the outbox worker) for minutes.
Errors that will not heal by waiting (400 Bad Request, 403 blocked by the user, a bad token) are
raised at once.

Calls made for the outbox (:func:`single_attempt`) are tried once: the outbox has its own
back-off that survives restarts, and retrying here too would only hold the worker up.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import datetime as dtm
import logging
from collections.abc import Callable, Coroutine, Iterator
from typing import Any

from telegram.error import BadRequest, NetworkError, RetryAfter
from telegram.ext import AIORateLimiter

log = logging.getLogger(__name__)

_SINGLE_ATTEMPT: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "chatdesk_telegram_single_attempt", default=False
)


@contextlib.contextmanager
def single_attempt() -> Iterator[None]:
    """Bot API calls made inside are tried once (pacing still applies): the outbox retries."""
    token = _SINGLE_ATTEMPT.set(True)
    try:
        yield
    finally:
        _SINGLE_ATTEMPT.reset(token)


def retry_seconds(exc: RetryAfter) -> float:
    """``retry_after`` in seconds, whether PTB gives an int or a timedelta."""
    value = exc.retry_after
    return value.total_seconds() if isinstance(value, dtm.timedelta) else float(value)


class _QuietZeroRetries(logging.Filter):
    """AIORateLimiter logs every 429 as an error when it may not retry; we retry it ourselves
    (or hand it to the outbox), so that line is noise."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Rate limit hit after maximum")


_PTB_LIMITER_LOG = logging.getLogger("telegram.ext.AIORateLimiter")
if not any(isinstance(f, _QuietZeroRetries) for f in _PTB_LIMITER_LOG.filters):
    _PTB_LIMITER_LOG.addFilter(_QuietZeroRetries())


class RetryingRateLimiter(AIORateLimiter):
    """AIORateLimiter's pacing, plus bounded retries of 429s and transient failures."""

    def __init__(
        self,
        *,
        max_retries: int = 3,
        transient_retries: int = 3,
        backoff: float = 0.5,
        max_wait: float = 10.0,
    ) -> None:
        super().__init__(max_retries=0)  # 429s are retried below, with a bound on the wait
        self.max_retries = max_retries
        self.transient_retries = transient_retries
        self.backoff = backoff
        self.max_wait = max_wait

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        once = _SINGLE_ATTEMPT.get()
        limited = transient = 0
        while True:
            try:
                return await super().process_request(
                    callback, args, kwargs, endpoint, data, rate_limit_args
                )
            except RetryAfter as exc:
                wait = retry_seconds(exc)
                if once or limited >= self.max_retries or wait > self.max_wait:
                    raise
                limited += 1
                log.info("telegram: %s rate limited; retry %d in %.1fs", endpoint, limited, wait)
                await asyncio.sleep(wait + 0.1)
            except BadRequest:
                raise
            except NetworkError as exc:
                if once or transient >= self.transient_retries:
                    raise
                delay = self.backoff * 2**transient
                transient += 1
                log.warning(
                    "telegram: %s failed (%s); retry %d in %.1fs", endpoint, exc, transient, delay
                )
                await asyncio.sleep(delay)
