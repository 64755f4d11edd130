"""The deflection funnel: how often each article was shown, read, solved the problem, or was
followed by a ticket anyway. Measured from recorded events, never guessed."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chatdesk.store.models import SuggestionEvent

KINDS = ("shown", "chosen", "solved", "ticket_anyway")


@dataclass
class FunnelRow:
    article_id: str
    shown: int = 0
    chosen: int = 0
    solved: int = 0
    ticket_anyway: int = 0

    @property
    def deflection_rate(self) -> float:
        """Share of showings that ended with "this solved it"."""
        return self.solved / self.shown if self.shown else 0.0

    def as_dict(self) -> dict[str, object]:
        return {**asdict(self), "deflection_rate": round(self.deflection_rate, 4)}


def funnel(session: Session) -> tuple[list[FunnelRow], FunnelRow]:
    """Per-article rows (most shown first) and the overall totals."""
    rows: dict[str, FunnelRow] = {}
    query = select(SuggestionEvent.article_id, SuggestionEvent.kind, func.count()).group_by(
        SuggestionEvent.article_id, SuggestionEvent.kind
    )
    for article_id, kind, count in session.execute(query):
        if kind in KINDS:
            row = rows.setdefault(article_id, FunnelRow(article_id))
            setattr(row, kind, getattr(row, kind) + count)
    total = FunnelRow("(all)")
    for row in rows.values():
        for kind in KINDS:
            setattr(total, kind, getattr(total, kind) + getattr(row, kind))
    ordered = sorted(rows.values(), key=lambda r: (-r.shown, r.article_id))
    return ordered, total


def render_table(rows: list[FunnelRow], total: FunnelRow) -> str:
    header = ("article", "shown", "chosen", "solved", "ticket anyway", "deflection")
    body = [
        (
            r.article_id,
            str(r.shown),
            str(r.chosen),
            str(r.solved),
            str(r.ticket_anyway),
            f"{r.deflection_rate:.0%}",
        )
        for r in [*rows, total]
    ]
    widths = [max(len(str(line[i])) for line in [header, *body]) for i in range(len(header))]

    def fmt(line: tuple[str, ...]) -> str:
        first = line[0].ljust(widths[0])
        rest = [cell.rjust(width) for cell, width in zip(line[1:], widths[1:], strict=True)]
        return "  ".join([first, *rest])

    lines = [fmt(header), "  ".join("-" * w for w in widths)]
    lines += [fmt(line) for line in body[:-1]]
    lines += ["  ".join("-" * w for w in widths), fmt(body[-1])]
    return "\n".join(lines)
