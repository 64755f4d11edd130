"""The desk's replies as the data a browser draws: plain text, buttons, links.

Nothing here builds markup. The page puts every text into the document as text (never as
HTML), so what customers, agents and article authors wrote shows literally. The only links are
the knowledge base's own article addresses found in a text: ``links`` lists them, and the page
turns exactly those substrings into links. A URL anyone typed stays text.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from chatdesk.desk.portal import TicketSummary, TicketView
from chatdesk.events import Message, MoveToPrivate, Reply, TicketCard
from chatdesk.kb.articles import Article

Texts = Callable[..., str]


def article_urls(articles: Iterable[Article]) -> frozenset[str]:
    """The http(s) addresses of the knowledge base's articles: the links the page may show."""
    return frozenset(
        article.url for article in articles if article.url.startswith(("https://", "http://"))
    )


def payload(reply: Reply, lang: str, text: Texts, links: frozenset[str]) -> dict[str, Any]:
    """One reply as a line's payload: ``text``, ``choices`` (id and label), ``links``."""
    if isinstance(reply, Message):
        return {
            "text": reply.text,
            "choices": [[choice.id, choice.label] for choice in reply.choices],
            "links": sorted(url for url in links if url in reply.text),
        }
    if isinstance(reply, TicketCard):
        note = text("web.card", lang, reference=reply.reference, priority=reply.priority)
        return {"text": note, "choices": [], "links": []}
    if isinstance(reply, MoveToPrivate):  # a web chat is always private
        return {"text": reply.text, "choices": [], "links": []}
    raise TypeError(f"the web chat cannot render {type(reply).__name__}")


def summary_frame(summary: TicketSummary) -> dict[str, Any]:
    """A :class:`chatdesk.desk.portal.TicketSummary` for the "My tickets" panel."""
    return {
        "reference": summary.reference,
        "subject": summary.subject,
        "status": summary.status,
        "statusName": summary.status_name,
        "meaning": summary.meaning,
        "changed": summary.changed_at.isoformat(timespec="minutes"),
        "mine": summary.mine,
        "canClose": summary.can_close,
        "canReopen": summary.can_reopen,
    }


def ticket_frame(view: TicketView) -> dict[str, Any]:
    """A :class:`chatdesk.desk.portal.TicketView`: the ticket and its public thread."""
    return {
        **summary_frame(view.summary),
        "description": view.description,
        "entries": [
            {"by": e.by, "name": e.name, "body": e.body, "at": e.at.isoformat(timespec="minutes")}
            for e in view.entries
        ],
        "files": list(view.files),
    }
