"""The agents' desk on Telegram, end to end: real python-telegram-bot, the real desk and outbox
worker on a real database, and the stand-in Bot API on 127.0.0.1.

The agents work in a group (CHATDESK_TELEGRAM_AGENT_CHAT): every ticket has one card there,
edited in place as the ticket changes; its thread is the card's replies (or, in a forum
supergroup, a topic per ticket). Agents are the group's members (getChatMember).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from chatdesk.core.i18n import t
from chatdesk.events import CardLocation, Choice, Message, Posted, ThreadNote, TicketCard
from chatdesk.store.models import Comment, Ticket
from chatdesk.store.outbox import DeliveryFailed

from telegram_harness import BotRunner, TelegramBot, button_for, last_with_buttons  # isort: skip
from telegram_standin import BOT_ID, ApiCall, BotApiStandIn, TgGroup, TgUser  # isort: skip
from test_telegram import open_ticket  # isort: skip

ANN = TgUser(4201, "Ann", language_code="en", username="ann_k")
SEM = TgUser(4202, "Sem", language_code="nl-NL")
BO = TgUser(5001, "Bo", last_name="Agent")  # a member of the agents' group
EVE = TgUser(5002, "Eve")  # not a member
AGENTS = TgGroup(BotRunner.AGENT_CHAT, "Support")
FORUM = TgGroup(BotRunner.AGENT_CHAT, "Support", forum=True)


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


def cards(api: BotApiStandIn) -> list[ApiCall]:
    """Cards posted in the agents' group (messages with a claim button)."""
    return [
        c
        for c in api.sent(BotRunner.AGENT_CHAT)
        if any(str(b.get("callback_data", "")).startswith("ag:claim:") for b in c.buttons)
    ]


def notes(api: BotApiStandIn) -> list[ApiCall]:
    """Lines in tickets' threads: replies to a card, or messages in a ticket's topic."""
    return [
        c for c in api.sent(BotRunner.AGENT_CHAT) if c.reply_to is not None or c.thread is not None
    ]


def answers(api: BotApiStandIn) -> list[ApiCall]:
    """The bot's direct answers to agents in their group (not cards, not thread lines)."""
    return [c for c in api.sent(BotRunner.AGENT_CHAT) if c not in cards(api) + notes(api)]


def member_lookups(api: BotApiStandIn) -> list[ApiCall]:
    """getChatMember asked about people (not the bot's own check of the group at start)."""
    return [c for c in api.calls_to("getChatMember") if c.params["user_id"] != str(BOT_ID)]


def shown(sent: list[ApiCall]) -> str:
    return "\n".join(c.shown_text for c in sent)


def ticket(bot: TelegramBot, reference: str) -> Ticket:
    with bot.desk.database.session() as session:
        found = session.scalar(select(Ticket).where(Ticket.reference == reference))
        assert found is not None
        session.expunge(found)
        return found


def comments(bot: TelegramBot, reference: str) -> list[tuple[str, str, bool]]:
    with bot.desk.database.session() as session:
        rows = session.scalars(
            select(Comment)
            .join(Ticket, Comment.ticket_id == Ticket.id)
            .where(Ticket.reference == reference)
            .order_by(Comment.id)
        )
        return [(c.author_kind, c.body, c.public) for c in rows]


# -- the card ----------------------------------------------------------------------------------
def test_a_new_ticket_gets_one_card_with_buttons_and_a_claim_edits_it_in_place(
    bots: BotRunner, api: BotApiStandIn
) -> None:
    bot = bots.start()
    reference = open_ticket(bot, ANN, "Export to Excel fails every time")

    [card] = cards(api)
    assert [b["text"] for b in card.buttons] == [
        t("agent.button.claim", "en"),
        t("agent.button.status", "en"),
        t("agent.button.reply", "en"),
    ]
    nobody = t("telegram.card.nobody", "en")
    assert t("telegram.card.assignee", "en", assignee=nobody) in card.shown_text

    answer = bot.press(BO, card, f"ag:claim:{reference}")

    assert [c.shown_text for c in answer if c in answers(api)] == [
        t("agent.claimed", "en", reference=reference)
    ]
    [edit] = api.calls_to("editMessageText")
    assert (edit.chat_id, edit.message_id) == (BotRunner.AGENT_CHAT, card.message_id)
    assert t("telegram.card.assignee", "en", assignee="Bo Agent") in edit.shown_text
    assert edit.buttons == card.buttons  # the card keeps its buttons for the next agent
    assert cards(api) == [card]  # edited, not posted again
    [claimed] = notes(api)
    assert claimed.reply_to == card.message_id
    assert t("agent.note.claimed", "en", agent="Bo Agent") in claimed.shown_text
    assert claimed.params.get("disable_notification") == "true"  # an event line is quiet
    assert ticket(bot, reference).assignee == "Bo Agent"
    # in the agents' group a pressed card keeps its keyboard
    assert [c for c in api.calls_to("editMessageReplyMarkup") if c.chat_id == AGENTS.id] == []


def test_someone_outside_the_agents_group_is_refused_and_nothing_changes(
    bots: BotRunner, api: BotApiStandIn
) -> None:
    bot = bots.start()
    reference = open_ticket(bot, ANN, "Export to Excel fails every time")
    [card] = cards(api)

    answer = bot.press(EVE, card, f"ag:claim:{reference}")

    assert shown(answer) == t("agent.refused", "en")
    assert ticket(bot, reference).assignee is None
    assert api.calls_to("editMessageText") == []
    assert notes(api) == []
    [lookup] = member_lookups(api)
    assert lookup.params["user_id"] == str(EVE.id)


def test_membership_is_asked_once_and_then_remembered(bots: BotRunner, api: BotApiStandIn) -> None:
    bot = bots.start()
    reference = open_ticket(bot, ANN, "Export to Excel fails every time")
    [card] = cards(api)

    bot.press(BO, card, f"ag:claim:{reference}")
    bot.press(BO, card, f"ag:status:{reference}")

    assert [c.params["user_id"] for c in member_lookups(api)] == [str(BO.id)]


def test_chatter_between_agents_is_not_read(bots: BotRunner, api: BotApiStandIn) -> None:
    bot = bots.start()
    open_ticket(bot, ANN, "Export to Excel fails every time")
    before = len(api.sent())

    assert bot.say(BO, "coffee anyone?", group=AGENTS) == []
    assert len(api.sent()) == before
    assert member_lookups(api) == []


def test_agents_ask_the_bot_in_their_group(bots: BotRunner, api: BotApiStandIn) -> None:
    bot = bots.start()
    reference = open_ticket(bot, ANN, "Export to Excel fails every time")

    status = bot.say(BO, f"/status {reference}", group=AGENTS)
    assert [c.chat_id for c in status] == [BotRunner.AGENT_CHAT]
    assert "Export to Excel fails every time" in shown(status)

    listing = shown(bot.say(BO, f"@{api.username} open tickets", group=AGENTS))
    assert listing.startswith(t("agent.list.open", "en", count=1))
    assert reference in listing


# -- the whole loop ------------------------------------------------------------------------------
def test_the_agent_loop_from_claim_to_rating(bots: BotRunner, api: BotApiStandIn) -> None:
    bot = bots.start()
    reference = open_ticket(bot, SEM, "Printer op de derde verdieping drukt lege pagina's af")
    [card] = cards(api)
    bot.press(BO, card, f"ag:claim:{reference}")

    # Status menu, then "waiting on customer": the customer hears it in Dutch, in their chat.
    menu = last_with_buttons(bot.press(BO, card, f"ag:status:{reference}"))
    assert menu.chat_id == BotRunner.AGENT_CHAT
    bot.press(BO, menu, f"ag:set:{reference}:waiting_customer")
    to_sem = api.sent(SEM.id)[-1]
    assert t("status.waiting_customer.name", "nl") in to_sem.shown_text
    assert t("status.waiting_customer.meaning", "nl") in to_sem.shown_text
    assert t("status.waiting_customer.name", "en") in api.calls_to("editMessageText")[-1].shown_text

    # The customer's answer comes back into the ticket's thread, as a reply to the card.
    bot.say(SEM, "Het is model HP LaserJet 4250, het lampje knippert oranje.")
    answered = [n for n in notes(api) if "HP LaserJet 4250" in n.shown_text]
    assert len(answered) == 1
    assert answered[0].reply_to == card.message_id
    assert answered[0].shown_text.startswith(t("telegram.note.customer", "en", reference=reference))
    assert ticket(bot, reference).status == "open"

    # A plain reply to the card is an internal note (the default): the customer sees nothing.
    to_customer = len(api.sent(SEM.id))
    bot.exchange(bot.updates.reply(BO, card, "Toner <cartridge> looks empty", AGENTS))
    assert len(api.sent(SEM.id)) == to_customer
    internal = notes(api)[-1]
    assert internal.shown_text.startswith(t("telegram.note.internal", "en", reference=reference))
    assert "Toner <cartridge> looks empty" in internal.shown_text

    # "public:" sends it to the customer, and the thread says so plainly.
    bot.exchange(
        bot.updates.reply(BO, card, "Public: We hebben een nieuwe toner geplaatst.", AGENTS)
    )
    relayed = api.sent(SEM.id)[-1]
    assert relayed.shown_text == t(
        "lifecycle.agent_reply",
        "nl",
        reference=reference,
        body="We hebben een nieuwe toner geplaatst.",
    )
    public = notes(api)[-1]
    assert public.shown_text.startswith(t("telegram.note.public", "en", reference=reference))
    assert comments(bot, reference)[-2:] == [
        ("agent", "Toner <cartridge> looks empty", False),
        ("agent", "We hebben een nieuwe toner geplaatst.", True),
    ]

    # An agent may also answer any line of the thread, not only the card.
    bot.exchange(bot.updates.reply(BO, internal, "internal: ordered spare toner", AGENTS))
    assert comments(bot, reference)[-1] == ("agent", "ordered spare toner", False)

    # Solved: the customer is asked for a rating with buttons; the press is stored.
    menu = last_with_buttons(bot.press(BO, card, f"ag:status:{reference}"))
    bot.press(BO, menu, f"ag:set:{reference}:solved")
    rating = last_with_buttons(api.sent(SEM.id))
    assert rating.chat_id == SEM.id
    bot.press(SEM, rating, button_for(rating, "5"))
    assert ticket(bot, reference).rating == 5
    assert any("5/5" in n.shown_text for n in notes(api))


# -- delivery that loses nothing ------------------------------------------------------------
def test_notifications_survive_an_outage_and_arrive_once_in_order(
    bots: BotRunner, api: BotApiStandIn
) -> None:
    bot = bots.start(outbox_max_backoff_seconds=1)
    reference = open_ticket(bot, ANN, "Export to Excel fails every time")
    [card] = cards(api)
    bot.press(BO, card, f"ag:claim:{reference}")

    api.start_outage(502)  # Telegram's sending side is down
    for word in ("One", "Two", "Three"):
        bot.deliver(bot.updates.reply(BO, card, f"public: Update {word}", AGENTS))
    bot.settle(outbox=False)
    api.wait_for("sendMessage", lambda c: c.status == 502, count=4, ok_only=False)
    assert bot.pending() > 0  # nothing lost: still waiting in the outbox
    api.end_outage()
    bot.wait_outbox(timeout=30)

    to_ann = [c.shown_text for c in api.sent(ANN.id) if "Update" in c.shown_text]
    assert to_ann == [
        t("lifecycle.agent_reply", "en", reference=reference, body=f"Update {word}")
        for word in ("One", "Two", "Three")
    ]
    thread = [c.shown_text for c in notes(api) if "Update" in c.shown_text]
    assert [re.search(r"Update (\w+)", s).group(1) for s in thread] == ["One", "Two", "Three"]  # type: ignore[union-attr]


def test_a_blocked_customer_does_not_hold_up_the_agents(
    bots: BotRunner, api: BotApiStandIn
) -> None:
    bot = bots.start()
    open_ticket(bot, ANN, "Export to Excel fails every time")
    [card] = cards(api)
    api.blocked_chats.add(ANN.id)  # Ann blocked the bot: a permanent failure, set aside

    bot.exchange(bot.updates.reply(BO, card, "public: Fixed in 4.2", AGENTS))

    assert notes(api)[-1].shown_text.endswith("Fixed in 4.2")
    assert bot.pending() == 0
    [refused] = [c for c in api.calls_to("sendMessage", ok_only=False) if c.status == 403]
    assert refused.chat_id == ANN.id


# -- forum topics ---------------------------------------------------------------------------
def test_with_topics_each_ticket_gets_its_own_topic_and_replies_there_become_comments(
    bots: BotRunner, api: BotApiStandIn
) -> None:
    api.make_forum(BotRunner.AGENT_CHAT)
    bot = bots.start(telegram_agent_topics=True)
    first = open_ticket(bot, ANN, "Export to Excel fails every time")
    second = open_ticket(bot, SEM, "Printer drukt lege pagina's af")

    topics = api.calls_to("createForumTopic")
    assert [c.params["name"] for c in topics] == [
        f"{first} · Export to Excel fails every time",
        f"{second} · Printer drukt lege pagina's af",
    ]
    ids = [c.result["message_thread_id"] for c in topics]
    assert [c.thread for c in cards(api)] == ids

    # An agent writes in the first ticket's topic (no reply needed): a comment on that ticket.
    bot.exchange(bot.updates.message(BO, "public: A fix is on its way", group=FORUM, topic=ids[0]))
    assert comments(bot, first)[-1] == ("agent", "A fix is on its way", True)
    assert comments(bot, second) == [] or all("fix" not in c[1] for c in comments(bot, second))
    assert "A fix is on its way" in api.sent(ANN.id)[-1].shown_text
    [note] = [n for n in notes(api) if "A fix is on its way" in n.shown_text]
    assert note.thread == ids[0] and note.reply_to is None

    # Buttons on a card in a topic answer in that topic.
    [card] = [c for c in cards(api) if c.thread == ids[1]]
    claimed = t("agent.claimed", "en", reference=second)
    answer = [c for c in bot.press(BO, card, f"ag:claim:{second}") if c.shown_text == claimed]
    assert [c.thread for c in answer] == [ids[1]]


def test_a_topic_name_is_clipped_to_telegrams_limit(bots: BotRunner, api: BotApiStandIn) -> None:
    api.make_forum(BotRunner.AGENT_CHAT)
    bot = bots.start(telegram_agent_topics=True)
    reference = open_ticket(bot, ANN, "Export " + "very " * 26 + "slow")

    [topic] = api.calls_to("createForumTopic")
    name = topic.params["name"]
    assert name.startswith(f"{reference} · Export very") and name.endswith("…")
    assert len(name) <= 128


# -- deliver(), one item at a time ---------------------------------------------------------------
CARD = TicketCard("SD-1", "Export fails", "Ann", "normal", "new", "telegram", ticket_id=1)


def with_channel(bots: BotRunner, act: Callable[[Any], Awaitable[Any]], **overrides: Any) -> Any:
    """Run ``act(channel)`` against a started (not serving) TelegramChannel, as the worker does."""
    from chatdesk.adapters.server import telegram_channel
    from chatdesk.app import open_desk

    settings = bots.settings(**overrides)
    desk = open_desk(settings)
    channel = telegram_channel(settings, desk)

    async def main() -> Any:
        await channel.app.initialize()
        try:
            return await act(channel)
        finally:
            await channel.stop()

    try:
        return asyncio.run(main())
    finally:
        desk.database.dispose()


def failure(bots: BotRunner, reply: Any) -> BaseException:
    async def act(channel: Any) -> BaseException:
        try:
            await channel.deliver(reply, None)
        except Exception as exc:
            return exc
        raise AssertionError("deliver() did not fail")

    return with_channel(bots, act)  # type: ignore[no-any-return]


def test_deliver_tells_the_outbox_which_failures_are_worth_a_retry(
    bots: BotRunner, api: BotApiStandIn
) -> None:
    to_ann = Message("telegram", str(ANN.id), "Your ticket SD-1 is solved.")

    api.blocked_chats.add(ANN.id)
    blocked = failure(bots, to_ann)
    assert isinstance(blocked, DeliveryFailed) and blocked.permanent
    api.blocked_chats.clear()

    api.fail_next("sendMessage", 400, description="Bad Request: chat not found")
    gone = failure(bots, to_ann)
    assert isinstance(gone, DeliveryFailed) and gone.permanent

    api.fail_next("sendMessage", 429, retry_after=7)
    limited = failure(bots, to_ann)
    assert isinstance(limited, DeliveryFailed) and not limited.permanent
    assert limited.retry_after == 7

    api.fail_next("sendMessage", 502)
    down = failure(bots, to_ann)
    assert not isinstance(down, DeliveryFailed)  # a plain error: the outbox backs off

    # One attempt each: the outbox does the waiting, not the worker's send.
    statuses = [c.status for c in api.calls_to("sendMessage", ok_only=False)]
    assert statuses == [403, 400, 429, 502]


def test_an_unchanged_card_is_fine_and_a_deleted_card_is_posted_again(
    bots: BotRunner, api: BotApiStandIn
) -> None:
    async def act(channel: Any) -> tuple[Posted, Posted, Posted]:
        first = await channel.deliver(CARD, None)
        where = CardLocation(first.chat_id, first.message_id, first.thread_id)
        same = await channel.deliver(CARD, where)  # Telegram: "message is not modified"
        deleted = CardLocation(first.chat_id, "999999", None)
        again = await channel.deliver(CARD, deleted)
        return first, same, again

    first, same, again = with_channel(bots, act)

    assert same == first
    assert [c.status for c in api.calls_to("editMessageText", ok_only=False)] == [400, 400]
    assert again.message_id != first.message_id
    assert len(api.sent(BotRunner.AGENT_CHAT)) == 2  # the first post and the re-post


def test_thread_notes_answer_the_card_marked_split_and_quiet_unless_they_ping(
    bots: BotRunner, api: BotApiStandIn
) -> None:
    long_answer = "The log says: <error code=7> & more. " * 160  # over 4096 characters
    notes_to_send = [
        ThreadNote("telegram", "SD-1", long_answer, kind="customer"),
        ThreadNote("telegram", "SD-1", "Bo set the status to Open.", kind="event"),
        ThreadNote("telegram", "SD-1", "First response target missed.", "escalation", ping=True),
        ThreadNote(
            "telegram", "SD-1", "Approve?", kind="event", choices=(Choice("ok:SD-1", "Approve"),)
        ),
    ]

    async def act(channel: Any) -> list[Posted]:
        card = await channel.deliver(CARD, None)
        where = CardLocation(card.chat_id, card.message_id, None)
        return [card] + [await channel.deliver(note, where) for note in notes_to_send]

    card, *posted = with_channel(bots, act)

    sent = api.sent(BotRunner.AGENT_CHAT)[1:]
    assert all(c.reply_to == int(card.message_id) for c in sent)
    customer = sent[:-3]
    assert len(customer) == 2
    assert all(
        c.shown_text.startswith(t("telegram.note.customer", "en", reference="SD-1"))
        for c in customer
    )
    assert "<error code=7> & more." in customer[0].shown_text  # escaped, shown as written
    quiet = [c.params.get("disable_notification") for c in sent]
    assert quiet == ["false", "false", "true", "false", "true"]
    assert sent[-1].buttons == [{"text": "Approve", "callback_data": "ok:SD-1"}]
    assert posted[0].message_id == str(customer[0].message_id)


def test_without_an_agents_chat_cards_and_notes_are_skipped(
    bots: BotRunner, api: BotApiStandIn
) -> None:
    async def act(channel: Any) -> list[Any]:
        note = ThreadNote("telegram", "SD-1", "hello")
        return [await channel.deliver(CARD, None), await channel.deliver(note, None)]

    assert with_channel(bots, act, telegram_agent_chat="") == [None, None]
    assert api.sent() == []


def set_aside(bot: TelegramBot) -> list[str]:
    """Outbox items given up on (failed for good), with their reasons."""
    from chatdesk.store.models import OutboxItem

    with bot.desk.database.session() as session:
        rows = session.scalars(select(OutboxItem).where(OutboxItem.failed_at.is_not(None)))
        return [str(row.last_error) for row in rows]


def test_a_deleted_topic_is_opened_again_and_nothing_about_the_ticket_is_lost(
    bots: BotRunner, api: BotApiStandIn
) -> None:
    api.make_forum(BotRunner.AGENT_CHAT)
    bot = bots.start(telegram_agent_topics=True)
    reference = open_ticket(bot, ANN, "Export to Excel fails every time")
    [card] = cards(api)
    bot.press(BO, card, f"ag:claim:{reference}")
    menu = last_with_buttons(bot.press(BO, card, f"ag:status:{reference}"))
    bot.press(BO, menu, f"ag:set:{reference}:solved")
    assert card.thread is not None
    api.delete_topic(BotRunner.AGENT_CHAT, card.thread)  # an agent tidies up a solved ticket
    before = len(api.sent(BotRunner.AGENT_CHAT))

    # The customer reopens it: the card and the lines about it reach the agents again.
    bot.say(ANN, f"{reference} sorry, the export fails again since this morning")

    assert ticket(bot, reference).status == "open"
    assert set_aside(bot) == []
    first, second = api.calls_to("createForumTopic")
    assert second.params["name"] == first.params["name"]
    topic = second.result["message_thread_id"]
    after = api.sent(BotRunner.AGENT_CHAT)[before:]
    [again] = [c for c in after if c in cards(api)]
    assert again.thread == topic
    assert t("status.open.name", "en") in again.shown_text
    # The lines written with the change come before the card: the topic is gone, so they are
    # said in the main chat, on their own, and can be answered there like any thread line.
    lines = [c for c in after if c is not again]
    assert [c.thread for c in lines] == [None] * len(lines)
    [comeback] = [c for c in lines if "the export fails again" in c.shown_text]
    assert comeback.shown_text.startswith(t("telegram.note.customer", "en", reference=reference))
    bot.exchange(bot.updates.reply(BO, comeback, "internal: same as last month", FORUM))
    assert comments(bot, reference)[-1] == ("agent", "same as last month", False)

    # Later lines go to the new topic, and agents answer there as before.
    bot.say(ANN, f"{reference} it happens with every report")
    assert api.sent(BotRunner.AGENT_CHAT)[-1].thread == topic
    bot.exchange(bot.updates.message(BO, "public: Looking into it", group=FORUM, topic=topic))
    assert comments(bot, reference)[-1] == ("agent", "Looking into it", True)
    assert "Looking into it" in api.sent(ANN.id)[-1].shown_text
    assert set_aside(bot) == []


def test_a_note_for_a_deleted_topic_goes_to_the_main_chat_and_a_card_to_a_new_topic(
    bots: BotRunner, api: BotApiStandIn
) -> None:
    api.make_forum(BotRunner.AGENT_CHAT)
    note = ThreadNote("telegram", "SD-1", "It fails again.", kind="customer")

    async def act(channel: Any) -> list[Posted]:
        first = await channel.deliver(CARD, None)
        where = CardLocation(first.chat_id, first.message_id, first.thread_id)
        api.delete_topic(BotRunner.AGENT_CHAT, int(first.thread_id))
        alone = await channel.deliver(note, where)  # no card change: the main chat
        moved = await channel.deliver(CARD, where)  # the card opens a new topic
        there = CardLocation(moved.chat_id, moved.message_id, moved.thread_id)
        api.delete_topic(BotRunner.AGENT_CHAT, int(moved.thread_id))
        api.fail_next("createForumTopic", 400, description="Bad Request: not enough rights")
        main = await channel.deliver(CARD, there)  # no new topic allowed: the main chat
        return [first, alone, moved, main]

    first, alone, moved, main = with_channel(bots, act, telegram_agent_topics=True)

    assert alone.thread_id is None
    posted = api.sent(BotRunner.AGENT_CHAT)
    [line] = [c for c in posted if "It fails again." in c.shown_text]
    assert line.thread is None and line.reply_to is None
    assert line.shown_text.startswith(t("telegram.note.customer", "en", reference="SD-1"))
    assert moved.thread_id not in (None, first.thread_id)
    assert main.thread_id is None and main.message_id not in (first.message_id, moved.message_id)
    title = t("telegram.card.title", "en", reference="SD-1")
    card_posts = [c for c in posted if c.shown_text.startswith(title)]
    assert [c.thread for c in card_posts] == [int(first.thread_id), int(moved.thread_id), None]
    refused = [c for c in api.calls_to("sendMessage", ok_only=False) if c.status != 200]
    # one try in each deleted topic: the note's (then the topic is known to be gone, and the
    # card's re-post opens a new one at once), and the card's in the second deleted topic
    assert [c.thread for c in refused] == [int(first.thread_id), int(moved.thread_id)]


# -- customer words in the agents' group ---------------------------------------------------------
def test_customer_words_in_the_agents_group_notify_nobody_and_run_nothing(
    bots: BotRunner, api: BotApiStandIn
) -> None:
    """A customer's "@agent_alice" would notify that member, and "/ban_all" is a command one
    tap sends to every bot in the group: on the card, in the thread and in an agent's
    /status answer they arrive as plain words."""
    mallory = TgUser(4299, "@agent_bob", language_code="en")
    bot = bots.start()
    subject = "@agent_alice export fails, try /ban_all"
    reference = open_ticket(bot, mallory, subject)
    bot.say(mallory, f"{reference} @agent_alice look at this /kick@{api.username}")
    bot.settle()
    bot.say(BO, f"/status {reference}", group=AGENTS)

    to_agents = [
        c
        for c in api.calls
        if c.method in ("sendMessage", "editMessageText") and c.chat_id == AGENTS.id
    ]
    [card] = cards(api)
    assert any(c.reply_to == card.message_id and "look at this" in c.shown_text for c in notes(api))
    assert [(c.shown_text, c.pings) for c in to_agents if c.pings] == []
    readable = [c.shown_text.replace("\u200b", "") for c in to_agents]
    assert subject in readable[0] and "@agent_bob" in readable[0]  # the card, as written
    assert any(f"@agent_alice look at this /kick@{api.username}" in r for r in readable)
    assert sum(subject in r for r in readable) >= 2  # the /status answer quotes it too
    # only the agents' group is defused: the customer's own chat is sent as it was
    assert all("\u200b" not in c.shown_text for c in api.sent(mallory.id))
