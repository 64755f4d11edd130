"""After the ticket: status, my tickets, adding information, closing and reopening.

The rules follow the manuals: a comment on a solved ticket reopens it; a closed ticket
cannot reopen, so the bot offers a new follow-up ticket linked to it; a customer with several
open tickets is asked which one a message is for, and "a new problem" is always one of the
answers, because a new problem deserves a new ticket rather than a reply on an old one.
"""

from __future__ import annotations

from chatdesk.core import statuses
from chatdesk.core.commands import find_reference
from chatdesk.core.lexicon import STATUS_QUESTION, normalise
from chatdesk.core.text import when
from chatdesk.desk import organizations
from chatdesk.dialogue import intake, lifecycle
from chatdesk.dialogue.intents import asks_status, is_question
from chatdesk.dialogue.turn import Turn
from chatdesk.events import Attachment
from chatdesk.store import tickets
from chatdesk.store.models import Ticket

FOLLOWUP_STATES = frozenset({"pick_ticket", "confirm_close", "offer_followup"})


def find(turn: Turn, reference: str) -> Ticket | None:
    sharing = organizations.shares(turn.desk.settings, turn.requester.organization)
    # locked: a comment, close or reopen must see what auto-close or an agent just did
    return tickets.find_visible(turn.session, reference, turn.requester, sharing, lock=True)


def _not_found(turn: Turn, reference: str) -> None:
    turn.say("ticket.not_found", reference=reference)


def _lookup(turn: Turn, reference: str | None, usage_key: str) -> Ticket | None:
    """The customer's ticket for a command, or None after saying what was wrong."""
    if not reference:
        turn.say(usage_key)
        return None
    ticket = find(turn, reference)
    if ticket is None:
        _not_found(turn, reference)
    return ticket


# -- status and lists ------------------------------------------------------------------
def status(turn: Turn, reference: str | None) -> None:
    ticket = _lookup(turn, reference, "status.usage")
    if ticket is None:
        return
    state = statuses.get(ticket.status)
    lines = [
        turn.text(
            "status.view",
            reference=ticket.reference,
            subject=ticket.subject,
            status=state.name(turn.lang),
            meaning=state.meaning(turn.lang),
            changed=when(ticket.status_changed_at, turn.desk.settings.hours.zone),
        )
    ]
    if ticket.follows_up is not None:
        lines.append(turn.text("status.follows_up", reference=ticket.follows_up.reference))
    if ticket.approval == organizations.PENDING:
        lines.append(turn.text("org.status_pending", organization=ticket.organization))
    reply = tickets.last_public_reply(ticket)
    if reply is not None:
        lines.append(
            turn.text(
                "status.last_reply",
                when=when(reply.created_at, turn.desk.settings.hours.zone),
                body=reply.body,
            )
        )
    if state.final:
        hint = (
            "status.cancelled_hint" if ticket.status == statuses.CANCELLED else "status.closed_hint"
        )
        lines.append(turn.text(hint, reference=ticket.reference))
    turn.say_text("\n".join(lines))


def my_tickets(turn: Turn, numbered: bool = True) -> None:
    """The open tickets; ``numbered=False`` while another question is open, so that a typed
    number only ever answers the newest list on screen."""
    mine = tickets.open_tickets(turn.session, turn.requester)
    if not mine:
        turn.say("mine.none")
        return
    lines = [turn.text("mine.header", count=len(mine))]
    for ticket in mine:
        lines.append(
            turn.text(
                "mine.line",
                reference=ticket.reference,
                subject=ticket.subject,
                status=statuses.get(ticket.status).name(turn.lang),
                changed=when(ticket.status_changed_at, turn.desk.settings.hours.zone),
            )
        )
    choices = [
        turn.choice(f"st:{t.reference}", "choice.status_of", reference=t.reference)
        for t in mine[:10]
    ]
    turn.say_text("\n".join(lines), choices if numbered else [])


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
    reference = find_reference(text, turn.desk.settings.desk.ticket_prefix)
    if reference:
        ticket = find(turn, reference)
        if ticket is None:
            _not_found(turn, reference)
            return
        rest = _without_reference(text, reference)
        if not attachments and (_asks_status(text, reference) or asks_status(rest)):
            status(turn, reference)  # "what about SD-1042?" asks; it adds nothing
            return
        if not attachments and is_question(rest):
            from chatdesk.dialogue import questions  # (it builds on this module)

            questions.confirm_add(turn, reference, rest)  # a question is stored only if meant
            return
        add_information(turn, ticket, rest, attachments)
        return
    waiting = lifecycle.waiting_on(turn)
    if len(waiting) == 1 and not attachments and is_question(text):
        from chatdesk.dialogue import questions  # (it builds on this module)

        questions.confirm_add(turn, waiting[0].reference or "", text)  # a question back
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
            f"t:{t.reference}",
            "choice.ticket",
            reference=t.reference,
            subject=intake._short(t.subject, 30),
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
    prefix = turn.desk.settings.desk.ticket_prefix
    reference = choice[2:] if choice and choice.startswith("t:") else find_reference(text, prefix)
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
    ticket = find(turn, reference)
    if ticket is None:
        _not_found(turn, reference)
        prompt_pick(turn)
        return
    if pending.get("action") == "close":
        ask_close(turn, ticket)
    elif pending.get("action") == "status":
        turn.reset()
        status(turn, ticket.reference)
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
    ticket = find(turn, reference)
    if ticket is None:
        _not_found(turn, reference)
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
    ticket = find(turn, reference)
    turn.reset()
    if ticket is None or statuses.get(ticket.status).final:
        _not_found(turn, reference)
        return
    name = turn.author
    previous = ticket.status
    tickets.set_status(ticket, statuses.CLOSED, name, turn.now)
    lifecycle.status_changed(turn, ticket, previous)  # agent desk: thread line and card
    turn.say("close.done", reference=reference)


def reopen(turn: Turn, reference: str | None) -> None:
    ticket = _lookup(turn, reference, "reopen.usage")
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


PROMPTS = {
    "pick_ticket": prompt_pick,
    "confirm_close": _prompt_close,
    "offer_followup": _prompt_followup,
}
HANDLERS = {
    "pick_ticket": on_pick,
    "confirm_close": on_confirm_close,
    "offer_followup": on_offer_followup,
}
