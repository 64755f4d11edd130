"""The agents' desk on Slack, end to end: chatdesk's running server with its outbox worker, the
real slack-bolt and slack_sdk, the real desk on a real database, and the stand-in Slack.

A customer opens a ticket in their DM; the card appears in the agents' channel with buttons;
agents (the channel's members) claim it, set its status and answer in the card's thread; the
customer hears what concerns them in their DM, in their language, and their answers come back
into the thread. Everything the tests read is what a Slack user would see in the stand-in.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from slack_standin import (  # isort: skip
    AGENT_CHANNEL,
    BOT_TOKEN,
    BOT_USER_ID,
    SIGNING_SECRET,
    ChatdeskServer,
    Deliveries,
    Posted,
    SlackStandin,
)
from test_slack_channel import Slack, last_with_buttons  # isort: skip

from chatdesk.adapters.server import configured_channels
from chatdesk.adapters.slack.catalogue import t
from chatdesk.adapters.slack.channel import EVENTS_PATH, SlackChannel
from chatdesk.app import open_desk
from chatdesk.config import Settings
from chatdesk.store.models import OutboxItem, Ticket

ANN = "U0ANN"  # a customer, English
BRAM = "U0BRAM"  # a customer, Dutch
SAM = "U0SAM"  # an agent: a member of the agents' channel
NOOR = "U0NOOR"  # another agent
EVE = "U0EVE"  # not a member of the agents' channel


@pytest.fixture
def standin() -> Iterator[SlackStandin]:
    with SlackStandin() as running:
        running.add_user(ANN, "ann", email="ann@example.com")
        running.add_user(BRAM, "bram", locale="nl-NL")
        running.add_user(SAM, "sam")
        running.add_user(NOOR, "noor", locale="nl-NL")
        running.add_user(EVE, "eve")
        running.add_member(AGENT_CHANNEL, "U0OTHER1", SAM, "U0OTHER2", NOOR)  # two pages and more
        yield running


@pytest.fixture
def agent_settings(make_settings: Callable[..., Settings], standin: SlackStandin) -> Settings:
    return make_settings(
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=standin.base_url,
        slack_agent_channel=AGENT_CHANNEL,
        outbox_poll_seconds=0.05,
        outbox_max_backoff_seconds=1,
        agent_reply_default="internal",
    )


@contextmanager
def running(standin: SlackStandin, settings: Settings) -> Iterator[Slack]:
    """chatdesk serving Slack with ``settings``, its outbox worker running."""
    desk = open_desk(settings)
    [channel] = configured_channels(settings, desk)
    assert isinstance(channel, SlackChannel)
    with ChatdeskServer([channel], desk) as server:
        deliveries = Deliveries(server.url + EVENTS_PATH, standin)
        try:
            yield Slack(standin, deliveries, server, channel, desk, settings)
        finally:
            deliveries.close()


@pytest.fixture
def slack(standin: SlackStandin, agent_settings: Settings) -> Iterator[Slack]:
    with running(standin, agent_settings) as started:
        yield started


# -- helpers: what agents do and see ------------------------------------------------------


def open_ticket(slack: Slack, user: str, subject: str, lang: str = "en") -> tuple[str, Posted]:
    """A customer's whole intake; the reference and its card in the agents' channel."""
    reference, _ = slack.open_ticket(user, subject, lang)
    card = slack.standin.wait_for(
        lambda: next(
            (p for p in slack.standin.posts_in(AGENT_CHANNEL) if reference in p.shown), None
        ),
        what=f"the card of {reference}",
    )
    # The worker records where the card landed right after Slack answered; only then can a
    # reply in its thread be matched to the ticket (people are never that quick, tests are).
    outbox_idle(slack)
    return reference, card


def button(post: Posted, label: str) -> dict[str, Any]:
    found = [b for b in post.buttons if b["text"]["text"] == label]
    assert found, f"no button {label!r} in {[b['text']['text'] for b in post.buttons]}"
    return found[0]


def press(slack: Slack, user: str, post: Posted, label: str) -> None:
    response = slack.deliveries.press(user, post, label)
    assert response.status_code == 200, response.text


def thread_reply(slack: Slack, user: str, card: Posted, text: str) -> dict[str, Any]:
    """``user`` writes ``text`` in the card's thread (a ``message.channels`` event)."""
    event = slack.deliveries.channel_message(user, AGENT_CHANNEL, text, thread_ts=card.ts)
    assert slack.deliveries.event(event).status_code == 200
    return event


def wait_thread(
    slack: Slack, card: Posted, until: str | Callable[[Posted], bool], before: int = 0
) -> list[Posted]:
    """The bot's posts in the card's thread after the first ``before``, once one matches."""

    def matches(post: Posted) -> bool:
        return until in post.shown if isinstance(until, str) else until(post)

    def ready() -> list[Posted] | None:
        new = slack.standin.thread(AGENT_CHANNEL, card.ts)[before:]
        return new if any(matches(p) for p in new) else None

    try:
        return slack.standin.wait_for(ready, what=f"a thread post matching {until!r}")
    except AssertionError as exc:
        seen = [p.shown for p in slack.standin.thread(AGENT_CHANNEL, card.ts)]
        raise AssertionError(f"{exc}\nthread: {seen}") from None


def marker(note: Posted) -> str:
    """The first line of a thread note, as shown (bold, without its asterisks)."""
    return note.shown.splitlines()[0].strip("*")


def wait_card(slack: Slack, card: Posted, until: Callable[[Posted], bool]) -> Posted:
    """The card as it is once ``until`` holds (chat.update edits the stand-in's copy)."""
    return slack.standin.wait_for(lambda: until(card) and card, what="the card to change")


def wait_dm(slack: Slack, user: str, before: int, until: str) -> list[Posted]:
    return slack.wait_new(slack.dm_of(user), before, until)


def outbox_idle(slack: Slack) -> None:
    """Wait until the worker has sent (or set aside) every notification."""

    def idle() -> bool:
        with slack.desk.database.session() as session:
            return (
                not session.query(OutboxItem)
                .filter(OutboxItem.sent_at.is_(None), OutboxItem.failed_at.is_(None))
                .count()
            )

    slack.standin.wait_for(idle, what="the outbox to empty")


def ticket(slack: Slack, reference: str) -> Ticket:
    with slack.desk.database.session() as session:
        found = session.query(Ticket).filter_by(reference=reference).one()
        session.expunge(found)
        return found


# -- the card -------------------------------------------------------------------------------


def test_a_new_ticket_gets_a_card_with_agent_buttons_in_the_agents_channel(slack: Slack) -> None:
    reference, card = open_ticket(slack, ANN, "Export to Excel fails")
    assert card.thread_ts is None, "the card is a message of its own; its thread is the ticket's"
    labels = [b["text"]["text"] for b in card.buttons]
    assert labels == [t("agent.button.claim", "en"), t("agent.button.status", "en"),
                      t("agent.button.reply", "en")]  # fmt: skip
    assert all(b["action_id"].startswith("ticket-") for b in card.buttons)
    assert button(card, t("agent.button.claim", "en"))["value"] == f"ag:claim:{reference}"
    assert t("slack.card.nobody", "en") in card.shown and card.pings == []


def test_claim_edits_the_card_in_place_and_notes_it_in_the_thread(slack: Slack) -> None:
    reference, card = open_ticket(slack, ANN, "Export to Excel fails")
    posts_before = len(slack.standin.posts_in(AGENT_CHANNEL))
    press(slack, SAM, card, t("agent.button.claim", "en"))

    wait_card(slack, card, lambda c: c.edits >= 1 and "sam" in c.shown)
    assert t("status.open.name", "en") in card.shown
    assert card.buttons, "a pressed card keeps its buttons for every agent"
    wait_thread(slack, card, t("agent.note.claimed", "en", agent="sam"))
    wait_thread(slack, card, t("agent.claimed", "en", reference=reference))
    outbox_idle(slack)
    top_level = [p for p in slack.standin.posts_in(AGENT_CHANNEL) if p.thread_ts is None]
    assert len(top_level) == posts_before == 1, "no second card: the first one was edited"
    assert [c.args["ts"] for c in slack.standin.calls_to("chat.update")] == [card.ts] * len(
        slack.standin.calls_to("chat.update")
    )
    assert ticket(slack, reference).assignee_id == f"slack:{SAM}"


def test_an_urgent_card_pings_once_and_its_edits_do_not_ping_again(slack: Slack) -> None:
    _, card = open_ticket(slack, ANN, "The site is down for everyone")
    assert card.pings == ["!here", "!here"]
    press(slack, SAM, card, t("agent.button.claim", "en"))
    wait_card(slack, card, lambda c: c.edits >= 1)
    assert card.pings == [] and t("slack.card.urgent", "en") in card.shown
    [update] = slack.standin.calls_to("chat.update")
    assert "<!here>" not in str(update.args)


def test_someone_outside_the_agents_channel_is_refused_and_nothing_changes(slack: Slack) -> None:
    reference, card = open_ticket(slack, ANN, "Export to Excel fails")
    refused = t("agent.refused", "en")

    def refusals() -> int:
        return sum(p.shown == refused for p in slack.standin.thread(AGENT_CHANNEL, card.ts))

    press(slack, EVE, card, t("agent.button.claim", "en"))
    slack.standin.wait_for(lambda: refusals() == 1, what="the refusal of the press")
    thread_reply(slack, EVE, card, "public: I can fix this, send me your PIN 4242")
    slack.standin.wait_for(lambda: refusals() == 2, what="the refusal of the reply")
    outbox_idle(slack)
    assert card.edits == 0
    assert ticket(slack, reference).assignee_id is None
    dm = slack.standin.posts_in(slack.dm_of(ANN))
    assert not any("4242" in p.shown for p in dm), "nothing reached the customer"
    members = slack.standin.calls_to("conversations.members")
    assert members and all(c.args["channel"] == AGENT_CHANNEL for c in members)


# -- the whole loop --------------------------------------------------------------------------


def test_the_agent_loop_status_replies_notes_answers_and_rating(slack: Slack) -> None:
    reference, card = open_ticket(slack, BRAM, "Exporteren naar Excel mislukt", lang="nl")
    dm = slack.dm_of(BRAM)

    # Claim, then "waiting on customer" from the status menu: the customer hears it in Dutch.
    press(slack, SAM, card, t("agent.button.claim", "en"))
    wait_card(slack, card, lambda c: "sam" in c.shown)
    # The claim's other posts (its thread note, anything to the customer) go through other
    # outbox topics than the card's edit and may still be on their way: let them land first,
    # so that what follows counts only what the status change sends.
    outbox_idle(slack)
    before_dm = slack.count(dm)
    before_thread = len(slack.standin.thread(AGENT_CHANNEL, card.ts))
    press(slack, SAM, card, t("agent.button.status", "en"))
    [menu] = [
        p
        for p in wait_thread(slack, card, lambda p: bool(p.buttons), before=before_thread)
        if p.buttons
    ]
    press(slack, SAM, menu, t("status.waiting_customer.name", "en"))
    [told] = wait_dm(slack, BRAM, before_dm, t("status.waiting_customer.name", "nl"))
    assert reference in told.shown and t("status.waiting_customer.meaning", "nl") in told.shown
    wait_card(slack, card, lambda c: t("status.waiting_customer.name", "en") in c.shown)

    # The customer's answer, typed in their DM, is threaded under the card; status back to open.
    slack.say(BRAM, "Het gebeurt ook met CSV.", until=reference)
    wait_thread(slack, card, lambda p: "Het gebeurt ook met CSV." in p.shown)
    [answer] = [
        p for p in slack.standin.thread(AGENT_CHANNEL, card.ts) if "Het gebeurt ook" in p.shown
    ]
    assert marker(answer) == t("slack.note.customer", "en")
    wait_card(slack, card, lambda c: t("status.open.name", "en") in c.shown)

    # A public reply reaches the customer; an internal note (marker) stays in the thread.
    outbox_idle(slack)
    before_dm = slack.count(dm)
    thread_reply(slack, SAM, card, "public: Please try again, the fix is live.")
    thread_reply(slack, SAM, card, "internal: it was the CSV encoding <!channel> &lt;!here&gt;")
    wait_thread(slack, card, lambda p: "it was the CSV encoding" in p.shown)
    [relayed] = wait_dm(slack, BRAM, before_dm, "Please try again, the fix is live.")
    assert relayed.shown.startswith(t("lifecycle.agent_reply", "nl", reference=reference, body="")
                                    .strip().splitlines()[0])  # fmt: skip
    thread = slack.standin.thread(AGENT_CHANNEL, card.ts)
    [sent] = [p for p in thread if "the fix is live" in p.shown]
    [note] = [p for p in thread if "CSV encoding" in p.shown]
    assert marker(sent) == t("slack.note.public", "en")
    assert marker(note) == t("slack.note.internal", "en")
    assert note.pings == [] and "CSV encoding @channel <!here>" in note.shown

    # Solved: the customer gets rating buttons; pressing one stores the rating.
    outbox_idle(slack)
    before_dm = slack.count(dm)
    press(slack, NOOR, card, t("agent.button.status", "en"))
    menus = wait_thread(slack, card, lambda p: bool(p.buttons), before=len(thread))
    press(slack, NOOR, last_with_buttons(menus), t("status.solved.name", "en"))
    asked = wait_dm(slack, BRAM, before_dm, t("status.solved.name", "nl"))
    rating = last_with_buttons(asked)
    slack.press(BRAM, rating, t("lifecycle.rating.label_5", "nl"), until=reference)
    wait_thread(slack, card, t("lifecycle.note.rated", "en", customer="bram", rating=5))
    outbox_idle(slack)

    dm_text = "\n".join(p.shown for p in slack.standin.posts_in(dm))
    assert "CSV encoding" not in dm_text, "an internal note never reaches the customer"
    assert "sam" not in dm_text and "noor" not in dm_text, "customers never see agents' names"
    stored = ticket(slack, reference)
    assert (stored.status, stored.rating) == ("solved", 5)


def test_hostile_text_in_thread_notes_pings_nobody(slack: Slack) -> None:
    _, card = open_ticket(slack, ANN, "Printer <!channel> jams")
    press(slack, SAM, card, t("agent.button.claim", "en"))
    thread_reply(slack, SAM, card, "public: <!here> @here <@U0BOSS> &lt;!everyone&gt; done")
    wait_thread(slack, card, lambda p: "done" in p.shown and "@here" in p.shown)
    outbox_idle(slack)
    for post in slack.standin.posted:
        assert post.pings == [], post.shown
    for call in slack.standin.calls_to("chat.postMessage"):
        assert "link_names" not in call.args and "parse" not in call.args


def test_a_colleague_mentioned_in_a_public_reply_reaches_the_customer_by_name(
    slack: Slack,
) -> None:
    reference, card = open_ticket(slack, ANN, "Export to Excel fails")
    before_dm = slack.count(slack.dm_of(ANN))
    thread_reply(slack, SAM, card, f"public: <@{NOOR}> will call you about {reference}.")
    [relayed] = wait_dm(slack, ANN, before_dm, "will call you")
    assert "@noor will call you" in relayed.shown and NOOR not in relayed.shown
    assert relayed.pings == []


# -- mentions and thread messages in the agents' channel ------------------------------------


def test_a_mention_in_the_agents_channel_is_an_agent_command_answered_in_its_thread(
    slack: Slack,
) -> None:
    reference, _ = open_ticket(slack, ANN, "Export to Excel fails")
    mention, message = slack.deliveries.mention_twice(SAM, AGENT_CHANNEL, "open tickets")
    assert slack.deliveries.event(mention).status_code == 200
    assert slack.deliveries.event(message).status_code == 200  # not threaded: ignored
    answers = slack.wait_new(AGENT_CHANNEL, 1, reference)
    assert [p.thread_ts for p in answers] == [mention["ts"]]
    assert t("agent.list.open", "en", count=1) in answers[0].shown


def test_a_threaded_mention_is_handled_once(slack: Slack) -> None:
    reference, card = open_ticket(slack, ANN, "Export to Excel fails")
    mention, message = slack.deliveries.mention_twice(
        SAM, AGENT_CHANNEL, f"status {reference}", thread_ts=card.ts
    )
    slack.deliveries.event(mention)
    slack.deliveries.event(message)
    wait_thread(slack, card, lambda p: p.shown.startswith(f"{reference}: Export to Excel fails"))
    outbox_idle(slack)
    views = [
        p for p in slack.standin.thread(AGENT_CHANNEL, card.ts) if p.shown.startswith(reference)
    ]
    assert len(views) == 1
    assert f"<@{BOT_USER_ID}>" not in views[0].text


def test_only_people_in_threads_of_the_agents_channel_are_heard(slack: Slack) -> None:
    _, card = open_ticket(slack, ANN, "Export to Excel fails")
    d = slack.deliveries
    d.event(d.channel_message(SAM, AGENT_CHANNEL, "public: not in a thread"))
    d.event(d.channel_message(SAM, "C0GENERAL", "public: elsewhere", thread_ts=card.ts))
    d.event(d.channel_message(SAM, AGENT_CHANNEL, "public: edited", thread_ts=card.ts,
                              subtype="message_changed"))  # fmt: skip
    d.event(d.channel_message(SAM, AGENT_CHANNEL, "public: a bot", thread_ts=card.ts,
                              bot_id="B0OTHER"))  # fmt: skip
    thread_reply(slack, SAM, card, "public: the real answer")
    wait_thread(slack, card, "the real answer")
    outbox_idle(slack)
    dm_text = "\n".join(p.shown for p in slack.standin.posts_in(slack.dm_of(ANN)))
    assert "the real answer" in dm_text
    for ignored in ("not in a thread", "elsewhere", "edited", "a bot"):
        assert ignored not in dm_text


def test_the_organization_is_found_by_the_slack_profiles_email(
    standin: SlackStandin, agent_settings: Settings, tmp_path: Path
) -> None:
    orgs = tmp_path / "organizations.yaml"
    orgs.write_text(
        "organizations:\n  - name: Example Co\n    email_domains: [example.com]\n",
        encoding="utf-8",
    )
    organizations = agent_settings.organizations.model_copy(update={"file": orgs})
    settings = agent_settings.model_copy(update={"organizations": organizations})
    with running(standin, settings) as slack:
        _, card = open_ticket(slack, ANN, "Export to Excel fails")
    assert "ann (Example Co)" in card.shown


# -- delivery through outages ----------------------------------------------------------------


def test_notifications_survive_an_outage_and_arrive_once_in_order(slack: Slack) -> None:
    _, card = open_ticket(slack, ANN, "Export to Excel fails")
    press(slack, SAM, card, t("agent.button.claim", "en"))
    wait_card(slack, card, lambda c: "sam" in c.shown)
    outbox_idle(slack)
    before_dm = slack.count(slack.dm_of(ANN))
    before_thread = len(slack.standin.thread(AGENT_CHANNEL, card.ts))

    slack.standin.outage(status=503)
    for n in range(1, 4):
        thread_reply(slack, SAM, card, f"public: update {n}")
    # The worker keeps trying (and failing) while Slack is down.
    slack.standin.wait_for(
        lambda: sum(c.status == 503 for c in slack.standin.calls_to("chat.postMessage")) >= 4,
        what="the worker to retry during the outage",
    )
    slack.standin.recover()

    wait_dm(slack, ANN, before_dm, "update 3")
    wait_thread(slack, card, "update 3", before=before_thread)
    outbox_idle(slack)
    dm = [p.shown for p in slack.standin.posts_in(slack.dm_of(ANN))[before_dm:]]
    updates = [re.search(r"update \d", text).group(0) for text in dm if "update" in text]  # type: ignore[union-attr]
    assert updates == ["update 1", "update 2", "update 3"], dm
    thread = [p.shown for p in slack.standin.thread(AGENT_CHANNEL, card.ts)[before_thread:]]
    notes = [re.search(r"update \d", s).group(0) for s in thread if "update" in s]  # type: ignore[union-attr]
    assert notes == ["update 1", "update 2", "update 3"], thread
