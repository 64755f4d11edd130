"""Answers to what customers ask outside the intake: how a ticket is doing, what they
reported, and how to reach a person.

A question is answered, never stored: "is there an update?" shows the status (of the only
open ticket, or of the one the customer picks), and a question that is no status question but
names a ticket is added to it only after the customer says so. "Can I talk to a human?" gets
how a person is reached (every ticket goes to the support team, in its hours) and the offer
to start a ticket, instead of articles.
"""

from __future__ import annotations

from datetime import datetime

from chatdesk.config import Settings, clock_text
from chatdesk.core.i18n import t
from chatdesk.core.text import when as text_when
from chatdesk.dialogue import followup, intake
from chatdesk.dialogue.turn import Turn
from chatdesk.store import tickets

OFFER_PERSON = "offer_person"
CONFIRM_ADD = "confirm_add"


def status_question(turn: Turn, in_flow: bool) -> None:
    """A status question without a reference: the only open ticket's status, or which?"""
    mine = tickets.open_tickets(turn.session, turn.requester)
    if not mine:
        turn.say("mine.none")
    elif len(mine) == 1:
        followup.status(turn, mine[0].reference)
    elif in_flow:
        followup.my_tickets(turn, numbered=False)  # the open question keeps the numbers
    else:
        turn.reset()
        turn.goto("pick_ticket", pending={"action": "status"})
        followup.prompt_pick(turn)


# -- a person ------------------------------------------------------------------------------
def days_text(settings: Settings, lang: str) -> str:
    """ "Monday to Friday" (a run of days) or "Monday, Wednesday and Friday"."""
    days = sorted(settings.hours.calendar.days)
    names = [t(f"service.weekday.{day}", lang) for day in days]
    if len(days) > 2 and days == list(range(days[0], days[-1] + 1)):
        return t("person.day_range", lang, first=names[0], last=names[-1])
    if len(names) == 1:
        return names[0]
    return t("person.day_list", lang, days=", ".join(names[:-1]), last=names[-1])


def hours_text(settings: Settings, now: datetime, lang: str) -> str:
    """The support hours, and whether the team is in now (or when it is next)."""

    hours = settings.hours.calendar
    start, end = hours.start, hours.end
    usual = t(
        "person.hours",
        lang,
        days=days_text(settings, lang),
        start=clock_text(start),
        end=clock_text(end),
        timezone=settings.hours.timezone,
    )
    if hours.is_open(now):
        return f"{usual} {t('person.open_now', lang)}"
    when = text_when(hours.next_open(now), hours.zone, lang)
    return f"{usual} {t('person.closed_now', lang, when=when)}"


def person(turn: Turn, in_flow: bool) -> None:
    """How a person is reached; outside a flow, the offer to start a ticket."""
    text = turn.text("person.how") + "\n" + hours_text(turn.desk.settings, turn.now, turn.lang)
    if in_flow:
        turn.say_text(text)
        return
    turn.reset()
    turn.goto(OFFER_PERSON)
    turn.say_text(text + "\n" + turn.text("person.offer"), _person_choices(turn))


def _person_choices(turn: Turn) -> list:
    return [turn.choice("person_new", "choice.start_ticket"), turn.choice("no", "choice.no_thanks")]


def _prompt_person(turn: Turn) -> None:
    turn.say("person.offer", choices=_person_choices(turn))


def on_person(turn: Turn, text: str, choice: str | None) -> None:
    if choice == "person_new":
        intake.start(turn)
    elif choice == "no":
        turn.reset()
        turn.say("person.declined")
    else:
        turn.reset()  # the customer simply went on: their words are the problem
        followup.problem_text(turn, text, [])


# -- a question that names a ticket ----------------------------------------------------
def confirm_add(turn: Turn, reference: str, text: str) -> None:
    """Ask before a question becomes a comment on ``reference``."""
    turn.reset()
    turn.goto(CONFIRM_ADD, reference=reference, pending={"text": text})
    _prompt_add(turn)


def _prompt_add(turn: Turn) -> None:
    turn.say(
        "question.confirm_add",
        choices=[turn.choice("yes", "choice.yes_add"), turn.choice("no", "choice.no_thanks")],
        reference=turn.data.get("reference"),
    )


def on_confirm_add(turn: Turn, text: str, choice: str | None) -> None:
    reference = turn.data.get("reference", "")
    pending = turn.data.get("pending", {}).get("text", "")
    if choice == "yes":
        ticket = followup.find(turn, reference)
        if ticket is None:
            turn.reset()
            turn.say("ticket.not_found", reference=reference)
            return
        followup.add_information(turn, ticket, pending)
    elif choice == "no":
        turn.reset()
        turn.say("question.not_added", reference=reference)
    else:
        turn.reset()  # something else: read it afresh
        followup.problem_text(turn, text, [])


PROMPTS = {OFFER_PERSON: _prompt_person, CONFIRM_ADD: _prompt_add}
HANDLERS = {OFFER_PERSON: on_person, CONFIRM_ADD: on_confirm_add}
