"""The ticket lifecycle as the manuals describe it: waiting on the customer, solved, rating,
closing by itself after a week, reopening by a comment, and a follow-up for a closed ticket.

The customer talks to the real desk; agents press the card's buttons; the outbox is delivered
by the real worker to a stand-in platform; time moves with the tests' clock.
"""

from __future__ import annotations

import asyncio
import threading

from chatdesk.app import build_worker
from chatdesk.dialogue.lifecycle import auto_close
from chatdesk.events import Message
from chatdesk.jobs import PERIODIC_JOBS
from chatdesk.store import tickets

from agent_room import AgentChat, Room  # isort: skip
from conftest import Chat  # isort: skip


def status_of(desk, reference: str) -> str:  # type: ignore[no-untyped-def]
    with desk.database.session() as session:
        ticket = tickets.by_reference(session, reference)
        assert ticket is not None
        return ticket.status


def rating_of(desk, reference: str) -> tuple[int | None, str | None]:  # type: ignore[no-untyped-def]
    with desk.database.session() as session:
        ticket = tickets.by_reference(session, reference)
        assert ticket is not None
        return ticket.rating, ticket.rating_remark


def solved(desk, room: Room, customer: Chat, agent: AgentChat) -> str:  # type: ignore[no-untyped-def]
    """A ticket of ``customer``'s, solved by ``agent``; the outbox delivered."""
    reference = customer.open_ticket()
    agent.press(f"ag:set:{reference}:solved")
    room.deliver()
    return reference


# -- solved, rating, auto-close: the end of the loop ------------------------------------------
def test_solved_then_rating_with_remark_then_closed_after_seven_days(desk, room, bob, clock):  # type: ignore[no-untyped-def]
    ann = Chat(desk)
    reference = ann.open_ticket()
    bob.press(f"ag:claim:{reference}")
    bob.press(f"ag:set:{reference}:solved")
    opened, question = room.to_chat(room.deliver(), "chat-ann")
    assert "the status is now Open" in opened.text and opened.choices == ()
    assert "How did we do" in question.text
    assert question.choices[0].label == "1 – poor"

    ann.press(f"rate:{reference}:4")
    assert "Thank you for rating" in ann.text and "4 out of 5" in ann.text
    assert ann.choices == ["skip"]
    ann.say("Quick and friendly, thanks!")
    assert "passed on to the team" in ann.text
    assert rating_of(desk, reference) == (4, "Quick and friendly, thanks!")
    notes = [n.text for n in room.notes(room.deliver(), "customer")]
    assert notes == [
        "Ann rated this ticket 4/5.",
        "Ann rated this ticket 4/5: Quick and friendly, thanks!",
    ]

    clock.advance(days=6, hours=23)
    assert auto_close(desk, clock.now) == 0
    assert status_of(desk, reference) == "solved"
    clock.advance(hours=1)
    assert auto_close(desk, clock.now) == 1
    assert status_of(desk, reference) == "closed"
    sent = room.deliver()
    (told,) = room.to_chat(sent, "chat-ann")
    assert told.text.startswith(
        f"{reference} (Export to Excel fails every time) was solved 7 days ago"
    )
    assert room.cards(sent)[0].status == "closed"
    assert [n.text for n in room.notes(sent)] == [
        "Closed automatically, 7 days after it was solved."
    ]
    assert auto_close(desk, clock.now) == 0  # once


def test_auto_close_runs_in_the_serve_processes_periodic_jobs(desk, room, bob, clock):  # type: ignore[no-untyped-def]
    (job,) = [job for job in PERIODIC_JOBS if job.run is auto_close]
    assert job.name == "auto_close"  # the metrics' label, as before
    reference = solved(desk, room, Chat(desk), bob)
    clock.advance(days=7)
    worker = build_worker(desk, {"test": room.platform})  # the jobs `chatdesk serve` runs
    assert asyncio.run(worker.run_periodic()) >= 1
    assert status_of(desk, reference) == "closed"


def test_auto_close_days_zero_means_never(make_desk, clock):  # type: ignore[no-untyped-def]
    desk = make_desk(auto_close_days=0)
    room = Room(desk)
    reference = solved(desk, room, Chat(desk), AgentChat(desk))
    clock.advance(days=365)
    assert auto_close(desk, clock.now) == 0
    assert status_of(desk, reference) == "solved"


def test_dutch_customer_is_asked_and_told_in_dutch(desk, room, bob, clock):  # type: ignore[no-untyped-def]
    anne = Chat(desk, user="anne", locale="nl", name="Anne")
    reference = anne.open_ticket()
    bob.press(f"ag:set:{reference}:solved")
    (question,) = room.to_chat(room.deliver(), "chat-anne")
    assert "de status is nu Opgelost" in question.text
    assert "Hoe vond je de afhandeling" in question.text
    assert question.choices[4].label == "5 – uitstekend"
    anne.press(f"rate:{reference}:5")
    assert "Geen opmerking" in [c.label for r in anne.replies for c in r.choices]
    anne.press("skip")
    assert "Bedankt, je feedback" in anne.text
    assert rating_of(desk, reference) == (5, None)
    clock.advance(days=7)
    auto_close(desk, clock.now)
    (told,) = room.to_chat(room.deliver(), "chat-anne")
    assert "7 dagen geleden opgelost en is nu gesloten" in told.text


# -- rating rules ------------------------------------------------------------------------------
def test_a_ticket_is_rated_once(desk, room, bob):  # type: ignore[no-untyped-def]
    ann = Chat(desk)
    reference = solved(desk, room, ann, bob)
    ann.press(f"rate:{reference}:2")
    ann.press("skip")
    ann.press(f"rate:{reference}:5")
    assert f"You already rated {reference}" in ann.text
    assert rating_of(desk, reference) == (2, None)


def test_rating_someone_elses_ticket_looks_like_an_unknown_one(desk, room, bob):  # type: ignore[no-untyped-def]
    reference = solved(desk, room, Chat(desk), bob)
    mallory = Chat(desk, user="mallory", name="Mallory")
    mallory.press(f"rate:{reference}:1")
    assert f"I can't find a ticket {reference} among your tickets" in mallory.text
    mallory.press("rate:SD-9999:1")
    assert "I can't find a ticket SD-9999" in mallory.text
    assert rating_of(desk, reference) == (None, None)


def test_cancel_at_the_remark_question_keeps_the_rating(desk, room, bob):  # type: ignore[no-untyped-def]
    ann = Chat(desk)
    reference = solved(desk, room, ann, bob)
    ann.press(f"rate:{reference}:3")
    ann.say("cancel")
    assert "Cancelled" not in ann.text and "Thank" in ann.text
    assert rating_of(desk, reference) == (3, None)


def test_a_message_about_the_ticket_at_the_remark_question_is_a_comment(desk, room, bob):  # type: ignore[no-untyped-def]
    """The remark is optional; "SD-1001 it fails again" is about the ticket, not the rating:
    it reopens the solved ticket like any comment would."""
    ann = Chat(desk)
    reference = solved(desk, room, ann, bob)
    ann.press(f"rate:{reference}:4")
    ann.say(f"{reference} sorry, the export fails again since this morning")
    assert "reopened" in ann.text
    assert rating_of(desk, reference) == (4, None)
    assert status_of(desk, reference) == "open"


def test_a_typed_score_right_after_the_question_counts(desk, room, bob):  # type: ignore[no-untyped-def]
    ann = Chat(desk)
    reference = solved(desk, room, ann, bob)
    ann.say("4")
    assert "4 out of 5" in ann.text
    assert rating_of(desk, reference) == (4, None)


def test_rating_in_the_middle_of_a_new_ticket_keeps_the_draft(desk, room, bob):  # type: ignore[no-untyped-def]
    ann = Chat(desk)
    reference = solved(desk, room, ann, bob)
    ann.say("new Printer offline")
    question = ann.text
    ann.press(f"rate:{reference}:3")
    assert "Thank you for rating" in ann.text
    assert question.splitlines()[-1] in ann.text  # the intake question is asked again
    assert rating_of(desk, reference) == (3, None)


def test_the_rating_question_is_asked_only_once(desk, room, bob):  # type: ignore[no-untyped-def]
    ann = Chat(desk)
    reference = solved(desk, room, ann, bob)
    ann.say(f"{reference} it is back")  # reopens
    bob.press(f"ag:set:{reference}:solved")
    (told,) = room.to_chat(room.deliver(), "chat-ann")
    assert "Solved" in told.text and told.choices == ()


def test_no_rating_question_when_switched_off(make_desk):  # type: ignore[no-untyped-def]
    desk = make_desk(ask_rating=False)
    room = Room(desk)
    ann = Chat(desk)
    reference = ann.open_ticket()
    AgentChat(desk).press(f"ag:set:{reference}:solved")
    (told,) = room.to_chat(room.deliver(), "chat-ann")
    assert "Solved" in told.text and told.choices == ()
    ann.press(f"rate:{reference}:5")
    assert "I can't find a ticket" in ann.text


# -- waiting on the customer -----------------------------------------------------------------
def test_with_two_tickets_waiting_the_customer_is_asked_which(desk, room, bob):  # type: ignore[no-untyped-def]
    ann = Chat(desk)
    first = ann.open_ticket()
    second = ann.open_ticket("Login page shows an error")
    bob.press(f"ag:set:{first}:waiting_customer")
    bob.press(f"ag:set:{second}:waiting_customer")
    room.deliver()
    ann.say("It happens on Windows only")
    assert f"t:{first}" in ann.choices and f"t:{second}" in ann.choices
    assert (status_of(desk, first), status_of(desk, second)) == ("waiting_customer",) * 2
    ann.press(f"t:{second}")
    assert (status_of(desk, first), status_of(desk, second)) == ("waiting_customer", "open")
    sent = room.deliver()
    assert [n.text for n in room.notes(sent, "customer")] == ["Ann: It happens on Windows only"]


def test_a_short_yes_is_the_answer_when_the_desk_asked_something(desk, room, bob):  # type: ignore[no-untyped-def]
    ann = Chat(desk)
    reference = ann.open_ticket()
    ann.say("yes")
    assert "I'm the support desk bot" in ann.text  # small talk while nothing waits on her
    room.deliver()
    bob.in_thread(room.thread_of(reference), "public: Did you restart the computer?")
    bob.press(f"ag:set:{reference}:waiting_customer")
    ann.say("yes")
    assert f"Added your message to {reference}" in ann.text
    assert status_of(desk, reference) == "open"


def test_a_command_or_another_chat_is_never_taken_as_the_answer(desk, room, bob):  # type: ignore[no-untyped-def]
    ann = Chat(desk)
    reference = ann.open_ticket()
    bob.press(f"ag:set:{reference}:waiting_customer")
    ann.say("my tickets")
    assert "Your open tickets (1)" in ann.text
    ann.say("The export works on my laptop", chat_id="chat-ann-laptop")  # another chat of hers
    assert f"t:{reference}" in ann.choices and "newp" in ann.choices  # asked, not guessed
    assert status_of(desk, reference) == "waiting_customer"


# -- reopening and closing --------------------------------------------------------------------
def test_a_comment_on_a_solved_ticket_reopens_it_and_the_agents_see_why(desk, room, bob):  # type: ignore[no-untyped-def]
    ann = Chat(desk)
    reference = solved(desk, room, ann, bob)
    ann.say(f"{reference} the export fails again since this morning")
    assert "reopened" in ann.text
    sent = room.deliver()
    assert [n.text for n in room.notes(sent)] == [
        "Ann: the export fails again since this morning",
        "Ann reopened the ticket (it was solved).",
    ]
    assert room.cards(sent)[0].status == "open"


def test_a_closed_ticket_offers_a_follow_up(desk, room, bob, clock):  # type: ignore[no-untyped-def]
    ann = Chat(desk)
    reference = solved(desk, room, ann, bob)
    clock.advance(days=8)
    auto_close(desk, clock.now)
    ann.say(f"{reference} it is broken again")
    assert "cannot be reopened" in ann.text
    assert "yes" in ann.choices


def test_the_customer_closing_a_ticket_is_noted_in_the_thread(desk, room):  # type: ignore[no-untyped-def]
    ann = Chat(desk)
    reference = ann.open_ticket()
    room.deliver()
    ann.say(f"close {reference}")
    ann.press("yes")
    sent = room.deliver()
    assert [n.text for n in room.notes(sent)] == ["Ann closed the ticket."]
    assert room.cards(sent)[0].status == "closed"


# -- several serve processes ------------------------------------------------------------------
def test_auto_close_racing_itself_closes_each_ticket_once(desk, room, bob, clock):  # type: ignore[no-untyped-def]
    references = [solved(desk, room, Chat(desk, user=f"c{n}", name=f"C{n}"), bob) for n in range(4)]
    clock.advance(days=7)
    barrier = threading.Barrier(3)
    closed: list[int] = []

    def run() -> None:  # each call opens its own connection, as another process would
        barrier.wait()
        closed.append(auto_close(desk, clock.now))

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sum(closed) == 4
    assert [status_of(desk, r) for r in references] == ["closed"] * 4
    sent = room.deliver()
    told = [m for m in sent if isinstance(m, Message) and "was solved 7 days ago" in m.text]
    assert sorted(m.chat_id for m in told) == [f"chat-c{n}" for n in range(4)]


def test_a_comment_racing_auto_close_in_another_process_does_not_reopen_a_closed_ticket(
    desk, room, bob, make_desk, clock
):  # type: ignore[no-untyped-def]
    """Another process closes the solved ticket while the customer's comment is on its way:
    the comment's turn waits for that change and sees a closed ticket (a follow-up is
    offered), instead of writing "open" over "closed" (PostgreSQL; SQLite serialises turns)."""
    from sqlalchemy import select, update

    from chatdesk.core import statuses
    from chatdesk.store.models import Ticket

    ann = Chat(desk)
    reference = solved(desk, room, ann, bob)
    other = make_desk()  # a second `chatdesk serve` on the same database
    with other.database.session() as session:
        session.scalar(select(Ticket).where(Ticket.reference == reference).with_for_update())
        turn = threading.Thread(target=ann.say, args=(f"{reference} it is broken again",))
        turn.start()
        turn.join(0.5)  # the customer's turn now waits for the row (PostgreSQL)
        session.execute(
            update(Ticket).where(Ticket.reference == reference).values(status=statuses.CLOSED)
        )
    turn.join(20)
    assert not turn.is_alive()
    assert status_of(desk, reference) == statuses.CLOSED
    assert "follow-up" in ann.text
