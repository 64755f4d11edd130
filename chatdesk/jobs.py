"""The periodic jobs of ``chatdesk serve``: the one list of them, handed to the worker.

Each job does its work for the moment it is given, in its own transactions, and locks the
rows it changes (``SKIP LOCKED`` on PostgreSQL), so every serve process may run every job:
each item is still handled once. A new job is a function ``(context, now) -> items handled``
and one line in :data:`PERIODIC_JOBS`; nothing registers itself by being imported.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from chatdesk.desk import service
from chatdesk.desk.context import JobContext
from chatdesk.dialogue import lifecycle


@dataclass(frozen=True)
class Job:
    name: str
    """The job's name in logs and in the ``chatdesk_periodic_*`` metrics' label."""
    run: Callable[[JobContext, datetime], int]
    every: timedelta | None = None
    """The least time between two runs in one process; None: at every round of the periodic
    loop (CHATDESK_PERIODIC_SECONDS)."""


PERIODIC_JOBS: tuple[Job, ...] = (
    Job("auto_close", lifecycle.auto_close),  # solved tickets close after the set days
    Job("check_targets", service.check_targets),  # service-target breaches ping the agents
)
