"""``chatdesk report --html FILE``: one self-contained page with the desk's charts.

The page needs no network to open: the charts are SVG drawn by matplotlib (no JavaScript,
no fonts to fetch: text is drawn as paths) and inlined, and the styles are in the page. Every
figure is also there as a table, so the numbers can be read, copied and tested. Anything a
customer wrote (the gaps' examples) is HTML-escaped; chart labels have matplotlib's math
markup (``$``) escaped.

Sections: the deflection funnel over time, tickets by status and priority, first-response
and resolution times against their targets, and the knowledge gaps (:mod:`chatdesk.ops.gaps`).
"""

from __future__ import annotations

import html
import io
import statistics
from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import datetime

from matplotlib.figure import Figure
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from chatdesk.config import Settings
from chatdesk.core import statuses
from chatdesk.desk import service
from chatdesk.ops import gaps
from chatdesk.store.models import ServiceBreach, SuggestionEvent, Ticket
from chatdesk.store.stats import KINDS

PRIORITIES = ("urgent", "high", "normal", "low")
TARGETS = (service.FIRST_RESPONSE, service.RESOLUTION)
GAP_CLUSTERS = 10

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 60rem; color: #222; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.25rem; margin-top: 2.5rem; }
table { border-collapse: collapse; margin: 0.75rem 0; font-size: 0.9rem; }
th, td { border: 1px solid #ccc; padding: 0.25rem 0.6rem; text-align: right; }
th:first-child, td:first-child, td.text { text-align: left; }
figure { margin: 0.5rem 0; } figure svg { max-width: 100%; height: auto; }
.note { color: #555; font-size: 0.9rem; }
"""


def build(session: Session, settings: Settings, now: datetime, period: str, since: datetime) -> str:
    """The whole page, as a string."""
    sections = [
        _funnel_section(session, period, since),
        _tickets_section(session, since),
        _targets_section(session, settings, now, since),
        _gaps_section(session, period, since),
    ]
    title = "chatdesk report"
    stamp = now.strftime("%Y-%m-%d %H:%M UTC")
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
        f"<style>{_STYLE}</style></head><body>\n"
        f"<h1>{title}</h1>\n"
        f'<p class="note">Written {stamp}; tickets and suggestions since '
        f"{since.strftime('%Y-%m-%d')}, by {period}.</p>\n"
        + "\n".join(sections)
        + "\n</body></html>\n"
    )


# -- the deflection funnel ----------------------------------------------------------------
def _funnel_section(session: Session, period: str, since: datetime) -> str:
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    query = select(SuggestionEvent.kind, SuggestionEvent.created_at).where(
        SuggestionEvent.created_at >= since
    )
    for kind, moment in session.execute(query):
        if kind in KINDS:
            counts[gaps.period_of(moment, period)][kind] += 1
    periods = sorted(counts)
    head = "<h2>Deflection funnel</h2>"
    if not periods:
        return head + "<p>No suggestions were shown in this time.</p>"
    figure = Figure(figsize=(8, 3.2))
    axes = figure.subplots()
    for kind in KINDS:
        axes.plot(periods, [counts[p][kind] for p in periods], marker="o", label=_label(kind))
    axes.set_ylabel("articles")
    axes.legend(loc="upper left", fontsize="small")
    axes.tick_params(axis="x", labelrotation=30)
    rows = [
        [p, *(str(counts[p][k]) for k in KINDS), _share(counts[p]["solved"], counts[p]["shown"])]
        for p in reversed(periods)
    ]
    header = ["period", *(_label(k) for k in KINDS), "deflection rate"]
    note = (
        '<p class="note">Per article shown: chosen to read, "this solved it" (a deflection), '
        "or shown and still a ticket.</p>"
    )
    return head + note + _svg(figure) + _table(header, rows, "funnel")


def _label(kind: str) -> str:
    return kind.replace("_", " ")


def _share(part: int, whole: int) -> str:
    return f"{part / whole:.0%}" if whole else "-"


# -- tickets by status and priority ------------------------------------------------------
def _tickets_section(session: Session, since: datetime) -> str:
    query = (
        select(Ticket.status, Ticket.priority, func.count())
        .where(Ticket.created_at >= since)
        .group_by(Ticket.status, Ticket.priority)
    )
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for status, priority, count in session.execute(query):
        counts[status][priority] += count
    head = "<h2>Tickets by status and priority</h2>"
    if not counts:
        return head + "<p>No tickets were opened in this time.</p>"
    order = [s for s in tuple(statuses.CATALOGUE) if s in counts] + sorted(
        set(counts) - set(tuple(statuses.CATALOGUE))
    )
    priorities = [p for p in PRIORITIES if any(counts[s][p] for s in order)]
    figure = Figure(figsize=(8, 0.45 * len(order) + 1.2))
    axes = figure.subplots()
    left = [0] * len(order)
    for priority in priorities:
        widths = [counts[s][priority] for s in order]
        axes.barh(order, widths, left=left, label=priority)
        left = [a + b for a, b in zip(left, widths, strict=True)]
    axes.invert_yaxis()
    axes.set_xlabel("tickets")
    axes.legend(loc="lower right", fontsize="small")
    rows = [
        [s, *(str(counts[s][p]) for p in priorities), str(sum(counts[s].values()))] for s in order
    ]
    return head + _svg(figure) + _table(["status", *priorities, "total"], rows, "tickets")


# -- service targets ------------------------------------------------------------------------
def _targets_section(session: Session, settings: Settings, now: datetime, since: datetime) -> str:
    tickets = session.scalars(
        select(Ticket).where(Ticket.created_at >= since).options(selectinload(Ticket.history))
    ).all()
    breached: Counter[tuple[str, str]] = Counter(
        (target, priority)
        for target, priority in session.execute(
            select(ServiceBreach.target, Ticket.priority)
            .join(Ticket, Ticket.id == ServiceBreach.ticket_id)
            .where(Ticket.created_at >= since)
        )
    )
    hours: dict[tuple[str, str], list[float]] = defaultdict(list)
    for ticket in tickets:
        for target in TARGETS:
            if service.met(ticket, target):
                elapsed = service.elapsed(ticket, target, now, settings)
                hours[(target, ticket.priority)].append(elapsed.total_seconds() / 3600)
    targets = settings.service.targets
    head = "<h2>First response and resolution against the targets</h2>"
    note = (
        '<p class="note">Support hours counted as the service clock counts them (paused while '
        "a ticket waits on the customer or a third party), over the tickets that met the point "
        "(a first public reply; solved). Targets from CHATDESK_SERVICE_TARGETS.</p>"
    )
    rows = []
    for target in TARGETS:
        for priority in PRIORITIES:
            taken = sorted(hours.get((target, priority), []))
            allowed = targets.get(priority)
            if not taken and not breached[(target, priority)]:
                continue
            limit = allowed[0 if target == service.FIRST_RESPONSE else 1] if allowed else None
            rows.append(
                [
                    _label(target),
                    priority,
                    str(len(taken)),
                    _hours(statistics.median(taken)) if taken else "-",
                    _hours(_percentile(taken, 0.9)) if taken else "-",
                    _hours(limit) if limit is not None else "-",
                    str(sum(1 for h in taken if limit is not None and h <= limit)),
                    str(breached[(target, priority)]),
                ]
            )
    if not rows:
        return head + "<p>No ticket has had a first response or been solved in this time.</p>"
    header = ["target", "priority", "tickets", "median h", "p90 h", "target h", "within", "missed"]
    return head + note + _targets_chart(rows) + _table(header, rows, "targets")


def _targets_chart(rows: Sequence[Sequence[str]]) -> str:
    figure = Figure(figsize=(8, 3.4))
    axes = figure.subplots(1, len(TARGETS), sharey=False)
    for axis, target in zip(axes, TARGETS, strict=True):
        mine = [r for r in rows if r[0] == _label(target) and r[3] != "-"]
        names = [r[1] for r in mine]
        axis.bar(names, [float(r[3]) for r in mine], label="median")
        axis.scatter(names, [float(r[4]) for r in mine], marker="^", color="black", label="p90")
        limits = [(r[1], float(r[5])) for r in mine if r[5] != "-"]
        if limits:
            axis.scatter(*zip(*limits, strict=True), marker="_", s=900, color="red", label="target")
        axis.set_title(_label(target))
        axis.set_ylabel("support hours")
        axis.legend(fontsize="x-small")
    figure.tight_layout()
    return _svg(figure)


def _hours(value: float) -> str:
    return f"{value:.1f}"


def _percentile(values: Sequence[float], share: float) -> float:
    return values[min(len(values) - 1, int(share * len(values)))]


# -- knowledge gaps ---------------------------------------------------------------------------
def _gaps_section(session: Session, period: str, since: datetime) -> str:
    groups = gaps.report(session, period, since)
    head = "<h2>Knowledge gaps</h2>"
    if not groups:
        return head + "<p>No tickets in this time: no gaps.</p>"
    note = (
        '<p class="note">Tickets whose question got no suggestion, or got suggestions and still '
        "became a ticket, in clusters of similar questions: the articles worth writing. Newest "
        "period first, each language apart.</p>"
    )
    parts = [head, note, _gaps_chart(groups[0])]
    for group in groups:
        parts.append(
            f"<h3>{html.escape(group.period)} [{html.escape(group.lang)}]: "
            f"{group.questions} ticket(s)</h3>"
        )
        rows = [
            [
                str(c.count),
                html.escape(c.label()),
                str(c.unsuggested),
                "<br>".join(html.escape(e) for e in c.examples()),
                html.escape(", ".join(f"{a} ({n}x)" for a, n in c.articles()) or "none"),
            ]
            for c in group.clusters[:GAP_CLUSTERS]
        ]
        header = ["questions", "about", "no suggestion", "examples", "articles shown"]
        parts.append(_table(header, rows, "gaps", escaped=True))
    return "".join(parts)


def _gaps_chart(group: gaps.PeriodGaps) -> str:
    clusters = group.clusters[:GAP_CLUSTERS]
    figure = Figure(figsize=(8, 0.4 * len(clusters) + 1.2))
    axes = figure.subplots()
    labels = [_chart_text(c.label()) for c in clusters]
    axes.barh(
        labels, [c.count - c.unsuggested for c in clusters], label="suggested, still a ticket"
    )
    axes.barh(
        labels,
        [c.unsuggested for c in clusters],
        left=[c.count - c.unsuggested for c in clusters],
        label="no suggestion",
    )
    axes.invert_yaxis()
    axes.set_title(f"{group.period} [{group.lang}]: biggest clusters")
    axes.set_xlabel("tickets")
    axes.legend(loc="lower right", fontsize="small")
    return _svg(figure)


# -- plumbing ------------------------------------------------------------------------------
def _chart_text(text: str) -> str:
    """Text for a chart label: matplotlib reads ``$...$`` as math, so ``$`` is escaped."""
    return text.replace("$", r"\$")


def _svg(figure: Figure) -> str:
    """The figure as inline SVG (no XML prolog, text drawn as paths)."""
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    svg = buffer.getvalue()
    return "<figure>" + svg[svg.index("<svg") :] + "</figure>"


def _table(
    header: Sequence[str], rows: Sequence[Sequence[str]], name: str, *, escaped: bool = False
) -> str:
    """An HTML table; cells are escaped here unless the caller did (``escaped``)."""
    cell = (lambda text: text) if escaped else html.escape
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{cell(value)}</td>" for value in row) + "</tr>" for row in rows
    )
    return f'<table class="{name}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
