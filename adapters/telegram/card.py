"""The agents' card for a new ticket: HTML text plus an (extensible) row of buttons.

The card is built from :class:`TicketCard`'s plain fields; every value is escaped and our own
markup only wraps whole lines. Buttons come from :data:`CARD_ACTIONS`: each entry is a function
``(card, texts) -> buttons``. It is empty today; the agent-desk issue appends its actions
(claim, set status) there without touching the layout.
"""

from __future__ import annotations

from collections.abc import Callable

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from chatdesk.events import TicketCard

from .formatting import escape

Texts = Callable[..., str]
CardAction = Callable[[TicketCard, Texts], list[InlineKeyboardButton]]

CARD_ACTIONS: list[CardAction] = []
MAX_SUBJECT = 300


def card_text(card: TicketCard, texts: Texts) -> str:
    """The card's HTML: an urgent banner if urgent, the title line, then one line per field."""
    lang = card.lang
    subject = card.subject if len(card.subject) <= MAX_SUBJECT else card.subject[:MAX_SUBJECT] + "…"
    lines: list[str] = []
    if card.urgent:
        lines.append(f"🚨 <b>{escape(texts('telegram.card.urgent', lang))}</b>")
    lines.append(f"<b>{escape(texts('telegram.card.title', lang, reference=card.reference))}</b>")
    lines.append(escape(texts("telegram.card.subject", lang, subject=subject)))
    lines.append(escape(texts("telegram.card.requester", lang, requester=card.requester)))
    priority = _named(texts, f"telegram.priority.{card.priority}", lang, card.priority)
    lines.append(escape(texts("telegram.card.priority", lang, priority=priority)))
    status = _named(texts, f"status.{card.status}.name", lang, card.status)
    lines.append(escape(texts("telegram.card.status", lang, status=status)))
    return "\n".join(lines)


def card_markup(card: TicketCard, texts: Texts) -> InlineKeyboardMarkup | None:
    """One row of buttons from :data:`CARD_ACTIONS`, or None while there are none."""
    buttons = [button for action in CARD_ACTIONS for button in action(card, texts)]
    return InlineKeyboardMarkup([buttons]) if buttons else None


def _named(texts: Texts, key: str, lang: str, value: str) -> str:
    """A value's name in the card's language if the catalogues have one, else as given."""
    try:
        return texts(key, lang)
    except KeyError:
        return value
