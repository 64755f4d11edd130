"""What makes an answer to an intake question acceptable.

Each field has a minimum that keeps answers useful to the desk (the manuals ask for a clear
subject, a description and the steps that led to the problem) and a maximum that keeps them
storable and readable. A rejected answer gets a reason key; the engine says it and asks again.
"""

from __future__ import annotations

from dataclasses import dataclass

FIELDS = ("subject", "description", "steps", "error_message")


@dataclass(frozen=True)
class Rule:
    min_length: int
    max_length: int | None  # None: the CHATDESK_MAX_TEXT_LENGTH setting


RULES: dict[str, Rule] = {
    "subject": Rule(min_length=4, max_length=150),
    "description": Rule(min_length=15, max_length=None),
    "steps": Rule(min_length=10, max_length=None),
    "error_message": Rule(min_length=3, max_length=None),
}


def max_length(field: str, max_text_length: int) -> int:
    return RULES[field].max_length or max_text_length


def problem(field: str, text: str, max_text_length: int) -> str | None:
    """The reason ``text`` is not a good answer for ``field``, or None when it is.

    Reasons: ``empty``, ``no_words`` (only punctuation, symbols or emoji), ``too_short``,
    ``too_long``.
    """
    value = text.strip()
    if not value:
        return "empty"
    if not any(ch.isalnum() for ch in value):
        return "no_words"
    if len(value) > max_length(field, max_text_length):
        return "too_long"
    if sum(ch.isalnum() for ch in value) < RULES[field].min_length:
        return "too_short"
    return None
