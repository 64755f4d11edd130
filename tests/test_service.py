"""Support hours and service targets: what the customer is told out of hours, "site down", and
when a ticket misses its first-response or resolution target (once, with one ping).

Everything runs through the real desk on a real database, with the clock in the tests' hands.
The default calendar: Monday-Friday 08:30-17:00 in Amsterdam; targets ``normal=8/40`` (support
hours to the first response / to the resolution) and ``urgent=1/4`` around the clock.
November 2026: Monday 23, Friday 27, Saturday 28, Monday 30; Tuesday 1 December.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from chatdesk.core import statuses
from chatdesk.core.hours import AROUND_THE_CLOCK
from chatdesk.desk import agent_actions, service
from chatdesk.events import ThreadNote, TicketCard
from chatdesk.jobs import PERIODIC_JOBS
from chatdesk.store import tickets
from chatdesk.store.models import ServiceBreach, Ticket

from conftest import DUTCH_DESCRIPTION, ENGLISH_DESCRIPTION, Chat, outbox_replies  # isort: skip

AMS = ZoneInfo("Europe/Amsterdam")
BOB = agent_actions.Agent("test", "bob", "Bob")


def at(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=AMS)


def open_at(desk, clock, moment: datetime, **chat: object) -> str:  # type: ignore[no-untyped-def]
    clock.now = moment
    return Chat(desk, **chat).open_ticket()  # type: ignore[arg-type]


def site_down_at(desk, clock, moment: datetime) -> str:  # type: ignore[no-untyped-def]
    clock.now = moment
    customer = Chat(desk, user="carl", name="Carl")
    return customer.open_ticket("The web shop is down, site down for every customer")


def ticket(desk, reference: str) -> Ticket:  # type: ignore[no-untyped-def]
    with desk.database.session() as session:
        found = tickets.by_reference(session, reference)
        assert found is not None
        found.history  # noqa: B018  (loaded before the session closes)
        session.expunge(found)
        return found


def set_status(desk, reference: str, code: str, moment: datetime) -> None:  # type: ignore[no-untyped-def]
    with desk.database.session() as session:
        found = tickets.by_reference(session, reference)
        agent_actions.change_status(session, found, code, BOB, desk.settings, moment)


def answer(desk, reference: str, moment: datetime, *, public: bool = True) -> None:  # type: ignore[no-untyped-def]
    with desk.database.session() as session:
        found = tickets.by_reference(session, reference)
        agent_actions.reply(
            session, found, "Looking into it.", BOB, desk.settings, moment, public=public
        )


def pings(desk) -> list[ThreadNote]:  # type: ignore[no-untyped-def]
    return [r for r in outbox_replies(desk) if isinstance(r, ThreadNote) and r.kind == "escalation"]


def breach_rows(desk) -> list[tuple[int, str]]:  # type: ignore[no-untyped-def]
    with desk.database.session() as session:
        rows = session.execute(select(ServiceBreach.ticket_id, ServiceBreach.target))
        return sorted((row[0], row[1]) for row in rows)


# -- out of hours: the customer is told when the ticket will be picked up ------------------
def test_a_ticket_sent_in_hours_gets_no_closed_sentence(desk, clock):
    customer = Chat(desk)
    clock.now = at(23, 11)
    customer.open_ticket()
    assert "has been created" in customer.text
    assert "closed" not in customer.text


def test_a_ticket_sent_on_saturday_is_picked_up_on_monday(desk, clock):
    customer = Chat(desk)
    clock.now = at(28, 14)
    customer.open_ticket()
    assert "We are closed now; we will pick this up on Monday 30 November from 08:30." in (
        customer.text
    )


def test_in_dutch_the_day_and_month_are_dutch(desk, clock):
    customer = Chat(desk, user="nina", locale="nl-NL")
    clock.now = at(23, 20)  # Monday evening
    customer.open_ticket()
    assert "We zijn nu gesloten" in customer.text
    assert "dinsdag 24 november vanaf 08:30" in customer.text


def test_the_time_is_the_desks_local_time_not_utc(desk, clock):
    customer = Chat(desk)
    clock.now = datetime.fromisoformat("2026-11-23T07:00:00+00:00")  # 08:00 in Amsterdam
    customer.open_ticket()
    assert "on Monday 23 November from 08:30." in customer.text


def test_an_urgent_ticket_out_of_hours_says_the_agents_were_alerted_at_once(desk, clock):
    customer = Chat(desk)
    clock.now = at(28, 3)
    customer.open_ticket("Outage: everything is down for us")
    assert "marked urgent" in customer.text
    assert "urgent tickets reach the support team at once, day and night" in customer.text
    assert "pick this up" not in customer.text
    [card] = customer.cards()
    assert card.urgent


def test_out_of_hours_follows_the_configured_holidays_and_days(make_desk, clock):
    desk = make_desk(holidays="2026-11-30", support_days="mon-sat", support_time="09:00-12:00")
    customer = Chat(desk)
    clock.now = at(28, 13)  # Saturday after closing; Sunday closed; Monday a holiday
    customer.open_ticket()
    assert "pick this up on Tuesday 1 December from 09:00." in customer.text


# -- "site down": a choice on the summary, and recognised words ---------------------------
def reach_summary(customer: Chat) -> None:
    customer.say("new Export to Excel fails every time")
    assert customer.choices == ["art1", "continue"]  # the export article
    customer.press("continue")
    dutch = (customer.locale or "").startswith("nl")  # the desk answers in the words' language
    customer.say(DUTCH_DESCRIPTION if dutch else ENGLISH_DESCRIPTION)
    assert customer.choices == []  # no further article: the steps are asked
    customer.say("Open Reports, choose last month, press Export to Excel.")
    customer.press("skip")


def test_the_summary_offers_site_down_as_its_last_choice(desk):
    customer = Chat(desk)
    reach_summary(customer)
    assert customer.choices == ["confirm", "edit", "cancel", "urgent"]
    assert customer.replies[-1].choices[-1].label == "Site down: send as urgent"


def test_pressing_site_down_sends_the_ticket_as_urgent(desk):
    customer = Chat(desk)
    reach_summary(customer)
    customer.press("urgent")
    assert "marked urgent" in customer.text
    [card] = customer.cards()
    assert card.urgent and card.priority == "urgent"
    assert ticket(desk, card.reference).priority == "urgent"


def test_typing_site_down_or_its_dutch_label_on_the_summary_works_too(desk):
    typed = Chat(desk, user="ann")
    reach_summary(typed)
    typed.say("site down!")
    dutch = Chat(desk, user="nina", locale="nl")
    reach_summary(dutch)
    assert dutch.replies[-1].choices[-1].label == "Storing, alles ligt eruit: urgent versturen"
    dutch.say("storing, alles ligt eruit: urgent versturen")
    assert "als urgent gemarkeerd" in dutch.text
    assert [card.urgent for card in typed.cards()] == [True, True]


def test_other_words_on_the_summary_still_ask_to_choose(desk):
    customer = Chat(desk)
    reach_summary(customer)
    customer.say("hmm, not sure")
    assert customer.choices == ["confirm", "edit", "cancel", "urgent"]
    assert customer.cards() == []


@pytest.mark.parametrize("words", ["site down", "Storing bij het inloggen", "alles ligt eruit"])
def test_recognised_words_in_the_description_make_the_ticket_urgent(desk, words):
    customer = Chat(desk)
    customer.say("new Our shop stopped")
    assert customer.choices == []  # no article fits
    customer.say(f"Since ten minutes: {words}. Customers cannot order anything.")
    assert customer.choices == []
    customer.say("Nothing, it just happened this morning.")
    customer.press("skip")
    customer.press("confirm")
    [card] = customer.cards()
    assert card.urgent


# -- the clock: support hours only, paused while waiting ----------------------------------
def test_a_monday_ticket_misses_its_first_response_on_tuesday_morning_not_on_monday(desk, clock):
    reference = open_at(desk, clock, at(23, 11))
    assert service.deadline(ticket(desk, reference), "first_response", desk.settings) == at(
        24, 10, 30
    )
    assert service.check_targets(desk, at(23, 16, 59)) == 0
    assert service.check_targets(desk, at(24, 10, 29)) == 0
    assert pings(desk) == []
    assert service.check_targets(desk, at(24, 10, 31)) == 1
    [ping] = pings(desk)
    assert ping.reference == reference and ping.ping
    assert ping.text == (
        f"⏰ {reference} missed its first response target (8 h in support hours) by 1 min. "
        "Priority: normal."
    )


def test_a_friday_evening_ticket_is_not_late_over_the_weekend(desk, clock):
    reference = open_at(desk, clock, at(27, 16, 55))
    # 5 minutes on Friday, the other 7 h 55 min on Monday
    assert service.deadline(ticket(desk, reference), "first_response", desk.settings) == at(
        30, 16, 25
    )
    for moment in (at(28, 12), at(29, 23), at(30, 16, 24)):
        assert service.check_targets(desk, moment) == 0
    assert service.check_targets(desk, at(30, 16, 26)) == 1


def test_waiting_on_the_customer_pauses_the_clock(desk, clock):
    reference = open_at(desk, clock, at(23, 9))
    set_status(desk, reference, statuses.WAITING_CUSTOMER, at(23, 10))
    # without the pause: 8 h on Monday + 6.5 h on Tuesday, long past 8 h
    assert service.check_targets(desk, at(24, 15)) == 0
    assert service.elapsed(
        ticket(desk, reference), "first_response", at(24, 15), desk.settings
    ) == (timedelta(hours=1))
    assert service.deadline(ticket(desk, reference), "first_response", desk.settings) is None
    set_status(desk, reference, statuses.OPEN, at(24, 15))  # the customer answered
    # 7 h left: 2 h on Tuesday, 5 h on Wednesday
    assert service.deadline(ticket(desk, reference), "first_response", desk.settings) == at(
        25, 13, 30
    )
    assert service.check_targets(desk, at(25, 13, 29)) == 0
    assert service.check_targets(desk, at(25, 13, 31)) == 1


def test_waiting_on_a_third_party_pauses_the_clock_too(desk, clock):
    reference = open_at(desk, clock, at(23, 9))
    answer(desk, reference, at(23, 9, 30))
    set_status(desk, reference, statuses.WAITING_THIRD_PARTY, at(23, 10))
    assert service.check_targets(desk, at(23, 10) + timedelta(days=30)) == 0


def test_a_holiday_is_skipped(make_desk, clock):
    desk = make_desk(holidays="2026-11-24")
    reference = open_at(desk, clock, at(23, 11))
    assert service.check_targets(desk, at(24, 12)) == 0  # Tuesday is a holiday
    assert service.deadline(ticket(desk, reference), "first_response", desk.settings) == at(
        25, 10, 30
    )
    assert service.check_targets(desk, at(25, 10, 31)) == 1


def test_an_urgent_ticket_runs_around_the_clock(desk, clock):
    reference = site_down_at(desk, clock, at(28, 2))  # Saturday night
    assert service.check_targets(desk, at(28, 2, 59)) == 0
    assert service.check_targets(desk, at(28, 3, 1)) == 1
    [ping] = pings(desk)
    assert ping.text == (
        f"⏰ {reference} missed its first response target (1 h around the clock) by 1 min. "
        "Priority: urgent."
    )


def test_without_around_the_clock_an_urgent_ticket_counts_support_hours(make_desk, clock):
    desk = make_desk(urgent_around_the_clock=False)
    reference = site_down_at(desk, clock, at(28, 2))
    assert service.deadline(ticket(desk, reference), "first_response", desk.settings) == at(
        30, 9, 30
    )
    assert service.check_targets(desk, at(29, 23)) == 0


# -- meeting the targets -------------------------------------------------------------------
def test_a_public_reply_meets_the_first_response_target_an_internal_note_does_not(desk, clock):
    answered = open_at(desk, clock, at(23, 9))
    noted = open_at(desk, clock, at(23, 9), user="bert", name="Bert")
    answer(desk, answered, at(23, 12))
    answer(desk, noted, at(23, 12), public=False)
    assert service.check_targets(desk, at(24, 10)) == 1
    [ping] = pings(desk)
    assert ping.reference == noted


def test_solving_meets_the_resolution_target_and_reopening_runs_the_clock_again(make_desk, clock):
    desk = make_desk(service_targets="normal=2/4")
    reference = open_at(desk, clock, at(23, 9))
    answer(desk, reference, at(23, 9, 30))
    set_status(desk, reference, statuses.SOLVED, at(23, 12))  # 3 h counted
    assert service.check_targets(desk, at(24, 16)) == 0
    set_status(desk, reference, statuses.OPEN, at(25, 9))  # the customer says it is not
    assert service.deadline(ticket(desk, reference), "resolution", desk.settings) == at(25, 10)
    assert service.check_targets(desk, at(25, 10, 1)) == 1
    assert [p.text.split(" target")[0] for p in pings(desk)] == [
        f"⏰ {reference} missed its resolution"
    ]


# -- escalation: one ping per breach, however often the job runs --------------------------
def test_a_breach_escalates_the_card_and_pings_once(desk, clock):
    reference = open_at(desk, clock, at(23, 9))
    assert service.check_targets(desk, at(24, 9)) == 1
    assert service.check_targets(desk, at(24, 9, 1)) == 0
    assert service.check_targets(desk, at(24, 12)) == 0
    assert len(pings(desk)) == 1
    cards = [r for r in outbox_replies(desk) if isinstance(r, TicketCard)]
    assert [c.escalated for c in cards] == [False, True]
    assert ticket(desk, reference).escalated
    assert breach_rows(desk) == [(ticket(desk, reference).id, "first_response")]


def test_each_target_pings_once_and_then_the_ticket_is_left_alone(make_desk, clock):
    desk = make_desk(service_targets="normal=1/3")
    reference = open_at(desk, clock, at(23, 9))
    assert service.check_targets(desk, at(23, 10, 1)) == 1
    assert service.check_targets(desk, at(23, 12, 1)) == 1
    assert service.check_targets(desk, at(27, 12)) == 0
    assert [p.text.split(" target")[0].split()[-1] for p in pings(desk)] == [
        "response",
        "resolution",
    ]
    assert len(breach_rows(desk)) == 2
    assert service.breaches(ticket(desk, reference), at(27, 12), desk.settings) != []


def test_the_ping_is_in_the_agents_language(make_desk, clock):
    desk = make_desk(agent_lang="nl")
    reference = open_at(desk, clock, at(23, 9))
    service.check_targets(desk, at(24, 10))  # due Monday 17:00; Tuesday from 08:30
    [ping] = pings(desk)
    assert ping.text == (
        f"⏰ {reference} heeft de streeftijd voor eerste reactie (8 u binnen de supporturen) "
        "met 1 u 30 min overschreden. Prioriteit: normaal."
    )


def test_two_processes_running_the_job_at_once_ping_once_per_breach(desk, clock):
    references = [open_at(desk, clock, at(23, 9), user=f"u{n}") for n in range(6)]
    runs = 4
    barrier = threading.Barrier(runs)
    counted: list[int] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait()
            counted.append(service.check_targets(desk, at(24, 10)))
        except BaseException as exc:  # reported below, not lost in the thread
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(runs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sum(counted) == len(references)
    assert sorted(p.reference for p in pings(desk)) == sorted(references)
    with desk.database.session() as session:
        assert session.scalar(select(func.count()).select_from(ServiceBreach)) == len(references)


def test_the_job_is_listed_for_chatdesk_serve():
    (job,) = [job for job in PERIODIC_JOBS if job.run is service.check_targets]
    assert job.name == "check_targets"  # the metrics' label, as before


def test_tickets_waiting_for_approval_and_closed_tickets_are_not_checked(desk, clock):
    held = open_at(desk, clock, at(23, 9))
    closed = open_at(desk, clock, at(23, 9), user="bert")
    with desk.database.session() as session:
        tickets.by_reference(session, held).approval = "pending"
    set_status(desk, closed, statuses.CANCELLED, at(23, 9, 5))
    assert service.check_targets(desk, at(30, 9)) == 0


# -- the arithmetic on its own ------------------------------------------------------------
def test_running_periods_leave_out_paused_stretches_and_end_when_met():
    changes = [(at(23, 9), "new"), (at(23, 10), "waiting_customer"), (at(23, 12), "open")]
    periods = service.running_periods(changes, lambda code: code != "waiting_customer")
    assert periods == [(at(23, 9), at(23, 10)), (at(23, 12), None)]
    met = service.running_periods(changes, lambda code: True, until=at(23, 11))
    assert met == [(at(23, 9), at(23, 10)), (at(23, 10), at(23, 11))]
    assert service.time_counted(AROUND_THE_CLOCK, periods, at(23, 13)) == timedelta(hours=2)
    assert service.time_reached(AROUND_THE_CLOCK, periods, timedelta(hours=3)) == at(23, 14)
    assert service.time_reached(AROUND_THE_CLOCK, periods[:1], timedelta(hours=3)) is None
