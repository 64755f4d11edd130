"""The token filter: the bot token never reaches a handler, neither in a message nor in the
traceback of an exception that quotes it (PTB's InvalidToken does)."""

from __future__ import annotations

import io
import logging
from collections.abc import Callable, Iterator

import pytest

from chatdesk.adapters.telegram.redaction import TokenRedactor

TOKEN = "123456789:AAHsecretSECRETsecretSECRETsecret42"


@pytest.fixture
def redactor() -> Iterator[TokenRedactor]:
    redactor = TokenRedactor(TOKEN).install()
    yield redactor
    redactor.remove()


def printed(logger_name: str, log: Callable[[logging.Logger], None]) -> str:
    """What a plain handler on ``logger_name`` prints while ``log(logger)`` runs."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger = logging.getLogger(logger_name)
    logger.addHandler(handler)
    try:
        log(logger)
    finally:
        logger.removeHandler(handler)
    return stream.getvalue()


def log_rejected_token(logger: logging.Logger) -> None:
    try:
        raise ValueError(f"The token `{TOKEN}` was rejected by the server.")
    except ValueError:
        logger.exception("start-up failed")


@pytest.mark.parametrize(
    "logger_name",
    ["telegram.ext.Application", "uvicorn.error", "asyncio", "chatdesk.adapters.telegram.channel"],
)
def test_a_traceback_that_quotes_the_token_is_printed_without_it(
    redactor: TokenRedactor, logger_name: str
) -> None:
    output = printed(logger_name, log_rejected_token)
    assert "start-up failed" in output and "was rejected by the server" in output
    assert TOKEN not in output
    assert "<token>" in output


def test_a_message_and_its_arguments_are_printed_without_the_token(
    redactor: TokenRedactor,
) -> None:
    output = printed("uvicorn.error", lambda log: log.error("url %s/getMe", f"/bot{TOKEN}"))
    assert output == "url /bot<token>/getMe\n"


def test_a_traceback_without_the_token_is_left_to_the_handler(redactor: TokenRedactor) -> None:
    def log_other(logger: logging.Logger) -> None:
        try:
            raise ValueError("nothing secret")
        except ValueError:
            logger.exception("failed")

    output = printed("telegram.ext.Application", log_other)
    assert "ValueError: nothing secret" in output
