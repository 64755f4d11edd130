"""One turn of the dialogue: the inbound event, its database session, and the replies so far.

The flows (intake, follow-up) receive a :class:`Turn` and act through it: ``say`` adds a reply
in the customer's language, ``ask`` moves the conversation to a state and puts its question,
and the offered choices are remembered so that a typed number or label later resolves to the
same choice id as a button press.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from chatdesk.core.i18n import normalize_lang, t
from chatdesk.dialogue import options
from chatdesk.events import Choice, InboundEvent, Message, Reply
from chatdesk.store.conversations import ConversationState
from chatdesk.store.models import Requester

if TYPE_CHECKING:
    from chatdesk.engine import Desk


class Turn:
    def __init__(
        self,
        desk: Desk,
        session: Session,
        event: InboundEvent,
        requester: Requester,
        conversation: ConversationState,
        now: datetime,
    ) -> None:
        self.desk = desk
        self.session = session
        self.event = event
        self.requester = requester
        self.conversation = conversation
        self.now = now
        self.replies: list[Reply] = []

    # -- language and texts -------------------------------------------------------------
    @property
    def lang(self) -> str:
        if self.requester.lang:
            return self.requester.lang
        return normalize_lang(
            self.requester.locale or self.event.locale, self.desk.settings.desk.default_lang
        )

    @property
    def author(self) -> str:
        """How the customer is named on tickets: display name, else platform id."""
        return self.requester.display_name or self.requester.platform_user_id

    def text(self, key: str, **values: object) -> str:
        return t(key, self.lang, **values)

    # -- conversation state --------------------------------------------------------------
    @property
    def state(self) -> str:
        return self.conversation.state

    @property
    def data(self) -> dict[str, Any]:
        if self.conversation.data is None:
            self.conversation.data = {}
        return self.conversation.data

    def goto(self, state: str, **data: Any) -> None:
        self.conversation.state = state
        self.data.update(data)

    def reset(self) -> None:
        """Back to idle with nothing pending."""
        self.conversation.state = "idle"
        self.conversation.data = {}

    # -- replies ----------------------------------------------------------------------
    def say(self, key: str, choices: Sequence[Choice] = (), **values: object) -> None:
        self.say_text(self.text(key, **values), choices)

    def say_text(self, text: str, choices: Sequence[Choice] = ()) -> None:
        """Send plain text; the choices offered become the ones a typed answer can match."""
        self.replies.append(
            Message(
                platform=self.event.platform,
                chat_id=self.event.chat_id,
                text=text,
                choices=tuple(choices),
                thread_id=self.event.thread_id,
            )
        )
        self.data["offered"] = [[c.id, c.label] for c in choices]

    def emit(self, reply: Reply) -> None:
        self.replies.append(reply)

    def choice(self, choice_id: str, key: str, **values: object) -> Choice:
        return Choice(choice_id, self.text(key, **values))

    # -- resolving choices ------------------------------------------------------------
    def offered(self) -> list[tuple[str, str]]:
        return [(str(i), str(label)) for i, label in self.data.get("offered", [])]

    def resolve_typed(self, text: str) -> str | None:
        """The id of the offered choice that ``text`` names: its number or ordinal, its
        label or a paraphrase, in either language, typos included (chatdesk.options)."""
        return options.match(text, self.offered())
