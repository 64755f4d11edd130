"""Slack end to end in HTTP mode: signed requests to chatdesk's running server, the real
slack-bolt and slack_sdk, the real desk on a real database, and the stand-in Web API.

Each test drives the conversation the way a Slack user does (typing in the DM, pressing the
buttons the bot posted, mentioning the app in a channel, typing ``/support``) and reads what a
Slack user would see: the messages the bot posted in the stand-in.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from slack_standin import (  # isort: skip
    AGENT_CHANNEL,
    BOT_ID,
    BOT_TOKEN,
    BOT_USER_ID,
    SIGNING_SECRET,
    ChatdeskServer,
    Deliveries,
    Posted,
    SlackStandin,
)

from chatdesk.adapters.server import configured_channels
from chatdesk.adapters.slack.catalogue import t
from chatdesk.adapters.slack.channel import EVENTS_PATH, SlackChannel
from chatdesk.app import open_desk
from chatdesk.config import Settings
from chatdesk.core.lexicon import is_urgent
from chatdesk.engine import Desk
from chatdesk.events import InboundEvent, Message

REFERENCE = re.compile(r"\b[A-Z][A-Z0-9]{1,9}-\d+\b")
ANN = "U0ANN"
BRAM = "U0BRAM"
GENERAL = "C0GENERAL"


@dataclass
class Slack:
    """A running chatdesk with its Slack channel, and the stand-in Slack around it."""

    standin: SlackStandin
    deliveries: Deliveries
    server: ChatdeskServer
    channel: SlackChannel
    desk: Desk
    settings: Settings

    @staticmethod
    def dm_of(user: str) -> str:
        return "D" + user[1:]

    def wait_new(
        self, channel: str, before: int, until: str | Callable[[Posted], bool]
    ) -> list[Posted]:
        """The posts in ``channel`` after the first ``before``, once one matches ``until``."""

        def matches(post: Posted) -> bool:
            return until in post.shown if isinstance(until, str) else until(post)

        def ready() -> list[Posted] | None:
            new = [p for p in self.standin.posted if p.channel == channel][before:]
            return new if any(matches(p) for p in new) else None

        try:
            return self.standin.wait_for(ready, what=f"a post in {channel} matching {until!r}")
        except AssertionError as exc:
            seen = [p.shown for p in self.standin.posts_in(channel)[before:]]
            raise AssertionError(f"{exc}\nnew posts in {channel}: {seen}") from None

    def count(self, channel: str) -> int:
        return len(self.standin.posts_in(channel))

    def say(
        self, user: str, text: str, until: str | Callable[[Posted], bool], **extra: Any
    ) -> list[Posted]:
        """``user`` writes ``text`` in their DM with the app; the bot's answer."""
        dm = self.dm_of(user)
        before = self.count(dm)
        response = self.deliveries.event(self.deliveries.dm(user, text, **extra))
        assert response.status_code == 200, response.text
        return self.wait_new(dm, before, until)

    def press(
        self, user: str, posted: Posted, label: str, until: str | Callable[[Posted], bool]
    ) -> list[Posted]:
        before = self.count(posted.channel)
        response = self.deliveries.press(user, posted, label)
        assert response.status_code == 200, response.text
        return self.wait_new(posted.channel, before, until)

    def answer(
        self, user: str, text: str, until: str, lang: str = "en", by_button: bool = False
    ) -> list[Posted]:
        """Answer an intake question; if articles are suggested first, continue past them
        (pressing the button, or typing its label) and wait for ``until``."""
        suggest = t("intake.suggest_intro", lang)
        posts = self.say(user, text, until=lambda p: until in p.shown or suggest in p.shown)
        if any(until in p.shown for p in posts):
            return posts
        offer = last_with_buttons(posts)
        label = t("choice.continue", lang)
        if by_button:
            posts = self.press(user, offer, label, until=until)
            pressed = next(p for p in self.standin.posted if p.ts == offer.ts)
            assert pressed.buttons == [] and label in pressed.shown
            return posts
        return self.say(user, label, until=until)

    def open_ticket(self, user: str, subject: str, lang: str = "en") -> tuple[str, list[Posted]]:
        """A whole intake typed in the DM; the new reference and the final posts (an
        urgent subject goes straight to its short summary, sent by typing 1)."""
        self.say(user, "new", until=t("intake.ask_subject", lang))
        if is_urgent(subject):
            self.say(user, subject, until=lambda p: bool(p.buttons))
            done = self.say(user, "1", until=lambda p: bool(REFERENCE.search(p.shown)))
            return REFERENCE.search(done[-1].shown).group(0), done  # type: ignore[union-attr]
        self.answer(user, subject, until=t("intake.ask_description", lang), lang=lang)
        described = "Er gebeurt niets als ik erop druk." if lang == "nl" else DESCRIBED
        self.answer(user, described, t("intake.ask_steps", lang), lang)  # in the words' language
        self.say(user, "Open the page, press Export.", until=t("intake.ask_error", lang))
        self.say(user, t("choice.skip", lang), until=lambda p: bool(p.buttons))
        done = self.say(user, "1", until=lambda p: bool(REFERENCE.search(p.shown)))
        found = REFERENCE.search(done[-1].shown)
        assert found is not None
        return found.group(0), done


DESCRIBED = "Nothing happens when I press it."


def last_with_buttons(posts: list[Posted]) -> Posted:
    found = [p for p in posts if p.buttons]
    assert found, f"no buttons in {[p.shown for p in posts]}"
    return found[-1]


@pytest.fixture
def standin() -> Iterator[SlackStandin]:
    with SlackStandin() as running:
        running.add_user(ANN, "ann")
        running.add_user(BRAM, "bram", locale="nl-NL")
        running.channels.add(GENERAL)
        yield running


def settings_for(
    make_settings: Callable[..., Settings], standin: SlackStandin, **overrides: Any
) -> Settings:
    return make_settings(
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=standin.base_url,
        slack_agent_channel=AGENT_CHANNEL,
        outbox_poll_seconds=0.05,
        **overrides,
    )


@pytest.fixture
def slack_settings(make_settings: Callable[..., Settings], standin: SlackStandin) -> Settings:
    return settings_for(make_settings, standin)


@contextlib.contextmanager
def running(standin: SlackStandin, settings: Settings) -> Iterator[Slack]:
    """chatdesk serving Slack on ``settings``' database until the block ends (its process
    stopping: the worker stops, the database is let go)."""
    desk = open_desk(settings)
    channels = configured_channels(settings, desk)
    [channel] = channels
    assert isinstance(channel, SlackChannel) and not channel.socket_mode
    try:
        with ChatdeskServer(channels, desk) as server:  # the outbox worker sends the cards
            deliveries = Deliveries(server.url + EVENTS_PATH, standin)
            try:
                yield Slack(standin, deliveries, server, channel, desk, settings)
            finally:
                deliveries.close()
    finally:
        desk.database.dispose()


@pytest.fixture
def slack(standin: SlackStandin, slack_settings: Settings) -> Iterator[Slack]:
    with running(standin, slack_settings) as slack:
        yield slack


# -- the conversation ---------------------------------------------------------------------


def test_whole_intake_in_a_dm_with_buttons_and_typed_answers(slack: Slack) -> None:
    assert slack.standin.calls_to("auth.test"), "bolt checks the token when the channel starts"
    slack.say(ANN, "new", until=t("intake.ask_subject", "en"))
    slack.answer(ANN, "Export to Excel fails", t("intake.ask_description", "en"), by_button=True)
    description = "The export button does nothing & no file appears."
    slack.answer(ANN, description, t("intake.ask_steps", "en"), by_button=True)
    posts = slack.say(ANN, "Reports > Export > Excel", until=lambda p: bool(p.buttons))
    slack.press(
        ANN, last_with_buttons(posts), t("choice.skip", "en"), until=lambda p: bool(p.buttons)
    )
    summary = last_with_buttons(slack.standin.posts_in(slack.dm_of(ANN)))
    assert description in summary.shown
    assert "Reports > Export > Excel" in summary.shown
    assert [b["text"]["text"] for b in summary.buttons] == [
        t("choice.confirm", "en"),
        t("choice.edit", "en"),
        t("choice.cancel", "en"),
        t("service.choice.site_down", "en"),
    ]
    done = slack.say(
        ANN, t("choice.confirm", "en"), until=lambda p: bool(REFERENCE.search(p.shown))
    )
    reference = REFERENCE.search(done[-1].shown).group(0)  # type: ignore[union-attr]

    [card] = slack.standin.wait_for_posts(AGENT_CHANNEL, 1)
    assert reference in card.shown and "Export to Excel fails" in card.shown
    assert "ann" in card.shown and card.pings == []
    for call in slack.standin.calls_to("chat.postMessage"):
        assert "link_names" not in call.args and "parse" not in call.args


def test_status_and_my_tickets(slack: Slack) -> None:
    reference, _ = slack.open_ticket(ANN, "Printing to PDF cuts off pages")
    [status] = slack.say(ANN, f"status {reference}", until=reference)
    assert "Printing to PDF cuts off pages" in status.shown
    mine = slack.say(ANN, "my tickets", until=reference)
    assert "Printing to PDF cuts off pages" in "\n".join(p.shown for p in mine)


def test_files_are_attached_and_an_oversized_one_refused(slack: Slack) -> None:
    slack.say(ANN, "new", until=t("intake.ask_subject", "en"))
    slack.answer(ANN, "Export to Excel fails", t("intake.ask_description", "en"))
    small = {"id": "F0LOG", "name": "log.txt", "mimetype": "text/plain", "size": 2048}
    slack.standin.add_file("F0SHOT", "screen.png", "image/png", 300_000)
    stub = {"id": "F0SHOT", "file_access": "check_file_info"}  # Slack sends stubs sometimes
    big = {"id": "F0VIDEO", "name": "video.mp4", "mimetype": "video/mp4", "size": 30 * 1024 * 1024}
    posts = slack.say(ANN, "", files=[small, stub, big], until=t("intake.ask_description", "en"))
    shown = "\n".join(p.shown for p in posts)
    assert t("attachment.added_to_draft", "en", name="log.txt") in shown
    assert t("attachment.added_to_draft", "en", name="screen.png") in shown
    assert t("attachment.too_large", "en", name="video.mp4", size="30.0", limit="10") in shown
    assert slack.standin.calls_to("files.info")
    assert not any(
        c.method.startswith("files.") and c.method != "files.info" for c in slack.standin.calls
    )


def test_dutch_from_the_slack_locale(slack: Slack) -> None:
    [asked] = slack.say(BRAM, "nieuw", until=t("intake.ask_subject", "nl"))
    assert asked.shown == t("intake.ask_subject", "nl")
    info = slack.standin.calls_to("users.info")[-1]
    assert info.args["user"] == BRAM and info.args["include_locale"] in ("1", "true", True)


def test_a_mention_in_a_channel_is_answered_in_its_thread_and_intake_moves_to_the_dm(
    slack: Slack,
) -> None:
    mention = slack.deliveries.mention(ANN, GENERAL, "new Export to Excel fails")
    response = slack.deliveries.event(mention)
    assert response.status_code == 200
    [notice] = slack.wait_new(GENERAL, 0, t("group.moved", "en"))
    assert notice.thread_ts == mention["ts"]
    asked = (t("intake.ask_description", "en"), t("intake.suggest_intro", "en"))
    in_dm = slack.wait_new(slack.dm_of(ANN), 0, until=lambda p: p.shown.startswith(asked))
    assert in_dm and all(p.thread_ts is None for p in in_dm)
    assert slack.standin.calls_to("conversations.open")
    assert len(slack.standin.posts_in(GENERAL)) == 1, "nothing about the ticket in the channel"

    help_mention = slack.deliveries.mention(ANN, GENERAL, "help", thread_ts=mention["ts"])
    slack.deliveries.event(help_mention)
    [helped] = slack.wait_new(GENERAL, 1, t("help", "en").splitlines()[0])
    assert helped.thread_ts == mention["ts"]


ASKED_IN_DM = (t("intake.ask_description", "en"), t("intake.suggest_intro", "en"))


def _settled(slack: Slack) -> None:
    """Wait until every delivery's turn is done and the outbox is empty."""
    from chatdesk.store.inbox import waiting
    from chatdesk.store.outbox import pending_count

    def done() -> bool:
        with slack.desk.database.session() as session:
            pending = pending_count(session)
        return pending == 0 and waiting(slack.desk.database) == 0

    slack.standin.wait_for(done, timeout=30, what="the inbox and the outbox to empty")


def _carried(standin: SlackStandin) -> list[Posted]:
    """What Ann's DM says in answer to the words of her mention (asked once, or not at all)."""
    dm = standin.posts_in(Slack.dm_of(ANN))
    return [p for p in dm if p.shown.startswith(ASKED_IN_DM)]


def test_a_notice_that_fails_with_502_is_sent_again_and_the_words_reach_the_dm_once(
    standin: SlackStandin, make_settings: Callable[..., Settings]
) -> None:
    """The notice in the channel is an outbox item: Slack's 502s are retried with the outbox's
    back-off, and the words are handled in the DM once, however often the notice was tried."""
    settings = settings_for(make_settings, standin, outbox_max_backoff_seconds=1)
    with running(standin, settings) as slack:
        standin.fail_next("chat.postMessage", status=502, times=3, channel=GENERAL)
        mention = slack.deliveries.mention(ANN, GENERAL, "new Export to Excel fails")
        assert slack.deliveries.event(mention).status_code == 200

        [notice] = slack.wait_new(GENERAL, 0, t("group.moved", "en"))
        _settled(slack)

        assert notice.thread_ts == mention["ts"]
        in_channel = [
            c for c in standin.calls_to("chat.postMessage") if c.args["channel"] == GENERAL
        ]
        assert [c.status for c in in_channel] == [502, 502, 502, 200]
        assert len(standin.posts_in(GENERAL)) == 1
        assert len(_carried(standin)) == 1


def test_a_move_left_unsent_when_chatdesk_stopped_is_made_once_after_the_restart(
    standin: SlackStandin, make_settings: Callable[..., Settings]
) -> None:
    """Slack is down when a customer mentions the app: the channel's turn commits, the move
    waits in the outbox, and chatdesk stops. The next chatdesk on the same database says the
    notice and carries the words into the DM, once; Slack's retry of the mention (the same
    event id) changes nothing."""
    from chatdesk.store.models import ProcessedEvent

    settings = settings_for(make_settings, standin, outbox_max_backoff_seconds=1)
    mention = Deliveries().mention(ANN, GENERAL, "new Export to Excel fails")
    with running(standin, settings) as first:
        standin.outage(502)
        assert first.deliveries.event(mention, event_id="Ev0MOVE").status_code == 200

        def committed() -> bool:
            with first.desk.database.session() as session:
                return session.get(ProcessedEvent, ("slack", "Ev0MOVE")) is not None

        standin.wait_for(committed, what="the channel's turn to commit")
    standin.recover()
    assert standin.posts_in(GENERAL) == [] and _carried(standin) == []

    with running(standin, settings) as second:
        [notice] = second.wait_new(GENERAL, 0, t("group.moved", "en"))
        second.wait_new(second.dm_of(ANN), 0, until=lambda p: p.shown.startswith(ASKED_IN_DM))
        assert second.deliveries.event(mention, event_id="Ev0MOVE", retry=1).status_code == 200
        _settled(second)

        assert notice.thread_ts == mention["ts"]
        assert len(standin.posts_in(GENERAL)) == 1
        assert len(_carried(standin)) == 1


def test_a_notice_slack_refuses_for_good_is_set_aside_and_the_words_still_reach_the_dm(
    slack: Slack,
) -> None:
    """The app was removed from the channel: Slack refuses the notice (not_in_channel). It is
    set aside with the reason; the words were carried into the DM before it."""
    from sqlalchemy import select

    from chatdesk.store.models import OutboxItem

    slack.standin.fail_next("chat.postMessage", status=200, error="not_in_channel", channel=GENERAL)
    mention = slack.deliveries.mention(ANN, GENERAL, "new Export to Excel fails")
    assert slack.deliveries.event(mention).status_code == 200

    slack.wait_new(slack.dm_of(ANN), 0, until=lambda p: p.shown.startswith(ASKED_IN_DM))
    _settled(slack)
    assert slack.standin.posts_in(GENERAL) == []
    assert len(_carried(slack.standin)) == 1
    with slack.desk.database.session() as session:
        [refused] = session.scalars(select(OutboxItem).where(OutboxItem.failed_at.is_not(None)))
    assert refused.kind == "move" and "not_in_channel" in (refused.last_error or "")


def test_the_slash_command_works_anywhere_and_answers_in_the_dm(slack: Slack) -> None:
    reference, _ = slack.open_ticket(ANN, "Two-factor codes are refused")
    before = slack.count(slack.dm_of(ANN))
    response = slack.deliveries.command(ANN, f"status {reference}", GENERAL)
    assert response.status_code == 200 and response.text == ""
    [status] = slack.wait_new(slack.dm_of(ANN), before, reference)
    assert "Two-factor codes are refused" in status.shown
    [pointer] = slack.standin.wait_for(
        lambda: slack.standin.responses, what="the ephemeral pointer"
    )
    assert pointer["response_type"] == "ephemeral"
    assert pointer["text"] == t("slack.command.answered_in_dm", "en")
    assert slack.standin.posts_in(GENERAL) == [], "nothing posted in the channel itself"

    before = slack.count(slack.dm_of(ANN))
    slack.deliveries.command(ANN, "my tickets", slack.dm_of(ANN))
    slack.wait_new(slack.dm_of(ANN), before, reference)
    assert len(slack.standin.responses) == 1, "no pointer when typed in the DM itself"


def test_a_lang_choice_overrides_the_locale_in_the_adapters_own_words(slack: Slack) -> None:
    slack.say(ANN, "lang nl", until=t("lang.set", "nl"))
    slack.deliveries.command(ANN, "help", GENERAL)
    [pointer] = slack.standin.wait_for(lambda: slack.standin.responses, what="the pointer")
    assert pointer["text"] == t("slack.command.answered_in_dm", "nl")
    posts = slack.say(ANN, "nieuw", until=t("intake.ask_subject", "nl"))
    posts = slack.say(ANN, "Exporteren naar Excel mislukt", until=lambda p: bool(p.buttons))
    offer = last_with_buttons(posts)
    label = offer.buttons[-1]["text"]["text"]
    slack.press(ANN, offer, label, until=t("intake.ask_description", "nl"))
    pressed = next(p for p in slack.standin.posted if p.ts == offer.ts)
    assert t("slack.choices.chosen", "nl", label=label) in pressed.shown


def test_an_urgent_ticket_pings_the_agent_channel(slack: Slack) -> None:
    reference, _ = slack.open_ticket(ANN, "The site is down for everyone")
    [card] = slack.standin.wait_for_posts(AGENT_CHANNEL, 1)
    assert reference in card.shown
    assert card.pings == ["!here", "!here"]  # the fallback text and the first block


def test_a_subject_with_channel_pings_reaches_the_agent_channel_harmless(slack: Slack) -> None:
    # What Slack delivers when the user writes @channel, and when they type it out literally.
    reference, _ = slack.open_ticket(ANN, "Printer <!channel> &lt;!here&gt; jams")
    [card] = slack.standin.wait_for_posts(AGENT_CHANNEL, 1)
    assert reference in card.shown
    assert card.pings == []
    assert "Printer @channel <!here> jams" in card.shown
    for post in slack.standin.posted:
        assert post.pings == [], post.shown


# -- Slack's rules of delivery ----------------------------------------------------------------


def test_a_bad_or_stale_signature_gets_401_and_nothing_happens(slack: Slack) -> None:
    body = json.dumps(slack.deliveries.event_body(slack.deliveries.dm(ANN, "help")))
    forged = Deliveries(slack.deliveries.events_url, slack.standin, secret="not-the-secret")
    try:
        assert forged.post(body, "application/json").status_code == 401
    finally:
        forged.close()
    stale = slack.deliveries.post(body, "application/json", timestamp=int(time.time()) - 6 * 60)
    assert stale.status_code == 401
    unsigned = httpx.post(
        slack.deliveries.events_url, content=body, headers={"Content-Type": "application/json"}
    )
    assert unsigned.status_code == 401
    # The same delivery, signed properly, is then handled: the rejected ones left no trace.
    assert slack.deliveries.post(body, "application/json").status_code == 200
    slack.wait_new(slack.dm_of(ANN), 0, t("help", "en").splitlines()[0])
    assert len(slack.standin.posts_in(slack.dm_of(ANN))) == 1


def test_url_verification_is_answered(slack: Slack) -> None:
    body = json.dumps({"type": "url_verification", "challenge": "c-123", "token": "x"})
    response = slack.deliveries.post(body, "application/json")
    assert response.status_code == 200 and "c-123" in response.text


def test_a_retried_event_is_acknowledged_and_handled_once(
    slack: Slack, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="chatdesk.engine")
    event = slack.deliveries.dm(ANN, "new")
    assert slack.deliveries.event(event, event_id="Ev0RETRY").status_code == 200
    slack.wait_new(slack.dm_of(ANN), 0, t("intake.ask_subject", "en"))
    retry = slack.deliveries.event(event, event_id="Ev0RETRY", retry=1)
    assert retry.status_code == 200
    slack.standin.wait_for(
        lambda: any(
            "Ev0RETRY" in r.getMessage() and "redelivered" in r.getMessage() for r in caplog.records
        ),
        what="the engine to see the retry",
    )
    assert len(slack.standin.posts_in(slack.dm_of(ANN))) == 1


def test_messages_from_bots_and_edits_are_ignored(
    slack: Slack, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="chatdesk.adapters.slack.channel")
    slack.deliveries.event(slack.deliveries.dm(ANN, "new", bot_id="B0OTHER"), event_id="Ev0BOT")
    slack.deliveries.event(
        slack.deliveries.dm(ANN, "new", subtype="message_changed"), event_id="Ev0EDIT"
    )
    own = {**slack.deliveries.dm(ANN, "new", bot_id=BOT_ID), "user": BOT_USER_ID}
    assert slack.deliveries.event(own, event_id="Ev0OWN").status_code == 200
    slack.standin.wait_for(
        lambda: {"Ev0BOT", "Ev0EDIT"} <= {getattr(r, "delivery", None) for r in caplog.records},
        what="both deliveries to be skipped",
    )
    slack.say(ANN, "help", until=t("help", "en").splitlines()[0])
    assert len(slack.standin.posts_in(slack.dm_of(ANN))) == 1


def test_a_429_is_retried_after_retry_after_and_the_message_arrives(slack: Slack) -> None:
    slack.standin.fail_next("chat.postMessage", status=429, retry_after=1)
    slack.say(ANN, "help", until=t("help", "en").splitlines()[0])
    statuses = [c.status for c in slack.standin.calls_to("chat.postMessage")]
    assert statuses == [429, 200]


def test_a_server_error_is_retried(slack: Slack) -> None:
    slack.standin.fail_next("chat.postMessage", status=503)
    slack.say(ANN, "help", until=t("help", "en").splitlines()[0])
    assert [c.status for c in slack.standin.calls_to("chat.postMessage")] == [503, 200]


def test_an_answer_slack_refuses_is_set_aside_with_its_reason_and_the_app_goes_on(
    slack: Slack,
) -> None:
    """A delivery failure is no reason to apologise (the turn itself went well): the answer
    Slack refuses for good is set aside with Slack's reason, and the next one arrives."""
    from sqlalchemy import select

    from chatdesk.store.models import OutboxItem

    slack.standin.fail_next("chat.postMessage", status=200, error="invalid_blocks")
    response = slack.deliveries.event(slack.deliveries.dm(ANN, "help"))
    assert response.status_code == 200
    help_line = t("help", "en").splitlines()[0]
    slack.say(ANN, "help", until=help_line)
    shown = [p.shown for p in slack.standin.posts_in(slack.dm_of(ANN))]
    assert not any(t("error.apology", "en") in text for text in shown)
    assert sum(help_line in text for text in shown) == 1
    with slack.desk.database.session() as session:
        [refused] = session.scalars(select(OutboxItem).where(OutboxItem.failed_at.is_not(None)))
    assert "invalid_blocks" in (refused.last_error or "")


def test_a_reply_type_slack_cannot_render_raises(slack: Slack) -> None:
    event = InboundEvent(platform="slack", user_id=ANN, chat_id=slack.dm_of(ANN))

    @dataclass(frozen=True)
    class AgentPing:
        text: str

    with pytest.raises(TypeError, match="AgentPing"):
        slack.channel.turns.deliver(event, [AgentPing("hello")])  # type: ignore[list-item]
    sent = slack.channel.turns.deliver(event, [Message("slack", slack.dm_of(ANN), "still fine")])
    assert sent[0]["ok"] is True


def test_healthz_names_the_slack_channel(slack: Slack) -> None:
    health = httpx.get(slack.server.url + "/healthz")
    assert health.json() == {"status": "ok", "channels": ["slack"]}


# -- Slack Connect ----------------------------------------------------------------------------


def organization_of(slack: Slack, user: str) -> str | None:
    from sqlalchemy import select

    from chatdesk.store.models import Requester

    with slack.desk.database.session() as session:
        requester = session.scalar(select(Requester).where(Requester.platform_user_id == user))
        assert requester is not None, f"{user} never reached the desk"
        return requester.organization


def test_slack_connect_counts_a_guest_in_their_own_workspace_not_the_hosts(slack: Slack) -> None:
    """In a channel shared with another company, Slack's envelope names the workspace that
    installed the app (ours); the guest's own workspace is in ``user_team``, in the button
    press's ``user.team_id`` and in ``users.info``. Counting the guest in the envelope's team
    would make them a colleague of the host's customers (organization sharing)."""
    eve, ghost = "U0EVE", "U0GHOST"
    slack.standin.add_user(eve, "eve", team="T0GUEST")
    helped = t("help", "en").splitlines()[0]

    def shared(user: str, **event: Any) -> None:
        body = slack.deliveries.event_body(slack.deliveries.mention(user, GENERAL, "help", **event))
        body["is_ext_shared_channel"] = True
        assert slack.deliveries.post(json.dumps(body), "application/json").status_code == 200

    shared(eve, user_team="T0GUEST", team="T0GUEST")
    slack.wait_new(GENERAL, 0, helped)
    assert organization_of(slack, eve) == "T0GUEST"

    # the slash command names only the host (team_id): users.info knows better
    before = slack.count(slack.dm_of(eve))
    slack.deliveries.command(eve, "help", GENERAL)
    slack.wait_new(slack.dm_of(eve), before, helped)
    assert organization_of(slack, eve) == "T0GUEST"

    # a DM whose event names the host in ``team``: users.info knows better too
    posts = slack.say(eve, "new", until=t("intake.ask_subject", "en"))
    assert posts and organization_of(slack, eve) == "T0GUEST"

    # a guest Slack tells nothing about (users.info refuses) is in no organization, not ours
    shared(ghost, team=None)
    slack.wait_new(GENERAL, 1, helped)
    assert organization_of(slack, ghost) is None

    # our own people still count in our workspace
    slack.say(ANN, "help", until=helped)
    assert organization_of(slack, ANN) == "T0STANDIN"
