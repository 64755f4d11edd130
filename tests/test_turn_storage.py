"""The database side of a turn: statements compiled once and run on the driver
(``store/prepared.py``), the requester as a plain row (``store/requesters.py``), and a new
ticket made the session's object without reading it back. On SQLite and PostgreSQL alike:
what they write and read must be exactly what SQLAlchemy's own execution writes and reads."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import insert, inspect, select, text
from sqlalchemy.exc import IntegrityError

from chatdesk.store import requesters, tickets
from chatdesk.store.models import Conversation, Requester, Ticket, table_of
from chatdesk.store.prepared import Prepared

CONVERSATIONS = table_of(Conversation)
COLUMNS = ("platform", "chat_id", "user_id", "state", "data", "updated_at")
# An aware datetime that is not in UTC, and JSON with what a draft holds (text, numbers,
# lists, None, non-ASCII): what the types convert must come out the same either way.
WHEN = datetime(2026, 3, 1, 13, 45, 7, 123456, tzinfo=timezone(timedelta(hours=2)))
DATA = {"draft": {"subject": "Café export ✓", "shown": ["a1", "a2"], "n": 3, "x": None}}


def _conversation(chat: str) -> dict[str, object]:
    return dict(zip(COLUMNS, ("test", chat, "ann", "intake", DATA, WHEN), strict=True))


def test_a_prepared_statement_writes_and_reads_what_sqlalchemy_does(desk):
    prepared_insert = Prepared(insert(CONVERSATIONS), column_keys=COLUMNS)
    prepared_read = Prepared(
        select(CONVERSATIONS.c.id, CONVERSATIONS.c.data, CONVERSATIONS.c.updated_at)
        .where(CONVERSATIONS.c.user_id == "ann")
        .order_by(CONVERSATIONS.c.chat_id)
    )
    with desk.database.session() as session:
        session.connection().execute(insert(CONVERSATIONS), _conversation("core"))
        prepared_insert.rows(session, _conversation("prepared"))
    with desk.database.session() as session:
        # As stored, without any type conversion: the same text, JSON and timestamp.
        stored = session.connection().exec_driver_sql(
            "SELECT data, updated_at FROM conversations ORDER BY chat_id"
        )
        by_core, by_prepared = (tuple(row) for row in stored)
        assert by_prepared == by_core
        # As read: the same values, the datetime aware and in UTC.
        core_rows = session.connection().execute(prepared_read.statement).all()
        rows = prepared_read.rows(session, {})
    assert [list(row) for row in core_rows] == rows
    assert rows[1][1] == DATA and rows[1][2] == WHEN and rows[1][2].tzinfo == UTC


def test_a_driver_error_is_raised_as_sqlalchemy_raises_it(desk):
    """The engine tells a concurrent duplicate from a failure by SQLAlchemy's IntegrityError;
    a statement run on the driver must raise that, not the driver's own class."""
    prepared_insert = Prepared(insert(CONVERSATIONS), column_keys=COLUMNS)
    with desk.database.session() as session:
        prepared_insert.rows(session, _conversation("twice"))
    with pytest.raises(IntegrityError), desk.database.session() as session:
        prepared_insert.rows(session, _conversation("twice"))
    with desk.database.session() as session:  # rolled back, the connection usable again
        assert prepared_insert.rows(session, _conversation("after")) == []


def _requester(session, user: str) -> requesters.RequesterRow:  # type: ignore[no-untyped-def]
    requesters.create(
        session,
        {
            "platform": "test",
            "platform_user_id": user,
            "display_name": "Ann",
            "locale": None,
            "organization": None,
            "created_at": WHEN,
        },
    )
    found = requesters.read(session, "test", user)
    assert found is not None
    return found


def test_a_requester_is_written_only_when_something_changed(desk):
    with desk.database.session() as session:
        ann = _requester(session, "ann")
    updates: list[str] = []
    if desk.database.is_sqlite:  # every statement the driver runs, ours included

        def count(statement: str) -> None:
            if statement.startswith("UPDATE requesters"):
                updates.append(statement)

        with desk.database.session() as session:
            driver = session.connection().connection.driver_connection
            driver.set_trace_callback(count)
            try:
                requesters.save(session, ann)  # nothing changed
                assert updates == []
                ann.lang = "nl"
                requesters.save(session, ann)
                requesters.save(session, ann)  # saved already
            finally:
                driver.set_trace_callback(None)
        assert len(updates) == 1
    else:
        with desk.database.session() as session:
            ann.lang = "nl"
            requesters.save(session, ann)
    with desk.database.session() as session:
        stored = session.scalar(select(Requester).where(Requester.platform_user_id == "ann"))
        assert stored is not None and stored.lang == "nl" and stored.display_name == "Ann"


def test_a_new_ticket_is_the_object_a_query_would_load(desk):
    draft = tickets.NewTicket(
        subject="Export fails",
        description="The spinner keeps turning.",
        steps="Reports > Export",
        error_message=None,
        priority="urgent",
        platform="test",
        chat_id="chat-ann",
        lang="nl",
    )
    with desk.database.session() as session:
        ann = _requester(session, "ann")
        ticket = tickets.create(session, ann, draft, "SD", WHEN)
        made = {column.key: getattr(ticket, column.key) for column in inspect(Ticket).columns}
        assert ticket.requester.display_name == "Ann" and ticket.history[0].to_status == "new"
    with desk.database.session() as session:
        loaded = session.get(Ticket, made["id"])
        assert loaded is not None
        assert made == {key: getattr(loaded, key) for key in made}
        assert made["reference"] == "SD-1001" and made["escalated"] is False


def test_a_name_the_platform_gives_at_the_confirm_is_on_that_turns_card(chat, desk):
    """The requester is written when the platform says something new of them, before the
    turn goes on: the card of a ticket confirmed in that turn names them as they are now."""
    chat.say("new Export to Excel fails every time")
    if "continue" in chat.choices:
        chat.press("continue")
    chat.say("The export button shows a spinner and then nothing is downloaded.")
    if "continue" in chat.choices:
        chat.press("continue")
    chat.say("Open Reports, choose last month, press Export to Excel.")
    chat.press("skip")
    chat.name = "Ann Smith"
    chat.press("confirm")
    [card] = chat.cards()
    assert card.requester == "Ann Smith"
    with desk.database.session() as session:
        assert session.scalar(text("SELECT display_name FROM requesters")) == "Ann Smith"


def test_a_turns_session_commits_its_objects_and_rolls_back_everything_on_error(desk):
    """``Database.turn``: the session joins the connection's transaction; what the ORM holds
    is flushed before the commit, and an error rolls back the ORM's and the driver's writes."""
    prepared_insert = Prepared(insert(CONVERSATIONS), column_keys=COLUMNS)
    with desk.database.turn() as session:
        session.add(Requester(platform="test", platform_user_id="kept", created_at=WHEN))
        prepared_insert.rows(session, _conversation("kept"))
    with pytest.raises(RuntimeError), desk.database.turn() as session:
        session.add(Requester(platform="test", platform_user_id="lost", created_at=WHEN))
        session.flush()
        prepared_insert.rows(session, _conversation("lost"))
        raise RuntimeError("the turn fails")
    with desk.database.session() as session:
        users = session.scalars(select(Requester.platform_user_id)).all()
        chats = session.scalars(select(Conversation.chat_id)).all()
    assert users == ["kept"] and chats == ["kept"]
