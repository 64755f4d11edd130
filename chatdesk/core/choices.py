"""Choice ids: every id with a meaning of its own is built and read here, and only here.

A choice is ``(id, label)``; the id is what a platform sends back when the button is pressed
(Telegram's callback data, Slack's action value, the web chat's ``data-choice``) and what the
conversation stores as its offered choices, so a typed "2" resolves to the same id. The ids are
stored in databases and sit on buttons already sent: their bytes never change. All are short
ASCII, well inside Telegram's 64 bytes of callback data.

=====================  ===================================================================
``st:SD-1042``         the status of a ticket (the customer's lists)
``t:SD-1042``          which ticket (the customer picks one of theirs)
``f:subject``          which field of the draft to edit
``art2``               read the second suggested article
``rate:SD-1042:5``     a customer's rating (sent through the outbox)
``org:approve:SD-7``   a contact person approves (``org:decline:SD-7``: declines)
``ag:claim:SD-1042``   an agent's card button: ``claim``, ``status``, ``reply``, and
``ag:set:SD-1042:x``   setting status ``x`` from the status menu
=====================  ===================================================================
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, Protocol

STATUS = "st:"
TICKET = "t:"
FIELD = "f:"
ARTICLE = "art"
RATE = "rate:"
ORGANIZATION = "org:"
APPROVE = "org:approve:"
DECLINE = "org:decline:"
AGENT = "ag:"

AgentAction = Literal["claim", "status", "set", "reply"]
AGENT_ACTIONS: tuple[AgentAction, ...] = ("claim", "status", "set", "reply")


# -- the customer's ----------------------------------------------------------------------
def status(reference: str) -> str:
    return STATUS + reference


def status_of(choice: str | None) -> str | None:
    """The reference of a status choice; None for any other id."""
    if choice is None or not choice.startswith(STATUS):
        return None
    return choice[len(STATUS) :]


def ticket(reference: str) -> str:
    return TICKET + reference


def ticket_of(choice: str | None) -> str | None:
    """The reference of a which-ticket choice; None for any other id."""
    if choice is None or not choice.startswith(TICKET):
        return None
    return choice[len(TICKET) :]


def field(name: str) -> str:
    return FIELD + name


def field_of(choice: str | None) -> str | None:
    """The field name of an edit choice; None for any other id (the name is not checked)."""
    if choice is None or not choice.startswith(FIELD):
        return None
    return choice[len(FIELD) :]


def article(number: int) -> str:
    """The id of the ``number``-th suggested article, counted from 1."""
    return f"{ARTICLE}{number}"


def article_of(choice: str | None) -> int | None:
    """The number (from 1) of an article choice; None for any other id."""
    if choice is None or not choice.startswith(ARTICLE) or not choice[len(ARTICLE) :].isdigit():
        return None
    return int(choice[len(ARTICLE) :])


# -- ratings -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Rating:
    reference: str  # "" when the id names none
    score: int  # 0 when the id's score is not a number


def rating(reference: str, score: int) -> str:
    return f"{RATE}{reference}:{score}"


def is_rating(choice: str | None) -> bool:
    return choice is not None and choice.startswith(RATE)


def rating_of(choice: str | None) -> Rating | None:
    """The reference and score of a rating id, as far as it names them; None for any other
    id. Whether the score is one the desk offers is for the caller to check."""
    if choice is None or not is_rating(choice):
        return None
    reference, _, score = choice[len(RATE) :].rpartition(":")
    return Rating(reference, int(score) if score.isdigit() else 0)


# -- contact persons ----------------------------------------------------------------------
@dataclass(frozen=True)
class Approval:
    approve: bool
    reference: str  # upper case, never empty


def approval(reference: str, approve: bool) -> str:
    return (APPROVE if approve else DECLINE) + reference


def is_organization(choice: str | None) -> bool:
    """Any ``org:`` id: the contact persons' buttons, sent through the outbox."""
    return choice is not None and choice.startswith(ORGANIZATION)


def approval_of(choice: str | None) -> Approval | None:
    """A contact person's decision; None for any other id, or one without a reference."""
    if choice is None:
        return None
    for prefix, approve in ((APPROVE, True), (DECLINE, False)):
        if choice.startswith(prefix):
            reference = choice[len(prefix) :].upper()
            return Approval(approve, reference) if reference else None
    return None


# -- agents' card buttons -----------------------------------------------------------------
@dataclass(frozen=True)
class AgentButton:
    action: AgentAction
    reference: str  # may be empty: the caller answers "unknown ticket"
    target: str = ""  # the status code of a "set"


def agent(action: AgentAction, reference: str, target: str = "") -> str:
    return f"{AGENT}{action}:{reference}" + (f":{target}" if target else "")


def agent_of(choice: str | None) -> AgentButton | None:
    """An agent's button; None for an id that names no known action.

    The first part is read as a prefix without checking it, as the agents' chat always did:
    every button there is an agent's.
    """
    if choice is None:
        return None
    action, _, rest = choice.partition(":")[2].partition(":")
    for known in AGENT_ACTIONS:
        if action == known:
            reference, _, target = rest.partition(":")
            return AgentButton(known, reference, target)
    return None


# -- the offered choices of a conversation -------------------------------------------------
OFFERED = "offered"
"""The key, in a conversation's data, of the choices it offered last: ``[[id, label], ...]``."""


class Offered(Protocol):
    @property
    def id(self) -> str: ...

    @property
    def label(self) -> str: ...


def remember_offered(data: dict[str, Any], choices: Iterable[Offered]) -> None:
    """Store ``choices`` as the ones a typed number or label can now name (the one writer of
    the slot: the turn's replies, and the choices sent to an idle customer through the
    outbox)."""
    data[OFFERED] = [[c.id, c.label] for c in choices]


def offered(data: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The choices stored by :func:`remember_offered`, as (id, label)."""
    return [(str(i), str(label)) for i, label in data.get(OFFERED, [])]
