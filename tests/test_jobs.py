"""The periodic jobs: one explicit list, run by the worker of ``chatdesk serve``.

The worker runs each job at every round of its periodic loop, or no more often than the job's
``every``; a failing job is logged and the others still run.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from chatdesk.app import build_worker
from chatdesk.desk import service
from chatdesk.desk.context import JobContext
from chatdesk.dialogue import lifecycle
from chatdesk.jobs import PERIODIC_JOBS, Job
from chatdesk.worker import Worker


def test_serve_runs_exactly_the_listed_jobs(desk):  # type: ignore[no-untyped-def]
    assert [(job.name, job.run, job.every) for job in PERIODIC_JOBS] == [
        ("auto_close", lifecycle.auto_close, None),
        ("check_targets", service.check_targets, None),
    ]
    assert build_worker(desk, {}).jobs == PERIODIC_JOBS


def test_a_worker_without_jobs_runs_none(desk):  # type: ignore[no-untyped-def]
    assert Worker(desk, {}).jobs == ()


def test_each_job_runs_at_its_own_pace_and_a_failure_stops_no_other(desk, clock):  # type: ignore[no-untyped-def]
    runs: list[tuple[str, datetime]] = []

    def often(context: JobContext, now: datetime) -> int:
        assert context.database is desk.database
        runs.append(("often", now))
        return 1

    def hourly(context: JobContext, now: datetime) -> int:
        runs.append(("hourly", now))
        return 2

    def broken(context: JobContext, now: datetime) -> int:
        raise RuntimeError("a job that fails")

    jobs = (
        Job("broken", broken),
        Job("often", often),
        Job("hourly", hourly, every=timedelta(hours=1)),
    )
    worker = Worker(desk, {}, jobs=jobs)
    start = clock.now
    assert asyncio.run(worker.run_periodic()) == 3
    clock.advance(minutes=30)
    assert asyncio.run(worker.run_periodic()) == 1  # the hourly job is not due yet
    clock.advance(minutes=30)
    assert asyncio.run(worker.run_periodic()) == 3
    assert runs == [
        ("often", start),
        ("hourly", start),
        ("often", start + timedelta(minutes=30)),
        ("often", start + timedelta(hours=1)),
        ("hourly", start + timedelta(hours=1)),
    ]
