"""Slack Web API clients on ``CHATDESK_SLACK_API_URL``: one for turns, one for the outbox.

Both retry 5xx answers and broken connections. The turns' client also sleeps through a rate
limit (an answer within a turn should arrive); the outbox's raises a 429 at once, because the
outbox reschedules the item and does the long waiting itself.
"""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from chatdesk.config import SlackSettings

API_RETRIES = 3
OUTBOX_RETRIES = 1
"""Retries of one outbox call on a 5xx or a broken connection; the outbox retries later."""
OUTBOX_TIMEOUT = 10


def web_client(
    config: SlackSettings,
    *,
    retries: int = API_RETRIES,
    wait_on_rate_limit: bool = True,
    timeout: int = 15,
) -> WebClient:
    """A Web API client on ``CHATDESK_SLACK_API_URL``; 5xx and broken connections retried.

    ``wait_on_rate_limit``: sleep for Slack's ``Retry-After`` and try again (answers within a
    turn); without it a 429 is raised at once (the outbox, which reschedules the item).
    """
    assert config.bot_token is not None
    base_url = config.api_url if config.api_url.endswith("/") else config.api_url + "/"
    handlers = [
        ConnectionErrorRetryHandler(max_retry_count=retries),
        ServerErrorRetryHandler(max_retry_count=retries),
    ]
    if wait_on_rate_limit:
        handlers.append(RateLimitErrorRetryHandler(max_retry_count=retries))
    return WebClient(
        token=config.bot_token.get_secret_value(),
        base_url=base_url,
        timeout=timeout,
        retry_handlers=list(handlers),
    )


def outbox_client(config: SlackSettings) -> WebClient:
    """The outbox's client: few, short retries and no sleeping through a rate limit."""
    return web_client(
        config, retries=OUTBOX_RETRIES, wait_on_rate_limit=False, timeout=OUTBOX_TIMEOUT
    )
