"""Keeping the bot token out of the logs.

Telegram puts the token in every URL (``.../bot<token>/sendMessage``). httpx logs each request
URL at INFO and PTB logs its base URL at DEBUG, so a filter on those loggers rewrites the token
to ``<token>`` before any handler sees the record. Logger filters apply only to records made
on that very logger, hence the explicit list of PTB's logger names.
"""

from __future__ import annotations

import logging

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
)


class TokenRedactor(logging.Filter):
    """Replaces the token in a record's message (formatted with its arguments)."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        if self.token:
            message = record.getMessage()
            if self.token in message:
                record.msg = message.replace(self.token, "<token>")
                record.args = None
        return True

    def install(self) -> TokenRedactor:
        for name in LOGGERS:
            logging.getLogger(name).addFilter(self)
        return self

    def remove(self) -> None:
        for name in LOGGERS:
            logging.getLogger(name).removeFilter(self)
