"""What ``GET /metrics`` shows: the desk's counters and histograms, in prometheus-client.

The engine, the intake and the outbox worker call the small functions here; they never
import an adapter and an adapter never has to know a metric's name. Each process keeps its
own counters (scrape every process, see README "Operating it"); the outbox figures are read
from the database at scrape time (chatdesk.ops.exposition), so every process shows the same,
database-wide values.

Counts that belong to a turn (suggestions shown, deflections, tickets opened) are held in
the session until the turn commits: a turn that is rolled back counts nothing.
"""

from __future__ import annotations

import logging

from prometheus_client import (
    CollectorRegistry,
    Counter,
    GCCollector,
    Histogram,
    PlatformCollector,
    ProcessCollector,
)
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

REGISTRY = CollectorRegistry()
"""This process's metrics (ours plus the process, platform and garbage-collector ones)."""
ProcessCollector(registry=REGISTRY)
PlatformCollector(registry=REGISTRY)
GCCollector(registry=REGISTRY)

# Fast turns take about a millisecond; a search a few; a slow database a second or more.
_TURN_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

TURNS = Counter(
    "chatdesk_turns",
    "Customer and agent turns handled, by platform and outcome "
    "(answered, redelivered: a repeated delivery ignored, failed: answered with an apology).",
    ["platform", "outcome"],
    registry=REGISTRY,
)
TURN_SECONDS = Histogram(
    "chatdesk_turn_seconds",
    "Time to handle one turn in the engine (its database transaction included).",
    ["platform"],
    buckets=_TURN_BUCKETS,
    registry=REGISTRY,
)
SUGGESTION_SECONDS = Histogram(
    "chatdesk_suggestion_seconds",
    "Time of one knowledge-base search for suggestions.",
    buckets=_TURN_BUCKETS,
    registry=REGISTRY,
)
SUGGESTIONS_SHOWN = Counter(
    "chatdesk_suggestions_shown",
    "Articles suggested to customers, by language of the customer.",
    ["lang"],
    registry=REGISTRY,
)
DEFLECTIONS = Counter(
    "chatdesk_deflections",
    'Intakes ended by "this solved it" on a suggested article (no ticket).',
    ["lang"],
    registry=REGISTRY,
)
TICKETS_OPENED = Counter(
    "chatdesk_tickets_opened",
    "Tickets created by customers, by priority.",
    ["priority"],
    registry=REGISTRY,
)
SENDS_FAILED = Counter(
    "chatdesk_sends_failed",
    "Outbox sends that failed, by platform and reason (rate_limited, refused, error).",
    ["platform", "reason"],
    registry=REGISTRY,
)
ESCALATIONS = Counter(
    "chatdesk_escalations",
    "Service targets missed (each pings the agents once).",
    registry=REGISTRY,
)
PERIODIC_RUNS = Counter(
    "chatdesk_periodic_runs",
    "Runs of a periodic job, by job and result (ok, failed).",
    ["job", "result"],
    registry=REGISTRY,
)
PERIODIC_SECONDS = Histogram(
    "chatdesk_periodic_seconds",
    "Duration of one run of a periodic job.",
    ["job"],
    buckets=(0.005, 0.025, 0.1, 0.25, 1.0, 2.5, 10.0, 30.0, 120.0),
    registry=REGISTRY,
)

_PENDING = "chatdesk.core.metrics"
_TURN_CHILDREN: dict[tuple[str, str], tuple[Counter, Histogram]] = {}


def turn(platform: str, outcome: str, seconds: float) -> None:
    """One turn handled. The labelled children are kept: ``labels()`` validates and locks at
    every call, which cost more than counting itself at every turn."""
    children = _TURN_CHILDREN.get((platform, outcome))
    if children is None:
        children = (TURNS.labels(platform, outcome), TURN_SECONDS.labels(platform))
        _TURN_CHILDREN[(platform, outcome)] = children
    children[0].inc()
    children[1].observe(seconds)


def _pending(session: Session) -> list[tuple[Counter, tuple[str, ...], int]]:
    pending: list[tuple[Counter, tuple[str, ...], int]] = session.info.setdefault(_PENDING, [])
    return pending


def suggestions_shown(session: Session, lang: str, count: int) -> None:
    _pending(session).append((SUGGESTIONS_SHOWN, (lang,), count))


def deflected(session: Session, lang: str) -> None:
    _pending(session).append((DEFLECTIONS, (lang,), 1))


def ticket_opened(session: Session, priority: str) -> None:
    _pending(session).append((TICKETS_OPENED, (priority,), 1))


def committed(session: Session) -> None:
    """Count what the turn in ``session`` did, now that it is committed."""
    for counter, labels, amount in session.info.pop(_PENDING, ()):
        counter.labels(*labels).inc(amount)


def send_failed(platform: str, reason: str) -> None:
    """A failed send, by the reason an operator acts on: ``rate_limited``, ``refused`` or
    ``error`` (the worker, which knows the store's failure types, picks it)."""
    SENDS_FAILED.labels(platform, reason).inc()
