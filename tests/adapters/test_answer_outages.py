"""Direct answers through a platform outage: delayed, never lost, never apologised for.

The issue's case, on both platforms: a customer types ``new``; the platform refuses the
bot's question several times (429, 500, 502, 503, 504); the question still arrives, once,
after the outage. The customer then types the subject, and it is taken as the subject (the
conversation had moved on, so nothing they typed is asked again or mistaken for another
field). The answers are outbox rows of the turn, retried with the notifications' back-off
(capped at one second here, so the tests do not wait minutes).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from chatdesk.core.i18n import t
from chatdesk.store.models import Conversation

from slack_standin import (  # isort: skip
    BOT_TOKEN,
    SIGNING_SECRET,
    ChatdeskServer,
    Deliveries,
    SlackStandin,
)
from telegram_harness import BotRunner  # isort: skip
from telegram_standin import BotApiStandIn, TgUser  # isort: skip

SUBJECT = "Payroll export has wrong totals"
ANN = TgUser(4301, "Ann", language_code="en")
SLACK_ANN = "U0ANN"

OUTAGES = [
    pytest.param(429, 4, 1, id="429x4"),
    pytest.param(500, 5, None, id="500x5"),
    pytest.param(502, 5, None, id="502x5"),
    pytest.param(503, 3, None, id="503x3"),
    pytest.param(504, 3, None, id="504x3"),
]


def _draft(desk: Any, platform: str) -> tuple[str, dict[str, Any]]:
    with desk.database.session() as session:
        row = session.scalar(select(Conversation).where(Conversation.platform == platform))
        assert row is not None
        return row.state, dict((row.data or {}).get("draft") or {})


def _no_apology(texts: list[str]) -> None:
    assert not any(t("error.apology", "en") in text for text in texts)


# -- Telegram ---------------------------------------------------------------------------------


@pytest.fixture
def api() -> Iterator[BotApiStandIn]:
    with BotApiStandIn() as api:
        yield api


@pytest.fixture
def bots(make_settings: Any, kb_dir: Path, api: BotApiStandIn) -> Iterator[BotRunner]:
    runner = BotRunner(make_settings, kb_dir, api)
    yield runner
    runner.stop_all()


@pytest.mark.parametrize(("status", "times", "retry_after"), OUTAGES)
def test_telegram_answer_outlives_an_outage(
    bots: BotRunner, api: BotApiStandIn, status: int, times: int, retry_after: int | None
) -> None:
    bot = bots.start("polling", outbox_max_backoff_seconds=1)
    api.fail_next("sendMessage", status, retry_after=retry_after, times=times)

    bot.deliver(bot.updates.message(ANN, "new"))
    [question] = api.wait_for("sendMessage", lambda c: c.chat_id == ANN.id, timeout=40)
    assert question.shown_text == t("intake.ask_subject", "en")
    attempts = [c.status for c in api.calls_to("sendMessage", ok_only=False)]
    assert attempts == [status] * times + [200]

    after = bot.say(ANN, SUBJECT)
    texts = [c.shown_text for c in api.sent(ANN.id)]
    assert after and texts.count(t("intake.ask_subject", "en")) == 1
    _no_apology(texts)
    state, draft = _draft(bot.desk, "telegram")
    assert draft.get("subject") == SUBJECT and state != "subject"


# -- Slack ------------------------------------------------------------------------------------


@pytest.fixture
def standin() -> Iterator[SlackStandin]:
    with SlackStandin() as running:
        running.add_user(SLACK_ANN, "ann")
        yield running


@pytest.fixture
def slack(
    make_settings: Callable[..., Any], standin: SlackStandin
) -> Iterator[tuple[Any, Deliveries]]:
    from chatdesk.adapters.server import configured_channels
    from chatdesk.adapters.slack.channel import EVENTS_PATH
    from chatdesk.app import open_desk

    settings = make_settings(
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=standin.base_url,
        outbox_poll_seconds=0.05,
        outbox_max_backoff_seconds=1,
    )
    desk = open_desk(settings)
    with ChatdeskServer(configured_channels(settings, desk), desk) as server:
        deliveries = Deliveries(server.url + EVENTS_PATH, standin)
        try:
            yield desk, deliveries
        finally:
            deliveries.close()
            desk.database.dispose()


@pytest.mark.parametrize(
    ("status", "times", "retry_after"),
    [*OUTAGES, pytest.param(502, 1, None, id="502x1"), pytest.param(504, 1, None, id="504x1")],
)
def test_slack_answer_outlives_an_outage(
    slack: tuple[Any, Deliveries],
    standin: SlackStandin,
    status: int,
    times: int,
    retry_after: int | None,
) -> None:
    desk, deliveries = slack
    dm = "D" + SLACK_ANN[1:]
    standin.fail_next("chat.postMessage", status, times=times, retry_after=retry_after)

    assert deliveries.event(deliveries.dm(SLACK_ANN, "new")).status_code == 200
    [question] = standin.wait_for_posts(dm, 1, timeout=40)
    assert question.shown == t("intake.ask_subject", "en")

    assert deliveries.event(deliveries.dm(SLACK_ANN, SUBJECT)).status_code == 200
    standin.wait_for_posts(dm, 2, timeout=20)
    texts = [p.shown for p in standin.posts_in(dm)]
    assert texts.count(t("intake.ask_subject", "en")) == 1
    _no_apology(texts)
    state, draft = _draft(desk, "slack")
    assert draft.get("subject") == SUBJECT and state != "subject"


def test_slack_answer_waits_out_a_long_retry_after(
    slack: tuple[Any, Deliveries], standin: SlackStandin
) -> None:
    """Retry-After 15: the answer is sent when Slack asked, not dropped, not apologised for."""
    import time

    _, deliveries = slack
    dm = "D" + SLACK_ANN[1:]
    standin.fail_next("chat.postMessage", 429, retry_after=15)
    asked = time.monotonic()
    assert deliveries.event(deliveries.dm(SLACK_ANN, "new")).status_code == 200
    [question] = standin.wait_for_posts(dm, 1, timeout=40)
    assert time.monotonic() - asked >= 15
    assert question.shown == t("intake.ask_subject", "en")
