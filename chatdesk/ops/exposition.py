"""One scrape of ``GET /metrics``: this process's metrics plus the outbox's, read from the
database at scrape time so that every process shows the same, database-wide values."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select

from chatdesk.core.metrics import REGISTRY
from chatdesk.store.db import Database
from chatdesk.store.models import OutboxItem

log = logging.getLogger(__name__)


class OutboxCollector(Collector):
    """The outbox's waiting items and the age of the oldest, read at each scrape."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def collect(self) -> Iterator[GaugeMetricFamily]:
        waiting = GaugeMetricFamily(
            "chatdesk_outbox_waiting", "Outbox items not yet sent nor set aside (all processes)."
        )
        oldest = GaugeMetricFamily(
            "chatdesk_outbox_oldest_age_seconds",
            "Age of the oldest outbox item still waiting; 0 when none waits.",
        )
        try:
            count, first = outbox_backlog(self.database)
        except Exception as exc:  # the scrape still shows the process's own metrics
            log.warning("metrics: cannot read the outbox: %s", type(exc).__name__)
            return
        waiting.add_metric([], count)
        age = (datetime.now(UTC) - first).total_seconds() if first is not None else 0.0
        oldest.add_metric([], max(age, 0.0))
        yield waiting
        yield oldest


def outbox_backlog(database: Database) -> tuple[int, datetime | None]:
    """How many items wait in the outbox, and when the oldest of them was written."""
    query = select(func.count(), func.min(OutboxItem.created_at)).where(
        OutboxItem.sent_at.is_(None), OutboxItem.failed_at.is_(None)
    )
    with database.session() as session:
        count, first = session.execute(query).one()
    if first is not None and first.tzinfo is None:  # SQLite gives an aggregate back naive
        first = first.replace(tzinfo=UTC)
    return int(count or 0), first


class Exposition:
    """The text of one scrape: this process's metrics plus the outbox's, for one database."""

    content_type = CONTENT_TYPE_LATEST

    def __init__(self, database: Database) -> None:
        self.registry = CollectorRegistry()
        self.registry.register(_Forward(REGISTRY))
        self.registry.register(OutboxCollector(database))

    def render(self) -> bytes:
        return generate_latest(self.registry)


class _Forward(Collector):
    """Every metric of another registry (the process-wide one) inside a scrape's registry."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry

    def collect(self) -> Iterable[Metric]:
        return self.registry.collect()
