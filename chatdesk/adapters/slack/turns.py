"""One turn on Slack: the engine's answer to an event, posted in order, or an apology.

This is where the neutral reply types meet Slack: a :class:`Message` becomes posts in its chat,
a :class:`TicketCard` a card in the agents' channel, a :class:`MoveToPrivate` the same words
handled again in the user's DM followed by a note in the thread where they spoke (the outbox
worker sends a move through :meth:`SlackTurns.move_to_private` too). A reply type
we do not know raises :class:`TypeError` rather than vanishing.

Turns in the same chat run one at a time (bolt hands events to a thread pool), so two quick
messages from one person are answered in the order they were sent. In the agents' channel the
unit is a ticket's thread, so agents working on different tickets do not wait for each other.
A pool thread whose chat is busy does not wait for it: it leaves the event in that chat's queue,
which the thread already working there drains, and goes back to the pool. Otherwise eight
quick messages from one slow chat (a 429 being slept out) would hold all of bolt's threads,
and no other customer would be answered, nor any button acknowledged within Slack's 3 seconds.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future

from slack_sdk import WebClient
from slack_sdk.web import SlackResponse

from chatdesk.adapters.slack.catalogue import t
from chatdesk.adapters.slack.directory import SlackDirectory
from chatdesk.adapters.slack.render import post, render_card, render_message, render_notice
from chatdesk.config import SlackSettings
from chatdesk.core.i18n import normalize_lang
from chatdesk.engine import Desk
from chatdesk.events import InboundEvent, Message, MoveToPrivate, Reply, TicketCard

log = logging.getLogger(__name__)


class ChatQueues:
    """Per key, tasks run one after another in arrival order, on whichever thread found the
    key idle; a thread that finds it busy queues its task there and returns at once."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._queues: dict[str, deque[Callable[[], None]]] = {}

    def run(self, key: str, task: Callable[[], None]) -> None:
        with self._guard:
            queue = self._queues.get(key)
            if queue is not None:  # another thread is working on this key: it runs ours too
                queue.append(task)
                return
            queue = self._queues[key] = deque()
        while True:
            try:
                task()
            except Exception:  # a task handles its own failures; this keeps the queue alive
                log.exception("slack turn for %s failed", key)
            with self._guard:
                if not queue:
                    del self._queues[key]
                    return
                task = queue.popleft()


class SlackTurns:
    """Runs turns for one Slack app: engine call, replies posted, failures apologised for."""

    def __init__(
        self,
        config: SlackSettings,
        desk: Desk,
        client: WebClient,
        directory: SlackDirectory,
        *,
        lang: str,
    ) -> None:
        self.agent_channel = config.agent_channel
        self.urgent_mention = config.urgent_mention
        self.default_lang = lang
        self.desk = desk
        self.client = client
        self.directory = directory
        self._queues = ChatQueues()

    def lang(self, event: InboundEvent) -> str:
        return self.language(event.user_id, event.locale)

    def language(self, user_id: str, locale: str | None) -> str:
        """The user's language: their ``lang`` choice, else their Slack locale."""
        try:
            return self.desk.language_of("slack", user_id, locale)
        except Exception:  # the database may be what failed; the locale still speaks
            log.warning("slack could not look up the language of %s", user_id)
            return normalize_lang(locale, self.default_lang)

    def run(self, event: InboundEvent, after: Callable[[], None] | None = None) -> None:
        """Handle ``event`` and post the replies, after the chat's earlier events (now, or on
        the thread already working on that chat); never raises (the user gets an apology).
        ``after`` is called once the turn is over (the delivery leaves the inbox)."""
        key = f"{event.chat_id}:{event.thread_id}" if event.agent_chat else event.chat_id

        def task() -> None:
            try:
                self._turn(event)
            finally:
                if after is not None:
                    after()

        self._queues.run(key, task)

    def _turn(self, event: InboundEvent) -> None:
        try:
            self.deliver(event, self.desk.handle(event))
        except Exception:
            log.exception("slack delivery %s failed", event.event_id)
            self.apologise(event.chat_id, event.thread_id, self.lang(event))

    def apologise(self, channel: str, thread_ts: str | None, lang: str) -> None:
        """The short apology of ``error.apology``, where the user spoke (best effort)."""
        try:
            for message in render_notice(self.desk.text("error.apology", lang), channel, thread_ts):
                post(self.client, message)
        except Exception:
            log.exception("slack apology to %s could not be sent", channel)

    def deliver(self, event: InboundEvent, replies: Sequence[Reply]) -> list[SlackResponse]:
        """Post each reply in order; return Slack's answers (a card's answer holds its ``ts``)."""
        sent: list[SlackResponse] = []
        for reply in replies:
            if isinstance(reply, Message):
                for message in render_message(reply, t, self.lang(event)):
                    sent.append(post(self.client, message))
            elif isinstance(reply, TicketCard):
                sent.extend(self._card(reply))
            elif isinstance(reply, MoveToPrivate):  # only when there is no outbox worker
                sent.extend(self.move_to_private(reply, self.client))
            else:
                raise TypeError(f"the Slack adapter cannot render {type(reply).__name__}")
        return sent

    def _card(self, card: TicketCard) -> list[SlackResponse]:
        channel = self.agent_channel
        if not channel:
            log.debug("no CHATDESK_SLACK_AGENT_CHANNEL: card for %s not posted", card.reference)
            return []
        message = render_card(card, channel, t, self.urgent_mention)
        try:
            return [post(self.client, message)]
        except Exception:
            # The ticket exists; the customer must not get an apology for the agents' channel.
            log.exception(
                "slack card for %s could not be posted to the agent channel", card.reference
            )
            return []

    def move_to_private(self, move: MoveToPrivate, client: WebClient) -> list[SlackResponse]:
        """Carry the words of ``move`` into the user's DM, then post the notice in the thread
        where they spoke (through ``client``: the outbox's, or the turns' own).

        The words become a turn of the DM, in order with whatever else happens there, and once
        (:meth:`Desk.carry_over`: a move sent again finds its turn done). They go before the
        notice, so a notice that fails and is sent again repeats nothing but itself. Raises
        when either fails; this returns only once the DM's turn has committed.
        """
        dm_channel = self.directory.dm_channel(move.user_id)
        done: Future[None] = Future()

        def carry() -> None:
            try:
                for reply in self.desk.carry_over(move, dm_channel):  # none through the outbox
                    if isinstance(reply, Message):
                        for message in render_message(reply, t, reply.lang or move.lang):
                            post(self.client, message)
                done.set_result(None)
            except BaseException as exc:
                done.set_exception(exc)

        self._queues.run(dm_channel, carry)
        done.result()
        return [post(client, m) for m in render_notice(move.text, move.chat_id, move.thread_id)]
