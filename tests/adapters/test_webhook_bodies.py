"""Hostile requests to the two webhooks: malformed, oversized, or cut off by a hang-up.

The real slack-bolt and python-telegram-bot run behind chatdesk's own HTTP server; requests
are written by hand (raw sockets where a client must lie about its length or hang up), and
the log is read for what an operator would see: one line per refused request, no traceback.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import socket
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from slack_standin import (  # isort: skip
    AGENT_CHANNEL,
    BOT_TOKEN,
    SIGNING_SECRET,
    ChatdeskServer,
    Deliveries,
    SlackStandin,
)
from telegram_harness import WEBHOOK_SECRET, BotRunner  # isort: skip
from telegram_standin import BotApiStandIn, TgUser  # isort: skip

from chatdesk.adapters.http_body import MAX_BODY_BYTES
from chatdesk.adapters.server import configured_channels
from chatdesk.adapters.slack.channel import EVENTS_PATH
from chatdesk.adapters.telegram.channel import SECRET_HEADER, WEBHOOK_PATH
from chatdesk.app import open_desk
from chatdesk.config import Settings
from chatdesk.core.i18n import t

ANN = "U0ANN"


@pytest.fixture
def standin() -> Iterator[SlackStandin]:
    with SlackStandin() as running:
        running.add_user(ANN, "ann")
        yield running


@pytest.fixture
def slack_url(make_settings: Callable[..., Settings], standin: SlackStandin) -> Iterator[str]:
    settings = make_settings(
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=standin.base_url,
        slack_agent_channel=AGENT_CHANNEL,
        outbox_poll_seconds=0.05,
    )
    desk = open_desk(settings)
    with ChatdeskServer(configured_channels(settings, desk), desk) as server:
        yield server.url
    desk.database.dispose()


def signed(body: bytes, timestamp: str | None = None) -> dict[str, str]:
    """Slack's signature over raw bytes (also bytes that are not UTF-8)."""
    stamp = timestamp or str(int(time.time()))
    base = b"v0:" + stamp.encode() + b":" + body
    digest = hmac.new(SIGNING_SECRET.encode(), base, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": f"v0={digest}"}


def raw_request(url: str, path: str, head: dict[str, str], body: bytes, *, hang_up: bool) -> bytes:
    """Write a request by hand; ``hang_up`` closes the connection after ``body`` instead of
    reading the answer (which the server then has no one to send to)."""
    host, port = url.removeprefix("http://").split(":")
    lines = [f"POST {path} HTTP/1.1", f"Host: {host}"] + [f"{k}: {v}" for k, v in head.items()]
    with socket.create_connection((host, int(port)), timeout=10) as conn:
        conn.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        if hang_up:
            return b""
        answer = b""
        while b"\r\n\r\n" not in answer:
            chunk = conn.recv(4096)
            if not chunk:
                break
            answer += chunk
        return answer


def status_of(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1])


def refusals(caplog: pytest.LogCaptureFixture, prefix: str) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.getMessage().startswith(prefix)]


def assert_no_traceback(caplog: pytest.LogCaptureFixture) -> None:
    noisy = [r.getMessage() for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]
    assert noisy == []
    assert "Traceback" not in caplog.text


MALFORMED: list[tuple[str, bytes, str, bool, dict[str, str]]] = [
    # (what, body, content type, signed, extra headers)
    ("a lone brace", b"{", "application/json", False, {}),
    (
        "a form payload that is not JSON",
        b"payload=not%20json",
        "application/x-www-form-urlencoded",
        False,
        {},
    ),
    ("invalid UTF-8", b'{"type": "\xff\xfe"}', "application/json", False, {}),
    (
        "a timestamp of abc",
        b'{"type": "event_callback"}',
        "application/json",
        False,
        {"X-Slack-Request-Timestamp": "abc", "X-Slack-Signature": "v0=00"},
    ),
    ("a signed lone brace", b"{", "application/json", True, {}),
    (
        "a signed form payload that is not JSON",
        b"payload=%7Bnope",
        "application/x-www-form-urlencoded",
        True,
        {},
    ),
    (
        "a signed form payload that is a list",
        b"payload=%5B1%2C2%5D",
        "application/x-www-form-urlencoded",
        True,
        {},
    ),
    ("signed invalid UTF-8", b'{"type": "\xc3\x28"}', "application/json", True, {}),
    ("a signed JSON list", b"[1, 2]", "application/json", True, {}),
    ("a signed empty JSON body", b"", "application/json", True, {}),
]


@pytest.mark.parametrize(
    ("body", "content_type", "sign", "extra"),
    [m[1:] for m in MALFORMED],
    ids=[m[0] for m in MALFORMED],
)
def test_a_malformed_slack_request_gets_400_and_one_log_line(
    slack_url: str,
    caplog: pytest.LogCaptureFixture,
    body: bytes,
    content_type: str,
    sign: bool,
    extra: dict[str, str],
) -> None:
    caplog.set_level(logging.INFO)
    headers = {"Content-Type": content_type, **(signed(body) if sign else {}), **extra}
    response = httpx.post(slack_url + EVENTS_PATH, content=body, headers=headers, timeout=10)
    assert response.status_code == 400, response.text
    assert "Traceback" not in response.text
    [line] = refusals(caplog, "slack: request refused (400)")
    assert "\n" not in line.getMessage()
    assert_no_traceback(caplog)


def test_a_slack_client_that_hangs_up_mid_body_is_one_log_line(
    slack_url: str, caplog: pytest.LogCaptureFixture, standin: SlackStandin
) -> None:
    caplog.set_level(logging.INFO)
    head = {"Content-Type": "application/json", "Content-Length": "100", **signed(b"{}")}
    raw_request(slack_url, EVENTS_PATH, head, b'{"type":', hang_up=True)
    deadline = time.monotonic() + 10
    while not refusals(caplog, "slack: request refused") and time.monotonic() < deadline:
        time.sleep(0.05)
    [line] = refusals(caplog, "slack: request refused (400)")
    assert "hung up after 8 of 100 bytes" in line.getMessage()
    assert_no_traceback(caplog)
    # and the server carries on: a real direct message is still answered
    deliveries = Deliveries(slack_url + EVENTS_PATH, standin)
    try:
        assert deliveries.event(deliveries.dm(ANN, "new")).status_code == 200
        [asked] = standin.wait_for_posts("D0ANN", 1, timeout=30)
        assert asked.shown == t("intake.ask_subject", "en")
    finally:
        deliveries.close()


def test_a_slack_body_over_the_limit_is_refused_before_it_is_read(
    slack_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    head = {"Content-Type": "application/json", "Content-Length": str(100 * 1024 * 1024)}
    answer = raw_request(slack_url, EVENTS_PATH, head, b'{"type": "', hang_up=False)
    assert status_of(answer) == 413
    assert_no_traceback(caplog)


# -- Telegram -------------------------------------------------------------------------------

ANNA = TgUser(4242, "Anna")


@pytest.fixture
def api() -> Iterator[BotApiStandIn]:
    with BotApiStandIn() as running:
        yield running


@pytest.fixture
def webhook(make_settings: Any, kb_dir: Any, api: BotApiStandIn) -> Iterator[Any]:
    runner = BotRunner(make_settings, kb_dir, api)
    try:
        yield runner.start("webhook")
    finally:
        runner.stop_all()


def chunked(data: bytes) -> bytes:
    return f"{len(data):x}\r\n".encode() + data + b"\r\n"


def test_a_telegram_body_over_a_megabyte_is_refused_without_waiting_for_the_rest(
    webhook: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """The client sends a little over the limit and then waits: a server that read the whole
    body before deciding would wait for the rest forever; ours answers 413 at the limit."""
    caplog.set_level(logging.INFO)
    head = {SECRET_HEADER: WEBHOOK_SECRET, "Transfer-Encoding": "chunked"}
    piece = b'{"update_id": 1, "pad": "' + b"x" * (64 * 1024)
    body = b"".join(chunked(piece) for _ in range(MAX_BODY_BYTES // len(piece) + 2))
    answer = raw_request(webhook.server.url, WEBHOOK_PATH, head, body, hang_up=False)
    assert status_of(answer) == 413
    # a declared length over the limit is refused before a byte of the body is read
    head = {SECRET_HEADER: WEBHOOK_SECRET, "Content-Length": str(100 * 1024 * 1024)}
    answer = raw_request(webhook.server.url, WEBHOOK_PATH, head, b"{", hang_up=False)
    assert status_of(answer) == 413
    assert len(refusals(caplog, "telegram: webhook request refused (413)")) == 2
    assert_no_traceback(caplog)


def test_a_wrong_secret_is_refused_before_the_size_is_even_looked_at(webhook: Any) -> None:
    head = {SECRET_HEADER: "wrong", "Content-Length": str(100 * 1024 * 1024)}
    answer = raw_request(webhook.server.url, WEBHOOK_PATH, head, b"{", hang_up=False)
    assert status_of(answer) == 403


def test_an_update_just_under_the_limit_is_still_handled(webhook: Any, api: BotApiStandIn) -> None:
    update = webhook.updates.message(ANNA, "/new")
    update["padding"] = "x" * (MAX_BODY_BYTES - len(json.dumps(update)) - 100)
    assert webhook.deliver(update) == 200
    webhook.settle()
    assert t("intake.ask_subject", "en") in api.sent(ANNA.id)[-1].params["text"]
