"""The outbox: notifications written with the change, sent once, in order, through outages.

The worker is driven by hand (``Worker.drain``) with the tests' clock, so back-off is a matter
of moving the clock. The sender here stands in for a platform adapter (the boundary the outbox
talks to): it records what it was given and fails when told to.
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select

from chatdesk.core.i18n import t
from chatdesk.desk.notify import build_card
from chatdesk.events import CardLocation, Message, Posted, ThreadNote, TicketCard
from chatdesk.store import outbox, tickets
from chatdesk.store.models import OutboxItem, TicketPost
from chatdesk.store.outbox import DeliveryFailed
from chatdesk.worker import Worker


class PlatformStandIn:
    """A Sender: keeps what it delivered, fails the next ``outage`` attempts."""

    def __init__(self, name: str = "test") -> None:
        self.name = name
        self.delivered: list[tuple[object, CardLocation | None]] = []
        self.outage = 0
        self.error: Exception = ConnectionError("platform answered 502")
        self.attempts = 0
        self._next_id = 100

    async def deliver(self, reply, card, progress):  # type: ignore[no-untyped-def]
        self.attempts += 1
        if self.outage > 0:
            self.outage -= 1
            raise self.error
        self.delivered.append((reply, card))
        if isinstance(reply, TicketCard | ThreadNote):
            if isinstance(reply, TicketCard) and card is not None:
                return Posted(card.chat_id, card.message_id, card.thread_id)
            self._next_id += 1
            return Posted("agents", str(self._next_id), None)
        return None

    @property
    def texts(self) -> list[str]:
        return [getattr(reply, "text", "") for reply, _ in self.delivered]


def _message(text: str, chat: str = "chat-1") -> Message:
    return Message("test", chat, text)


def _enqueue(desk, *replies, ticket_id=None) -> None:  # type: ignore[no-untyped-def]
    with desk.database.session() as session:
        for reply in replies:
            outbox.enqueue(session, reply, desk.clock(), ticket_id=ticket_id)


def _drain(worker: Worker) -> int:
    return asyncio.run(worker.drain())


@pytest.fixture
def platform() -> PlatformStandIn:
    return PlatformStandIn()


@pytest.fixture
def worker(desk, platform) -> Worker:  # type: ignore[no-untyped-def]
    return Worker(desk, {"test": platform}, jobs=[])


def test_a_notification_exists_only_if_its_change_committed(desk):
    with pytest.raises(RuntimeError), desk.database.session() as session:
        outbox.enqueue(session, _message("rolled back"), desk.clock())
        raise RuntimeError("the change failed")
    with desk.database.session() as session:
        assert outbox.pending_count(session) == 0


def test_messages_of_one_chat_are_sent_in_order_one_at_a_time(desk, worker, platform):
    _enqueue(desk, _message("first"), _message("second"), _message("other chat", "chat-2"))
    assert _drain(worker) == 2  # the heads of both chats; "second" waits for "first"
    assert sorted(platform.texts) == ["first", "other chat"]  # two chats: side by side
    assert _drain(worker) == 1
    assert platform.texts[-1] == "second"
    assert _drain(worker) == 0


def test_an_outage_delays_messages_but_every_one_arrives_once_in_order(
    desk, worker, platform, clock
):
    _enqueue(desk, *(_message(f"update {n}") for n in range(3)))
    platform.outage = 4
    for _ in range(4):  # each failed attempt pushes the item back; the clock catches up
        assert _drain(worker) == 1
        assert _drain(worker) == 0  # backing off: nothing is due yet
        clock.advance(seconds=worker.settings.delivery.max_backoff_seconds)
    while _drain(worker):
        pass
    assert platform.texts == ["update 0", "update 1", "update 2"]
    with desk.database.session() as session:
        rows = list(session.scalars(select(OutboxItem).order_by(OutboxItem.id)))
    assert [row.attempts for row in rows] == [5, 1, 1]
    assert all(row.sent_at is not None and row.last_error is None for row in rows)


def test_back_off_doubles_and_respects_retry_after(desk, worker, platform, clock):
    _enqueue(desk, _message("slow"))
    platform.outage = 2
    _drain(worker)
    with desk.database.session() as session:
        first = session.scalar(select(OutboxItem))
        assert first.due_at - clock.now == timedelta(seconds=2)
        assert "502" in first.last_error
    clock.advance(seconds=2)
    platform.error = DeliveryFailed("ratelimited", retry_after=30)
    _drain(worker)
    with desk.database.session() as session:
        assert session.scalar(select(OutboxItem)).due_at - clock.now == timedelta(seconds=30)


def test_a_hopeless_item_is_set_aside_and_the_chat_moves_on(desk, worker, platform):
    _enqueue(desk, _message("to a blocked user"), _message("next"))
    platform.outage = 1
    platform.error = DeliveryFailed("Forbidden: bot was blocked by the user", permanent=True)
    _drain(worker)
    _drain(worker)
    assert platform.texts == ["next"]
    with desk.database.session() as session:
        blocked = session.scalar(select(OutboxItem).order_by(OutboxItem.id))
        assert blocked.failed_at is not None and "blocked" in blocked.last_error
        assert outbox.pending_count(session) == 0


def test_a_claimed_item_belongs_to_its_worker_until_the_lease_runs_out(desk, clock):
    _enqueue(desk, _message("leased"))
    lease = timedelta(seconds=60)
    [mine] = outbox.claim(desk.database, "one", ["test"], clock.now, lease=lease)
    assert outbox.claim(desk.database, "two", ["test"], clock.now, lease=lease) == []
    clock.advance(seconds=61)  # worker "one" died without a word
    [again] = outbox.claim(desk.database, "two", ["test"], clock.now, lease=lease)
    assert again.id == mine.id and again.attempts == 2
    # the late worker's report is ignored: the item now belongs to "two"
    outbox.sent(desk.database, mine, "one", clock.now, None)
    with desk.database.session() as session:
        assert session.scalar(select(OutboxItem)).sent_at is None


def test_an_item_that_waited_in_a_batch_past_its_lease_is_not_sent_twice(desk, clock, platform):  # type: ignore[no-untyped-def]
    """A worker sends its batch a few at a time; an item still waiting when its lease runs
    out may be claimed by another worker. The first one renews its claim just before each
    send and leaves an item it lost alone."""
    _enqueue(desk, _message("first"), _message("second", chat="chat-2"))
    slow = Worker(desk, {"test": platform}, jobs=[])
    lease = timedelta(seconds=desk.settings.delivery.lease_seconds)
    first, second = outbox.claim(desk.database, slow.name, ["test"], clock.now, lease=lease)
    asyncio.run(slow._send(first))
    clock.advance(seconds=lease.total_seconds() + 1)  # "second" waited past its lease
    [taken] = outbox.claim(desk.database, "quick", ["test"], clock.now, lease=lease)
    assert taken.id == second.id

    asyncio.run(slow._send(second))  # too late: it belongs to "quick" now
    assert platform.texts == ["first"]
    assert not outbox.renew(desk.database, second, slow.name, clock.now, lease)
    assert outbox.renew(desk.database, taken, "quick", clock.now, lease)


def test_workers_racing_for_the_outbox_never_share_an_item(desk, clock):
    _enqueue(desk, *(_message(f"m{n}", chat=f"chat-{n}") for n in range(40)))
    claimed: list[list[int]] = [[] for _ in range(4)]
    barrier = threading.Barrier(4)

    def race(index: int) -> None:
        barrier.wait()
        for _ in range(10):
            batch = outbox.claim(desk.database, f"w{index}", ["test"], clock.now, limit=3)
            claimed[index].extend(d.id for d in batch)

    threads = [threading.Thread(target=race, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    every = [item for batch in claimed for item in batch]
    assert len(every) == len(set(every)) == 40


def test_a_card_is_posted_once_then_edited_where_it_is(desk, worker, platform, chat):
    chat_reference = chat.open_ticket()
    with desk.database.session() as session:
        ticket = tickets.by_reference(session, chat_reference)
        card = build_card(ticket, desk.settings)
        ticket_id = ticket.id
    _drain(worker)  # the card intake queued
    _enqueue(desk, card, ThreadNote("test", chat_reference, "a note"), ticket_id=ticket_id)
    _drain(worker)
    _drain(worker)
    (first, no_place), (update, place), (note, under) = platform.delivered
    assert isinstance(first, TicketCard) and no_place is None
    assert isinstance(update, TicketCard) and place == CardLocation("agents", "101", None)
    assert isinstance(note, ThreadNote) and under == place
    with desk.database.session() as session:
        posts = list(session.scalars(select(TicketPost).order_by(TicketPost.id)))
    assert [(p.message_id, p.card) for p in posts] == [("101", True), ("102", False)]


def test_items_for_a_platform_without_a_sender_wait(desk, worker, platform):
    with desk.database.session() as session:
        outbox.enqueue(session, Message("elsewhere", "c", "hi"), desk.clock())
    assert _drain(worker) == 0
    with desk.database.session() as session:
        assert outbox.pending_count(session) == 1


def test_a_turn_that_queued_notifications_wakes_the_worker_at_once(
    make_settings, kb_dir, clock, platform
):
    """With a poll interval of a minute, the card still goes out right after the turn."""
    from chatdesk.app import open_desk

    from conftest import Chat  # isort: skip

    desk = open_desk(make_settings(knowledge_dir=kb_dir, outbox_poll_seconds=60), clock=clock)

    async def scenario() -> None:
        worker = Worker(desk, {"test": platform}, jobs=[])
        await worker.start()
        # The answers come back from the turn here, so that Chat can read the reference; only
        # the notification (the card) goes through the worker.
        desk.outbox_platforms.discard("test")
        try:
            await asyncio.sleep(0.2)  # the worker's first look found nothing; it sleeps now
            await asyncio.to_thread(Chat(desk).open_ticket)
            for _ in range(100):
                if platform.delivered:
                    break
                await asyncio.sleep(0.05)
        finally:
            await worker.stop()

    try:
        asyncio.run(scenario())
    finally:
        desk.database.dispose()
    assert [type(reply) for reply, _ in platform.delivered] == [TicketCard]


# -- the answers of a turn ------------------------------------------------------------------


def test_on_an_outbox_platform_a_turns_answers_are_outbox_rows_of_its_transaction(
    desk, worker, platform, clock
):
    """Answers wait out an outage like notifications: the question after "new" is not lost,
    nobody is apologised to, and what the customer types next answers that question."""
    from conftest import Chat  # isort: skip

    from chatdesk.core.i18n import t

    desk.outbox_platforms.add("test")
    ann = Chat(desk)
    assert ann.say("new") == []  # nothing for the adapter to send itself
    platform.outage = 5
    for _ in range(5):
        assert _drain(worker) == 1
        clock.advance(seconds=worker.settings.delivery.max_backoff_seconds)
    while _drain(worker):
        pass
    [question] = platform.texts
    assert question == t("intake.ask_subject", "en")
    assert ann.say("Payroll export has wrong totals") == []
    while _drain(worker):
        pass
    assert "apolog" not in " ".join(platform.texts).lower()
    assert platform.texts[1] != question  # the subject was taken: the next question came
    with desk.database.session() as session:
        assert outbox.pending_count(session) == 0


def test_answers_and_notifications_to_one_chat_share_its_order(desk, worker, platform):
    from conftest import Chat  # isort: skip

    desk.outbox_platforms.add("test")
    _enqueue(desk, _message("news written first", "chat-ann"))
    Chat(desk).say("help")
    while _drain(worker):
        pass
    assert platform.texts[0] == "news written first"
    assert len(platform.texts) == 2


def test_a_turn_that_fails_rolls_its_answers_back_with_it(desk, worker, platform, monkeypatch):
    """An error inside the turn: no answer is left in the outbox; the adapter gets the
    apology to send itself (the turn failed, not a delivery)."""
    from chatdesk import engine
    from chatdesk.core.i18n import t

    from conftest import Chat  # isort: skip

    desk.outbox_platforms.add("test")

    def broken(*_: object) -> None:
        raise RuntimeError("database went away")

    monkeypatch.setattr(engine.conversations, "save", broken)
    [apology] = Chat(desk).say("help")
    assert apology.text == t("error.apology", "en")
    with desk.database.session() as session:
        assert outbox.pending_count(session) == 0


def test_a_card_queued_before_cards_carried_a_status_label_gets_one_in_its_language() -> None:
    """Rows written by the version before the label existed still show a status name."""
    card = TicketCard("SD-1", "Printer", "Bram", "normal", "waiting_customer", "slack", lang="nl")
    payload = outbox.encode(card)
    del payload["status_label"]  # as an older row holds it
    decoded = outbox.decode("card", payload)
    assert isinstance(decoded, TicketCard)
    assert decoded.status_label == t("status.waiting_customer.name", "nl")
    assert decoded.status_label != "waiting_customer"
    labelled = outbox.decode("card", outbox.encode(replace(card, status_label="Wacht op jou")))
    assert isinstance(labelled, TicketCard) and labelled.status_label == "Wacht op jou"


def test_a_move_from_a_group_is_an_outbox_row_that_carries_the_words_over_once(
    desk, worker, platform
):
    """On an outbox platform the group's turn writes the move in its own transaction, with all
    the private turn needs; the desk carries the words over once however often it is sent."""
    from chatdesk.events import Attachment, InboundEvent, MoveToPrivate

    desk.outbox_platforms.add("test")
    log = Attachment("log.txt", "text/plain", 2048, "F1")
    said = InboundEvent(
        platform="test",
        user_id="ann",
        chat_id="group-1",
        text="new Export to Excel fails",
        event_id="up-7",
        display_name="Ann",
        locale="nl-NL",
        thread_id="th-1",
        private=False,
        email="ann@example.com",
        organization="acme",
        attachments=(log,),
    )
    assert desk.handle(said) == []
    assert desk.handle(said) == []  # the group's delivery again: no second move

    assert _drain(worker) == 1
    [(move, _)] = platform.delivered
    assert isinstance(move, MoveToPrivate)
    assert (move.chat_id, move.thread_id, move.original_text) == ("group-1", "th-1", said.text)
    assert (move.event_id, move.lang, move.locale) == ("up-7", "nl", "nl-NL")
    assert (move.email, move.organization, move.attachments) == ("ann@example.com", "acme", (log,))
    assert move.text == t("group.moved", "nl")
    with desk.database.session() as session:
        [row] = session.scalars(select(OutboxItem).where(OutboxItem.kind == "move"))
        assert row.topic == "test:chat:group-1"

    assert not desk.carried_over(move)
    assert desk.carry_over(move, "dm-ann") == []  # its answers are outbox rows of the DM
    assert desk.carried_over(move)
    assert desk.carry_over(move, "dm-ann") == []  # sent again: the words are not run again
    while _drain(worker):
        pass
    in_dm = [reply for reply, _ in platform.delivered if getattr(reply, "chat_id", "") == "dm-ann"]
    assert len(in_dm) == 1


def test_a_kind_this_version_does_not_know_is_left_with_its_chat_for_a_process_that_does(
    desk, worker, platform
):
    _enqueue(desk, _message("before"))
    with desk.database.session() as session:  # a newer version's kind, then a message behind it
        session.add(
            OutboxItem(
                topic="test:chat:chat-1",
                platform="test",
                kind="from_a_newer_version",
                payload={"chat_id": "chat-1"},
                created_at=desk.clock(),
                due_at=desk.clock(),
                attempts=0,
            )
        )
    _enqueue(desk, _message("after"), _message("elsewhere", "chat-2"))
    while _drain(worker):
        pass
    assert sorted(platform.texts) == ["before", "elsewhere"]  # "after" waits behind it
    with desk.database.session() as session:
        unknown = session.scalar(select(OutboxItem).where(OutboxItem.kind != "message"))
        assert unknown.attempts == 0 and unknown.failed_at is None


def test_a_payload_that_cannot_be_read_is_set_aside_and_the_batch_goes_on(desk, worker, platform):
    with desk.database.session() as session:
        session.add(
            OutboxItem(
                topic="test:chat:chat-1",
                platform="test",
                kind="message",
                payload={"chat_id": "chat-1", "no_such_field": 1},
                created_at=desk.clock(),
                due_at=desk.clock(),
                attempts=0,
            )
        )
    _enqueue(desk, _message("next in that chat"), _message("another chat", "chat-2"))
    while _drain(worker):
        pass
    assert sorted(platform.texts) == ["another chat", "next in that chat"]
    with desk.database.session() as session:
        broken = session.scalar(select(OutboxItem).order_by(OutboxItem.id))
        assert broken.failed_at is not None
        assert broken.last_error.startswith("unreadable payload: TypeError")
