"""The dialogue engine: one entry point, :meth:`Desk.handle`, for every platform.

A turn runs in one database transaction: the delivery id is recorded, the requester and
their conversation row are loaded (and locked on PostgreSQL, so two deliveries of the same
conversation at two processes take turns instead of corrupting the draft), the input is
routed to a command or to the flow the conversation is in, and the replies come back. If the
same delivery arrives again, the unique delivery id makes the second turn a no-op.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, make_transient_to_detached

from chatdesk.core import metrics
from chatdesk.core.commands import Command, bare_reference, find_reference, parse
from chatdesk.core.i18n import normalize_lang, t
from chatdesk.core.lexicon import is_small_talk, language_code
from chatdesk.desk import organizations
from chatdesk.dialogue import agents, followup, intake, intents, lifecycle, questions
from chatdesk.dialogue.turn import Turn
from chatdesk.events import Attachment, InboundEvent, Message, MoveToPrivate, Reply
from chatdesk.store import conversations as conversations
from chatdesk.store import outbox
from chatdesk.store.models import ProcessedEvent, Requester

log = logging.getLogger(__name__)

PROMPTS = {**intake.PROMPTS, **followup.PROMPTS, **lifecycle.PROMPTS, **questions.PROMPTS}
HANDLERS = {**intake.HANDLERS, **followup.HANDLERS, **lifecycle.HANDLERS, **questions.HANDLERS}


# Statements of every turn, built once with bound parameters (see conversation.py).
_PROCESSED = ProcessedEvent.__table__
_RECORD_DELIVERY = {
    dialect: statement.returning(_PROCESSED.c.event_id)
    for dialect, statement in conversations.ignoring_conflicts(_PROCESSED).items()
}
_CREATE_REQUESTER = conversations.ignoring_conflicts(Requester.__table__)
_REQUESTER = select(*Requester.__table__.columns).where(
    Requester.platform == bindparam("k_platform"),
    Requester.platform_user_id == bindparam("k_user_id"),
)


def _load_requester(session: Session, key: dict[str, str]) -> Requester | None:
    """The requester as an ORM object, read with a Core statement.

    The ORM's loading of a query cost about twice the statement itself, at every turn; the
    row is read with Core and made the session's persistent object (its history reset, as
    if loaded), so changes to it are still written at the commit.
    """
    row = session.connection().execute(_REQUESTER, key).first()
    if row is None:
        return None
    known = session.identity_map.get(session.identity_key(Requester, row.id))
    if known is not None:
        return known  # type: ignore[no-any-return]
    requester = Requester(**row._mapping)
    make_transient_to_detached(requester)
    session.add(requester)
    return requester


def utcnow() -> datetime:
    return datetime.now(UTC)


def _turn_done(event: InboundEvent, started: float, outcome: str, state: str = "") -> None:
    """The turn's metrics and its one log line: ids, duration and outcome, never its text."""
    seconds = time.perf_counter() - started
    metrics.turn(event.platform, outcome, seconds)
    if log.isEnabledFor(logging.INFO):
        log.info(
            "turn platform=%s event=%s outcome=%s state=%s ms=%.1f",
            event.platform,
            event.event_id or "-",
            outcome,
            state or "-",
            seconds * 1000,
            extra={
                "platform": event.platform,
                "event_id": event.event_id,
                "outcome": outcome,
                "state": state or None,
                "duration_ms": round(seconds * 1000, 1),
            },
        )


class Desk:
    """Owns every rule of the conversation and the desk; knows no platform.

    ``handle`` is synchronous and thread-safe (each call runs in its own database
    transaction); async adapters call it through ``asyncio.to_thread``.
    """

    def __init__(self, settings, database, knowledge, clock: Callable[[], datetime] = utcnow):  # type: ignore[no-untyped-def]
        self.settings = settings
        self.database = database
        self.knowledge = knowledge
        self.clock = clock
        self.outbox_listeners: list[Callable[[], None]] = []
        """Called (from the turn's thread) after a turn committed notifications: the outbox
        worker of ``chatdesk serve`` wakes up instead of waiting for its next poll."""
        self.outbox_platforms: set[str] = set()
        """Platforms whose answers go through the outbox: the ones an outbox worker sends for
        (``chatdesk serve`` registers them). A turn there writes its answers in its own
        transaction, so an answer is never lost to a platform outage or a crash after the
        commit; the worker, woken by the commit, sends them at once, in order per chat. Other
        platforms (the terminal) get their answers back from :meth:`handle`."""

    # -- the entry point ------------------------------------------------------------
    def handle(self, event: InboundEvent) -> list[Reply]:
        """Process one inbound event and return the replies to send, in order.

        On a platform in :attr:`outbox_platforms` the answers (``Message``) are written to the
        outbox with the turn instead, and only what must be said in the turn itself
        (``MoveToPrivate``) comes back. A redelivered event (same platform and event_id)
        returns ``[]``. An unexpected error rolls the turn back (so a redelivery may try
        again) and answers with an apology.
        """
        started = time.perf_counter()
        try:
            with self.database.session() as session:
                if not self._first_delivery(session, event):
                    log.info("ignoring redelivered %s event %s", event.platform, event.event_id)
                    _turn_done(event, started, "redelivered")
                    return []
                turn = self._turn(session, event)
                self._route(turn)
                turn.conversation.updated_at = turn.now
                conversations.save(session, turn.conversation)
                replies = self._direct(session, turn)
                queued = outbox.queued_in(session)
            metrics.committed(session)
            if queued:
                for listener in self.outbox_listeners:
                    listener()
            _turn_done(event, started, "answered", turn.state)
            return replies
        except IntegrityError:
            # A concurrent delivery of the same event won the race and committed first.
            if event.event_id is not None:
                log.info("redelivered %s event %s (concurrent)", event.platform, event.event_id)
                _turn_done(event, started, "redelivered")
                return []
            log.exception("integrity error in %s event from %s", event.platform, event.user_id)
        except Exception:
            log.exception("error handling %s event %s", event.platform, event.event_id)
        _turn_done(event, started, "failed")
        lang = normalize_lang(event.locale, self.settings.desk.default_lang)
        return [
            Message(
                event.platform, event.chat_id, t("error.apology", lang), thread_id=event.thread_id
            )
        ]

    def text(self, key: str, lang: str, **values: object) -> str:
        """A catalogue text, for the few messages an adapter must word itself."""
        return t(key, lang, **values)

    def language_of(self, platform: str, user_id: str, locale: str | None = None) -> str:
        """The language the desk speaks with this user (their `lang` choice or locale)."""
        with self.database.session() as session:
            requester = session.scalar(
                select(Requester).where(
                    Requester.platform == platform, Requester.platform_user_id == user_id
                )
            )
            if requester is not None and requester.lang:
                return requester.lang
            stored = requester.locale if requester is not None else None
        return normalize_lang(locale or stored, self.settings.desk.default_lang)

    def _direct(self, session: Session, turn: Turn) -> list[Reply]:
        """The replies the adapter must send itself; the answers of an outbox platform are
        enqueued here, in the turn's transaction (topic: the customer's chat, shared with
        the notifications to it, so answers and news arrive in the order they were written)."""
        if turn.event.platform not in self.outbox_platforms:
            return turn.replies
        direct: list[Reply] = []
        for reply in turn.replies:
            if isinstance(reply, Message):
                outbox.enqueue(session, reply, turn.now)
            else:
                direct.append(reply)
        return direct

    # -- loading ----------------------------------------------------------------------
    def _first_delivery(self, session: Session, event: InboundEvent) -> bool:
        """Record the delivery id; False when it was recorded before (a redelivery).

        One INSERT .. ON CONFLICT DO NOTHING: on PostgreSQL a concurrent delivery of the same
        id waits for the first transaction and then sees the conflict.
        """
        if event.event_id is None:
            return True
        statement = _RECORD_DELIVERY[session.get_bind().dialect.name]
        values = {
            "platform": event.platform,
            "event_id": event.event_id,
            "processed_at": self.clock(),
        }
        return session.connection().execute(statement, values).scalar() is not None

    def _turn(self, session: Session, event: InboundEvent) -> Turn:
        now = self.clock()
        requester = self._requester(session, event, now)
        conversation = conversations.load(session, event, now)
        turn = Turn(self, session, event, requester, conversation, now)
        ttl = timedelta(minutes=self.settings.desk.draft_ttl_minutes)
        if conversation.state != "idle" and now - conversation.updated_at > ttl:
            had_draft = conversation.state in intake.INTAKE_STATES
            turn.reset()
            if had_draft:
                turn.say("intake.expired", hours=round(ttl.total_seconds() / 3600, 1))
        return turn

    def _requester(self, session: Session, event: InboundEvent, now: datetime) -> Requester:
        key = {"k_platform": event.platform, "k_user_id": event.user_id}
        requester = _load_requester(session, key)
        stored = requester.organization if requester is not None else None
        organization = organizations.organization_of(self.settings, event, stored)
        if requester is None:
            # INSERT .. ON CONFLICT DO NOTHING: when a concurrent turn created this requester
            # meanwhile (PostgreSQL waits for it), its row is the one read back.
            session.connection().execute(
                _CREATE_REQUESTER[session.get_bind().dialect.name],
                {
                    "platform": event.platform,
                    "platform_user_id": event.user_id,
                    "display_name": event.display_name[:200],
                    "locale": event.locale,
                    "organization": organization,
                    "created_at": now,
                },
            )
            requester = _load_requester(session, key)
            assert requester is not None
        if event.display_name and requester.display_name != event.display_name[:200]:
            requester.display_name = event.display_name[:200]
        if event.locale and requester.locale != event.locale:
            requester.locale = event.locale
        if requester.organization != organization:
            requester.organization = organization
        return requester

    # -- routing ------------------------------------------------------------------------
    def _route(self, turn: Turn) -> None:
        event = turn.event
        text = event.text.strip()
        if event.agent_chat:
            agents.handle(turn)  # buttons, thread replies and commands in the agents' chat
            return
        if lifecycle.is_rating(event.choice):
            # rating buttons come through the outbox, so they are never in the "offered" list
            self._rate(turn, str(event.choice))
            return
        if event.choice is not None and event.choice.startswith(organizations.CHOICE_PREFIX):
            # a contact person's approve/decline: sent through the outbox, so never "offered"
            organizations.on_choice(turn, event.choice)
            self._reprompt(turn)
            return
        text = self._references(turn, text)
        choice = self._choice(turn, text)
        if choice is False:
            return
        if isinstance(choice, str) and lifecycle.is_rating(choice):  # a typed score
            self._rate(turn, choice)
            return
        command = parse(text, self.settings.desk.ticket_prefix) if choice is None else None
        if turn.state == "pick_ticket" and bare_reference(text, self.settings.desk.ticket_prefix):
            command = None  # "which ticket?" answered by typing its reference: a pick
        if not event.private:
            self._in_group(turn, command, text)
            return
        if event.attachments:
            self._attachments(turn, list(event.attachments), text, command)
            return
        if command is not None:
            self._command(turn, command)
        elif choice is not None and choice.startswith("st:") and turn.state == "idle":
            followup.status(turn, choice[3:])
        elif (
            turn.state == lifecycle.RATING_REMARK
            and choice is None
            and find_reference(text, self.settings.desk.ticket_prefix)
        ):
            turn.reset()  # a message about a ticket ("SD-1042 it fails again"), not a remark
            followup.problem_text(turn, text, [])
        elif choice is None and self._question(turn, text):
            pass  # a status, the list, or a person: answered, and the open question repeated
        elif turn.state in HANDLERS:
            HANDLERS[turn.state](turn, text, choice)
        elif not text or (is_small_talk(text) and not lifecycle.waiting_on(turn)):
            # ("yes" is small talk, unless the desk asked this customer a question)
            turn.say("hint")
        else:
            followup.problem_text(turn, text, [])

    def _references(self, turn: Turn, text: str) -> str:
        """``text`` with loosely written references in their one form ("sd1001", "SD 1001"
        are SD-1001); "#1001" only when the customer can see SD-1001 (else it may be an
        order number or a position in a list)."""
        prefix = self.settings.desk.ticket_prefix
        text = intents.canonical_references(text, prefix)
        for number in intents.hash_numbers(text):
            reference = f"{prefix.upper()}-{int(number)}"
            if followup.find(turn, reference) is not None:
                text = intents.with_hash_reference(text, number, reference)
        return text

    def _question(self, turn: Turn, text: str) -> bool:
        """Answer a question about a person, the list or a status; False when it is none.

        In the middle of a flow the answer comes first and the open question is asked
        again after it, so its options stay the only numbered ones on screen."""
        in_flow = turn.state in PROMPTS
        reference = find_reference(text, self.settings.desk.ticket_prefix)
        if intents.asks_person(text):
            questions.person(turn, in_flow)
        elif intents.asks_list(text):
            followup.my_tickets(turn, numbered=not in_flow)
        elif intents.asks_status(text) and reference:
            followup.status(turn, reference)
        elif intents.asks_status(text):
            questions.status_question(turn, in_flow)
        else:
            return False
        if in_flow and turn.state in PROMPTS:
            self._reprompt(turn)
        return True

    def _choice(self, turn: Turn, text: str) -> str | bool | None:
        """The choice this input makes; False when a stale button was pressed (answered)."""
        offered = [choice_id for choice_id, _ in turn.offered()]
        if turn.event.choice is not None:
            if turn.event.choice in offered:
                return turn.event.choice
            turn.say("choice.expired")
            self._reprompt(turn)
            return False
        return turn.resolve_typed(text) if text else None

    def _rate(self, turn: Turn, choice: str) -> None:
        """A rating; a customer in the middle of something gets their question back."""
        in_flow = turn.state in PROMPTS and turn.state != lifecycle.RATING_REMARK
        lifecycle.on_rate(turn, choice)
        if in_flow:
            self._reprompt(turn)

    def _reprompt(self, turn: Turn) -> None:
        if turn.state in PROMPTS:
            PROMPTS[turn.state](turn)

    def _in_group(self, turn: Turn, command: Command | None, text: str) -> None:
        """In groups and channels: help in place; anything about tickets goes private."""
        if command is not None and command.name == "help":
            turn.say("help")
            return
        turn.emit(
            MoveToPrivate(
                platform=turn.event.platform,
                chat_id=turn.event.chat_id,
                user_id=turn.event.user_id,
                text=turn.text("group.moved"),
                original_text=text,
                thread_id=turn.event.thread_id,
            )
        )

    def _command(self, turn: Turn, command: Command) -> None:
        in_flow = turn.state in PROMPTS
        name = command.name
        if name == "cancel":
            if turn.state == lifecycle.RATING_REMARK:
                lifecycle.on_remark(turn, "", lifecycle.SKIP)  # the remark was optional
            elif in_flow:
                intake.cancel(turn)
            else:
                turn.say("nothing_to_cancel")
            return
        if name == "new":
            if turn.state in intake.INTAKE_STATES:
                turn.say("intake.already")
                self._reprompt(turn)
            else:
                intake.start(turn, command.argument)
            return
        if name == "help":
            turn.say("help")
        elif name == "lang":
            self._lang(turn, command.argument)
        elif name == "status" and command.reference is None:
            questions.status_question(turn, in_flow)  # "status", "status of my ticket"
        elif name == "status":
            followup.status(turn, command.reference)
        elif name == "my_tickets":
            followup.my_tickets(turn, numbered=not in_flow)
        elif name == "org_tickets":
            organizations.organization_tickets(turn)
        elif name in ("close", "reopen") and turn.state in intake.INTAKE_STATES:
            # both may lead to a question of their own, which would replace the draft
            turn.say("intake.finish_first")
        elif name == "close":
            followup.close(turn, command.reference)
            return
        elif name == "reopen":
            followup.reopen(turn, command.reference)
            return
        if in_flow and turn.state in PROMPTS:
            self._reprompt(turn)  # back to the question the customer was answering

    def _lang(self, turn: Turn, argument: str) -> None:
        words = argument.split()
        code = language_code(words[0]) if words else None
        if code is None:
            turn.say("lang.usage")
            return
        turn.requester.lang = code
        turn.say("lang.set")

    def _attachments(
        self, turn: Turn, attachments: list[Attachment], text: str, command: Command | None
    ) -> None:
        limit = self.settings.desk.attachment_max_bytes
        accepted = []
        for attachment in attachments:
            if attachment.size > limit:
                turn.say(
                    "attachment.too_large",
                    name=attachment.name,
                    size=f"{attachment.size / 1024 / 1024:.1f}",
                    limit=f"{self.settings.desk.attachment_max_mb:g}",
                )
            else:
                accepted.append(attachment)
        if turn.state in intake.INTAKE_STATES:
            for attachment in accepted:
                intake.add_attachment(turn, attachment)
            if command is not None:
                self._command(turn, command)  # "cancel" with a file still cancels
            elif text:
                intake.handle(turn, text, None)
            else:
                intake.reprompt(turn)
            return
        if not accepted and command is not None:
            self._command(turn, command)
        elif accepted or text:
            followup.problem_text(turn, text, accepted)  # a refused file keeps its words
