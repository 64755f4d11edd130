"""Replies as outbox rows: each reply type's kind, and its payload as JSON-safe data.

Kept apart from the outbox's queue work (:mod:`chatdesk.store.outbox`): the terminal's chat
feed and the tests read payloads too, and a new reply type is one line in :data:`KINDS` and,
if it carries more than text, numbers, flags and choices, a line in :func:`decode`.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from chatdesk.core import statuses
from chatdesk.events import (
    Attachment,
    Choice,
    Message,
    MoveToPrivate,
    Reply,
    ThreadNote,
    TicketCard,
)

KINDS: dict[str, type[Message] | type[TicketCard] | type[ThreadNote] | type[MoveToPrivate]] = {
    "message": Message,
    "card": TicketCard,
    "thread_note": ThreadNote,
    "move": MoveToPrivate,
}
KIND_OF = {cls: kind for kind, cls in KINDS.items()}
AGENT_CHAT_KINDS = frozenset({"card", "thread_note"})
"""The kinds sent to the agents' chat, claimed apart from the customers' (see chatdesk.worker)."""
CUSTOMER_KINDS = frozenset(KINDS) - AGENT_CHAT_KINDS


def encode(reply: Reply) -> dict[str, Any]:
    """A reply as JSON-safe data (choices as lists of id and label).

    Field by field rather than with ``dataclasses.asdict``, whose deep copy of every value
    cost a tenth of a turn: a reply's fields are text, numbers, flags and choices; anything
    else (a nested dataclass, a container) still goes through ``asdict``'s conversion.
    """
    data: dict[str, Any] = {}
    for field in _fields(type(reply)):
        value = getattr(reply, field)
        if field in _CHOICES:
            value = [[c.id, c.label] for c in value]
        elif not isinstance(value, _PLAIN):
            value = dataclasses.asdict(reply)[field]
        data[field] = value
    return data


_CHOICES = frozenset({"choices", "actions"})
_PLAIN = (str, int, float, bool, type(None))  # immutable: what asdict copies stays the same


_FIELDS: dict[type, tuple[str, ...]] = {}


def _fields(cls: type) -> tuple[str, ...]:
    """The field names of a reply's dataclass, in order (looked up once per class)."""
    found = _FIELDS.get(cls)
    if found is None:
        found = _FIELDS[cls] = tuple(field.name for field in dataclasses.fields(cls))
    return found


def decode(kind: str, payload: dict[str, Any]) -> Reply:
    cls = KINDS[kind]
    data = dict(payload)
    for key in ("choices", "actions"):
        if key in data:
            data[key] = tuple(Choice(str(i), str(label)) for i, label in data[key])
    if "attachments" in data:  # a move's files, as asdict wrote them
        data["attachments"] = tuple(Attachment(**item) for item in data["attachments"])
    if kind == "card" and not data.get("status_label") and data.get("status") in statuses.CATALOGUE:
        # A card queued before cards carried their status label (the upgrade that added it):
        # named here, in the card's language, so agents never read a bare status code.
        data["status_label"] = statuses.get(data["status"]).name(str(data.get("lang", "en")))
    return cls(**data)
