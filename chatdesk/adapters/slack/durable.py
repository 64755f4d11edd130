"""Slack deliveries are stored in the inbox before bolt acknowledges them.

Slack never sends again what it had acknowledged (HTTP 200 on ``/slack/events``, or the
Socket Mode envelope's ack). So the app runs with ``process_before_response``: bolt answers
only when our listener returns, and each listener here does two quick things, inside Slack's
3 seconds: it stores the raw delivery in the inbox (:mod:`chatdesk.store.inbox`) and hands the real
work (profile look-ups, the turn) to a thread pool, then acknowledges. If the database cannot
store it, the listener fails, bolt answers 500, and Slack delivers it again.

The work runs from the stored payload alone (the body and the app's bot user id), so a
delivery whose process died is replayed the same way by any process (:meth:`replay`). The
row is removed when the work is done, or, when the turn waits in its chat's queue behind
earlier ones, once that turn has run (:meth:`hand_off`). A replay of a delivery whose turn
had committed is answered with nothing by the engine (it dedupes on the delivery id).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import Executor
from datetime import datetime
from typing import Any

from slack_bolt import Ack, BoltContext

from chatdesk.store.inbox import Inbox

log = logging.getLogger(__name__)

Work = Callable[[Mapping[str, Any], str | None], None]
"""What a delivery of one kind does: (the body bolt parsed, the app's bot user id)."""


def delivery_key(kind: str, body: Mapping[str, Any]) -> str:
    """The delivery's id for the inbox: Slack's ``event_id`` (the same on its retries), a
    button's ``action_ts`` with the user, a slash command's ``trigger_id``."""
    if kind == "command":
        return f"command:{body.get('trigger_id')}"
    if kind == "action":
        actions = body.get("actions") or [{}]
        return f"action:{actions[0].get('action_ts')}:{(body.get('user') or {}).get('id')}"
    return str(body.get("event_id"))


class DurableDeliveries:
    """Bolt listeners that store first, acknowledge, and work afterwards on ``executor``."""

    def __init__(
        self,
        inbox: Inbox,
        clock: Callable[[], datetime],
        work: Mapping[str, Work],
        executor: Callable[[], Executor | None],
    ) -> None:
        self.inbox = inbox
        self.clock = clock
        self.work = dict(work)
        self.executor = executor
        self._running = threading.local()

    def listener(self, kind: str) -> Callable[..., None]:
        """The bolt listener for ``kind`` (one of the keys of ``work``)."""

        def listen(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
            key = delivery_key(kind, body)
            payload = {"kind": kind, "key": key, "body": body, "bot": context.bot_user_id}
            if self.inbox.receive(key, payload, self.clock()):  # raises: 500, Slack retries
                self._submit(payload)
            else:
                log.info("slack delivery %s is waiting already; not handled twice", key)
            ack()

        listen.__name__ = f"durable_{kind}"
        return listen

    def replay(self, payload: dict[str, Any]) -> None:
        """Run a stored delivery whose process did not finish it."""
        self._submit(payload)

    def _submit(self, payload: dict[str, Any]) -> None:
        executor = self.executor()
        if executor is None:  # stopping: the row stays, and is replayed after the lease
            log.warning("slack delivery %s left for a replay (stopping)", payload.get("key"))
            return
        executor.submit(self._run, payload)

    def hand_off(self) -> Callable[[], None]:
        """For work that queues its turn behind the chat's earlier ones (the chat queues of
        :mod:`.turns`): the delivery stays in the inbox until the callback returned here
        is called, after the turn. Called from the work's own thread, while it runs."""
        current: _Running | None = getattr(self._running, "delivery", None)
        if current is None:
            return lambda: None
        current.handed_off = True
        return lambda: self.inbox.done(current.key)

    def _run(self, payload: dict[str, Any]) -> None:
        running = _Running(str(payload.get("key")))
        self._running.delivery = running
        try:
            self.work[str(payload["kind"])](payload["body"], payload.get("bot"))
        except Exception:
            log.exception("slack delivery %s failed", running.key)
        finally:
            self._running.delivery = None
            if not running.handed_off:  # skipped, or failed before its turn: done with it
                self.inbox.done(running.key)


class _Running:
    """The delivery a pool thread is working on, and whether its turn was queued."""

    def __init__(self, key: str) -> None:
        self.key = key
        self.handed_off = False
