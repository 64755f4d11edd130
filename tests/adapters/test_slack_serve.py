"""The real entry point: ``chatdesk serve`` as a subprocess, configured only through the
environment, talks to the stand-in Slack and answers a signed direct message."""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

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

from chatdesk.adapters.server import configured_channels
from chatdesk.adapters.slack.channel import EVENTS_PATH
from chatdesk.app import open_desk
from chatdesk.config import Settings
from chatdesk.core.i18n import t

ANN = "U0ANN"


@pytest.fixture
def standin() -> Iterator[SlackStandin]:
    with SlackStandin() as running:
        running.add_user(ANN, "ann", locale="nl-BE")
        yield running


@pytest.fixture
def serve(database_url: str, standin: SlackStandin) -> Iterator[str]:
    """``chatdesk serve`` on a free port; yields its base URL and stops it afterwards."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHATDESK_")}
    env.update(
        CHATDESK_DATABASE_URL=database_url,
        CHATDESK_HTTP_HOST="127.0.0.1",
        CHATDESK_HTTP_PORT="0",
        CHATDESK_SLACK_BOT_TOKEN=BOT_TOKEN,
        CHATDESK_SLACK_SIGNING_SECRET=SIGNING_SECRET,
        CHATDESK_SLACK_API_URL=standin.base_url,
        CHATDESK_SLACK_AGENT_CHANNEL=AGENT_CHANNEL,
        CHATDESK_LOG_LEVEL="INFO",
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "chatdesk", "serve"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    output: list[str] = []

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            output.append(line)
            lines.put(line)

    threading.Thread(target=read, daemon=True).start()
    try:
        url = None
        while url is None:
            try:
                line = lines.get(timeout=60)
            except queue.Empty:
                pytest.fail("chatdesk serve did not start:\n" + "".join(output))
            found = re.search(r"running on (http://127\.0\.0\.1:\d+)", line)
            url = found.group(1) if found else None
        yield url
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        log = "".join(output)
        assert BOT_TOKEN not in log and SIGNING_SECRET not in log, "a secret reached the log"


def test_chatdesk_serve_answers_a_signed_direct_message(serve: str, standin: SlackStandin) -> None:
    health = httpx.get(serve + "/healthz", timeout=10).json()
    assert health == {"status": "ok", "channels": ["slack"]}
    deliveries = Deliveries(serve + EVENTS_PATH, standin)
    try:
        assert deliveries.event(deliveries.dm(ANN, "nieuw")).status_code == 200
        [asked] = standin.wait_for_posts("D0ANN", 1, timeout=30)
        assert asked.shown == t("intake.ask_subject", "nl")
    finally:
        deliveries.close()


def test_a_wrong_bot_token_stops_the_channel_from_starting(
    make_settings: Callable[..., Settings], standin: SlackStandin
) -> None:
    settings = make_settings(
        slack_bot_token="xoxb-not-the-token",
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=standin.base_url,
    )
    channels = configured_channels(settings, open_desk(settings))
    with pytest.raises(RuntimeError, match="did not start"), ChatdeskServer(channels):
        pass
    assert [c.response["error"] for c in standin.calls_to("auth.test")] == ["invalid_auth"]


def test_an_agents_channel_that_does_not_exist_stops_chatdesk_serve_with_one_line(
    database_url: str, standin: SlackStandin, tmp_path: Path
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHATDESK_")}
    env.update(
        CHATDESK_DATABASE_URL=database_url,
        CHATDESK_HTTP_HOST="127.0.0.1",
        CHATDESK_HTTP_PORT="0",
        CHATDESK_SLACK_BOT_TOKEN=BOT_TOKEN,
        CHATDESK_SLACK_SIGNING_SECRET=SIGNING_SECRET,
        CHATDESK_SLACK_API_URL=standin.base_url,
        CHATDESK_SLACK_AGENT_CHANNEL="C0NOPE",
    )
    done = subprocess.run(
        [sys.executable, "-m", "chatdesk", "serve"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=90,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 2, output
    assert output.strip().splitlines()[-1] == (
        "chatdesk: CHATDESK_SLACK_AGENT_CHANNEL: Slack does not know the channel 'C0NOPE' "
        "(conversations.info: channel_not_found); give the channel ID (C..., from the channel's "
        "details) and invite the app"
    ), output
    assert "Traceback" not in output and BOT_TOKEN not in output
    assert standin.calls_to("chat.postMessage") == []


@pytest.mark.parametrize(
    ("state", "reason"),
    [
        ("outside", "the app is not a member of 'C0SOME'; invite it there"),
        ("archived", "the channel 'C0SOME' is archived"),
        ("member", None),
    ],
)
def test_the_agents_channel_is_checked_with_conversations_info(
    make_settings: Callable[..., Settings], standin: SlackStandin, state: str, reason: str | None
) -> None:
    from chatdesk.adapters.slack.channel import web_client
    from chatdesk.adapters.slack.check import check_agent_channel
    from chatdesk.config import SettingsError

    channel = "C0SOME"
    (standin.outside_channels if state == "outside" else standin.channels).add(channel)
    if state == "archived":
        standin.archived.add(channel)
    settings = make_settings(
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=standin.base_url,
    )
    client = web_client(settings.slack)
    if reason is None:
        check_agent_channel(client, channel)
        return
    with pytest.raises(SettingsError) as raised:
        check_agent_channel(client, channel)
    assert str(raised.value).startswith("CHATDESK_SLACK_AGENT_CHANNEL: ")
    assert reason in str(raised.value)
