"""Knowledge gaps: what customers asked that the knowledge base did not answer.

A gap is a ticket: its question either got no suggestion at all, or got suggestions and
still became a ticket (the funnel's ``ticket_anyway`` events name the articles shown). Tickets
are grouped per period (newest first) and per language, and within those into clusters of
similar questions: the list of articles worth writing, biggest first.

Similarity is an IDF-weighted cosine over the stemmed words of subject and description (stop
words and chat filler left out), computed per period and language, so words every question
shares ("error", "fails") weigh little and the words that set a topic apart weigh most. A
question joins the cluster whose centroid it is most similar to, at least
:data:`THRESHOLD`; otherwise it starts a cluster of its own. What customers wrote but never
sent as a ticket is not stored, so it is not here either.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from chatdesk.core.stopwords import stop_words
from chatdesk.core.text import one_line
from chatdesk.core.textnorm import Stemmers, words
from chatdesk.store.models import SuggestionEvent, Ticket

THRESHOLD = 0.3
"""Least cosine similarity between a question and a cluster's centroid to join it."""
SUBJECT_WEIGHT = 2.0
"""A subject word counts twice: customers put the topic in the subject."""
EXAMPLES = 3
PERIODS = ("week", "month")


@dataclass
class Question:
    ticket_id: int
    reference: str
    lang: str
    subject: str
    description: str
    created_at: datetime
    articles: tuple[str, ...] = ()  # shown and still a ticket; empty: no suggestion at all


@dataclass
class Cluster:
    questions: list[Question] = field(default_factory=list)
    centroid: dict[str, float] = field(default_factory=dict)
    words: dict[str, str] = field(default_factory=dict)  # stem -> the word customers used

    @property
    def count(self) -> int:
        return len(self.questions)

    @property
    def unsuggested(self) -> int:
        return sum(1 for q in self.questions if not q.articles)

    def examples(self, limit: int = EXAMPLES) -> list[str]:
        newest = sorted(self.questions, key=lambda q: q.created_at, reverse=True)
        return [q.subject for q in newest[:limit]]

    def articles(self) -> list[tuple[str, int]]:
        shown = Counter(a for q in self.questions for a in q.articles)
        return sorted(shown.items(), key=lambda item: (-item[1], item[0]))

    def label(self, terms: int = 3) -> str:
        top = sorted(self.centroid.items(), key=lambda item: (-item[1], item[0]))[:terms]
        return " ".join(self.words.get(stem, stem) for stem, _ in top)

    def as_dict(self) -> dict[str, object]:
        return {
            "label": self.label(),
            "count": self.count,
            "no_suggestion": self.unsuggested,
            "suggested_still_ticket": self.count - self.unsuggested,
            "examples": self.examples(),
            "references": [q.reference for q in self.questions],
            "articles_shown": [{"article": a, "times": n} for a, n in self.articles()],
        }


@dataclass
class PeriodGaps:
    period: str  # "2026-W48" or "2026-11"
    lang: str
    questions: int
    clusters: list[Cluster]

    def as_dict(self) -> dict[str, object]:
        return {
            "period": self.period,
            "lang": self.lang,
            "questions": self.questions,
            "clusters": [c.as_dict() for c in self.clusters],
        }


def period_of(moment: datetime, period: str) -> str:
    if period == "week":
        year, week, _ = moment.isocalendar()
        return f"{year}-W{week:02d}"
    return f"{moment.year}-{moment.month:02d}"


def questions(session: Session, since: datetime | None = None) -> list[Question]:
    """Every customer's ticket (since ``since``), with the articles shown before it."""
    query = select(
        Ticket.id,
        Ticket.reference,
        Ticket.lang,
        Ticket.subject,
        Ticket.description,
        Ticket.created_at,
    ).order_by(Ticket.created_at, Ticket.id)
    if since is not None:
        query = query.where(Ticket.created_at >= since)
    rows = session.execute(query).all()
    shown: dict[int, list[str]] = defaultdict(list)
    events = select(SuggestionEvent.ticket_id, SuggestionEvent.article_id).where(
        SuggestionEvent.kind == "ticket_anyway", SuggestionEvent.ticket_id.is_not(None)
    )
    for ticket_id, article_id in session.execute(events):
        if ticket_id is not None:  # the query leaves those out; this tells the type checker
            shown[ticket_id].append(article_id)
    return [
        Question(
            row.id,
            row.reference or f"#{row.id}",
            row.lang,
            row.subject,
            row.description,
            row.created_at,
            tuple(shown.get(row.id, ())),
        )
        for row in rows
    ]


def report(
    session: Session,
    period: str = "week",
    since: datetime | None = None,
    lang: str | None = None,
) -> list[PeriodGaps]:
    """The gaps per period (newest first) and language (en before nl), clusters biggest first."""
    groups: dict[tuple[str, str], list[Question]] = defaultdict(list)
    for question in questions(session, since):
        if lang is None or question.lang == lang:
            groups[(period_of(question.created_at, period), question.lang)].append(question)
    stemmers = Stemmers()
    result = [
        PeriodGaps(key[0], key[1], len(items), cluster(items, key[1], stemmers))
        for key, items in groups.items()
    ]
    result.sort(key=lambda g: g.lang)
    result.sort(key=lambda g: g.period, reverse=True)
    return result


def cluster(items: Sequence[Question], lang: str, stemmers: Stemmers) -> list[Cluster]:
    """Group ``items`` (one language) into clusters of similar questions, biggest first."""
    bags = [_bag(q, lang, stemmers) for q in items]
    documents = Counter(stem for bag, _ in bags for stem in bag)
    idf = {stem: math.log(1 + len(bags) / n) for stem, n in documents.items()}
    clusters: list[Cluster] = []
    for question, (bag, spelled) in zip(items, bags, strict=True):
        vector = _normalised({stem: weight * idf[stem] for stem, weight in bag.items()})
        best, best_score = None, THRESHOLD
        for candidate in clusters:
            score = _cosine(vector, candidate.centroid)
            if score >= best_score:
                best, best_score = candidate, score
        if best is None:
            best = Cluster()
            clusters.append(best)
        best.questions.append(question)
        for stem, weight in vector.items():  # summed, as Counter.update did
            best.centroid[stem] = best.centroid.get(stem, 0.0) + weight
        best.centroid = _normalised(best.centroid)
        for stem, word in spelled.items():
            best.words.setdefault(stem, word)
    clusters.sort(key=lambda c: (-c.count, -max(q.created_at for q in c.questions).timestamp()))
    return clusters


def _bag(
    question: Question, lang: str, stemmers: Stemmers
) -> tuple[dict[str, float], dict[str, str]]:
    """Stem -> weight for the question's words, and stem -> a word as customers spelled it."""
    stops = stop_words(lang)
    bag: dict[str, float] = {}
    spelled: dict[str, str] = {}
    for text, weight in ((question.subject, SUBJECT_WEIGHT), (question.description, 1.0)):
        for word in _content_words(text, stops):
            stem = stemmers.stem(word, lang, remember=False)
            bag[stem] = bag.get(stem, 0.0) + weight
            spelled.setdefault(stem, word)
    return bag, spelled


def _content_words(text: str, stops: frozenset[str]) -> Iterable[str]:
    return (w for w in words(text) if len(w) > 1 and w not in stops and not w.isdigit())


def _normalised(vector: dict[str, float]) -> dict[str, float]:
    norm = math.sqrt(sum(v * v for v in vector.values()))
    return {k: v / norm for k, v in vector.items()} if norm else dict(vector)


def _cosine(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(weight * b.get(stem, 0.0) for stem, weight in a.items())


def render_text(groups: list[PeriodGaps], limit: int = 10) -> str:
    """The plain-text list for ``chatdesk stats gaps``."""
    lines: list[str] = []
    for group in groups:
        lines.append(
            f"== {group.period} [{group.lang}]: {group.questions} question(s) became tickets, "
            f"{len(group.clusters)} cluster(s)"
        )
        for item in group.clusters[:limit]:
            lines.append(
                f"  {item.count:>4}  {item.label()}  (no suggestion: {item.unsuggested}, "
                f"suggested and still a ticket: {item.count - item.unsuggested})"
            )
            lines.extend(f"          e.g. {one_line(example, 100)}" for example in item.examples())
            shown = ", ".join(f"{a} ({n}x)" for a, n in item.articles())
            lines.append(f"          articles shown: {shown or 'none'}")
        hidden = len(group.clusters) - limit
        if hidden > 0:
            lines.append(f"  ... and {hidden} smaller cluster(s) (--limit)")
        lines.append("")
    return "\n".join(lines).rstrip()
