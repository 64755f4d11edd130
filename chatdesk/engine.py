"""The dialogue engine: one entry point, :meth:`Desk.handle`, for every platform.

A turn runs in one database transaction: the delivery id is recorded, the requester and
their conversation row are loaded (and locked on PostgreSQL, so two deliveries of the same
conversation at two processes take turns instead of corrupting the draft), the input is
routed to a command or to the flow the conversation is in
(:mod:`chatdesk.dialogue.router`), and the replies come back. If the
same delivery arrives again, the unique delivery id makes the second turn a no-op.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from chatdesk.config import Settings
from chatdesk.core import metrics
from chatdesk.core.i18n import normalize_lang, t
from chatdesk.desk import organizations
from chatdesk.dialogue import intake, router
from chatdesk.dialogue.turn import WRITTEN_LANG, Turn, TurnContext
from chatdesk.events import InboundEvent, Message, MoveToPrivate, Reply
from chatdesk.kb.articles import KnowledgeBase
from chatdesk.store import conversations as conversations
from chatdesk.store import outbox, requesters
from chatdesk.store.db import Database
from chatdesk.store.models import Conversation, ProcessedEvent, Requester, table_of
from chatdesk.store.prepared import Prepared
from chatdesk.store.requesters import RequesterRow

log = logging.getLogger(__name__)


# Statements of every turn, built once with bound parameters (see chatdesk.store.conversations).
_PROCESSED = table_of(ProcessedEvent)
_RECORD_DELIVERY = Prepared(
    {
        dialect: statement.returning(_PROCESSED.c.event_id)
        for dialect, statement in conversations.ignoring_conflicts(_PROCESSED).items()
    },
    column_keys=("platform", "event_id", "processed_at"),
)


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

    def __init__(
        self,
        settings: Settings,
        database: Database,
        knowledge: KnowledgeBase,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.settings = settings
        self.database = database
        self.knowledge = knowledge
        self.clock = clock
        self.context = TurnContext(settings, knowledge)
        """What every turn's flows may use (the dialogue never sees the Desk itself)."""
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

        On a platform in :attr:`outbox_platforms` the answers (``Message``) and a move to the
        private chat (``MoveToPrivate``) are written to the outbox with the turn instead, and
        nothing comes back. A redelivered event (same platform and event_id) returns ``[]``. An
        unexpected error rolls the turn back (so a redelivery may try again) and answers with
        an apology.
        """
        started = time.perf_counter()
        try:
            return self._run(event, started)
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

    def carry_over(self, move: MoveToPrivate, chat_id: str) -> list[Reply]:
        """Run the words of ``move`` as a turn of the private chat ``chat_id``, once.

        Its delivery id derives from the group's (:func:`chatdesk.dialogue.router.private_event`),
        so when the move is sent again (a retry, a replay after a crash) the turn is a
        redelivery and changes nothing. Unlike :meth:`handle` a failing turn raises and says no
        apology: the move is then not done, and the outbox tries it again later. The replies,
        as :meth:`handle` gives them (none on an outbox platform).
        """
        event = router.private_event(move, chat_id)
        started = time.perf_counter()
        try:
            return self._run(event, started)
        except IntegrityError:
            if event.event_id is None:
                _turn_done(event, started, "failed")
                raise
            _turn_done(event, started, "redelivered")  # a concurrent send of the same move
            return []
        except Exception:
            _turn_done(event, started, "failed")
            raise

    def carried_over(self, move: MoveToPrivate) -> bool:
        """Whether the words of ``move`` were carried into the private chat already (its
        private turn committed): a move sent again then only repeats the pointer."""
        event = router.private_event(move, move.user_id)
        if event.event_id is None:
            return False
        with self.database.session() as session:
            found = session.get(ProcessedEvent, (event.platform, event.event_id))
            return found is not None

    def _run(self, event: InboundEvent, started: float) -> list[Reply]:
        """One turn in one transaction; raises what the turn raised (rolled back)."""
        with self.database.turn() as session:
            if not self._first_delivery(session, event):
                log.info("ignoring redelivered %s event %s", event.platform, event.event_id)
                _turn_done(event, started, "redelivered")
                return []
            turn = self._turn(session, event)
            router.route(turn)
            turn.conversation.updated_at = turn.now
            conversations.save(session, turn.conversation)
            requesters.save(session, turn.requester)  # a statement only if they changed
            replies = self._direct(session, turn)
            queued = outbox.queued_in(session)
        metrics.committed(session)
        if queued:
            for listener in self.outbox_listeners:
                listener()
        _turn_done(event, started, "answered", turn.state)
        return replies

    def text(self, key: str, lang: str, **values: object) -> str:
        """A catalogue text, for the few messages an adapter must word itself."""
        return t(key, lang, **values)

    def language_of(self, platform: str, user_id: str, locale: str | None = None) -> str:
        """The language the desk speaks with this user: their `lang` choice, else the one they
        write in (in their latest conversation), else their locale, as a turn decides it."""
        with self.database.session() as session:
            requester = session.scalar(
                select(Requester).where(
                    Requester.platform == platform, Requester.platform_user_id == user_id
                )
            )
            if requester is not None and requester.lang:
                return requester.lang
            data = session.scalar(
                select(Conversation.data)
                .where(Conversation.platform == platform, Conversation.user_id == user_id)
                .order_by(Conversation.updated_at.desc())
                .limit(1)
            )
            written = data.get(WRITTEN_LANG) if isinstance(data, dict) else None
            if isinstance(written, str):
                return written
            stored = requester.locale if requester is not None else None
        return normalize_lang(locale or stored, self.settings.desk.default_lang)

    def _direct(self, session: Session, turn: Turn) -> list[Reply]:
        """The replies the adapter must send itself; the answers of an outbox platform are
        enqueued here, in the turn's transaction (topic: the customer's chat, shared with
        the notifications to it, so answers and news arrive in the order they were written).
        A move to the private chat is enqueued too, so that the words a customer said in a
        group are carried over even if the process dies right after this commit."""
        if turn.event.platform not in self.outbox_platforms:
            return turn.replies
        direct: list[Reply] = []
        for reply in turn.replies:
            if isinstance(reply, Message | MoveToPrivate):
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
        values = {
            "platform": event.platform,
            "event_id": event.event_id,
            "processed_at": self.clock(),
        }
        return bool(_RECORD_DELIVERY.rows(session, values))

    def _turn(self, session: Session, event: InboundEvent) -> Turn:
        now = self.clock()
        known = conversations.load_known(session, event)  # both rows in one statement
        if known is not None:
            requester = self._known_requester(session, event, known[0])
            conversation = known[1]
        else:  # a first turn: what is missing is created
            requester = self._requester(session, event, now)
            conversation = conversations.load(session, event, now)
        turn = Turn(self.context, session, event, requester, conversation, now)
        ttl = timedelta(minutes=self.settings.desk.draft_ttl_minutes)
        updated = conversation.updated_at
        if conversation.state != "idle" and updated is not None and now - updated > ttl:
            had_draft = conversation.state in intake.INTAKE_STATES
            turn.reset()
            if had_draft:
                turn.say("intake.expired", hours=round(ttl.total_seconds() / 3600, 1))
        return turn

    def _requester(self, session: Session, event: InboundEvent, now: datetime) -> RequesterRow:
        requester = requesters.read(session, event.platform, event.user_id)
        stored = requester.organization if requester is not None else None
        organization = organizations.organization_of(self.settings, event, stored)
        if requester is None:
            requesters.create(
                session,
                {
                    "platform": event.platform,
                    "platform_user_id": event.user_id,
                    "display_name": event.display_name[:200],
                    "locale": event.locale,
                    "organization": organization,
                    "created_at": now,
                },
            )
            requester = requesters.read(session, event.platform, event.user_id)
            assert requester is not None
        return self._saved(session, _refreshed(requester, event, organization))

    def _known_requester(
        self, session: Session, event: InboundEvent, row: dict[str, Any]
    ) -> RequesterRow:
        """The requester of a row read with their conversation, refreshed as every turn
        refreshes them (see :meth:`_requester`)."""
        requester = RequesterRow(**row)
        organization = organizations.organization_of(self.settings, event, requester.organization)
        return self._saved(session, _refreshed(requester, event, organization))

    @staticmethod
    def _saved(session: Session, requester: RequesterRow) -> RequesterRow:
        """The refreshed requester, written at once if the platform told something new of
        them: what the turn reads of them (a ticket's card, a colleague's ticket) is then
        what the database says. One UPDATE, only when something changed."""
        requesters.save(session, requester)
        return requester


def _refreshed(
    requester: RequesterRow, event: InboundEvent, organization: str | None
) -> RequesterRow:
    """The requester with what the platform now says of them (name, locale) and the
    organization found for them at this turn."""
    if event.display_name and requester.display_name != event.display_name[:200]:
        requester.display_name = event.display_name[:200]
    if event.locale and requester.locale != event.locale:
        requester.locale = event.locale
    if requester.organization != organization:
        requester.organization = organization
    return requester
