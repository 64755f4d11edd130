"""The status catalogue: every ticket status, whether it counts as open, and where it may go.

The default catalogue follows the Dutch helpdesk manuals the desk is modelled on: new, open,
waiting on customer, waiting on a third party, scheduled, in investigation, solved, closed and
cancelled. Names and meanings for customers are catalogue texts (``status.<code>.name`` and
``status.<code>.meaning``); this module holds only the rules, so no code compares status
literals of its own.
"""

from __future__ import annotations

from dataclasses import dataclass

from chatdesk.core.i18n import t


@dataclass(frozen=True)
class Status:
    code: str
    open: bool  # still being worked on or waiting; shown in "my tickets"
    reopenable: bool = False  # a customer comment brings it back to open
    final: bool = False  # nothing leaves it; a follow-up ticket is offered instead
    paused: bool = False  # service clock stops (waiting on someone else)

    def name(self, lang: str) -> str:
        return t(f"status.{self.code}.name", lang)

    def meaning(self, lang: str) -> str:
        return t(f"status.{self.code}.meaning", lang)


NEW = "new"
OPEN = "open"
WAITING_CUSTOMER = "waiting_customer"
WAITING_THIRD_PARTY = "waiting_third_party"
SCHEDULED = "scheduled"
IN_INVESTIGATION = "in_investigation"
SOLVED = "solved"
CLOSED = "closed"
CANCELLED = "cancelled"

_ACTIVE = (OPEN, WAITING_CUSTOMER, WAITING_THIRD_PARTY, SCHEDULED, IN_INVESTIGATION)

CATALOGUE: dict[str, Status] = {
    s.code: s
    for s in (
        Status(NEW, open=True),
        Status(OPEN, open=True),
        Status(WAITING_CUSTOMER, open=True, paused=True),
        Status(WAITING_THIRD_PARTY, open=True, paused=True),
        Status(SCHEDULED, open=True),
        Status(IN_INVESTIGATION, open=True),
        Status(SOLVED, open=True, reopenable=True),
        Status(CLOSED, open=False, final=True),
        Status(CANCELLED, open=False, final=True),
    )
}

TRANSITIONS: dict[str, frozenset[str]] = {
    NEW: frozenset({*_ACTIVE, SOLVED, CLOSED, CANCELLED}),
    **{code: frozenset({*_ACTIVE, SOLVED, CLOSED, CANCELLED} - {code}) for code in _ACTIVE},
    SOLVED: frozenset({OPEN, CLOSED}),
    CLOSED: frozenset(),
    CANCELLED: frozenset(),
}


class TransitionError(ValueError):
    """A status change the catalogue does not allow."""


def get(code: str) -> Status:
    return CATALOGUE[code]


def can_move(current: str, target: str) -> bool:
    return target in TRANSITIONS.get(current, frozenset())


def check_move(current: str, target: str) -> None:
    if target not in CATALOGUE:
        raise TransitionError(f"unknown status {target!r}")
    if not can_move(current, target):
        raise TransitionError(f"a ticket cannot go from {current} to {target}")


OPEN_CODES = tuple(code for code, s in CATALOGUE.items() if s.open)
