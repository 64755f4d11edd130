"""The agents' card for a ticket: HTML text plus one row of the card's action buttons.

The card is built from :class:`TicketCard`'s plain fields; every value is escaped and defused
(a ``@name`` in a subject is no mention) and our own markup only wraps whole lines. The
buttons are the card's ``actions`` (claim, set status, reply): their ids go out as callback
data and come back as the pressed choice. The same text and keyboard serve the first post and
every edit in place after a change.
"""

from __future__ import annotations

from collections.abc import Callable

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from chatdesk.events import TicketCard

from .formatting import defuse, escape

Texts = Callable[..., str]

MAX_SUBJECT = 300
MAX_CALLBACK_DATA = 64  # bytes, Telegram's limit for callback_data


def card_text(card: TicketCard, texts: Texts) -> str:
    """The card's HTML: urgent and escalated banners, the title line, then one line per field."""
    lang = card.lang
    lines: list[str] = []
    if card.urgent:
        lines.append(f"🚨 <b>{_shown(texts('telegram.card.urgent', lang))}</b>")
    if card.escalated:
        lines.append(f"⚠️ <b>{_shown(texts('telegram.card.escalated', lang))}</b>")
    lines.append(f"<b>{_shown(texts('telegram.card.title', lang, reference=card.reference))}</b>")
    lines.append(_shown(texts("telegram.card.subject", lang, subject=clip(card.subject))))
    lines.append(_shown(texts("telegram.card.requester", lang, requester=card.requester)))
    priority = _named(texts, f"telegram.priority.{card.priority}", lang, card.priority)
    lines.append(_shown(texts("telegram.card.priority", lang, priority=priority)))
    status = card.status_label or card.status
    lines.append(_shown(texts("telegram.card.status", lang, status=status)))
    assignee = card.assignee or texts("telegram.card.nobody", lang)
    lines.append(_shown(texts("telegram.card.assignee", lang, assignee=assignee)))
    return "\n".join(lines)


def card_markup(card: TicketCard, texts: Texts) -> InlineKeyboardMarkup | None:
    """The card's actions as one row of buttons, or None when it has none.

    An action whose id does not fit Telegram's 64 bytes of callback data is left off with
    :class:`ValueError` rather than silently: the desk's ids are short by design.
    """
    buttons = []
    for action in card.actions:
        if not 0 < len(action.id.encode("utf-8")) <= MAX_CALLBACK_DATA:
            raise ValueError(f"card action id too long for Telegram: {action.id!r}")
        buttons.append(InlineKeyboardButton(action.label, callback_data=action.id))
    return InlineKeyboardMarkup([buttons]) if buttons else None


def clip(subject: str, limit: int = MAX_SUBJECT) -> str:
    return subject if len(subject) <= limit else subject[:limit] + "…"


def _named(texts: Texts, key: str, lang: str, value: str) -> str:
    """A value's name in the card's language if the catalogues have one, else as given."""
    try:
        return texts(key, lang)
    except KeyError:
        return value


def _shown(text: str) -> str:
    """A line as HTML for the agents' group: a subject or name "@someone" notifies nobody."""
    return escape(defuse(text))
