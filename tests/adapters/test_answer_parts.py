"""A long answer in several platform messages resumes at the part that failed.

An agent answers a customer at length: the customer's message and the line in the ticket's
thread are each longer than one Telegram message (4096 characters) or one Slack section (3000),
so each goes out as several. The platform accepts the first part of each and refuses the
second (a 502, or a 429 with Retry-After); the outbox retries the item, and the retry starts at
the part that failed: every part is read once, in order, and nothing is missing.

The answer is made of numbered words (``w0001 w0002 ...``), so reading the words back from
what the platform shows tells whether a part came twice, went missing or came out of order.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from chatdesk.config import Settings
from chatdesk.core.i18n import t
from chatdesk.store.models import OutboxItem

from telegram_harness import BotRunner  # isort: skip
from telegram_standin import ApiCall, BotApiStandIn, TgGroup, TgUser  # isort: skip
from slack_standin import BOT_TOKEN, SIGNING_SECRET, SlackStandin  # isort: skip
from test_slack_agents import (  # isort: skip
    AGENT_CHANNEL,
    SAM,
    Slack,
    outbox_idle,
    running,
    thread_reply,
)
from test_slack_agents import open_ticket as slack_ticket  # isort: skip
from test_telegram import open_ticket as telegram_ticket  # isort: skip

ANN = TgUser(4401, "Ann", language_code="en")
BO = TgUser(5101, "Bo", last_name="Agent")  # a member of the agents' group
AGENTS = TgGroup(BotRunner.AGENT_CHAT, "Support")
WORD = re.compile(r"w\d{4}")
FAILURES = [pytest.param(502, None, id="502"), pytest.param(429, 1, id="429-retry-after")]


def words(count: int) -> list[str]:
    return [f"w{n:04d}" for n in range(1, count + 1)]


def read_once_in_order(shown: list[str], expected: list[str]) -> None:
    """``shown`` (one text per platform message) holds ``expected``, each word once, in order,
    spread over more than one message."""
    with_words = [text for text in shown if WORD.search(text)]
    assert len(with_words) > 1, "the answer was meant to need several messages"
    read = [w for text in with_words for w in WORD.findall(text)]
    assert read == expected, f"read {len(read)} words for {len(expected)}: {read[:3]}..."


# -- Telegram ---------------------------------------------------------------------------------


@pytest.fixture
def api() -> Iterator[BotApiStandIn]:
    with BotApiStandIn() as api:
        api.set_member(BotRunner.AGENT_CHAT, BO.id, "member")
        yield api


@pytest.fixture
def bots(make_settings: Any, kb_dir: Path, api: BotApiStandIn) -> Iterator[BotRunner]:
    runner = BotRunner(make_settings, kb_dir, api)
    yield runner
    runner.stop_all()


def _attempts(api: BotApiStandIn, chat_id: int, before: int) -> list[ApiCall]:
    calls = api.calls_to("sendMessage", ok_only=False)[before:]
    return [c for c in calls if c.chat_id == chat_id and WORD.search(c.params.get("text", ""))]


@pytest.mark.parametrize(("status", "retry_after"), FAILURES)
def test_telegram_long_answer_and_thread_note_resume_at_the_failed_part(
    bots: BotRunner, api: BotApiStandIn, status: int, retry_after: int | None
) -> None:
    bot = bots.start(outbox_max_backoff_seconds=1)
    reference = telegram_ticket(bot, ANN, "Export to Excel fails every time")
    [card] = [c for c in api.sent(BotRunner.AGENT_CHAT) if c.buttons]
    # 680 words: 4087 characters with "public: ", within what an agent can type in Telegram;
    # with the heading of the customer's message and the thread's marker, over 4096.
    body = " ".join(words(680))
    assert len(f"public: {body}") <= 4096
    before = len(api.calls_to("sendMessage", ok_only=False))
    api.fail_in_chat("sendMessage", ANN.id, status, retry_after=retry_after)
    api.fail_in_chat("sendMessage", BotRunner.AGENT_CHAT, status, retry_after=retry_after)

    bot.exchange(bot.updates.reply(BO, card, f"public: {body}", AGENTS))

    to_ann = _attempts(api, ANN.id, before)
    assert [c.status for c in to_ann] == [200, status, 200]
    read_once_in_order([c.shown_text for c in to_ann if c.status == 200], words(680))
    assert to_ann[0].shown_text.startswith(
        t("lifecycle.agent_reply", "en", reference=reference, body="").strip()
    )
    thread = _attempts(api, BotRunner.AGENT_CHAT, before)
    assert [c.status for c in thread] == [200, status, 200]
    read_once_in_order([c.shown_text for c in thread if c.status == 200], words(680))
    assert all(c.reply_to == card.message_id for c in thread), "every part under the card"
    assert bot.pending() == 0


def test_telegram_an_answer_set_aside_mid_way_says_how_much_went_out(
    bots: BotRunner, api: BotApiStandIn
) -> None:
    """A refusal for good (400) of the second part sets the item aside; the row keeps that
    one part reached the customer, for whoever reads the set-aside items."""
    bot = bots.start()
    telegram_ticket(bot, ANN, "Export to Excel fails every time")
    [card] = [c for c in api.sent(BotRunner.AGENT_CHAT) if c.buttons]
    api.fail_in_chat("sendMessage", ANN.id, 400)

    bot.exchange(bot.updates.reply(BO, card, "public: " + " ".join(words(680)), AGENTS))

    with bot.desk.database.session() as session:
        [row] = session.scalars(select(OutboxItem).where(OutboxItem.failed_at.is_not(None)))
        assert (row.topic, row.parts_sent) == (f"telegram:chat:{ANN.id}", 1)
        assert "Error 400" in str(row.last_error)


# -- Slack ------------------------------------------------------------------------------------
SLACK_ANN = "U0ANN"


@pytest.fixture
def slack(make_settings: Callable[..., Settings]) -> Iterator[Slack]:
    with SlackStandin() as standin:
        standin.add_user(SLACK_ANN, "ann")
        standin.add_user(SAM, "sam")
        standin.add_member(AGENT_CHANNEL, SAM)
        settings = make_settings(
            slack_bot_token=BOT_TOKEN,
            slack_signing_secret=SIGNING_SECRET,
            slack_api_url=standin.base_url,
            slack_agent_channel=AGENT_CHANNEL,
            outbox_poll_seconds=0.05,
            outbox_max_backoff_seconds=1,
        )
        with running(standin, settings) as started:
            yield started


@pytest.mark.parametrize(("status", "retry_after"), FAILURES)
def test_slack_long_answer_and_thread_note_resume_at_the_failed_part(
    slack: Slack, status: int, retry_after: int | None
) -> None:
    """Slack's sections hold 3000 characters: 1300 words are three pieces of each."""
    standin = slack.standin
    reference, card = slack_ticket(slack, SLACK_ANN, "Export to Excel fails")
    dm = slack.dm_of(SLACK_ANN)
    body = " ".join(words(1300))
    before = len(standin.calls_to("chat.postMessage"))
    standin.fail_in_channel("chat.postMessage", dm, status, retry_after=retry_after)
    standin.fail_in_channel("chat.postMessage", AGENT_CHANNEL, status, retry_after=retry_after)

    thread_reply(slack, SAM, card, f"public: {body}")
    standin.wait_for(
        lambda: sum("w1300" in p.shown for p in standin.posted) == 2, timeout=30,
        what="the last piece of the answer and of the thread note",
    )  # fmt: skip
    outbox_idle(slack)

    calls = [c for c in standin.calls_to("chat.postMessage")[before:] if "w0" in str(c.args)]
    to_ann = [c.status for c in calls if c.args.get("channel") in (dm, SLACK_ANN)]
    assert to_ann == [200, status, 200, 200]
    in_thread = [c.status for c in calls if c.args.get("channel") == AGENT_CHANNEL]
    assert in_thread == [200, status, 200, 200]
    read_once_in_order([p.shown for p in standin.posts_in(dm)], words(1300))
    read_once_in_order([p.shown for p in standin.thread(AGENT_CHANNEL, card.ts)], words(1300))
    assert reference in standin.posts_in(dm)[-3].shown
