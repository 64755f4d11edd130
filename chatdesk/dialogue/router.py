"""The router: what one turn's input is, and which flow answers it.

Order matters and is the whole of this module: the agents' chat first; then buttons sent
through the outbox (ratings, a contact person's approval), which are never among the offered
choices; then a choice (pressed, or typed as its number or label), a command, a question
(person, list, status) and finally the flow the conversation is in, or a new problem.
In groups and channels nothing about tickets is said in public: the customer is moved to a
private chat.
"""

from __future__ import annotations

from typing import Literal

from chatdesk.core import choices as ids
from chatdesk.core.commands import Command, bare_reference, find_reference, parse
from chatdesk.core.lexicon import is_small_talk, language_code
from chatdesk.dialogue import (
    agents,
    approval,
    followup,
    intake,
    intake_prompts,
    intents,
    lifecycle,
    overview,
    questions,
)
from chatdesk.dialogue.turn import Turn
from chatdesk.events import Attachment, InboundEvent, MoveToPrivate

OWN_WORDS = frozenset({"idle", "subject", "description", "suggest"})
"""States where typed text is the customer's own words, which tell the language they write
in; the steps and the error message are often pasted, in the software's language."""
PROMPTS = {**intake_prompts.PROMPTS, **followup.PROMPTS, **lifecycle.PROMPTS, **questions.PROMPTS}
HANDLERS = {**intake.HANDLERS, **followup.HANDLERS, **lifecycle.HANDLERS, **questions.HANDLERS}


def route(turn: Turn) -> None:
    """Send the turn's input to a command, a question, or the flow the conversation is in."""
    event = turn.event
    text = event.text.strip()
    if event.agent_chat:
        agents.handle(turn)  # buttons, thread replies and commands in the agents' chat
        return
    if ids.is_rating(event.choice):
        # rating buttons come through the outbox, so they are never in the "offered" list
        _rate(turn, str(event.choice))
        return
    if event.choice is not None and ids.is_organization(event.choice):
        # a contact person's approve/decline: sent through the outbox, so never "offered"
        approval.on_choice(turn, event.choice)
        _reprompt(turn)
        return
    if text and event.choice is None and turn.state in OWN_WORDS:
        turn.note_writing(text)
    text = _references(turn, text)
    choice = _choice(turn, text)
    if choice is False:
        return
    if isinstance(choice, str) and ids.is_rating(choice):  # a typed score
        _rate(turn, choice)
        return
    command = parse(text, turn.settings.desk.ticket_prefix) if choice is None else None
    if turn.state == "pick_ticket" and bare_reference(text, turn.settings.desk.ticket_prefix):
        command = None  # "which ticket?" answered by typing its reference: a pick
    if not event.private:
        _in_group(turn, command, text)
        return
    if event.attachments:
        _attachments(turn, list(event.attachments), text, command)
        return
    if command is not None:
        _command(turn, command)
    elif ids.status_of(choice) is not None and turn.state == "idle":
        overview.status(turn, ids.status_of(choice))
    elif (
        turn.state == lifecycle.RATING_REMARK
        and choice is None
        and find_reference(text, turn.settings.desk.ticket_prefix)
    ):
        turn.reset()  # a message about a ticket ("SD-1042 it fails again"), not a remark
        followup.problem_text(turn, text, [])
    elif choice is None and _question(turn, text):
        pass  # a status, the list, or a person: answered, and the open question repeated
    elif turn.state in HANDLERS:
        HANDLERS[turn.state](turn, text, choice)
    elif not text or (is_small_talk(text) and not lifecycle.waiting_on(turn)):
        # ("yes" is small talk, unless the desk asked this customer a question)
        turn.say("hint")
    else:
        followup.problem_text(turn, text, [])


def _references(turn: Turn, text: str) -> str:
    """``text`` with loosely written references in their one form ("sd1001", "SD 1001"
    are SD-1001); "#1001" only when the customer can see SD-1001 (else it may be an
    order number or a position in a list)."""
    prefix = turn.settings.desk.ticket_prefix
    text = intents.canonical_references(text, prefix)
    for number in intents.hash_numbers(text):
        reference = f"{prefix.upper()}-{int(number)}"
        if overview.find(turn, reference) is not None:
            text = intents.with_hash_reference(text, number, reference)
    return text


def _question(turn: Turn, text: str) -> bool:
    """Answer a question about a person, the list or a status; False when it is none.

    In the middle of a flow the answer comes first and the open question is asked
    again after it, so its options stay the only numbered ones on screen."""
    in_flow = turn.state in PROMPTS
    reference = find_reference(text, turn.settings.desk.ticket_prefix)
    if intents.asks_person(text):
        questions.person(turn, in_flow)
    elif intents.asks_list(text):
        overview.my_tickets(turn, numbered=not in_flow)
    elif intents.asks_status(text) and reference:
        overview.status(turn, reference)
    elif intents.asks_status(text):
        questions.status_question(turn, in_flow)
    else:
        return False
    if in_flow and turn.state in PROMPTS:
        _reprompt(turn)
    return True


def _choice(turn: Turn, text: str) -> str | Literal[False] | None:
    """The choice this input makes; False when a stale button was pressed (answered)."""
    offered = [choice_id for choice_id, _ in turn.offered()]
    if turn.event.choice is not None:
        if turn.event.choice in offered:
            return turn.event.choice
        turn.say("choice.expired")
        _reprompt(turn)
        return False
    return turn.resolve_typed(text) if text else None


def _rate(turn: Turn, choice: str) -> None:
    """A rating; a customer in the middle of something gets their question back."""
    in_flow = turn.state in PROMPTS and turn.state != lifecycle.RATING_REMARK
    lifecycle.on_rate(turn, choice)
    if in_flow:
        _reprompt(turn)


def _reprompt(turn: Turn) -> None:
    if turn.state in PROMPTS:
        PROMPTS[turn.state](turn)


def _in_group(turn: Turn, command: Command | None, text: str) -> None:
    """In groups and channels: help in place; anything about tickets goes private."""
    if command is not None and command.name == "help":
        turn.say("help")
        return
    turn.emit(moved(turn.event, turn.text("group.moved"), text, turn.lang))


PRIVATE_SUFFIX = ":private"
"""The private turn's delivery id: the group delivery's id with this suffix."""


def moved(event: InboundEvent, pointer: str, words: str, lang: str) -> MoveToPrivate:
    """The move of ``event`` (said in a group) to the speaker's private chat: ``pointer`` said
    in the group, ``words`` carried over with everything the private turn needs."""
    return MoveToPrivate(
        platform=event.platform,
        chat_id=event.chat_id,
        user_id=event.user_id,
        text=pointer,
        original_text=words,
        thread_id=event.thread_id,
        lang=lang,
        event_id=event.event_id,
        display_name=event.display_name,
        locale=event.locale,
        email=event.email,
        organization=event.organization,
        attachments=event.attachments,
    )


def private_event(move: MoveToPrivate, chat_id: str) -> InboundEvent:
    """The words of ``move`` as a turn of the private chat ``chat_id`` (on Telegram the user's
    id, on Slack the DM's). Its delivery id derives from the group's, so the words are carried
    over once however often the move is sent; the speaker is the same person, so their e-mail
    address, organization and files come along (organizations and contact-person approvals
    must recognise them here as in the group)."""
    return InboundEvent(
        platform=move.platform,
        user_id=move.user_id,
        chat_id=chat_id,
        text=move.original_text,
        event_id=f"{move.event_id}{PRIVATE_SUFFIX}" if move.event_id else None,
        display_name=move.display_name,
        locale=move.locale,
        email=move.email,
        organization=move.organization,
        attachments=move.attachments,
        private=True,
    )


def _command(turn: Turn, command: Command) -> None:
    in_flow = turn.state in PROMPTS
    name = command.name
    if name == "cancel":
        if turn.state == lifecycle.RATING_REMARK:
            lifecycle.on_remark(turn, "", lifecycle.SKIP)  # the remark was optional
        elif in_flow:
            intake.cancel(turn)
        else:
            turn.say("nothing_to_cancel")
        return
    if name == "new":
        if turn.state in intake.INTAKE_STATES:
            turn.say("intake.already")
            _reprompt(turn)
        else:
            intake.start(turn, command.argument)
        return
    if name == "help":
        turn.say("help")
    elif name == "lang":
        _lang(turn, command.argument)
    elif name == "status" and command.reference is None:
        questions.status_question(turn, in_flow)  # "status", "status of my ticket"
    elif name == "status":
        overview.status(turn, command.reference)
    elif name == "my_tickets":
        overview.my_tickets(turn, numbered=not in_flow)
    elif name == "org_tickets":
        approval.organization_tickets(turn)
    elif name in ("close", "reopen") and turn.state in intake.INTAKE_STATES:
        # both may lead to a question of their own, which would replace the draft
        turn.say("intake.finish_first")
    elif name == "close":
        followup.close(turn, command.reference)
        return
    elif name == "reopen":
        followup.reopen(turn, command.reference)
        return
    if in_flow and turn.state in PROMPTS:
        _reprompt(turn)  # back to the question the customer was answering


def _lang(turn: Turn, argument: str) -> None:
    words = argument.split()
    code = language_code(words[0]) if words else None
    if code is None:
        turn.say("lang.usage")
        return
    turn.requester.lang = code
    turn.say("lang.set")


def _attachments(
    turn: Turn, attachments: list[Attachment], text: str, command: Command | None
) -> None:
    limit = turn.settings.desk.attachment_max_bytes
    accepted = []
    for attachment in attachments:
        if attachment.size > limit:
            turn.say(
                "attachment.too_large",
                name=attachment.name,
                size=f"{attachment.size / 1024 / 1024:.1f}",
                limit=f"{turn.settings.desk.attachment_max_mb:g}",
            )
        else:
            accepted.append(attachment)
    if turn.state in intake.INTAKE_STATES:
        for attachment in accepted:
            intake.add_attachment(turn, attachment)
        if command is not None:
            _command(turn, command)  # "cancel" with a file still cancels
        elif text:
            intake.handle(turn, text, None)
        else:
            intake_prompts.reprompt(turn)
        return
    if not accepted and command is not None:
        _command(turn, command)
    elif accepted or text:
        followup.problem_text(turn, text, accepted)  # a refused file keeps its words
