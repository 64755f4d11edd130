"""The background work of ``chatdesk serve``: sending the outbox and running periodic jobs.

:class:`Worker` runs two loops on the server's event loop. The outbox loop claims due items
(:mod:`chatdesk.store.outbox`), hands each to the adapter of its platform (a :class:`Sender`), and
records the result; a failure is retried with back-off, never dropped. The periodic loop runs
the jobs it is given (:data:`chatdesk.jobs.PERIODIC_JOBS`: auto-close, service-target
checks...): each job does its
own transactions and locks the rows it changes (``SKIP LOCKED`` on PostgreSQL), so several
``chatdesk serve`` processes can run the same loops against one database and every item is
handled once.

Database calls run in worker threads (``asyncio.to_thread``); only the platform calls are
awaited on the loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol, runtime_checkable

from chatdesk.config import Settings
from chatdesk.core import metrics
from chatdesk.events import CardLocation, Posted, Reply, ThreadNote, TicketCard
from chatdesk.store import inbox, outbox
from chatdesk.store.db import Database

log = logging.getLogger(__name__)

BATCH = 20
AGENT_CHAT_BATCH = 4
"""Items for the agents' chat claimed at once, apart from the :data:`BATCH` of customers'
items: a card waiting for Telegram's group limit must not take a place a customer's answer
needs in the batch either."""
CONCURRENCY = 8
AGENT_CHAT_SENDS = 2
"""Of the :data:`CONCURRENCY` sends, how many may be for the agents' chat at once (cards and
thread notes). Telegram lets a bot post about 20 messages a minute in a group, and its rate
limiter waits inside the send: past that pace, sends for the agents' chat would hold every
slot while customers' answers waited behind them (one process with 60 intakes at 20 at a time
saw answers wait 20 seconds). They wait for a lane of their own first, so customers always
keep the other slots."""
STOP_GRACE = 10.0
"""Seconds a stopping worker waits for its sends under way."""


class Sender(Protocol):
    """What an adapter offers the outbox: send one reply, say where it landed.

    ``card`` is where the ticket's card already is (to edit a card in place, or to answer under
    it); None when there is none yet. ``progress`` counts the platform messages of the reply
    that are out: a sender that splits a reply into parts skips the ones an earlier attempt
    sent and marks each one it sends (:class:`chatdesk.store.outbox.Progress`). Raise
    :class:`chatdesk.store.outbox.DeliveryFailed` with ``permanent=True`` when retrying cannot
    help; any other exception is retried.
    """

    name: str

    async def deliver(
        self, reply: Reply, card: CardLocation | None, progress: outbox.Progress
    ) -> Posted | None: ...


@runtime_checkable
class Replayer(Protocol):
    """An adapter that stores its deliveries in the inbox (:mod:`chatdesk.store.inbox`) offers this:
    handle once more a stored delivery whose process died before its turn was done."""

    async def replay(self, payload: dict[str, Any]) -> None: ...


class Host(Protocol):
    """What the worker needs of the engine's ``Desk``: its settings, database and clock, and
    the two hooks by which a turn's answers go through the outbox and wake the worker."""

    @property
    def settings(self) -> Settings: ...

    @property
    def database(self) -> Database: ...

    @property
    def clock(self) -> Callable[[], datetime]: ...

    @property
    def outbox_listeners(self) -> list[Callable[[], None]]: ...

    @property
    def outbox_platforms(self) -> set[str]: ...


class PeriodicJob(Protocol):
    """A periodic job (:class:`chatdesk.jobs.Job`): ``run`` does its work for ``now`` in its
    own transactions and returns the number of items handled; it must be safe to run in
    several processes at once."""

    @property
    def name(self) -> str: ...

    @property
    def run(self) -> Callable[[Host, datetime], int]: ...

    @property
    def every(self) -> timedelta | None: ...


def _failure_reason(error: BaseException) -> str:
    """A failed send, by the reason an operator acts on (the metric's label)."""
    if isinstance(error, outbox.DeliveryFailed) and error.retry_after is not None:
        return "rate_limited"
    if isinstance(error, outbox.DeliveryFailed) and error.permanent:
        return "refused"
    return "error"


class _Lanes:
    """What a send waits for before a general slot: the agents' chat's own lane (see
    :data:`AGENT_CHAT_SENDS`), or nothing for a customer's chat. One per loop of sends."""

    def __init__(self) -> None:
        self._agent_chat = asyncio.Semaphore(AGENT_CHAT_SENDS)

    def of(self, delivery: outbox.Delivery) -> contextlib.AbstractAsyncContextManager[Any]:
        if isinstance(delivery.reply, TicketCard | ThreadNote):
            return self._agent_chat
        return contextlib.nullcontext()


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class Worker:
    """The outbox and periodic loops for one process."""

    def __init__(
        self,
        desk: Host,
        senders: Mapping[str, Sender],
        *,
        jobs: Sequence[PeriodicJob] = (),
    ) -> None:
        self.desk = desk
        self.settings = desk.settings
        self.senders = dict(senders)
        self.jobs = tuple(jobs)
        self._last_run: dict[str, datetime] = {}
        self.name = worker_name()
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._sending: set[asyncio.Task[None]] = set()
        self._agent_sending: set[asyncio.Task[None]] = set()  # the part for the agents' chat
        self._wake_from_thread: Callable[[], None] = self.wake

    @property
    def clock(self) -> Callable[[], datetime]:
        return self.desk.clock

    # -- lifecycle ------------------------------------------------------------------------
    async def start(self) -> None:
        loop = asyncio.get_running_loop()

        def wake_from_thread() -> None:
            loop.call_soon_threadsafe(self._wake.set)

        self._wake_from_thread = wake_from_thread
        self.desk.outbox_listeners.append(self._wake_from_thread)
        self.desk.outbox_platforms.update(self.senders)  # answers now go through us too
        self._tasks = [
            asyncio.create_task(self._outbox_loop(), name="chatdesk-outbox"),
            asyncio.create_task(self._periodic_loop(), name="chatdesk-periodic"),
        ]

    async def stop(self) -> None:
        self.desk.outbox_platforms.difference_update(self.senders)
        if self._wake_from_thread in self.desk.outbox_listeners:
            self.desk.outbox_listeners.remove(self._wake_from_thread)
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []
        if self._sending:  # let sends under way finish (briefly), so none goes out twice
            _, late = await asyncio.wait(set(self._sending), timeout=STOP_GRACE)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)

    def wake(self) -> None:
        """Look at the outbox now instead of at the next poll (after a turn enqueued)."""
        self._wake.set()

    # -- the outbox -----------------------------------------------------------------------
    async def _outbox_loop(self) -> None:
        """Claim what is due and send it in the background, up to :data:`BATCH` items at a
        time, :data:`CONCURRENCY` sends at once. A new answer is claimed as soon as its turn
        wakes the loop, not after the sends already running (one slow chat, a platform taking
        its time, must not hold up every other customer's answer); a send that ends wakes the
        loop too, since the next item of its chat may go now."""
        next_recovery = 0.0
        loop = asyncio.get_running_loop()
        gate = asyncio.Semaphore(CONCURRENCY)
        lanes = _Lanes()
        while True:
            self._wake.clear()
            claimed = 0
            try:
                if loop.time() >= next_recovery:  # at most once a poll interval
                    next_recovery = loop.time() + self.settings.delivery.poll_seconds
                    await self.recover()
                claimed = await self._launch(gate, lanes)
            except Exception:
                log.exception("outbox: a round failed; trying again shortly")
            if claimed:
                continue
            # asyncio.timeout, not wait_for: on Python 3.11, wait_for swallows a cancel that
            # arrives as the wake-up does, and stop() would then wait for this loop forever.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.settings.delivery.poll_seconds):
                    await self._wake.wait()

    async def _launch(self, gate: asyncio.Semaphore, lanes: _Lanes) -> int:
        """Claim due items (as many as there is room for, customers' and the agents' chat's
        apart) and start sending each."""
        agents = len(self._agent_sending)
        rooms = (
            (outbox.CUSTOMER_KINDS, BATCH - (len(self._sending) - agents), None),
            (outbox.AGENT_CHAT_KINDS, AGENT_CHAT_BATCH - agents, self._agent_sending),
        )
        launched = 0
        for kinds, room, side in rooms:
            if room <= 0:
                continue
            deliveries = await asyncio.to_thread(
                outbox.claim,
                self.desk.database,
                self.name,
                self.senders,
                self.clock(),
                limit=room,
                lease=timedelta(seconds=self.settings.delivery.lease_seconds),
                kinds=kinds,
            )
            for delivery in deliveries:
                task = asyncio.create_task(self._send_then_wake(delivery, gate, lanes))
                for tasks in (self._sending, side):
                    if tasks is not None:
                        tasks.add(task)
                        task.add_done_callback(tasks.discard)
            launched += len(deliveries)
        return launched

    async def _send_then_wake(
        self, delivery: outbox.Delivery, gate: asyncio.Semaphore, lanes: _Lanes
    ) -> None:
        try:
            async with lanes.of(delivery), gate:
                await self._send(delivery)
        except Exception:
            log.exception("outbox: item %s could not be handled", delivery.id)
        finally:
            self.wake()

    async def drain(self) -> int:
        """Claim one batch and send it; the number of items attempted."""
        lease = timedelta(seconds=self.settings.delivery.lease_seconds)
        deliveries = await asyncio.to_thread(
            outbox.claim,
            self.desk.database,
            self.name,
            self.senders,
            self.clock(),
            limit=BATCH,
            lease=lease,
        )
        if not deliveries:
            return 0
        gate, lanes = asyncio.Semaphore(CONCURRENCY), _Lanes()

        async def one(delivery: outbox.Delivery) -> None:
            async with lanes.of(delivery), gate:
                await self._send(delivery)

        await asyncio.gather(*(one(d) for d in deliveries))
        return len(deliveries)

    async def recover(self) -> int:
        """Replay the inbox's deliveries whose process died before their turn was done; the
        number replayed. Each goes back to its adapter, which runs it like a new delivery."""
        replayers = {n: s for n, s in self.senders.items() if isinstance(s, Replayer)}
        if not replayers:
            return 0
        stale = await asyncio.to_thread(
            inbox.claim_stale,
            self.desk.database,
            self.name,
            replayers,
            self.clock(),
            timedelta(seconds=self.settings.delivery.lease_seconds),
        )
        for item in stale:
            log.warning("inbox: replaying %s event %s", item.platform, item.event_id)
            try:
                await replayers[item.platform].replay(item.payload)
            except Exception:
                log.exception(
                    "inbox: %s event %s could not be replayed", item.platform, item.event_id
                )
        return len(stale)

    async def _send(self, delivery: outbox.Delivery) -> None:
        sender = self.senders[delivery.platform]
        lease = timedelta(seconds=self.settings.delivery.lease_seconds)
        renewed = await asyncio.to_thread(
            outbox.renew, self.desk.database, delivery, self.name, self.clock(), lease
        )
        if not renewed:  # it waited in this batch past its lease and another worker has it
            log.info("outbox: item %s was taken over by another worker", delivery.id)
            return
        progress = outbox.Progress(delivery.parts_sent)
        try:
            posted = await sender.deliver(delivery.reply, delivery.card, progress)
        except Exception as exc:
            await self._failed(delivery, exc, progress)
            return
        await asyncio.to_thread(
            outbox.sent, self.desk.database, delivery, self.name, self.clock(), posted
        )

    async def _failed(
        self, delivery: outbox.Delivery, exc: Exception, progress: outbox.Progress
    ) -> None:
        """Record a failed attempt with the parts that did go out, so the next attempt (or an
        operator reading a set-aside item) knows where the reader's copy ends."""
        metrics.send_failed(delivery.platform, _failure_reason(exc))
        due = await asyncio.to_thread(
            outbox.failed,
            self.desk.database,
            delivery,
            self.name,
            self.clock(),
            exc,
            parts_sent=progress.sent,
            max_backoff=self.settings.delivery.max_backoff_seconds,
        )
        if due is None:
            log.error(
                "outbox: item %s set aside (%s part(s) sent): %s", delivery.id, progress.sent, exc
            )
        else:
            log.warning(
                "outbox: item %s attempt %s failed after %s part(s) (%s); next try at %s",
                delivery.id,
                delivery.attempts,
                progress.sent,
                exc,
                due.isoformat(timespec="seconds"),
            )

    # -- periodic jobs ----------------------------------------------------------------------
    async def _periodic_loop(self) -> None:
        while True:
            await self.run_periodic()
            await asyncio.sleep(self.settings.delivery.periodic_seconds)

    def _due(self, job: PeriodicJob, now: datetime) -> bool:
        last = self._last_run.get(job.name)
        return job.every is None or last is None or now - last >= job.every

    async def run_periodic(self) -> int:
        """Run every periodic job that is due once; a failing job is logged and the others
        still run."""
        total = 0
        for job in self.jobs:
            name = job.name
            now = self.clock()
            if not self._due(job, now):
                continue
            self._last_run[name] = now
            started = time.perf_counter()
            try:
                total += await asyncio.to_thread(job.run, self.desk, now)
                metrics.PERIODIC_RUNS.labels(name, "ok").inc()
            except Exception:
                log.exception("periodic job %s failed", name)
                metrics.PERIODIC_RUNS.labels(name, "failed").inc()
            metrics.PERIODIC_SECONDS.labels(name).observe(time.perf_counter() - started)
        if total:
            self.wake()
        return total
