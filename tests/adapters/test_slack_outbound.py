"""``SlackChannel.deliver``, the outbox's way out on Slack, against the stand-in Web API.

Each test hands one neutral reply (and where the ticket's card is, if anywhere) to the channel,
as the outbox worker does, and reads what Slack would show, or which ``DeliveryFailed`` the
worker gets: permanent when retrying cannot help, with Slack's ``Retry-After`` on a 429,
transient otherwise, always without hanging on one item.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Callable, Iterator

import pytest

from slack_standin import AGENT_CHANNEL, BOT_TOKEN, SIGNING_SECRET, SlackStandin  # isort: skip

from chatdesk.adapters.server import slack_channel
from chatdesk.adapters.slack.catalogue import t
from chatdesk.adapters.slack.channel import SlackChannel
from chatdesk.adapters.slack.render import MAX_BUTTONS
from chatdesk.app import open_desk
from chatdesk.config import Settings
from chatdesk.events import CardLocation, Choice, Message, Posted, ThreadNote, TicketCard
from chatdesk.store.outbox import DeliveryFailed

ANN = "U0ANN"
CARD = TicketCard(
    reference="SD-7",
    subject="Export <!channel> fails",
    requester="ann",
    priority="urgent",
    status="new",
    platform="slack",
    urgent=True,
    ticket_id=7,
    actions=(Choice("ag:claim:SD-7", "Claim"), Choice("ag:status:SD-7", "Set status")),
)


@pytest.fixture
def standin() -> Iterator[SlackStandin]:
    with SlackStandin() as running:
        running.add_user(ANN, "ann")
        yield running


@pytest.fixture
def make_channel(
    make_settings: Callable[..., Settings], standin: SlackStandin
) -> Callable[..., SlackChannel]:
    def make(**overrides: object) -> SlackChannel:
        values: dict[str, object] = {
            "slack_bot_token": BOT_TOKEN,
            "slack_signing_secret": SIGNING_SECRET,
            "slack_api_url": standin.base_url,
            "slack_agent_channel": AGENT_CHANNEL,
        }
        values.update(overrides)
        settings = make_settings(**values)
        return slack_channel(settings, open_desk(settings))

    return make


@pytest.fixture
def channel(make_channel: Callable[..., SlackChannel]) -> SlackChannel:
    return make_channel()


def deliver(
    channel: SlackChannel, reply: object, card: CardLocation | None = None
) -> Posted | None:
    return asyncio.run(channel.deliver(reply, card))  # type: ignore[arg-type]


def test_a_message_to_a_user_id_lands_in_their_dm(
    channel: SlackChannel, standin: SlackStandin
) -> None:
    assert deliver(channel, Message("slack", ANN, "Your ticket <!here> is solved")) is None
    [post] = standin.posts_in("D0ANN")
    assert post.shown == "Your ticket <!here> is solved" and post.pings == []


def test_numbered_choices_are_headed_in_the_readers_language(
    channel: SlackChannel, standin: SlackStandin
) -> None:
    """Past Slack's button limit the choices become numbered lines under a heading of the
    adapter's own; it follows the customer's language the message carries, not the desk's."""
    many = tuple(Choice(f"t:{n}", f"Ticket {n}") for n in range(1, MAX_BUTTONS + 2))
    deliver(channel, Message("slack", ANN, "Welke?", many, lang="nl"))
    deliver(channel, Message("slack", ANN, "Which one?", many))  # an older row: no language
    dutch, default = standin.posts_in("D0ANN")
    assert t("slack.choices.numbered", "nl") in dutch.shown
    assert t("slack.choices.numbered", "en") not in dutch.shown
    assert t("slack.choices.numbered", "en") in default.shown
    assert f"{MAX_BUTTONS + 1}. Ticket {MAX_BUTTONS + 1}" in dutch.shown and not dutch.buttons


def test_a_card_is_posted_once_then_edited_in_place_without_a_new_ping(
    channel: SlackChannel, standin: SlackStandin
) -> None:
    posted = deliver(channel, CARD)
    assert posted is not None
    [card] = standin.posts_in(AGENT_CHANNEL)
    assert posted == Posted(AGENT_CHANNEL, card.ts, card.ts)
    assert card.pings == ["!here", "!here"]
    assert [b["value"] for b in card.buttons] == ["ag:claim:SD-7", "ag:status:SD-7"]

    claimed = TicketCard(**{**CARD.__dict__, "status": "open", "assignee": "sam"})
    again = deliver(channel, claimed, CardLocation(AGENT_CHANNEL, card.ts, card.ts))
    assert again == posted
    assert len(standin.posts_in(AGENT_CHANNEL)) == 1 and card.edits == 1
    assert "sam" in card.shown and card.pings == []
    assert t("slack.card.urgent", "en") in card.shown


def test_a_deleted_card_is_posted_again(channel: SlackChannel, standin: SlackStandin) -> None:
    first = deliver(channel, CARD)
    assert first is not None
    standin.delete(AGENT_CHANNEL, first.message_id)
    second = deliver(channel, CARD, CardLocation(AGENT_CHANNEL, first.message_id, first.thread_id))
    assert second is not None and second.message_id != first.message_id
    [card] = standin.posts_in(AGENT_CHANNEL)
    assert card.ts == second.message_id == second.thread_id


def test_a_thread_note_is_marked_by_kind_and_posted_under_the_card(
    channel: SlackChannel, standin: SlackStandin
) -> None:
    card = deliver(channel, CARD)
    assert card is not None
    where = CardLocation(card.chat_id, card.message_id, card.thread_id)
    for kind in ("customer", "public", "internal", "event"):
        note = ThreadNote("slack", "SD-7", f"{kind} <!channel> words", kind)
        assert deliver(channel, note, where) == Posted(
            AGENT_CHANNEL, standin.posted[-1].ts, card.message_id
        )
    thread = standin.thread(AGENT_CHANNEL, card.message_id)
    assert [p.shown.splitlines()[0].strip("*") for p in thread] == [
        t("slack.note.customer", "en"),
        t("slack.note.public", "en"),
        t("slack.note.internal", "en"),
        t("slack.note.event", "en", reference="SD-7"),
    ]
    assert all(p.pings == [] and not p.broadcast for p in thread)
    assert "customer <!channel> words" in thread[0].shown


def test_an_escalation_pings_the_channel_and_long_notes_are_split(
    channel: SlackChannel, standin: SlackStandin
) -> None:
    card = deliver(channel, CARD)
    assert card is not None
    where = CardLocation(card.chat_id, card.message_id, card.thread_id)
    text = "The first response target was missed. " + "x & y " * 1200
    note = ThreadNote(
        "slack", "SD-7", text, "escalation", ping=True, choices=(Choice("ag:claim:SD-7", "Claim"),)
    )
    deliver(channel, note, where)
    thread = standin.thread(AGENT_CHANNEL, card.message_id)
    assert len(thread) > 1
    assert thread[0].pings == ["!here", "!here"] and thread[0].broadcast  # text and block
    assert all(p.pings == [] and not p.broadcast for p in thread[1:])
    assert [b["value"] for b in thread[-1].buttons] == ["ag:claim:SD-7"]
    assert thread[-1].buttons[0]["action_id"].startswith("ticket-")


def test_without_an_agent_channel_cards_and_notes_are_skipped_with_a_log_line(
    make_channel: Callable[..., SlackChannel],
    standin: SlackStandin,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="chatdesk.adapters.slack.outbound")
    channel = make_channel(slack_agent_channel=None)
    assert deliver(channel, CARD) is None
    where = CardLocation(AGENT_CHANNEL, "1700000000.000001", "1700000000.000001")
    assert deliver(channel, ThreadNote("slack", "SD-7", "hello"), where) is None
    assert standin.posted == []
    assert sum("SD-7 not posted" in r.getMessage() for r in caplog.records) == 2


@pytest.mark.parametrize(
    "error", ["channel_not_found", "not_in_channel", "is_archived", "account_inactive"]
)
def test_errors_retrying_cannot_cure_are_permanent(
    channel: SlackChannel, standin: SlackStandin, error: str
) -> None:
    standin.fail_next("chat.postMessage", status=200, error=error)
    with pytest.raises(DeliveryFailed, match=error) as failed:
        deliver(channel, CARD)
    assert failed.value.permanent and failed.value.retry_after is None


def test_a_rate_limit_is_handed_to_the_outbox_with_slacks_retry_after(
    channel: SlackChannel, standin: SlackStandin
) -> None:
    standin.fail_next("chat.postMessage", status=429, retry_after=7)
    with pytest.raises(DeliveryFailed) as failed:
        deliver(channel, Message("slack", "D0ANN", "hello"))
    assert failed.value.retry_after == 7.0 and not failed.value.permanent
    assert len(standin.calls_to("chat.postMessage")) == 1, "no sleeping on it in the worker"


def test_a_server_error_is_retried_once_then_left_to_the_outbox(
    channel: SlackChannel, standin: SlackStandin
) -> None:
    standin.fail_next("chat.postMessage", status=503)
    deliver(channel, Message("slack", "D0ANN", "hello"))
    assert [c.status for c in standin.calls_to("chat.postMessage")] == [503, 200]

    standin.outage(status=503)
    with pytest.raises(DeliveryFailed) as failed:
        deliver(channel, Message("slack", "D0ANN", "again"))
    assert not failed.value.permanent and failed.value.retry_after is None
    assert [c.status for c in standin.calls_to("chat.postMessage")][2:] == [503, 503]

    standin.outage(status=502)  # a gateway error: not retried by slack_sdk at all
    with pytest.raises(DeliveryFailed):
        deliver(channel, Message("slack", "D0ANN", "and again"))
    assert [c.status for c in standin.calls_to("chat.postMessage")][4:] == [502]


def test_slack_unreachable_is_a_transient_failure(
    make_channel: Callable[..., SlackChannel],
) -> None:
    with socket.create_server(("127.0.0.1", 0)) as closed:
        port = closed.getsockname()[1]
    channel = make_channel(slack_api_url=f"http://127.0.0.1:{port}/api/")
    with pytest.raises(DeliveryFailed, match="unreachable") as failed:
        deliver(channel, Message("slack", "D0ANN", "hello"))
    assert not failed.value.permanent
