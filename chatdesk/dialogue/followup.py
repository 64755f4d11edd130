"""After the ticket: adding information, which ticket, closing and reopening (a ticket's
status and the list of open tickets are :mod:`chatdesk.dialogue.overview`).

The rules follow the manuals: a comment on a solved ticket reopens it; a closed ticket
cannot reopen, so the bot offers a new follow-up ticket linked to it; a customer with several
open tickets is asked which one a message is for, and "a new problem" is always one of the
answers, because a new problem deserves a new ticket rather than a reply on an old one.
"""

from __future__ import annotations

from chatdesk.core import choices as ids
from chatdesk.core import statuses
from chatdesk.core.commands import find_reference
from chatdesk.core.lexicon import STATUS_QUESTION, normalise
from chatdesk.dialogue import intake, intake_prompts, lifecycle, overview
from chatdesk.dialogue.intents import asks_status, is_question
from chatdesk.dialogue.turn import Turn
from chatdesk.events import Attachment
from chatdesk.store import tickets
from chatdesk.store.models import Ticket

FOLLOWUP_STATES = frozenset({"pick_ticket", "confirm_close", "offer_followup"})
CONFIRM_ADD = "confirm_add"


# -- adding information --------------------------------------------------------------
def add_information(
    turn: Turn, ticket: Ticket, text: str, attachments: list[Attachment] | tuple = ()
) -> None:
    """A comment (and files) from the customer on one of their tickets."""
    state = statuses.get(ticket.status)
    if state.final:
        offer_followup(turn, ticket, text, attachments)
        return
    name = turn.author
    previous = ticket.status
    if text.strip():
        tickets.add_comment(turn.session, ticket, text.strip(), "customer", name, turn.now)
    for attachment in attachments:
        tickets.attach(turn.session, ticket, attachment, turn.event.platform, turn.now)
    turn.reset()
    if state.reopenable:
        tickets.set_status(ticket, statuses.OPEN, name, turn.now)
        turn.say("comment.reopened", reference=ticket.reference)
    else:
        if ticket.status == statuses.WAITING_CUSTOMER:
            tickets.set_status(ticket, statuses.OPEN, name, turn.now)
        key = "comment.added" if text.strip() else "attachment.added_to_ticket"
        turn.say(key, reference=ticket.reference, count=len(attachments))
    # agent desk: the agents read it in the ticket's thread; a status change updates the card
    lifecycle.customer_added(turn, ticket, text, len(attachments), previous)


def problem_text(turn: Turn, text: str, attachments: list[Attachment]) -> None:
    """Free text (or files) outside any flow: a comment on a ticket, or a new problem."""
    reference = find_reference(text, turn.settings.desk.ticket_prefix)
    if reference:
        ticket = overview.find(turn, reference)
        if ticket is None:
            overview.not_found(turn, reference)
            return
        rest = _without_reference(text, reference)
        if not attachments and (_asks_status(text, reference) or asks_status(rest)):
            overview.status(turn, reference)  # "what about SD-1042?" asks; it adds nothing
            return
        if not attachments and is_question(rest):
            confirm_add(turn, reference, rest)  # a question is stored only if meant
            return
        add_information(turn, ticket, rest, attachments)
        return
    waiting = lifecycle.waiting_on(turn)
    if len(waiting) == 1 and not attachments and is_question(text):
        confirm_add(turn, waiting[0].reference or "", text)  # a question back
        return
    if len(waiting) == 1:  # the desk asked this customer something: this is the answer
        add_information(turn, waiting[0], text, attachments)
        return
    mine = tickets.open_tickets(turn.session, turn.requester)
    if not mine:
        intake.start(turn, text, [intake.attachment_to_dict(a) for a in attachments])
        return
    turn.reset()
    turn.goto(
        "pick_ticket",
        pending={
            "text": text,
            "attachments": [intake.attachment_to_dict(a) for a in attachments],
            "action": "comment",
        },
    )
    prompt_pick(turn)


def _asks_status(text: str, reference: str) -> bool:
    """Whether ``text`` is only the reference with a question around it ("SD-1042?", "what
    about sd-1042?", "hoe staat het met SD-1042"): such a message must not become a comment,
    which would reopen a solved ticket or answer a question the desk asked."""
    around = f" {normalise(text)} ".replace(f" {normalise(reference)}", " ").replace("?", " ")
    return all(word in STATUS_QUESTION for word in around.split())


def _without_reference(text: str, reference: str) -> str:
    """The message without a leading ticket reference ("SD-1042: it happens again")."""
    stripped = text.strip()
    if stripped.upper().startswith(reference):
        return stripped[len(reference) :].lstrip(" :,.-–\t\n")
    return stripped


def prompt_pick(turn: Turn) -> None:
    mine = tickets.open_tickets(turn.session, turn.requester)
    action = turn.data.get("pending", {}).get("action", "comment")
    choices = [
        turn.choice(
            ids.ticket(t.reference or ""),
            "choice.ticket",
            reference=t.reference,
            subject=intake_prompts.short(t.subject, 30),
        )
        for t in mine[:8]
    ]
    if action == "comment":
        choices.append(turn.choice("newp", "choice.new_problem"))
        turn.say("pick.which_comment", choices=choices)
    elif action == "status":
        turn.say("pick.which_status", choices=choices)
    else:
        choices.append(turn.choice("cancel", "choice.cancel"))
        turn.say("pick.which_close", choices=choices)


def on_pick(turn: Turn, text: str, choice: str | None) -> None:
    pending = turn.data.get("pending", {})
    attachments = [Attachment(**a) for a in pending.get("attachments", [])]
    prefix = turn.settings.desk.ticket_prefix
    reference = ids.ticket_of(choice) or find_reference(text, prefix)
    if choice == "newp":
        intake.start(turn, pending.get("text", ""), pending.get("attachments", []))
        return
    if choice == "cancel":
        turn.reset()
        turn.say("nothing_changed")
        return
    if not reference:
        turn.say("intake.choose_option")
        prompt_pick(turn)
        return
    ticket = overview.find(turn, reference)
    if ticket is None:
        overview.not_found(turn, reference)
        prompt_pick(turn)
        return
    if pending.get("action") == "close":
        ask_close(turn, ticket)
    elif pending.get("action") == "status":
        turn.reset()
        overview.status(turn, ticket.reference)
    else:
        add_information(turn, ticket, pending.get("text", ""), attachments)


# -- closing and reopening -----------------------------------------------------------
def close(turn: Turn, reference: str | None) -> None:
    if not reference:
        mine = tickets.open_tickets(turn.session, turn.requester)
        if not mine:
            turn.say("mine.none")
            return
        turn.reset()
        turn.goto("pick_ticket", pending={"action": "close"})
        prompt_pick(turn)
        return
    ticket = overview.find(turn, reference)
    if ticket is None:
        overview.not_found(turn, reference)
        return
    ask_close(turn, ticket)


def ask_close(turn: Turn, ticket: Ticket) -> None:
    if statuses.get(ticket.status).final:
        turn.reset()
        turn.say(
            "close.already",
            reference=ticket.reference,
            status=statuses.get(ticket.status).name(turn.lang),
        )
        return
    turn.reset()
    turn.goto("confirm_close", reference=ticket.reference)
    _prompt_close(turn)


def _prompt_close(turn: Turn) -> None:
    turn.say(
        "close.confirm",
        choices=[turn.choice("yes", "choice.yes_close"), turn.choice("no", "choice.no_keep")],
        reference=turn.data.get("reference"),
    )


def on_confirm_close(turn: Turn, text: str, choice: str | None) -> None:
    reference = turn.data.get("reference", "")
    if choice == "no":
        turn.reset()
        turn.say("close.kept", reference=reference)
        return
    if choice != "yes":
        turn.say("intake.choose_option")
        _prompt_close(turn)
        return
    ticket = overview.find(turn, reference)
    turn.reset()
    if ticket is None or statuses.get(ticket.status).final:
        overview.not_found(turn, reference)
        return
    name = turn.author
    previous = ticket.status
    tickets.set_status(ticket, statuses.CLOSED, name, turn.now)
    lifecycle.status_changed(turn, ticket, previous)  # agent desk: thread line and card
    turn.say("close.done", reference=reference)


def reopen(turn: Turn, reference: str | None) -> None:
    ticket = overview.lookup(turn, reference, "reopen.usage")
    if ticket is None:
        return
    state = statuses.get(ticket.status)
    if state.reopenable:
        name = turn.author
        previous = ticket.status
        tickets.set_status(ticket, statuses.OPEN, name, turn.now)
        lifecycle.status_changed(turn, ticket, previous)  # agent desk: thread line and card
        turn.say("reopen.done", reference=ticket.reference)
    elif state.final:
        offer_followup(turn, ticket, "", ())
    else:
        turn.say("reopen.still_open", reference=ticket.reference, status=state.name(turn.lang))


def offer_followup(
    turn: Turn, ticket: Ticket, text: str, attachments: list[Attachment] | tuple
) -> None:
    turn.reset()
    turn.goto(
        "offer_followup",
        reference=ticket.reference,
        cancelled=ticket.status == statuses.CANCELLED,
        pending={"text": text, "attachments": [intake.attachment_to_dict(a) for a in attachments]},
    )
    _prompt_followup(turn)


def _prompt_followup(turn: Turn) -> None:
    turn.say(
        "followup.offer.cancelled" if turn.data.get("cancelled") else "followup.offer",
        choices=[turn.choice("yes", "choice.yes_followup"), turn.choice("no", "choice.no_thanks")],
        reference=turn.data.get("reference"),
    )


def on_offer_followup(turn: Turn, text: str, choice: str | None) -> None:
    if choice == "yes":
        pending = turn.data.get("pending", {})
        intake.start(
            turn,
            pending.get("text", ""),
            pending.get("attachments", []),
            follows_up=turn.data.get("reference"),
        )
    elif choice == "no":
        turn.reset()
        turn.say("nothing_changed")
    else:
        turn.say("intake.choose_option")
        _prompt_followup(turn)


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
        ticket = overview.find(turn, reference)
        if ticket is None:
            turn.reset()
            turn.say("ticket.not_found", reference=reference)
            return
        add_information(turn, ticket, pending)
    elif choice == "no":
        turn.reset()
        turn.say("question.not_added", reference=reference)
    else:
        turn.reset()  # something else: read it afresh
        problem_text(turn, text, [])


PROMPTS = {
    "pick_ticket": prompt_pick,
    "confirm_close": _prompt_close,
    "offer_followup": _prompt_followup,
    CONFIRM_ADD: _prompt_add,
}
HANDLERS = {
    "pick_ticket": on_pick,
    "confirm_close": on_confirm_close,
    "offer_followup": on_offer_followup,
    CONFIRM_ADD: on_confirm_add,
}
