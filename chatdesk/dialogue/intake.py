"""The intake flow: from a problem to a stored ticket, helping with articles on the way.

States, in order (see docs/intake.md for the diagram):

``subject`` -> ``suggest`` (articles that match; one may solve it) -> ``description`` ->
``suggest`` again with new matches only -> ``steps`` -> ``error`` (optional) -> ``confirm``
(send, edit a field, cancel) -> stored ticket. ``article`` shows one chosen article; ``edit``
and ``edit_value`` change a field and come back to ``confirm``. Cancel works at every step.

Every answer is validated; a rejected answer is said back with the reason and the question is
asked again, with every earlier answer kept in the draft.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import insert

from chatdesk.core import lexicon, metrics, validation
from chatdesk.core.lexicon import is_urgent
from chatdesk.desk import notify, organizations, service
from chatdesk.dialogue import answers, pasted
from chatdesk.dialogue.turn import Turn
from chatdesk.events import Attachment
from chatdesk.store import tickets
from chatdesk.store.models import SuggestionEvent, Ticket

INTAKE_STATES = frozenset(
    {
        "subject",
        "suggest",
        "article",
        "description",
        "steps",
        "error",
        "confirm",
        "edit",
        "edit_value",
    }
)
EXCERPT_CHARS = 900
_RECORD = insert(SuggestionEvent.__table__)  # built once: a turn only binds its values


# -- starting -------------------------------------------------------------------------
def start(
    turn: Turn,
    text: str = "",
    attachments: list[dict] | None = None,
    follows_up: str | None = None,
) -> None:
    """Begin an intake; ``text`` (what the customer already said) becomes the first answer."""
    turn.reset()
    draft = answers.draft(turn)
    draft.update({"attachments": attachments or [], "shown": [], "follows_up": follows_up})
    if follows_up:
        turn.say("intake.follow_up_of", reference=follows_up)
    text = text.strip()
    max_text = turn.desk.settings.desk.max_text_length
    fields = pasted.split(text, max_text) if text else None
    if text and is_urgent(text):
        start_urgent(turn, text)
    elif fields:
        # A full report pasted at once: take its fields, ask only for what is missing.
        draft.update(fields)
        turn.say("intake.report_split")
        _suggest_or(turn, f"{fields['subject']}\n{fields['description']}", _next_missing(turn))
    elif text:
        turn.goto("subject")
        on_subject(turn, text)  # a long text is kept as the description; a bad one is refused
    else:
        ask(turn, "subject")


def start_urgent(turn: Turn, text: str) -> None:
    """An outage: no reading list, no questions; a short urgent summary to send at once."""
    draft = answers.draft(turn)
    max_text = turn.desk.settings.desk.max_text_length
    fields = pasted.split(text, max_text) or {}
    draft["urgent"] = True
    first_line = next(line for line in text.splitlines() if line.strip()).strip()
    draft["subject"] = fields.get("subject") or answers.clip(turn, "subject", first_line)
    draft["description"] = fields.get("description") or answers.clip(turn, "description", text)
    draft.setdefault("steps", fields.get("steps", ""))
    draft.setdefault("error_message", fields.get("error_message"))
    ask(turn, "confirm")


def _next_missing(turn: Turn) -> str:
    """The next question to ask: the first field without an answer, then the summary."""
    draft = answers.draft(turn)
    for field in ("description", "steps"):
        if not draft.get(field):
            return field
    return "confirm" if "error_message" in draft else "error"


# -- questions ----------------------------------------------------------------------
def ask(turn: Turn, state: str) -> None:
    """Move to ``state`` and put its question (with its choices)."""
    turn.goto(state)
    PROMPTS[state](turn)


def _prompt_subject(turn: Turn) -> None:
    turn.say("intake.ask_subject")


def _prompt_description(turn: Turn) -> None:
    turn.say("intake.ask_description")


def _prompt_steps(turn: Turn) -> None:
    turn.say("intake.ask_steps")


def _prompt_error(turn: Turn) -> None:
    turn.say("intake.ask_error", choices=[turn.choice("skip", "choice.skip")])


def _prompt_suggest(turn: Turn) -> None:
    """The articles, shown with the next question: pick one, or simply answer it."""
    articles = [turn.desk.knowledge.get(i) for i in turn.data.get("offer", [])]
    lines = [turn.text("intake.suggest_intro")]
    choices = []
    for n, article in enumerate(a for a in articles if a is not None):
        lines.append(
            turn.text(
                "intake.suggest_line", number=n + 1, title=article.title, summary=article.summary
            )
            + (f"\n   {article.url}" if article.url else "")
        )
        choices.append(turn.choice(f"art{n + 1}", "choice.read", title=_short(article.title)))
    after = turn.data.get("after_suggest", "description")
    if after in ("description", "steps"):
        lines.append(turn.text("intake.suggest_or_answer"))
        lines.append(turn.text(f"intake.ask_{after}"))
    else:
        lines.append(turn.text("intake.suggest_outro"))
    choices.append(turn.choice("continue", "choice.continue"))
    turn.say_text("\n".join(lines), choices)


def _prompt_article(turn: Turn) -> None:
    article = turn.desk.knowledge.get(turn.data.get("article", ""))
    if article is None:
        _next_after_suggest(turn)
        return
    body = article.body.strip()
    if len(body) > EXCERPT_CHARS:
        body = body[:EXCERPT_CHARS].rsplit(" ", 1)[0] + " …"
    text = turn.text("intake.article", title=article.title, body=body)
    if article.url:
        text += "\n" + turn.text("intake.article_link", url=article.url)
    turn.say_text(
        text,
        [turn.choice("solved", "choice.solved"), turn.choice("continue", "choice.not_solved")],
    )


def _prompt_confirm(turn: Turn) -> None:
    draft = answers.draft(turn)
    if draft.get("urgent") and not draft.get("edited"):
        turn.say(
            "intake.urgent_summary",
            choices=[
                turn.choice("confirm", "choice.send_urgent"),
                turn.choice("edit", "choice.edit"),
                turn.choice("cancel", "choice.cancel"),
            ],
            subject=draft.get("subject", ""),
            description=draft.get("description", ""),
        )
        return
    none = turn.text("intake.none")
    text = turn.text(
        "intake.summary",
        subject=draft.get("subject", ""),
        description=draft.get("description", ""),
        steps=draft.get("steps", ""),
        error_message=draft.get("error_message") or none,
        attachments=", ".join(a["name"] for a in draft.get("attachments", [])) or none,
    )
    turn.say_text(
        text,
        [
            turn.choice("confirm", "choice.confirm"),
            turn.choice("edit", "choice.edit"),
            turn.choice("cancel", "choice.cancel"),
            turn.choice("urgent", "service.choice.site_down"),  # last: typed numbers stay
        ],
    )


def _prompt_edit(turn: Turn) -> None:
    choices = [turn.choice(f"f:{field}", f"field.{field}") for field in validation.FIELDS]
    choices.append(turn.choice("back", "choice.back"))
    turn.say("intake.ask_edit", choices=choices)


def _prompt_edit_value(turn: Turn) -> None:
    field = turn.data.get("editing", "subject")
    current = answers.draft(turn).get(field) or turn.text("intake.none")
    choices = [turn.choice("skip", "choice.no_error")] if field == "error_message" else []
    choices.append(turn.choice("keep", "choice.keep"))
    turn.say(
        "intake.ask_new_value", choices=choices, current=current, **answers.field_names(turn, field)
    )


PROMPTS: dict[str, Callable[[Turn], None]] = {
    "subject": _prompt_subject,
    "suggest": _prompt_suggest,
    "article": _prompt_article,
    "description": _prompt_description,
    "steps": _prompt_steps,
    "error": _prompt_error,
    "confirm": _prompt_confirm,
    "edit": _prompt_edit,
    "edit_value": _prompt_edit_value,
}


def reprompt(turn: Turn) -> None:
    PROMPTS[turn.state](turn)


# -- answers ------------------------------------------------------------------------
def handle(turn: Turn, text: str, choice: str | None) -> None:
    """An answer (typed or chosen) in one of the intake states."""
    HANDLERS[turn.state](turn, text, choice)


def on_subject(turn: Turn, text: str, choice: str | None = None) -> None:
    if is_urgent(text) and not answers.draft(turn).get("urgent"):
        start_urgent(turn, text)
        return
    if not answers.accept(turn, "subject", text):
        reprompt(turn)
        return
    draft = answers.draft(turn)
    query = "\n".join(draft[f] for f in ("subject", "description") if draft.get(f))
    _suggest_or(turn, query, then=_next_missing(turn))


def _suggest_or(turn: Turn, query: str, then: str) -> None:
    """Offer matching articles not shown before, beside the question of ``then``;
    otherwise, or when ``then`` is no typed answer (the error's Skip, the summary), go
    straight to ``then``: articles never cost a turn of their own."""
    if then not in ("description", "steps"):
        ask(turn, then)
        return
    draft = answers.draft(turn)
    shown: list[str] = draft.setdefault("shown", [])
    limit = turn.desk.settings.knowledge.suggestion_limit
    knowledge = turn.desk.knowledge
    with metrics.SUGGESTION_SECONDS.time():
        if shown:  # a second round: only articles that pass the gate on their own
            matches = knowledge.search_fresh(query, shown, lang=turn.lang, limit=limit)
        else:
            matches = knowledge.search(query, lang=turn.lang, limit=limit)
    fresh = [m.article.id for m in matches if m.article.id not in shown][:limit]
    turn.data["after_suggest"] = then
    if not fresh:
        _next_after_suggest(turn)
        return
    shown.extend(fresh)
    turn.data["offer"] = fresh
    _record(turn, fresh, "shown")
    metrics.suggestions_shown(turn.session, turn.lang, len(fresh))
    ask(turn, "suggest")


def _next_after_suggest(turn: Turn) -> None:
    ask(turn, turn.data.get("after_suggest", "description"))


def _continue_with(turn: Turn, text: str) -> None:
    """Leave the suggestions; typed text is the answer to the next question, not lost (and
    that question is not shown first: it was answered before it was asked)."""
    target = turn.data.get("after_suggest", "description")
    if text.strip() and target in ("description", "steps"):
        turn.goto(target)
        handle(turn, text, None)
        return
    _next_after_suggest(turn)


def on_suggest(turn: Turn, text: str, choice: str | None) -> None:
    offer = turn.data.get("offer", [])
    if choice and choice.startswith("art") and choice[3:].isdigit():
        index = int(choice[3:]) - 1
        if 0 <= index < len(offer):
            turn.data["article"] = offer[index]
            _record(turn, [offer[index]], "chosen")
            ask(turn, "article")
            return
    if choice is None and _refused_number(turn, text):
        return
    _continue_with(turn, "" if choice else text)


def _refused_number(turn: Turn, text: str) -> bool:
    """A bare number that is none of the options ("7" for three articles) is a mistyped
    choice, not the description: say so and ask again."""
    if not text.strip().isdigit():
        return False
    turn.say("intake.choose_option")
    reprompt(turn)
    return True


def on_article(turn: Turn, text: str, choice: str | None) -> None:
    if choice is None:
        verdict = lexicon.says_solved(text)  # typed instead of pressed
        if verdict is not None:
            choice = "solved" if verdict else "continue"
    if choice is None and _refused_number(turn, text):
        return
    if choice == "solved":
        _record(turn, [turn.data.get("article", "")], "solved")
        metrics.deflected(turn.session, turn.lang)
        turn.reset()
        turn.say("intake.deflected")
        return
    _continue_with(turn, "" if choice else text)


def on_description(turn: Turn, text: str, choice: str | None) -> None:
    if not answers.accept(turn, "description", text):
        reprompt(turn)
        return
    _suggest_or(turn, answers.draft(turn)["description"], then=_next_missing(turn))


def on_steps(turn: Turn, text: str, choice: str | None) -> None:
    if not answers.accept(turn, "steps", text):
        reprompt(turn)
        return
    ask(turn, _next_missing(turn))


def on_error(turn: Turn, text: str, choice: str | None) -> None:
    if choice == "skip":
        answers.draft(turn)["error_message"] = None
    elif not answers.accept(turn, "error_message", text):
        reprompt(turn)
        return
    ask(turn, "confirm")


def on_confirm(turn: Turn, text: str, choice: str | None) -> None:
    if choice == "confirm":
        _submit(turn)
    elif choice == "edit":
        ask(turn, "edit")
    elif choice == "cancel":
        cancel(turn)
    elif choice == "urgent" or (choice is None and is_urgent(text)):
        answers.draft(turn)["urgent"] = True  # "site down": sent at once, as urgent
        _submit(turn)
    else:
        turn.say("intake.choose_option")
        reprompt(turn)


def on_edit(turn: Turn, text: str, choice: str | None) -> None:
    if choice and choice.startswith("f:") and choice[2:] in validation.FIELDS:
        turn.data["editing"] = choice[2:]
        ask(turn, "edit_value")
    elif choice == "back":
        ask(turn, "confirm")
    else:
        turn.say("intake.choose_option")
        reprompt(turn)


def on_edit_value(turn: Turn, text: str, choice: str | None) -> None:
    field = turn.data.get("editing", "subject")
    if choice == "keep":
        pass  # "keep as it is", "back", "laat maar": nothing changes
    elif field == "error_message" and choice == "skip":
        answers.draft(turn)["error_message"] = None
    elif not answers.accept(turn, field, text):
        reprompt(turn)
        return
    turn.data.pop("editing", None)
    answers.draft(turn)["edited"] = True  # from now on the full summary, whatever the priority
    ask(turn, "confirm")


HANDLERS: dict[str, Callable[[Turn, str, str | None], None]] = {
    "subject": on_subject,
    "suggest": on_suggest,
    "article": on_article,
    "description": on_description,
    "steps": on_steps,
    "error": on_error,
    "confirm": on_confirm,
    "edit": on_edit,
    "edit_value": on_edit_value,
}


# -- endings ------------------------------------------------------------------------
def cancel(turn: Turn) -> None:
    turn.reset()
    turn.say("intake.cancelled")


def add_attachment(turn: Turn, attachment: Attachment) -> None:
    answers.draft(turn).setdefault("attachments", []).append(attachment_to_dict(attachment))
    turn.say("attachment.added_to_draft", name=attachment.name)


def attachment_to_dict(attachment: Attachment) -> dict:
    return {
        "name": attachment.name,
        "content_type": attachment.content_type,
        "size": attachment.size,
        "file_ref": attachment.file_ref,
    }


def _submit(turn: Turn) -> None:
    draft = answers.draft(turn)
    settings = turn.desk.settings
    words = " ".join(str(draft.get(f) or "") for f in validation.FIELDS)
    urgent = bool(draft.get("urgent")) or is_urgent(words)
    follows_up_id = None
    if draft.get("follows_up"):
        old = tickets.by_reference(turn.session, draft["follows_up"])
        follows_up_id = old.id if old is not None else None
    ticket = tickets.create(
        turn.session,
        turn.requester,
        tickets.NewTicket(
            subject=draft["subject"],
            description=draft["description"],
            steps=draft["steps"],
            error_message=draft.get("error_message"),
            priority="urgent" if urgent else "normal",
            platform=turn.event.platform,
            chat_id=turn.event.chat_id,
            lang=turn.lang,
            follows_up_id=follows_up_id,
        ),
        prefix=settings.desk.ticket_prefix,
        now=turn.now,
        attachments=[Attachment(**a) for a in draft.get("attachments", [])],
    )
    answers.keep_overflow(turn, ticket, draft.get("overflow", {}))
    _record(turn, draft.get("shown", []), "ticket_anyway", ticket)
    metrics.ticket_opened(turn.session, ticket.priority)
    turn.reset()
    if organizations.hold_for_approval(turn, ticket):
        return  # the card waits until a contact person of the organization approves
    created = turn.text(
        "intake.created_urgent" if urgent else "intake.created", reference=ticket.reference
    )
    closed = service.intake_note(settings, turn.now, turn.lang, urgent=urgent)
    turn.say_text(f"{created}\n{closed}" if closed else created)
    notify.card(turn.session, ticket, settings, turn.now)


def _record(turn: Turn, article_ids: list[str], kind: str, ticket: Ticket | None = None) -> None:
    """Funnel events for ``article_ids``, in one Core statement (they are write-only)."""
    if not article_ids:
        return
    turn.session.connection().execute(
        _RECORD,
        [
            {
                "article_id": article_id,
                "kind": kind,
                "platform": turn.event.platform,
                "user_id": turn.event.user_id,
                "ticket_id": ticket.id if ticket is not None else None,
                "created_at": turn.now,
            }
            for article_id in article_ids
        ],
    )


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
