"""A web ticket worked by agents in Slack: the real slack-bolt against the stand-in Slack, the
web chat in chromium, one chatdesk server with both channels and its outbox worker.

The web has no agents' chat of its own, so a web ticket's card and thread go to the agents'
channel on Slack; an agent's public reply in the card's thread appears live in the visitor's
open chat, and the visitor's answer comes back into the thread.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from chatdesk.adapters.server import configured_channels
from chatdesk.adapters.slack.channel import EVENTS_PATH, SlackChannel
from chatdesk.app import open_desk

from slack_standin import (  # isort: skip
    AGENT_CHANNEL,
    BOT_TOKEN,
    SIGNING_SECRET,
    ChatdeskServer,
    Deliveries,
    SlackStandin,
)
from test_slack_agents import SAM, outbox_idle, thread_reply, wait_thread  # isort: skip
from test_slack_channel import Slack  # isort: skip
from test_web import intake  # isort: skip
from web_harness import SECRET, ChatPage, open_browsers, sign  # isort: skip


@pytest.fixture
def browsers(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[..., Any]]:
    yield from open_browsers(request, tmp_path)


@pytest.fixture
def standin() -> Iterator[SlackStandin]:
    with SlackStandin() as running:
        running.add_user(SAM, "sam")
        running.add_member(AGENT_CHANNEL, SAM)
        yield running


def test_a_web_ticket_is_worked_in_slack_and_the_reply_reaches_the_browser(
    make_settings: Callable[..., Any], kb_dir: Path, standin: SlackStandin, browsers
) -> None:
    settings = make_settings(
        knowledge_dir=kb_dir,
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=standin.base_url,
        slack_agent_channel=AGENT_CHANNEL,
        outbox_poll_seconds=0.05,
        web_enabled=True,
        web_identity_secret=SECRET,
    )
    desk = open_desk(settings)
    channels = configured_channels(settings, desk)
    assert [c.name for c in channels] == ["slack", "web"]
    slack_channel = channels[0]
    assert isinstance(slack_channel, SlackChannel)
    with ChatdeskServer(channels, desk) as server:
        deliveries = Deliveries(server.url + EVENTS_PATH, standin)
        slack = Slack(standin, deliveries, server, slack_channel, desk, settings)
        try:
            page = ChatPage(browsers(), server.url)
            page.open({"id": "42", "name": "Ann Web", "hash": sign("42")}).wait_ready()
            reference = intake(page, "Export to Excel fails")
            card = standin.wait_for(
                lambda: next(
                    (p for p in standin.posts_in(AGENT_CHANNEL) if reference in p.shown), None
                ),
                what=f"the card of {reference}",
            )
            assert "Ann Web" in card.shown and "web" in card.shown
            outbox_idle(slack)
            thread_reply(slack, SAM, card, "public: The fix is live, please try again.")
            page.wait_text("The fix is live, please try again.")
            page.type(f"{reference} Works now, thanks!")
            wait_thread(slack, card, "Works now, thanks!")
        finally:
            deliveries.close()
    desk.database.dispose()
