"""Deliveries that race: the same event twice at once, and two messages of one conversation
at once (as when two `chatdesk serve` processes share a database). Threads stand in for the
processes; each turn opens its own connection, exactly as a second process would."""

from __future__ import annotations

import sqlite3
import threading

import pytest
from sqlalchemy import func, select

from chatdesk.events import InboundEvent, Message
from chatdesk.store.models import Conversation, ProcessedEvent, Requester


def _race(desk, events: list[InboundEvent]) -> list[list]:
    barrier = threading.Barrier(len(events))
    results: list[list] = [[] for _ in events]

    def run(index: int) -> None:
        barrier.wait()
        results[index] = desk.handle(events[index])

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(events))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_the_same_delivery_racing_itself_is_handled_once(desk):
    event = InboundEvent("test", "zoe", "chat-zoe", text="new", event_id="dup-1")
    results = _race(desk, [event] * 4)
    assert sum(1 for replies in results if replies) == 1
    with desk.database.session() as session:
        assert session.scalar(select(func.count()).select_from(ProcessedEvent)) == 1
        assert session.scalar(select(func.count()).select_from(Requester)) == 1


def test_two_messages_of_one_conversation_at_once_both_land_in_the_draft(desk):
    desk.handle(InboundEvent("test", "max", "chat-max", text="new", event_id="m0"))
    first = InboundEvent("test", "max", "chat-max", text="Export to Excel fails", event_id="m1")
    second = InboundEvent(
        "test", "max", "chat-max", text="Printing all invoices gives blank pages.", event_id="m2"
    )
    results = _race(desk, [first, second])
    for replies in results:
        assert replies and all(isinstance(r, Message) for r in replies)
        assert not any("went wrong" in r.text for r in replies)
    with desk.database.session() as session:
        conversation = session.scalar(select(Conversation))
        draft = conversation.data["draft"]
    # whichever came first became the subject, the other the description: nothing lost
    assert {draft.get("subject"), draft.get("description")} == {first.text, second.text}


def test_first_messages_of_a_new_customer_racing_create_one_requester(desk):
    events = [
        InboundEvent("test", "ivy", f"chat-{n}", text="help", event_id=f"i{n}") for n in range(4)
    ]
    results = _race(desk, events)
    assert all(results)
    with desk.database.session() as session:
        assert session.scalar(select(func.count()).select_from(Requester)) == 1


def test_a_sqlite_turn_holds_the_write_lock_from_its_first_statement(desk):
    """Turns on SQLite serialise from their start (``BEGIN IMMEDIATE``): a transaction that
    has only read still keeps every other writer out, so a turn never reads a conversation
    that another one changes before it writes. (The BEGIN is the dialect's do_begin, not an
    engine event; losing it would make SQLite's deferred BEGIN take no lock at a read.)"""
    if not desk.database.is_sqlite:
        pytest.skip("PostgreSQL locks the conversation row instead (the other tests here)")
    path = desk.database.engine.url.database
    with desk.database.session() as session:
        session.scalar(select(func.count()).select_from(Conversation))  # a read, no write
        other = sqlite3.connect(path, timeout=0.05, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
            took_lock = True
        except sqlite3.OperationalError:  # "database is locked": the session holds it
            took_lock = False
        finally:
            other.close()
    assert not took_lock
