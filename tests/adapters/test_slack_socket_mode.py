"""Slack in Socket Mode: chosen when CHATDESK_SLACK_APP_TOKEN is set, connected through
``apps.connections.open`` on the stand-in Web API to the stand-in's WebSocket server, with the
real slack-bolt built-in Socket Mode client. Real Slack's WebSocket servers cannot be reached
from the tests; what they send (hello, envelopes, retries) is what the stand-in sends.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from urllib.parse import parse_qsl

import httpx
import pytest

from slack_standin import (  # isort: skip
    APP_TOKEN,
    BOT_TOKEN,
    SIGNING_SECRET,
    ChatdeskServer,
    Deliveries,
    Posted,
    SlackStandin,
    SocketModeServer,
)

from chatdesk.adapters.server import configured_channels
from chatdesk.adapters.slack.channel import EVENTS_PATH, SlackChannel
from chatdesk.app import open_desk
from chatdesk.config import Settings
from chatdesk.core.i18n import t

ANN = "U0ANN"
DM = "D0ANN"
HELP = t("help", "en").splitlines()[0]


class SocketSlack:
    """Slack delivering over the WebSocket: envelopes in, Web API calls out."""

    def __init__(self, standin: SlackStandin, socket: SocketModeServer) -> None:
        self.standin = standin
        self.socket = socket
        self.payloads = Deliveries(standin=standin)

    def deliver(self, kind: str, payload: dict, retry_attempt: int = 0) -> None:
        envelope_id = self.socket.send(kind, payload, retry_attempt=retry_attempt)
        self.socket.wait_ack(envelope_id)

    def wait_new(self, before: int, until: str | Callable[[Posted], bool]) -> list[Posted]:
        def ready() -> list[Posted] | None:
            new = self.standin.posts_in(DM)[before:]
            hit = any((until in p.shown) if isinstance(until, str) else until(p) for p in new)
            return new if hit else None

        return self.standin.wait_for(ready, what=f"a post in the DM matching {until!r}")

    def say(self, text: str, until: str | Callable[[Posted], bool], **kw: object) -> list[Posted]:
        before = len(self.standin.posts_in(DM))
        self.deliver("events_api", self.payloads.event_body(self.payloads.dm(ANN, text), **kw))  # type: ignore[arg-type]
        return self.wait_new(before, until)

    def answer(self, text: str, until: str) -> list[Posted]:
        """Answer a question; past suggested articles (typed "continue") to ``until``."""
        suggest = t("intake.suggest_intro", "en")
        posts = self.say(text, until=lambda p: until in p.shown or suggest in p.shown)
        if any(until in p.shown for p in posts):
            return posts
        return self.say(t("choice.continue", "en"), until=until)


@pytest.fixture
def socket_slack(
    make_settings: Callable[..., Settings],
) -> Iterator[tuple[SocketSlack, SlackChannel]]:
    with SlackStandin() as standin:
        standin.add_user(ANN, "ann")
        socket = standin.enable_socket_mode()
        settings = make_settings(
            slack_bot_token=BOT_TOKEN,
            slack_signing_secret=SIGNING_SECRET,
            slack_app_token=APP_TOKEN,
            slack_api_url=standin.base_url,
            outbox_poll_seconds=0.05,
        )
        desk = open_desk(settings)
        channels = configured_channels(settings, desk)
        [channel] = channels
        assert isinstance(channel, SlackChannel)
        with ChatdeskServer(channels, desk) as server:
            socket.wait_connected()
            slack = SocketSlack(standin, socket)
            slack.server_url = server.url  # type: ignore[attr-defined]
            yield slack, channel
            slack.payloads.close()


def test_socket_mode_is_chosen_by_the_app_token_and_serves_no_http_route(
    socket_slack: tuple[SocketSlack, SlackChannel],
) -> None:
    slack, channel = socket_slack
    assert channel.socket_mode and list(channel.routes()) == []
    [opened] = slack.standin.calls_to("apps.connections.open")
    assert opened.token == APP_TOKEN
    assert slack.socket.handshakes[0].startswith("GET /link/?ticket=")
    url = slack.server_url + EVENTS_PATH  # type: ignore[attr-defined]
    assert httpx.post(url, content=b"{}").status_code == 404


def test_events_slash_commands_and_buttons_arrive_over_the_socket(
    socket_slack: tuple[SocketSlack, SlackChannel],
) -> None:
    slack, _ = socket_slack
    slack.say("help", until=HELP)

    command = dict(parse_qsl(slack.payloads.command_body(ANN, "my tickets", "C0GENERAL")))
    before = len(slack.standin.posts_in(DM))
    slack.deliver("slash_commands", command)
    slack.wait_new(before, t("mine.none", "en"))
    slack.standin.wait_for(lambda: slack.standin.responses, what="the ephemeral pointer")

    slack.say("new", until=t("intake.ask_subject", "en"))
    slack.answer("Payroll export to PDF fails", until=t("intake.ask_description", "en"))
    slack.answer("The exported PDF file is empty every time.", until=t("intake.ask_steps", "en"))
    [asked] = slack.say("Reports, then Export.", until=t("intake.ask_error", "en"))
    skip = asked.buttons[0]
    assert skip["text"]["text"] == t("choice.skip", "en")
    block = next(b for b in asked.blocks if skip in b.get("elements", []))
    before = len(slack.standin.posts_in(DM))
    slack.deliver("interactive", slack.payloads.action_payload(ANN, asked, block["block_id"], skip))
    [summary] = slack.wait_new(before, lambda p: bool(p.buttons))
    assert "The exported PDF file is empty every time." in summary.shown


def test_a_redelivered_envelope_is_handled_once(
    socket_slack: tuple[SocketSlack, SlackChannel], caplog: pytest.LogCaptureFixture
) -> None:
    slack, _ = socket_slack
    caplog.set_level(logging.INFO, logger="chatdesk.engine")
    slack.say("help", until=HELP, event_id="Ev0SOCKET")
    body = slack.payloads.event_body(slack.payloads.dm(ANN, "help"), event_id="Ev0SOCKET")
    slack.deliver("events_api", body, retry_attempt=1)
    slack.standin.wait_for(
        lambda: any(re.search(r"redelivered.*Ev0SOCKET", r.getMessage()) for r in caplog.records),
        what="the engine to see the redelivery",
    )
    assert len(slack.standin.posts_in(DM)) == 1
