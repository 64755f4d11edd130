"""What an agent can do to a ticket, whatever the front end: chat buttons, thread replies, CLI.

Each action changes the ticket inside the caller's session and writes every notification it
causes into the same transaction (:mod:`chatdesk.notify`, through the outbox): the card is
edited in place, the ticket's thread in the agents' chat gets a line, and the customer hears
what concerns them, in their own language. So an action and its notifications commit or roll
back together, and the Telegram, Slack and command-line front ends cannot drift apart.

Customers never see an agent's name: replies reach them as coming from "the support desk".
"""

from __future__ import annotations

import re
import string
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from chatdesk.config import Settings
from chatdesk.core import statuses
from chatdesk.core.i18n import LANGUAGES, catalogue, t
from chatdesk.desk import notify
from chatdesk.events import Choice, InboundEvent
from chatdesk.store import tickets
from chatdesk.store.models import Comment, Conversation, Ticket

RATE = "rate:"
"""Rating choice ids are ``rate:<reference>:<score>`` (score 1-5), sent to the customer."""
SCORES = range(1, 6)
SYSTEM = "system"
"""``changed_by`` of status changes nobody made by hand (auto-close)."""


@dataclass(frozen=True)
class Agent:
    """Someone working tickets. ``name`` is shown on cards and in threads, never to customers."""

    platform: str  # "telegram" | "slack" | "cli"
    user_id: str
    name: str

    @property
    def key(self) -> str:
        """How the agent is stored in ``Ticket.assignee_id``: ``platform:user id``."""
        return f"{self.platform}:{self.user_id}"

    @classmethod
    def from_event(cls, event: InboundEvent) -> Agent:
        return cls(event.platform, event.user_id, event.display_name or event.user_id)


def is_agent(settings: Settings, event: InboundEvent) -> bool:
    """The adapter found the user in the agents' chat, or CHATDESK_AGENTS lists them."""
    return event.agent or (event.platform, event.user_id) in settings.desk.agents


def _note(settings: Settings, key: str, **values: object) -> str:
    return t(key, settings.desk.agent_language, **values)


# -- assignment -------------------------------------------------------------------------
def claim(
    session: Session, ticket: Ticket, agent: Agent, settings: Settings, now: datetime
) -> None:
    """The agent takes the ticket: they become its assignee."""
    assign(session, ticket, agent, agent, settings, now)


def assign(
    session: Session,
    ticket: Ticket,
    assignee: Agent,
    by: Agent,
    settings: Settings,
    now: datetime,
) -> None:
    """Make ``assignee`` the ticket's agent (``by`` did it; the same agent for a claim).

    A ticket that was still *new* becomes *open*: "new" tells the customer that nobody has
    picked it up yet, which stops being true here, so the customer is told as well.
    """
    previous = ticket.assignee
    ticket.assignee = assignee.name[:200]
    ticket.assignee_id = assignee.key[:120]
    ticket.updated_at = now
    if assignee.key == by.key:
        if previous and previous != assignee.name:
            text = _note(settings, "agent.note.took_over", agent=assignee.name, previous=previous)
        else:
            text = _note(settings, "agent.note.claimed", agent=assignee.name)
    else:
        text = _note(settings, "agent.note.assigned", agent=assignee.name, by=by.name)
    notify.thread(session, ticket, text, now, kind="event")
    if ticket.status == statuses.NEW:
        _move(session, ticket, statuses.OPEN, by.name, settings, now)
    notify.card(session, ticket, settings, now)


# -- status ------------------------------------------------------------------------------
def allowed_targets(ticket: Ticket) -> list[str]:
    """The statuses this ticket may move to, in catalogue order (for a status menu)."""
    allowed = statuses.TRANSITIONS.get(ticket.status, frozenset())
    return [code for code in statuses.CATALOGUE if code in allowed]


def change_status(
    session: Session,
    ticket: Ticket,
    target: str,
    agent: Agent | None,
    settings: Settings,
    now: datetime,
) -> None:
    """Move the ticket to ``target`` as ``agent`` (None: the system, e.g. auto-close).

    Raises :class:`chatdesk.statuses.TransitionError` when the catalogue does not allow the
    move; nothing has changed then. Otherwise: history, card, a thread line, and the customer
    told the new status and what it means (for *solved*, once, with a 1-5 rating question).
    """
    statuses.check_move(ticket.status, target)
    name = agent.name if agent is not None else SYSTEM
    _move(session, ticket, target, name, settings, now)
    if agent is not None:
        status_name = statuses.get(target).name(settings.desk.agent_language)
        text = _note(settings, "agent.note.status", agent=agent.name, status=status_name)
    else:
        text = _note(
            settings,
            "agent.note.status_system",
            status=statuses.get(target).name(settings.desk.agent_language),
        )
    notify.thread(session, ticket, text, now, kind="event")
    notify.card(session, ticket, settings, now)


def _move(
    session: Session,
    ticket: Ticket,
    target: str,
    changed_by: str,
    settings: Settings,
    now: datetime,
) -> None:
    """Set the status and tell the customer (the part shared by every status change)."""
    ask_rating = (
        target == statuses.SOLVED
        and settings.desk.ask_rating
        and ticket.rating_asked_at is None
        and ticket.rating is None
    )
    if ask_rating:
        # Lock the customer's conversation before the ticket row (the order a customer's own
        # turn takes them in), so the two can never deadlock on PostgreSQL.
        _offer_to_customer(session, ticket, rating_choices(ticket))
    tickets.set_status(ticket, target, changed_by, now)
    lang = notify.customer_lang(ticket)
    state = statuses.get(target)
    text = t(
        "lifecycle.status_changed",
        lang,
        reference=ticket.reference,
        subject=ticket.subject,
        status=state.name(lang),
        meaning=state.meaning(lang),
    )
    choices: list[Choice] = []
    if ask_rating:
        ticket.rating_asked_at = now
        text = text + "\n\n" + t("lifecycle.rating.ask", lang, reference=ticket.reference)
        choices = rating_choices(ticket)
    notify.customer(session, ticket, text, now, choices)


def rating_choices(ticket: Ticket) -> list[Choice]:
    lang = notify.customer_lang(ticket)
    return [
        Choice(f"{RATE}{ticket.reference}:{score}", t(f"lifecycle.rating.label_{score}", lang))
        for score in SCORES
    ]


def _offer_to_customer(session: Session, ticket: Ticket, choices: list[Choice]) -> None:
    """Let the customer also *type* an answer to choices sent through the outbox.

    Only an idle conversation is touched: a customer in the middle of something keeps the
    choices of that, and can still press the buttons.
    """
    requester = ticket.requester
    if requester is None:
        return
    table = Conversation.__table__
    row = session.execute(
        select(table.c.id, table.c.state, table.c.data)
        .where(
            table.c.platform == ticket.platform,
            table.c.chat_id == ticket.chat_id,
            table.c.user_id == requester.platform_user_id,
        )
        .with_for_update()
    ).first()
    if row is None or row.state != "idle":
        return
    data = dict(row.data or {})
    data["offered"] = [[c.id, c.label] for c in choices]
    session.execute(update(table).where(table.c.id == row.id).values(data=data))


# -- replies -----------------------------------------------------------------------------
def reply(
    session: Session,
    ticket: Ticket,
    text: str,
    agent: Agent,
    settings: Settings,
    now: datetime,
    *,
    public: bool,
) -> Comment:
    """Store the agent's words on the ticket; a public reply also reaches the customer.

    Public: the customer gets it in their chat and language, the thread a line of kind
    "public" (adapters mark it as sent to the customer), and the first public reply stamps
    ``first_response_at``. Internal: only the thread line, kind "internal".
    """
    body = text.strip()
    if not body:
        raise ValueError("an empty reply")
    comment = tickets.add_comment(session, ticket, body, "agent", agent.name, now, public=public)
    if public:
        if ticket.first_response_at is None:
            ticket.first_response_at = now
        notify.customer_key(
            session, ticket, "lifecycle.agent_reply", now, reference=ticket.reference, body=body
        )
        note = _note(settings, "agent.note.public", agent=agent.name, body=body)
        notify.thread(session, ticket, note, now, kind="public")
    else:
        note = _note(settings, "agent.note.internal", agent=agent.name, body=body)
        notify.thread(session, ticket, note, now, kind="internal")
    return comment


# -- public or internal: the markers -------------------------------------------------------
INTERNAL_MARKERS = frozenset(
    {"internal", "intern", "interne", "note", "notitie", "private", "prive", "privé"}
)
PUBLIC_MARKERS = frozenset({"public", "publiek", "reply", "klant", "customer", "antwoord"})
_DECORATION = " \t\r\n*_~`>#!([{<|"
"""What may stand before a *public* marker: spacing, markdown, brackets. Anything at all may
stand before an internal one (an emoji, a bullet, quotes, numbering)."""
_AFTER = " \t\r\n*_~`:;.,!?-–—)]}>|"
_QUOTES = "'\"‘’‚‛“”„‟«»‹›"
_APOSTROPHES = "'’ʼ"
_WORD = re.compile(r"[^\W\d_]+")
_LETTER = re.compile(r"[^\W\d_]")
_NEXT_WORD = re.compile(r"[ \t]+([^\W\d_]+)")
_BOT_NOTE_KEYS = ("slack.note.internal", "telegram.note.internal")


def _folded(text: str) -> tuple[str, list[int]]:
    """``text`` NFKC- and case-folded, and where in ``text`` each folded character comes from.

    Full-width letters become plain ones ("ｉｎｔｅｒｎａｌ"), an accent typed as a combining mark
    joins its letter, and invisible format characters (zero-width spaces, joiners) are dropped.
    The positions let the caller cut the original text, so the words kept are the words typed.
    """
    pieces: list[str] = []
    origin: list[int] = []
    i = 0
    while i < len(text):
        j = i + 1
        while j < len(text) and unicodedata.combining(text[j]):
            j += 1
        if unicodedata.category(text[i]) != "Cf":
            piece = unicodedata.normalize("NFKC", text[i:j]).casefold()
            pieces.append(piece)
            origin.extend([i] * len(piece))
        i = j
    origin.append(len(text))
    return "".join(pieces), origin


def _letters_from(text: str) -> int:
    """Where the first letter of ``text`` is (its length when it has none)."""
    letter = _LETTER.search(text)
    return len(text) if letter is None else letter.start()


@cache
def _bot_note_prefixes() -> tuple[re.Pattern[str], ...]:
    """The bot's own internal-note lines ("🔒 Internal note on SD-1042 (the customer does not see
    it):"), folded and without their emoji, in every language: an agent who copies one in
    front of a reply means it to stay internal, and none of it belongs in the stored text."""
    patterns = []
    for lang in LANGUAGES:
        for key in _BOT_NOTE_KEYS:
            template, _ = _folded(catalogue(lang)[key])
            template = template[_letters_from(template) :].rstrip(_AFTER)
            regex = ""
            for literal, field, _spec, _conv in string.Formatter().parse(template):
                for part in re.split(r"(\s+)", literal):
                    regex += r"\s+" if part.isspace() else re.escape(part)
                if field is not None:
                    regex += r"[^\s()]+"
            patterns.append(re.compile(regex))
    return tuple(patterns)


def _leading_marker(text: str) -> tuple[str, str] | None:
    """``(word, rest)`` when ``text`` starts with a marker word, folded; else None.

    The comparison is on the NFKC- and case-folded text; ``rest`` is cut from ``text`` as typed.
    Internal words count behind anything that is not a letter ("🔒 internal:", "- note:",
    "1. intern:", '"internal":') and on any word boundary ("Internal note ..."), so an internal
    note never leaks; "internal note" and the bot's own internal-note line are one marker.
    Public words count only behind spacing, markdown or brackets and with punctuation or
    brackets after them ("reply:", "[public]"), so that a note that merely begins with
    "Customer says..." or "- Customer: ..." stays internal.
    """
    folded, origin = _folded(text)
    start = _letters_from(folded)
    prefix = folded[:start]
    # "!internal", "# note", "(intern)", "🔒internal": the marker word is decoration, not text
    decorated = prefix.strip() != "" and (
        prefix[-1:] not in " \t\r\n" or any(c in _DECORATION for c in prefix.strip())
    )

    def cut(position: int) -> str:
        return text[origin[position] :]

    for pattern in _bot_note_prefixes():
        copied = pattern.match(folded, start)
        if copied is not None and not folded[copied.end() : copied.end() + 1].isalnum():
            return "internal", cut(len(folded) - len(folded[copied.end() :].lstrip(_AFTER)))

    match = _WORD.match(folded, start)
    if match is None:
        return None
    word = match.group(0)
    end = match.end()
    after = folded[end:]
    if after[:1].isalnum():
        return None
    if after[:1] in _APOSTROPHES and after[1:2].isalpha():  # "customer's", "internal's"
        return (word, text.strip()) if word in INTERNAL_MARKERS else None
    if word in INTERNAL_MARKERS:
        second = _NEXT_WORD.match(folded, end)  # "internal note", "interne notitie"
        if (
            second is not None
            and second.group(1) in INTERNAL_MARKERS
            and not folded[second.end() : second.end() + 1].isalnum()
        ):
            end = second.end()
    after = folded[end:]
    quoted = after.lstrip(_QUOTES)  # '"internal": ...', "'note' ..."
    rest = len(folded) - len(quoted.lstrip(_AFTER))
    following = quoted.lstrip(" \t")[:1]
    punctuated = (
        len(quoted) < len(after)
        or following == ""
        or (following in _AFTER and not following.isspace())
    )
    if word in INTERNAL_MARKERS:
        # "Note that the export..." is internal, but its first word is part of the text
        return word, cut(rest) if punctuated or decorated else text.strip()
    unquoted = len(quoted) == len(after)
    if word in PUBLIC_MARKERS and punctuated and unquoted and not prefix.strip(_DECORATION):
        return word, cut(rest)
    return None


def parse_marker(text: str, default_public: bool) -> tuple[bool, str]:
    """Whether an agent's thread reply is public, and its text without the leading marker.

    ``"internal: checked the logs"`` -> ``(False, "checked the logs")``. Without a marker the
    default applies. Should a public marker be followed by an internal one, internal wins. An
    empty text after the marker means the agent sent only a marker: the caller refuses it.
    """
    found = _leading_marker(text)
    if found is None:
        return default_public, text.strip()
    word, rest = found
    if word in INTERNAL_MARKERS:
        return False, rest.strip()
    again = _leading_marker(rest)
    if again is not None and again[0] in INTERNAL_MARKERS:
        return False, again[1].strip()
    return True, rest.strip()
