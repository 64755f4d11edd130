"""The inbox: deliveries stored before they are acknowledged, replayed when their process died.

Driven with the tests' clock, so a lease runs out by moving the clock; the replaying side is
the real outbox worker (:meth:`Worker.recover`) with a stand-in adapter that records what it
was asked to replay.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from chatdesk.store import inbox
from chatdesk.worker import Worker

LEASE = timedelta(seconds=30)


class Replaying:
    """An adapter that stores its deliveries: ``replay`` records the payloads."""

    name = "test"

    def __init__(self) -> None:
        self.replayed: list[dict] = []

    async def deliver(self, reply, card, progress):  # type: ignore[no-untyped-def]
        return None

    async def replay(self, payload: dict) -> None:
        self.replayed.append(payload)


def _box(desk, holder: str = "a") -> inbox.Inbox:  # type: ignore[no-untyped-def]
    return inbox.Inbox(desk.database, "test", holder, LEASE)


def test_a_delivery_is_stored_once_and_forgotten_when_done(desk):
    box = _box(desk)
    assert box.receive("7", {"text": "hello"}, desk.clock()) is True
    assert box.receive("7", {"text": "hello"}, desk.clock()) is False  # the platform's retry
    assert inbox.waiting(desk.database) == 1
    box.done("7")
    assert inbox.waiting(desk.database) == 0


def test_a_held_delivery_is_not_replayed_until_its_lease_runs_out(desk, clock):
    _box(desk).receive("7", {"text": "hello"}, desk.clock())
    assert inbox.claim_stale(desk.database, "b", ["test"], desk.clock(), LEASE) == []
    clock.advance(seconds=31)
    [stale] = inbox.claim_stale(desk.database, "b", ["test"], desk.clock(), LEASE)
    assert (stale.event_id, stale.payload, stale.attempts) == ("7", {"text": "hello"}, 2)
    # claimed by b now: nobody else takes it while b's lease runs
    assert inbox.claim_stale(desk.database, "c", ["test"], desk.clock(), LEASE) == []
    assert inbox.claim_stale(desk.database, "c", ["other"], desk.clock() + LEASE * 2, LEASE) == []


def test_a_delivery_that_keeps_failing_is_given_up(desk, clock, caplog):
    _box(desk).receive("7", {"text": "poison"}, desk.clock())
    replays = 0
    for _ in range(inbox.MAX_ATTEMPTS + 2):
        clock.advance(seconds=31)
        replays += len(inbox.claim_stale(desk.database, "b", ["test"], desk.clock(), LEASE))
    assert replays == inbox.MAX_ATTEMPTS - 1
    assert inbox.waiting(desk.database) == 0
    assert "given up" in caplog.text


def test_the_worker_replays_what_a_dead_process_left_in_order(desk, clock):
    box = _box(desk, holder="dead process")
    for n in range(3):
        box.receive(str(n), {"n": n}, desk.clock())
    adapter = Replaying()
    worker = Worker(desk, {"test": adapter}, jobs=[])
    assert asyncio.run(worker.recover()) == 0  # the dead process's lease still runs
    clock.advance(seconds=desk.settings.delivery.lease_seconds + 1)
    assert asyncio.run(worker.recover()) == 3
    assert adapter.replayed == [{"n": 0}, {"n": 1}, {"n": 2}]
    assert asyncio.run(worker.recover()) == 0  # held by this worker now
