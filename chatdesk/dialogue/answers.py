"""A customer's answers in the draft: checked, and kept even when they are too long.

An answer that is empty, only symbols or too short is refused with the reason (the intake
asks again). An answer that is too long is never dropped: a long subject becomes the
description, and a field over its limit holds its first part while the whole text is kept
to go with the ticket as the customer's note to the support team.
"""

from __future__ import annotations

from chatdesk.core import validation
from chatdesk.core.i18n import t
from chatdesk.dialogue.turn import Turn
from chatdesk.store import tickets
from chatdesk.store.models import Ticket


def draft(turn: Turn) -> dict:
    return turn.data.setdefault("draft", {})


def field_names(turn: Turn, field: str) -> dict[str, str]:
    """The field's name bare, with its article, and with its article capitalised: Dutch
    nouns take de or het ("de beschrijving", "het onderwerp")."""
    return {
        "field": turn.text(f"field.{field}"),
        "the_field": turn.text(f"field.the.{field}"),
        "The_field": turn.text(f"field.The.{field}"),
    }


def accept(turn: Turn, field: str, text: str) -> bool:
    """Store ``text`` as ``field`` if it is a good answer; otherwise say why and keep it."""
    reason = validation.problem(field, text, turn.desk.settings.desk.max_text_length)
    if reason is None:
        draft(turn)[field] = text.strip()
        turn.data.pop("rejected", None)
        return True
    if reason == "too_long":
        return _keep_long(turn, field, text.strip())
    turn.data["rejected"] = {"field": field, "text": text}
    limit = validation.max_length(field, turn.desk.settings.desk.max_text_length)
    turn.say(
        f"invalid.{reason}",
        limit=limit,
        length=len(text.strip()),
        minimum=validation.RULES[field].min_length,
        **field_names(turn, field),
    )
    return False


def _keep_long(turn: Turn, field: str, text: str) -> bool:
    """Over-long text is kept, never dropped: a long subject becomes the description (and a
    short subject is asked for); otherwise the field holds its first part, and the whole
    text goes with the ticket as a note for the support team."""
    kept = draft(turn)
    turn.data.pop("rejected", None)
    if field == "subject" and not kept.get("description"):
        kept["description"] = clip(turn, "description", text)
        turn.say("intake.kept_as_description")
        return False  # the subject is still to be given
    kept[field] = clip(turn, field, text)
    limit = validation.max_length(field, turn.desk.settings.desk.max_text_length)
    turn.say("intake.kept_long", limit=limit, length=len(text), **field_names(turn, field))
    return True


def clip(turn: Turn, field: str, text: str) -> str:
    """``text`` cut to what ``field`` holds; the whole text is kept for the ticket."""
    limit = validation.max_length(field, turn.desk.settings.desk.max_text_length)
    if len(text) <= limit:
        return text
    draft(turn).setdefault("overflow", {})[field] = text
    cut = text[: limit - 1]
    return (cut.rsplit(" ", 1)[0] if " " in cut[limit // 2 :] else cut) + "…"


def keep_overflow(turn: Turn, ticket: Ticket, overflow: dict[str, str]) -> None:
    """The whole text of every field that was too long for it, with the ticket: a note
    from the customer in the agents' language, so nothing the customer typed is lost."""
    lang = turn.desk.settings.desk.agent_language
    for field, text in overflow.items():
        name = t(f"field.the.{field}", lang)
        body = t("intake.full_text", lang, the_field=name, length=len(text)) + "\n" + text
        tickets.add_comment(turn.session, ticket, body, "customer", turn.author, turn.now)
