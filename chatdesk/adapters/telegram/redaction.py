"""Keeping the bot token out of the logs.

Telegram puts the token in every URL (``.../bot<token>/sendMessage``). httpx logs each request
URL at INFO and PTB logs its base URL at DEBUG; PTB's InvalidToken from getMe even quotes the
token in its message, so any traceback that carries it (uvicorn's report of a failed start-up,
asyncio's "exception was never retrieved", our own ``log.exception``) would print it too. A
filter on those loggers rewrites the token to ``<token>`` in the message, the traceback and
the stack before any handler sees the record. Logger filters apply only to records made on
that very logger, hence the explicit list of logger names.
"""

from __future__ import annotations

import logging

# Where the token can turn up: PTB and the HTTP clients (URLs, InvalidToken), the servers and
# the event loop that report exceptions escaping our code, our Telegram modules (they log PTB's
# exceptions), the outbox worker (it logs delivery errors) and the root logger.
LOGGERS = (
    "httpx",
    "httpcore",
    "telegram",
    "telegram.Bot",
    "telegram.BaseRequest",
    "telegram.HTTPXRequest",
    "telegram.ext",
    "telegram.ext.ExtBot",
    "telegram.ext.Updater",
    "telegram.ext.Application",
    "telegram.ext.AIORateLimiter",
    "uvicorn.error",
    "asyncio",
    f"{__package__}.channel",
    f"{__package__}.agentchat",
    f"{__package__}.agents",
    f"{__package__}.commands",
    f"{__package__}.limiter",
    f"{__package__}.render",
    "chatdesk.adapters.server",
    "chatdesk.worker",
    "chatdesk.store.outbox",
    "",
)
MASK = "<token>"
_FORMATTER = logging.Formatter()  # formats a traceback exactly as the handlers' default


class TokenRedactor(logging.Filter):
    """Replaces the token in a record's message (formatted with its arguments), its exception
    text and its stack, so that no handler can print it whatever its format."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.token:
            return True
        message = record.getMessage()
        if self.token in message:
            record.msg = self.redact(message)
            record.args = None
        if record.exc_info and not record.exc_text:
            # A handler formats exc_info only when exc_text is empty: fill it in, redacted,
            # when the traceback holds the token; otherwise leave the formatting to the handler.
            text = _FORMATTER.formatException(record.exc_info)
            if self.token in text:
                record.exc_text = text
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True

    def redact(self, text: str) -> str:
        """``text`` with every occurrence of the token masked."""
        return text.replace(self.token, MASK) if self.token else text

    def install(self) -> TokenRedactor:
        for name in LOGGERS:
            logging.getLogger(name).addFilter(self)
        return self

    def remove(self) -> None:
        for name in LOGGERS:
            logging.getLogger(name).removeFilter(self)
