"""One turn of the dialogue: the inbound event, its database session, and the replies so far.

The flows (intake, follow-up) receive a :class:`Turn` and act through it: ``say`` adds a reply
in the customer's language, ``ask`` moves the conversation to a state and puts its question,
and the offered choices are remembered so that a typed number or label later resolves to the
same choice id as a button press.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from chatdesk.config import Settings
from chatdesk.core import choices as ids
from chatdesk.core.i18n import normalize_lang, t
from chatdesk.core.language import written_in
from chatdesk.dialogue import options
from chatdesk.events import Choice, InboundEvent, Message, Reply
from chatdesk.kb.articles import KnowledgeBase
from chatdesk.store.conversations import ConversationState
from chatdesk.store.requesters import RequesterRow

WRITTEN_LANG = "written_lang"
"""The conversation's data key of the language the customer writes in."""


@dataclass(frozen=True)
class TurnContext:
    """What a flow may use beyond the turn itself: the settings and the knowledge base.

    The engine builds it once; the flows never see the engine (its routing, its outbox
    listeners), so the dialogue package needs nothing from the layer above it.
    """

    settings: Settings
    knowledge: KnowledgeBase


class Turn:
    """What the flows act through, built by the engine for one inbound event: its context,
    session, requester and conversation row, the moment, and the replies said so far."""

    def __init__(
        self,
        context: TurnContext,
        session: Session,
        event: InboundEvent,
        requester: RequesterRow,
        conversation: ConversationState,
        now: datetime,
    ) -> None:
        self.context = context
        self.session = session
        self.event = event
        self.requester = requester
        self.conversation = conversation
        self.now = now
        self.replies: list[Reply] = []

    @property
    def settings(self) -> Settings:
        return self.context.settings

    @property
    def knowledge(self) -> KnowledgeBase:
        return self.context.knowledge

    # -- language and texts -------------------------------------------------------------
    @property
    def lang(self) -> str:
        """The language of the desk's answers: the customer's own choice (``lang nl``), else
        the language they write in (:meth:`note_writing`), else their platform's locale."""
        if self.requester.lang:
            return self.requester.lang
        written = (self.conversation.data or {}).get(WRITTEN_LANG)
        if isinstance(written, str):
            return written
        return normalize_lang(
            self.requester.locale or self.event.locale, self.settings.desk.default_lang
        )

    def note_writing(self, text: str) -> None:
        """Answer from now on in the language ``text`` is clearly written in, unless the
        customer chose one. Kept with the conversation (and through its resets), so that a
        short "ok" or a pasted error in another language changes nothing."""
        written = written_in(text)
        if written is not None and not self.requester.lang:
            self.data[WRITTEN_LANG] = written

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
        """Back to idle with nothing pending (the language the customer writes in stays)."""
        written = (self.conversation.data or {}).get(WRITTEN_LANG)
        self.conversation.state = "idle"
        self.conversation.data = {WRITTEN_LANG: written} if written else {}

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
                lang=self.lang,
            )
        )
        ids.remember_offered(self.data, choices)

    def emit(self, reply: Reply) -> None:
        self.replies.append(reply)

    def choice(self, choice_id: str, key: str, **values: object) -> Choice:
        return Choice(choice_id, self.text(key, **values))

    # -- resolving choices ------------------------------------------------------------
    def offered(self) -> list[tuple[str, str]]:
        return ids.offered(self.data)

    def resolve_typed(self, text: str) -> str | None:
        """The id of the offered choice that ``text`` names: its number or ordinal, its
        label or a paraphrase, in either language, typos included (chatdesk.dialogue.options)."""
        return options.match(text, self.offered())
