"""The neutral messages that cross the boundary between platforms and the desk.

Adapters (terminal, Telegram, Slack) turn a platform event into one frozen
:class:`InboundEvent`, hand it to :meth:`chatdesk.engine.Desk.handle`, and render each
returned :data:`Reply` back on their platform. Nothing in here knows a platform: the engine
never imports an adapter, and an adapter never reaches into the engine's rules.

All texts in replies are *plain text*. They contain user-written words (subjects, comments,
names), so an adapter must escape the whole text for its markup before sending it. The engine
never emits markup of its own; that keeps escaping a single, total step in each adapter.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal, get_args

from chatdesk.core.text import clean, clip

NAME_LIMIT = 300  # the longest file name kept (the attachments table's column)

StatusCode = Literal[
    "new",
    "open",
    "waiting_customer",
    "waiting_third_party",
    "scheduled",
    "in_investigation",
    "solved",
    "closed",
    "cancelled",
]
"""A ticket's status on a card: the codes of :data:`chatdesk.core.statuses.CATALOGUE`."""
STATUS_CODES: tuple[StatusCode, ...] = get_args(StatusCode)
NoteKind = Literal["customer", "public", "internal", "event", "escalation"]
"""Whose words a :class:`ThreadNote` carries (see there)."""


def status_code(code: str) -> StatusCode:
    """``code`` as a :data:`StatusCode`; a code outside the catalogue is a bug, raised here."""
    if code not in STATUS_CODES:
        raise ValueError(f"not a ticket status: {code!r}")
    return code  # narrowed to StatusCode by the test above


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Attachment:
    """A file the customer sent. The platform keeps the bytes; we keep what identifies them."""

    name: str
    content_type: str
    size: int
    file_ref: str = ""  # the platform's own id or URL for the file

    def __post_init__(self) -> None:
        # a name that fits its column, keeping its end (the extension says what it is)
        name = clean(self.name).strip() or "file"
        object.__setattr__(self, "name", clip(name, NAME_LIMIT, keep_end=NAME_LIMIT // 3))
        object.__setattr__(self, "content_type", clean(self.content_type)[:120])


@dataclass(frozen=True)
class InboundEvent:
    """One thing a customer (or agent) did in a chat.

    ``event_id`` is the platform's delivery id (Telegram update_id, Slack event_id...): the
    engine records it in the same transaction as the turn's effects and ignores a second
    delivery. ``chat_id`` is where replies go; ``user_id`` is who acted. ``choice`` carries the
    id of a pressed button; typed answers arrive in ``text`` and are matched to choices too.
    ``private`` is False in group chats and channels, where intake must move to a private chat.
    """

    platform: str
    user_id: str
    chat_id: str
    text: str = ""
    choice: str | None = None
    event_id: str | None = None
    display_name: str = ""
    locale: str | None = None
    thread_id: str | None = None
    private: bool = True
    organization: str | None = None
    attachments: tuple[Attachment, ...] = ()
    received_at: datetime = field(default_factory=_now)
    # The agents' side. ``agent_chat``: said in the agents' channel or group (a card button, a
    # thread reply, a command to the bot there). ``agent``: the adapter found the user among
    # that chat's members; the desk adds its own list (CHATDESK_AGENTS) and decides.
    # ``reply_to``: the platform id of the bot message this one answers (a Telegram reply).
    agent_chat: bool = False
    agent: bool = False
    reply_to: str | None = None
    email: str | None = None  # when the platform shares it (Slack profiles): organizations

    def __post_init__(self) -> None:
        # Whatever the platform delivered, the desk stores and echoes no control characters.
        object.__setattr__(self, "text", clean(self.text))
        object.__setattr__(self, "display_name", clean(self.display_name))


@dataclass(frozen=True)
class Choice:
    """An option offered to the customer: a short ASCII id and a label in their language.

    Ids stay short (Telegram allows 64 bytes of callback data) and stable, so that a button
    press, a typed number and a typed label all resolve to the same id.
    """

    id: str
    label: str


@dataclass(frozen=True)
class Message:
    """Text (plain, to be escaped by the adapter) and optional choices for one chat."""

    platform: str
    chat_id: str
    text: str
    choices: tuple[Choice, ...] = ()
    thread_id: str | None = None
    lang: str = ""
    """The reader's language, where the desk knows it: an adapter's own words around the text
    (a heading over numbered choices) follow it. Empty: the adapter's default language."""


@dataclass(frozen=True)
class TicketCard:
    """A new ticket for the agents' channel: each adapter posts it to its agent chat.

    The fields are plain values so that an adapter can lay the card out in its own way
    (Block Kit, an HTML message) and later add buttons without the engine changing.
    """

    reference: str
    subject: str
    requester: str
    priority: str
    status: StatusCode
    platform: str
    urgent: bool = False
    lang: str = "en"
    ticket_id: int = 0
    assignee: str = ""
    escalated: bool = False
    actions: tuple[Choice, ...] = ()
    """Agent buttons (claim, status, reply): choice ids the desk understands when pressed."""
    status_label: str = ""
    """The status as agents read it, in ``lang`` (filled by the desk, so no adapter needs the
    status catalogue); empty on a card built without one, where adapters show the code."""


@dataclass(frozen=True)
class MoveToPrivate:
    """The customer spoke in a group or channel; their matter continues in a private chat.

    ``text`` (plain) explains this in the group: the pointer, shown where the customer spoke
    (in a thread, or with a deep link button on Telegram). ``original_text`` is what they
    typed, carried into the private chat as a turn there, so nothing they typed is lost.

    On a platform whose answers go through the outbox the move is an outbox row (kind
    ``move``, in the group chat's topic), written with the group's turn: it carries all the
    private turn needs (who spoke, in which language, with which files and e-mail address), and
    ``event_id``, the group delivery's id, from which the private turn's own id is derived, so
    the words are carried over once however often the row is sent
    (:meth:`chatdesk.engine.Desk.carry_over`).
    """

    platform: str
    chat_id: str
    user_id: str
    text: str
    original_text: str = ""
    thread_id: str | None = None
    lang: str = ""
    """The customer's language: the adapter's own words around the pointer follow it."""
    event_id: str | None = None
    display_name: str = ""
    locale: str | None = None
    email: str | None = None
    organization: str | None = None
    attachments: tuple[Attachment, ...] = ()


@dataclass(frozen=True)
class ThreadNote:
    """A line in a ticket's thread in the agents' chat (under the card, or in its forum topic).

    ``kind`` says whose words these are, so adapters can mark them plainly: ``customer`` (the
    customer wrote it), ``public`` (an agent's reply that reached the customer), ``internal``
    (an agent's note, never sent to the customer), ``event`` (a status change, a claim) or
    ``escalation`` (a broken service target). ``ping`` asks the adapter to alert the channel
    (urgent and escalation pings), not only the thread.
    """

    platform: str
    reference: str
    text: str
    kind: NoteKind = "event"
    ping: bool = False
    choices: tuple[Choice, ...] = ()


@dataclass(frozen=True)
class CardLocation:
    """Where a ticket's card was posted, handed to the adapter to edit it or reply under it."""

    chat_id: str
    message_id: str
    thread_id: str | None = None


@dataclass(frozen=True)
class Posted:
    """What an adapter reports after posting in the agents' chat: the new message's id, and
    the thread it opened or went to (a Slack ``ts``, a Telegram forum topic)."""

    chat_id: str
    message_id: str
    thread_id: str | None = None


Reply = Message | TicketCard | MoveToPrivate | ThreadNote
