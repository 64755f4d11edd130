"""Service targets: how long a ticket may wait for its first response and for its resolution.

The manuals promise a reaction within a number of working hours that depends on the priority
(CHATDESK_SERVICE_TARGETS, e.g. ``normal=8/40``: 8 support hours to the first response, 40 to
the resolution). The clock:

- counts only support hours (:class:`chatdesk.core.hours.SupportHours`), except for urgent tickets
  when CHATDESK_URGENT_AROUND_THE_CLOCK is on: a site that is down is down at night too;
- pauses while the ticket waits on the customer or a third party (statuses whose ``paused`` is
  set), because the desk cannot act then; the periods come from the ticket's status history;
- stops for good when the target is met: the first public agent reply
  (``ticket.first_response_at``) for the first response, reaching solved (or a final status)
  for the resolution. A solved ticket that is reopened runs again from where it stopped.

Everything up to :func:`breaches` is pure arithmetic on a ticket and the settings, tested with
a clock the tests control. :func:`check_targets` is a periodic job of ``chatdesk serve``
(:mod:`chatdesk.jobs`): it records each breach once (a unique row, inserted with ON CONFLICT
DO NOTHING, so two processes never ping twice), marks the ticket escalated, updates its card
and pings the agents' chat.

The intake's confirmation also comes from here (:func:`intake_note`): out of hours it tells the
customer when the desk will pick the ticket up, in their language and the desk's time zone.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, and_, exists, or_, select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.sql.elements import ColumnElement

from chatdesk.config import Settings
from chatdesk.core import metrics, statuses
from chatdesk.core.hours import AROUND_THE_CLOCK, Calendar
from chatdesk.core.i18n import t
from chatdesk.core.text import when
from chatdesk.desk import notify
from chatdesk.desk.context import JobContext
from chatdesk.store.conversations import dialect_insert
from chatdesk.store.models import ServiceBreach, Ticket, table_of

log = logging.getLogger(__name__)

FIRST_RESPONSE = "first_response"
RESOLUTION = "resolution"
TARGETS = (FIRST_RESPONSE, RESOLUTION)

Period = tuple[datetime, datetime | None]
"""A stretch in which the clock runs: start, and end (None while it is still running)."""


@dataclass(frozen=True)
class Breach:
    """A target the ticket has missed and not met since."""

    target: str  # FIRST_RESPONSE | RESOLUTION
    allowed: timedelta  # the target, in (support) time
    deadline: datetime  # the moment the target was missed
    over: timedelta  # (support) time counted past the target, at the moment asked
    around_the_clock: bool


# -- the arithmetic ----------------------------------------------------------------------
def running_periods(
    changes: Sequence[tuple[datetime, str]],
    runs: Callable[[str], bool],
    until: datetime | None = None,
) -> list[Period]:
    """The periods in which the clock runs, from a status history.

    ``changes`` are (moment, new status) in order, the first being the ticket's creation; a
    status holds until the next change. The clock runs while ``runs(status)``; ``until`` (the
    moment the target was met) ends the last period.
    """
    periods: list[Period] = []
    for index, (start, code) in enumerate(changes):
        end = changes[index + 1][0] if index + 1 < len(changes) else None
        if until is not None:
            if start >= until:
                break
            if end is None or end > until:
                end = until
        if runs(code) and (end is None or end > start):
            periods.append((start, end))
    return periods


def time_counted(calendar: Calendar, periods: Sequence[Period], now: datetime) -> timedelta:
    """The (support) time the clock has run in ``periods`` up to ``now``."""
    total = timedelta()
    for start, end in periods:
        stop = now if end is None else min(end, now)
        total += calendar.between(start, stop)
    return total


def time_reached(
    calendar: Calendar, periods: Sequence[Period], allowed: timedelta
) -> datetime | None:
    """The moment the clock reaches ``allowed``, if it did or will while it keeps running.

    None when the clock has stopped (paused or met) short of ``allowed``: while it does not
    run there is no deadline.
    """
    used = timedelta()
    for start, end in periods:
        if end is None:
            return calendar.add(start, allowed - used)
        span = calendar.between(start, end)
        if used + span > allowed:
            return calendar.add(start, allowed - used)
        used += span
    return None


# -- a ticket's clocks ---------------------------------------------------------------------
def _clock_runs(code: str) -> bool:
    """Whether the clock runs in status ``code``: not while waiting, not once solved."""
    status = statuses.CATALOGUE.get(code)
    if status is None:  # a status the catalogue no longer knows: count it rather than hide it
        return True
    return not (status.paused or status.final or code == statuses.SOLVED)


def _done(code: str) -> bool:
    """Solved, or a final status: the resolution target is met."""
    status = statuses.CATALOGUE.get(code)
    return status is not None and (status.final or code == statuses.SOLVED)


def met(ticket: Ticket, target: str) -> bool:
    """Whether ``ticket`` has met ``target`` (and so can no longer miss it)."""
    if target == FIRST_RESPONSE:
        return ticket.first_response_at is not None
    return _done(ticket.status)


def calendar_for(priority: str, settings: Settings) -> Calendar:
    if priority == "urgent" and settings.service.urgent_around_the_clock:
        return AROUND_THE_CLOCK
    return settings.hours.calendar


def allowed_time(priority: str, target: str, settings: Settings) -> timedelta | None:
    """The target for ``priority``; None when the settings name none for it."""
    pair = settings.service.targets.get(priority)
    if pair is None:
        return None
    return timedelta(hours=pair[0] if target == FIRST_RESPONSE else pair[1])


def _changes(ticket: Ticket) -> list[tuple[datetime, str]]:
    """(moment, new status) from the ticket's history, starting at its creation, or at its
    approval for a ticket that waited for a contact person's: until then the agents had not
    seen it, so that wait is not theirs to answer for."""
    history = sorted(ticket.history, key=lambda c: (c.created_at, c.id or 0))
    if not history:
        changes = [(ticket.created_at, ticket.status)]
    else:
        changes = [(c.created_at, c.to_status) for c in history]
        if changes[0][0] > ticket.created_at:
            changes.insert(0, (ticket.created_at, statuses.NEW))
    approved = ticket.approved_at
    if approved is None:
        return changes
    before = [status for moment, status in changes if moment <= approved]
    after = [(moment, status) for moment, status in changes if moment > approved]
    return [(approved, before[-1] if before else changes[0][1]), *after]


def _periods(ticket: Ticket, target: str) -> list[Period]:
    until = ticket.first_response_at if target == FIRST_RESPONSE else None
    return running_periods(_changes(ticket), _clock_runs, until)


def elapsed(ticket: Ticket, target: str, now: datetime, settings: Settings) -> timedelta:
    """The time counted against ``target`` so far (support hours, pauses left out)."""
    calendar = calendar_for(ticket.priority, settings)
    return time_counted(calendar, _periods(ticket, target), now)


def deadline(ticket: Ticket, target: str, settings: Settings) -> datetime | None:
    """When ``ticket`` misses (or missed) ``target``.

    None when the priority has no target, or the clock is stopped (paused, or met) without
    having reached it. A paused ticket gets a deadline again once the clock runs.
    """
    allowed = allowed_time(ticket.priority, target, settings)
    if allowed is None:
        return None
    calendar = calendar_for(ticket.priority, settings)
    return time_reached(calendar, _periods(ticket, target), allowed)


def breaches(ticket: Ticket, now: datetime, settings: Settings) -> list[Breach]:
    """The targets ``ticket`` has missed at ``now`` and not met since.

    A target met late is no longer something to act on and is not listed; the job records a
    breach when it sees one, which is within a minute of the deadline while ``serve`` runs.
    """
    found: list[Breach] = []
    calendar = calendar_for(ticket.priority, settings)
    for target in TARGETS:
        allowed = allowed_time(ticket.priority, target, settings)
        if allowed is None or met(ticket, target):
            continue
        periods = _periods(ticket, target)
        counted = time_counted(calendar, periods, now)
        if counted <= allowed:
            continue
        moment = time_reached(calendar, periods, allowed)
        found.append(
            Breach(
                target=target,
                allowed=allowed,
                deadline=moment if moment is not None else now,
                over=counted - allowed,
                around_the_clock=calendar is AROUND_THE_CLOCK,
            )
        )
    return found


# -- texts -------------------------------------------------------------------------------
def _hours(value: timedelta) -> str:
    return f"{value.total_seconds() / 3600:g}"


def duration_text(value: timedelta, lang: str) -> str:
    """``1 h 5 min`` / ``1 u 5 min``: how late, for the agents' ping (at least a minute)."""
    minutes = max(1, int(value.total_seconds() // 60))
    if minutes < 60:
        return t("service.duration.minutes", lang, minutes=minutes)
    if minutes % 60 == 0:
        return t("service.duration.whole_hours", lang, hours=minutes // 60)
    return t("service.duration.hours", lang, hours=minutes // 60, minutes=minutes % 60)


def escalation_text(ticket: Ticket, breach: Breach, lang: str) -> str:
    """The agents' ping for one breach: which target, how much time it allowed, how late."""
    kind = "around_the_clock" if breach.around_the_clock else "support_hours"
    return t(
        "service.escalation",
        lang,
        reference=ticket.reference or "",
        target=t(f"service.target.{breach.target}", lang),
        allowed=t(f"service.allowed.{kind}", lang, hours=_hours(breach.allowed)),
        over=duration_text(breach.over, lang),
        priority=t(f"service.priority.{ticket.priority}", lang),
    )


def intake_note(settings: Settings, now: datetime, lang: str, *, urgent: bool) -> str | None:
    """The sentence the confirmation of a new ticket gets out of hours; None in hours.

    Intake runs 24/7; out of hours the customer learns when the desk will pick the ticket up.
    An urgent ticket reaches the agents at once, whatever the hour: its card pings them.
    """
    hours = settings.hours.calendar
    if hours.is_open(now):
        return None
    if urgent:
        return t("service.closed_urgent", lang)
    return t("service.closed", lang, when=when(hours.next_open(now), hours.zone, lang))


# -- the periodic job --------------------------------------------------------------------
def _breached(target: str) -> ColumnElement[bool]:
    return exists().where(ServiceBreach.ticket_id == Ticket.id, ServiceBreach.target == target)


def _candidates(targets: dict[str, tuple[float, float]], now: datetime) -> Select[Ticket]:
    """Tickets that may have missed a target not recorded yet, locked for this run.

    Left out without loading them: solved and closed tickets (their clocks stopped), tickets
    still waiting for a contact person's approval (the agents have not seen them), tickets
    younger than their shortest target (support time never runs faster than the wall clock),
    and tickets with nothing left to miss.
    """
    live = [code for code in statuses.CATALOGUE if not _done(code)]
    old_enough = or_(
        *(
            and_(
                Ticket.priority == priority,
                Ticket.created_at <= now - timedelta(hours=min(pair)),
            )
            for priority, pair in targets.items()
        )
    )
    nothing_left = and_(
        _breached(RESOLUTION),
        or_(Ticket.first_response_at.is_not(None), _breached(FIRST_RESPONSE)),
    )
    return (
        select(Ticket)
        .where(
            Ticket.status.in_(live),
            or_(Ticket.approval.is_(None), Ticket.approval != "pending"),
            old_enough,
            ~nothing_left,
        )
        .options(selectinload(Ticket.history))
        .order_by(Ticket.id)
        .with_for_update(skip_locked=True)
    )


def _record(session: Session, ticket: Ticket, breach: Breach, now: datetime) -> bool:
    """Insert the breach row; False when it exists (another run or process recorded it)."""
    table = table_of(ServiceBreach)
    statement = (
        dialect_insert(session)(table)
        .values(ticket_id=ticket.id, target=breach.target, breached_at=breach.deadline)
        .on_conflict_do_nothing(index_elements=[table.c.ticket_id, table.c.target])
        .returning(table.c.id)  # rowcount is not reliable here on every driver
    )
    return session.execute(statement).first() is not None


def check_targets(context: JobContext, now: datetime) -> int:
    """Record new breaches of open tickets and ping the agents once per breach.

    Safe to run in several processes at once: candidate tickets are locked with SKIP LOCKED
    (PostgreSQL; SQLite runs the whole job under its write lock), and the unique breach row is
    inserted with ON CONFLICT DO NOTHING, so only the run that inserted it pings.
    """
    settings = context.settings
    targets = settings.service.targets
    if not targets:
        return 0
    lang = settings.desk.agent_language
    pinged = 0
    with context.database.session() as session:
        for ticket in session.scalars(_candidates(targets, now)):
            new = [b for b in breaches(ticket, now, settings) if _record(session, ticket, b, now)]
            if not new:
                continue
            ticket.escalated = True
            notify.card(session, ticket, settings, now)
            for breach in new:
                log.info("service: %s missed its %s target", ticket.reference, breach.target)
                text = escalation_text(ticket, breach, lang)
                notify.thread(session, ticket, text, now, kind="escalation", ping=True)
            pinged += len(new)
    metrics.ESCALATIONS.inc(pinged)  # counted once committed
    return pinged
