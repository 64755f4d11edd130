"""The ticket lifecycle on the customer's side, and the periodic auto-close.

The rules come from the helpdesk manuals:

- what a customer adds to a ticket reaches the agents in the ticket's thread (the manuals'
  "prikbord": the whole conversation of a ticket in one place);
- a ticket *waiting on the customer* takes the customer's next message in that chat as their
  answer, and goes back to *open*; with several such tickets the customer is asked which one;
- *solved* closes by itself after CHATDESK_AUTO_CLOSE_DAYS (:func:`auto_close`, registered in
  :data:`chatdesk.delivery.PERIODIC_JOBS`);
- after *solved* the customer is asked once for a 1-5 rating and an optional remark.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select

from chatdesk.core import statuses
from chatdesk.core.i18n import t
from chatdesk.desk import notify
from chatdesk.desk.agent_actions import RATE, SCORES
from chatdesk.dialogue.turn import Turn
from chatdesk.events import Choice
from chatdesk.store import tickets
from chatdesk.store.models import Ticket
from chatdesk.worker import PERIODIC_JOBS

if TYPE_CHECKING:
    from chatdesk.engine import Desk

AUTO_CLOSE_BATCH = 100
RATING_REMARK = "rating_remark"
SKIP = "skip"


def _agent_text(turn: Turn, key: str, **values: object) -> str:
    return t(key, turn.desk.settings.desk.agent_language, **values)


# -- what the customer adds reaches the agents ----------------------------------------------
def customer_added(turn: Turn, ticket: Ticket, text: str, files: int, previous_status: str) -> None:
    """Thread the customer's words (and files) to the agents; update the card on a change.

    Called after the comment is stored and any status change is made, with the status the
    ticket had before, so the agents read why it moved (answered, reopened).
    """
    session, now = turn.session, turn.now
    if text.strip():
        note = _agent_text(turn, "lifecycle.note.customer", customer=turn.author, body=text.strip())
        notify.thread(session, ticket, note, now, kind="customer")
        if _by_colleague(turn, ticket):
            notify.customer_key(
                session,
                ticket,
                "lifecycle.colleague_added",
                now,
                colleague=turn.author,
                reference=ticket.reference,
                subject=ticket.subject,
                body=text.strip(),
            )
    if files:
        note = _agent_text(turn, "lifecycle.note.files", customer=turn.author, count=files)
        notify.thread(session, ticket, note, now, kind="customer")
    if ticket.status != previous_status:
        status_changed(turn, ticket, previous_status)


def status_changed(turn: Turn, ticket: Ticket, previous_status: str) -> None:
    """The customer moved their ticket (answered, reopened, closed): thread line and card."""
    settings = turn.desk.settings
    lang = settings.desk.agent_language
    if previous_status == statuses.SOLVED and ticket.status == statuses.OPEN:
        note = _agent_text(turn, "lifecycle.note.reopened", customer=turn.author)
    elif ticket.status == statuses.CLOSED:
        note = _agent_text(turn, "lifecycle.note.closed_by_customer", customer=turn.author)
    else:
        note = _agent_text(
            turn, "lifecycle.note.answered", status=statuses.get(ticket.status).name(lang)
        )
    notify.thread(turn.session, ticket, note, turn.now, kind="event")
    notify.card(turn.session, ticket, settings, turn.now)
    if _by_colleague(turn, ticket):
        customer_lang = notify.customer_lang(ticket)
        state = statuses.get(ticket.status)
        notify.customer_key(
            turn.session,
            ticket,
            "lifecycle.colleague_status",
            turn.now,
            colleague=turn.author,
            reference=ticket.reference,
            subject=ticket.subject,
            status=state.name(customer_lang),
            meaning=state.meaning(customer_lang),
        )


def _by_colleague(turn: Turn, ticket: Ticket) -> bool:
    """Whether a colleague of the requester (organization sharing) acted on the ticket: the
    requester is told, as they would be of an agent's change."""
    return ticket.requester_id != turn.requester.id


def waiting_on(turn: Turn) -> list[Ticket]:
    """The customer's tickets from this chat that wait on their answer, newest first."""
    return [
        ticket
        for ticket in tickets.open_tickets(turn.session, turn.requester)
        if ticket.status == statuses.WAITING_CUSTOMER and ticket.chat_id == turn.event.chat_id
    ]


# -- rating -------------------------------------------------------------------------------
def is_rating(choice: str | None) -> bool:
    return choice is not None and choice.startswith(RATE)


def on_rate(turn: Turn, choice: str) -> None:
    """A rating button (or its typed number): ``rate:REF:score``.

    Accepted once per ticket, only from the ticket's own customer and only after the desk
    asked; anything else gets the answer an unknown reference gets.
    """
    reference, _, score_text = choice[len(RATE) :].rpartition(":")
    ticket = tickets.by_reference(turn.session, reference) if reference else None
    score = int(score_text) if score_text.isdigit() else 0
    if (
        ticket is None
        or ticket.requester_id != turn.requester.id
        or ticket.rating_asked_at is None
        or score not in SCORES
    ):
        turn.say("ticket.not_found", reference=reference or "?")
        return
    if ticket.rating is not None:
        turn.say("lifecycle.rating.already", reference=ticket.reference)
        return
    ticket.rating = score
    ticket.rated_at = turn.now
    ticket.updated_at = turn.now
    note = _agent_text(turn, "lifecycle.note.rated", customer=turn.author, rating=score)
    notify.thread(turn.session, ticket, note, turn.now, kind="customer")
    if turn.state not in ("idle", RATING_REMARK):
        # in the middle of something else: keep that; the remark is optional anyway
        turn.say("lifecycle.rating.thanks", reference=ticket.reference, rating=score)
        return
    turn.reset()
    turn.goto(RATING_REMARK, reference=ticket.reference)
    _prompt_remark(turn)


def _prompt_remark(turn: Turn) -> None:
    ticket = tickets.by_reference(turn.session, turn.data.get("reference", ""))
    turn.say(
        "lifecycle.rating.thanks_ask_remark",
        choices=[Choice(SKIP, turn.text("lifecycle.rating.no_remark"))],
        reference=turn.data.get("reference", ""),
        rating=ticket.rating if ticket is not None else "",
    )


def on_remark(turn: Turn, text: str, choice: str | None) -> None:
    """The optional remark after a rating; "skip" (or the button) leaves it out."""
    reference = turn.data.get("reference", "")
    turn.reset()
    ticket = tickets.by_reference(turn.session, reference)
    remark = text.strip()
    if (
        ticket is not None
        and ticket.requester_id == turn.requester.id
        and choice != SKIP
        and remark
    ):
        ticket.rating_remark = remark[:2000]
        ticket.updated_at = turn.now
        note = _agent_text(
            turn,
            "lifecycle.note.rated_remark",
            customer=turn.author,
            rating=ticket.rating,
            remark=ticket.rating_remark,
        )
        notify.thread(turn.session, ticket, note, turn.now, kind="customer")
    turn.say("lifecycle.rating.done")


# -- auto-close ---------------------------------------------------------------------------
def auto_close(desk: Desk, now: datetime) -> int:
    """Close solved tickets that stayed solved for CHATDESK_AUTO_CLOSE_DAYS; the number closed.

    Safe in several processes at once: the rows are locked with SKIP LOCKED, so each ticket is
    closed (and its customer told) by one of them. 0 days turns auto-close off.
    """
    days = desk.settings.desk.auto_close_days
    if days <= 0:
        return 0
    cutoff = now - timedelta(days=days)
    shown = f"{days:g}"
    with desk.database.session() as session:
        due = list(
            session.scalars(
                select(Ticket)
                .where(Ticket.status == statuses.SOLVED, Ticket.status_changed_at <= cutoff)
                .order_by(Ticket.id)
                .limit(AUTO_CLOSE_BATCH)
                .with_for_update(skip_locked=True)
            )
        )
        for ticket in due:
            lang = notify.customer_lang(ticket)
            tickets.set_status(ticket, statuses.CLOSED, "system", now)
            notify.customer(
                session,
                ticket,
                t(
                    "lifecycle.auto_closed",
                    lang,
                    reference=ticket.reference,
                    subject=ticket.subject,
                    days=shown,
                ),
                now,
            )
            note = t("lifecycle.note.auto_closed", desk.settings.desk.agent_language, days=shown)
            notify.thread(session, ticket, note, now, kind="event")
            notify.card(session, ticket, desk.settings, now)
    return len(due)


if auto_close not in PERIODIC_JOBS:
    PERIODIC_JOBS.append(auto_close)

PROMPTS = {RATING_REMARK: _prompt_remark}
HANDLERS = {RATING_REMARK: on_remark}
