"""Neutral replies -> Slack messages (Block Kit), and nothing else.

Every text the engine hands us is plain and may hold user-written words, so this module
escapes all of it for mrkdwn (``&``, ``<``, ``>``) before anything reaches Slack: that single
step is what stops a subject like ``<!channel>`` from pinging a whole channel. We never send
``link_names`` or ``parse=full``, which would turn a typed ``@here`` into a real ping.

The functions that build messages are pure (a reply in, :class:`SlackPost` values out) so
that tests can read the blocks without a network; :func:`post` is the one place that calls the
Web API.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient
from slack_sdk.web import SlackResponse

from chatdesk.core.text import clip as clip_plain
from chatdesk.events import Choice, Message, ThreadNote, TicketCard

Texts = Callable[..., str]
"""``texts(key, lang, **values)``: a catalogue lookup (``Desk.text`` or ``i18n.t``)."""

Block = dict[str, Any]

SECTION_LIMIT = 3000
"""Slack's limit for a section's text; we split longer texts into several messages."""
FIELD_LIMIT = 1900
"""A section field may hold 2000 characters; the label takes a few."""
BUTTON_LABEL_LIMIT = 75
BUTTONS_PER_BLOCK = 25
MAX_BUTTONS = 100
"""Past this many choices we list them as numbered lines (typed answers work too)."""
CHOICE_ACTION_PREFIX = "choice-"
CHOICE_BLOCK_PREFIX = "choices-"
CARD_BLOCK_PREFIX = "ticket-"
CARD_ACTION_PREFIX = "ticket-"
"""Agent buttons (on cards and thread notes): ``ticket-<n>``, the choice id as value. They
are never replaced after a press: a card stays usable for every agent."""
NOTE_KINDS = ("customer", "public", "internal", "event", "escalation")

_URL = re.compile(r"https?://[^\s<>|]*[^\s<>|.,;:!?)\]'\"*_~]")


@dataclass(frozen=True)
class SlackPost:
    """One ``chat.postMessage`` call: ``text`` is the escaped notification fallback."""

    channel: str
    text: str
    blocks: tuple[Block, ...] = ()
    thread_ts: str | None = None
    reply_broadcast: bool = False
    """A thread reply also shown in the channel (urgent and escalation pings)."""


def escape(text: str) -> str:
    """Escape plain text for mrkdwn, the three characters Slack's formatting rules name."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def mrkdwn(text: str) -> str:
    """Escaped text with bare http(s) URLs made clickable (a ``|`` cannot sneak in a label)."""
    escaped = escape(text)
    return _URL.sub(lambda m: f"<{m.group(0)}>", escaped)


def split_text(text: str, limit: int = SECTION_LIMIT) -> list[str]:
    """Split plain text into pieces whose *rendered* length stays within ``limit``.

    Splits at paragraph, then line, then word boundaries; a single overlong word is cut. The
    rendered length counts escaping (``&`` becomes five characters), so no piece overflows
    after :func:`mrkdwn`.
    """
    if len(mrkdwn(text)) <= limit:
        return [text]
    pieces: list[str] = []
    current = ""
    for token in re.split(r"(\n\n|\n| )", text):
        candidate = current + token
        if len(mrkdwn(candidate)) <= limit:
            current = candidate
            continue
        if current.strip():
            pieces.append(current.rstrip())
        current = token.lstrip("\n ") if token in ("\n\n", "\n", " ") else token
        while len(mrkdwn(current)) > limit:
            cut = _longest_prefix(current, limit)
            pieces.append(current[:cut])
            current = current[cut:]
    if current.strip():
        pieces.append(current.rstrip())
    return pieces or [""]


def clip(text: str, limit: int) -> str:
    """``text`` rendered with :func:`mrkdwn`, cut (with an ellipsis) to at most ``limit``."""
    rendered = mrkdwn(text)
    if len(rendered) <= limit:
        return rendered
    return mrkdwn(text[: _longest_prefix(text, limit - 1)]) + "…"


def _longest_prefix(text: str, limit: int) -> int:
    low, high = 1, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if len(mrkdwn(text[:middle])) <= limit:
            low = middle
        else:
            high = middle - 1
    return low


def section(text: str, block_id: str | None = None) -> Block:
    """A mrkdwn section holding plain ``text`` (escaped here)."""
    block: Block = {"type": "section", "text": {"type": "mrkdwn", "text": mrkdwn(text)}}
    if block_id:
        block["block_id"] = block_id
    return block


def button_label(label: str) -> str:
    return clip_plain(label, BUTTON_LABEL_LIMIT)


def choice_blocks(
    choices: Sequence[Choice],
    action_prefix: str = CHOICE_ACTION_PREFIX,
    block_prefix: str = CHOICE_BLOCK_PREFIX,
) -> list[Block]:
    """Buttons for the choices, 25 to an ``actions`` block; the value carries the choice id.

    Button labels are ``plain_text``, which Slack never parses for mentions or links. The
    prefixes tell a customer's choice (``choice-``) from an agent button (``ticket-``).
    """
    blocks: list[Block] = []
    for start in range(0, len(choices), BUTTONS_PER_BLOCK):
        chunk = choices[start : start + BUTTONS_PER_BLOCK]
        blocks.append(
            {
                "type": "actions",
                "block_id": f"{block_prefix}{start // BUTTONS_PER_BLOCK}",
                "elements": [
                    {
                        "type": "button",
                        "action_id": f"{action_prefix}{start + offset}",
                        "text": {
                            "type": "plain_text",
                            "text": button_label(c.label),
                            "emoji": True,
                        },
                        "value": c.id,
                    }
                    for offset, c in enumerate(chunk)
                ],
            }
        )
    return blocks


def render_message(message: Message, texts: Texts, lang: str) -> list[SlackPost]:
    """A :class:`Message` as one or more posts; the buttons ride on the last one."""
    body = message.text
    choices = message.choices
    if len(choices) > MAX_BUTTONS:
        listing = "\n".join(f"{n}. {c.label}" for n, c in enumerate(choices, start=1))
        body = f"{body}\n\n{texts('slack.choices.numbered', lang)}\n{listing}"
        choices = ()
    pieces = split_text(body)
    posts: list[SlackPost] = []
    for index, piece in enumerate(pieces):
        blocks: list[Block] = [section(piece)] if piece else []
        if index == len(pieces) - 1:
            blocks.extend(choice_blocks(choices))
        posts.append(
            SlackPost(
                channel=message.chat_id,
                text=mrkdwn(piece),
                blocks=tuple(blocks),
                thread_ts=message.thread_id,
            )
        )
    return posts


def render_notice(text: str, channel: str, thread_ts: str | None) -> list[SlackPost]:
    """Plain text (a MoveToPrivate explanation, an apology) where the user spoke."""
    return [
        SlackPost(
            channel=channel, text=mrkdwn(piece), blocks=(section(piece),), thread_ts=thread_ts
        )
        for piece in split_text(text)
    ]


def card_fields(card: TicketCard, texts: Texts) -> list[tuple[str, str]]:
    """The labelled values shown on a ticket card (label, plain value)."""
    lang = card.lang
    return [
        (texts("slack.card.requester", lang), card.requester),
        (texts("slack.card.priority", lang), texts(f"slack.priority.{card.priority}", lang))
        if card.priority in ("normal", "urgent")
        else (texts("slack.card.priority", lang), card.priority),
        (texts("slack.card.status", lang), card.status_label or card.status),
        (texts("slack.card.assignee", lang), card.assignee or texts("slack.card.nobody", lang)),
        (texts("slack.card.platform", lang), card.platform),
    ]


def card_actions(card: TicketCard, texts: Texts) -> list[Block]:
    """The agent buttons under a ticket card (claim, set status, reply: ``card.actions``).

    ``action_id`` is ``ticket-<n>`` and the value is the choice id the desk understands
    (``ag:claim:SD-1042``...); the block ids start with ``ticket-`` like the card's others.
    """
    return choice_blocks(card.actions, CARD_ACTION_PREFIX, f"{CARD_BLOCK_PREFIX}actions-")


def render_card(
    card: TicketCard, channel: str, texts: Texts, urgent_mention: str = "", *, ping: bool = True
) -> SlackPost:
    """A ticket for the agents' channel: reference and subject, the fields, the buttons.

    ``urgent_mention`` (a setting, e.g. ``<!here>``) is the only markup we send unescaped: it is
    the administrator's choice, not user text, and only urgent tickets carry it. ``ping=False``
    (an edit of a card already posted) keeps the urgent line but leaves the mention out, so an
    update never alerts the channel again.
    """
    lang = card.lang
    title = texts("slack.card.title", lang, reference=card.reference)
    heading = f"*{escape(title)}*"
    summary = f"{heading}\n{clip(card.subject, SECTION_LIMIT - len(heading) - 1)}"
    mention = urgent_mention.strip() if card.urgent and ping else ""
    blocks: list[Block] = []
    if card.urgent:
        urgent = escape(texts("slack.card.urgent", lang))
        blocks.append(
            {
                "type": "section",
                "block_id": f"{CARD_BLOCK_PREFIX}urgent",
                "text": {"type": "mrkdwn", "text": f"{mention} {urgent}".strip()},
            }
        )
    blocks.append(
        {
            "type": "section",
            "block_id": f"{CARD_BLOCK_PREFIX}summary",
            "text": {"type": "mrkdwn", "text": summary},
        }
    )
    blocks.append(
        {
            "type": "section",
            "block_id": f"{CARD_BLOCK_PREFIX}fields",
            "fields": [
                {"type": "mrkdwn", "text": f"*{escape(label)}*\n{clip(value, FIELD_LIMIT)}"}
                for label, value in card_fields(card, texts)
            ],
        }
    )
    if card.escalated:
        blocks.append(
            {
                "type": "context",
                "block_id": f"{CARD_BLOCK_PREFIX}escalated",
                "elements": [
                    {"type": "mrkdwn", "text": escape(texts("slack.card.escalated", lang))}
                ],
            }
        )
    blocks.extend(card_actions(card, texts))
    fallback = f"{escape(title)}: {clip(card.subject, SECTION_LIMIT - len(title) - 2)}"
    if mention:
        fallback = f"{mention} {fallback}"
    return SlackPost(channel=channel, text=fallback, blocks=tuple(blocks))


def render_thread_note(
    note: ThreadNote,
    channel: str,
    thread_ts: str | None,
    texts: Texts,
    lang: str,
    urgent_mention: str = "",
) -> list[SlackPost]:
    """A line in a ticket's thread, marked plainly by whose words it holds.

    The marker (``slack.note.<kind>``) is a catalogue text in the agents' language; the note's
    own text may hold anything a customer typed and is escaped like every other text. ``ping``
    puts the configured mention in front and broadcasts the reply to the channel, so an
    escalation is seen by people who do not follow the thread. Without a thread (the card was
    never posted) the note stands on its own in the channel, naming its ticket.
    """
    kind = note.kind if note.kind in NOTE_KINDS else "event"
    marker = texts(f"slack.note.{kind}", lang, reference=note.reference)
    if thread_ts is None:
        marker = f"{texts('slack.note.ticket', lang, reference=note.reference)} {marker}"
    mention = urgent_mention.strip() if note.ping else ""
    head = f"{mention} *{escape(marker)}*" if mention else f"*{escape(marker)}*"
    limit = SECTION_LIMIT - len(head) - 1
    pieces = split_text(note.text, limit)
    posts: list[SlackPost] = []
    for index, piece in enumerate(pieces):
        body = mrkdwn(piece)
        text = f"{head}\n{body}" if index == 0 else body
        blocks: list[Block] = [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]
        if index == len(pieces) - 1:
            blocks.extend(choice_blocks(note.choices, CARD_ACTION_PREFIX, "note-actions-"))
        posts.append(
            SlackPost(
                channel=channel,
                text=text,
                blocks=tuple(blocks),
                thread_ts=thread_ts,
                reply_broadcast=note.ping and index == 0 and thread_ts is not None,
            )
        )
    return posts


def chosen_blocks(blocks: Sequence[Block], label: str, texts: Texts, lang: str) -> list[Block]:
    """A pressed message's blocks without its buttons, plus a line saying what was chosen."""
    kept = [
        b
        for b in blocks
        if not (
            b.get("type") == "actions"
            and str(b.get("block_id", "")).startswith(CHOICE_BLOCK_PREFIX)
        )
    ]
    note = escape(texts("slack.choices.chosen", lang, label=label))
    kept.append({"type": "context", "elements": [{"type": "mrkdwn", "text": note}]})
    return kept


def post(client: WebClient, message: SlackPost) -> SlackResponse:
    """Send one post. No ``link_names``/``parse``: Slack must not parse the text for pings."""
    kwargs: dict[str, Any] = {"channel": message.channel, "text": message.text}
    if message.blocks:
        kwargs["blocks"] = list(message.blocks)
    if message.thread_ts:
        kwargs["thread_ts"] = message.thread_ts
        if message.reply_broadcast:
            kwargs["reply_broadcast"] = True
    return client.chat_postMessage(**kwargs, unfurl_links=False, unfurl_media=False)


def update(client: WebClient, ts: str, message: SlackPost) -> SlackResponse:
    """Edit the message ``ts`` in ``message.channel`` to ``message`` (a card kept current)."""
    return client.chat_update(
        channel=message.channel, ts=ts, text=message.text, blocks=list(message.blocks)
    )
