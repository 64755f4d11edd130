"""The outbox's way out on Slack: one notification in, one or a few Web API calls out.

:class:`SlackOutbound` is what :meth:`chatdesk.adapters.slack.SlackChannel.deliver` runs (in a
worker thread: slack_sdk's ``WebClient`` is synchronous). Four cases:

- a :class:`Message` goes to the customer's chat (a ``D...`` id, or a user id, which Slack
  turns into the DM with that user);
- a :class:`TicketCard` without a card yet is posted to ``CHATDESK_SLACK_AGENT_CHANNEL``
  (urgent ones with ``CHATDESK_SLACK_URGENT_MENTION``), and its ``ts`` becomes the ticket's
  thread; with a card it is edited in place (``chat.update``: no new post, no new ping), or
  posted afresh when someone deleted the old one;
- a :class:`ThreadNote` is posted under the card, marked by whose words it holds.

A long message or note goes as several posts; the outbox's :class:`Progress` says which ones
an earlier attempt posted, and those are not posted again.

Failures become :class:`chatdesk.store.outbox.DeliveryFailed`: permanent when Slack says retrying
cannot help (the channel is gone, the user deactivated), with Slack's ``Retry-After`` on a
429, transient otherwise. The client used here retries a 5xx or a broken connection once and
never sleeps on a 429 itself: an outage must not hold the worker on one item, the outbox's
back-off does the waiting.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

from chatdesk.adapters.slack.render import (
    Texts,
    post,
    render_card,
    render_message,
    render_thread_note,
    update,
)
from chatdesk.config import SlackSettings
from chatdesk.events import CardLocation, Message, Posted, Reply, ThreadNote, TicketCard
from chatdesk.store.outbox import DeliveryFailed, Progress

log = logging.getLogger(__name__)

PERMANENT_ERRORS = frozenset(
    {
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "account_inactive",
        "user_not_found",
        "user_disabled",
        "cannot_dm_bot",
        "messages_tab_disabled",
        "invalid_blocks",
        "invalid_arguments",
        "msg_too_long",
        "no_text",
    }
)
"""Slack's errors that no retry can cure; the item is set aside with the reason. A bad token
or a missing scope is not among them: an administrator fixes those, and the outbox, retrying
at its longest back-off meanwhile, then delivers what waited."""
CARD_GONE = frozenset({"message_not_found", "cant_update_message", "edit_window_closed"})
"""A card that can no longer be edited: a fresh one is posted instead."""
DEFAULT_RETRY_AFTER = 30.0

T = TypeVar("T")


class SlackOutbound:
    """Sends outbox items through ``client`` (see the module docstring)."""

    def __init__(
        self,
        config: SlackSettings,
        client: WebClient,
        texts: Texts,
        *,
        lang: str,
        agent_lang: str,
    ) -> None:
        self.agent_channel = config.agent_channel
        self.urgent_mention = config.urgent_mention
        self.client = client
        self.texts = texts
        self.default_lang = lang
        self.agent_lang = agent_lang

    def deliver(
        self, reply: Reply, card: CardLocation | None, progress: Progress | None = None
    ) -> Posted | None:
        """Send ``reply``; where it landed in the agents' channel, or None for a customer.

        A message or note in several pieces skips those ``progress`` says an earlier attempt
        posted, and counts each one posted now."""
        progress = progress or Progress()
        if isinstance(reply, Message):
            self._call(lambda: self._message(reply, progress))
            return None
        if isinstance(reply, TicketCard | ThreadNote):
            configured = self.agent_channel
            # An existing card stays where it is, even if the setting names a new channel since.
            channel = card.chat_id if card is not None and configured else configured
            if not channel:
                log.info(
                    "no CHATDESK_SLACK_AGENT_CHANNEL: %s for %s not posted",
                    type(reply).__name__,
                    reply.reference,
                )
                return None
            if isinstance(reply, TicketCard):
                return self._call(lambda: self._card(reply, channel, card))
            return self._call(lambda: self._note(reply, channel, card, progress))
        raise TypeError(f"the Slack adapter cannot deliver {type(reply).__name__}")

    # -- the three kinds --------------------------------------------------------------------

    def _message(self, message: Message, progress: Progress) -> None:
        lang = message.lang or self.default_lang  # an older row has none
        for index, piece in progress.pending(render_message(message, self.texts, lang)):
            post(self.client, piece)
            progress.done(index)

    def _card(self, reply: TicketCard, channel: str, card: CardLocation | None) -> Posted:
        mention = self.urgent_mention
        if card is not None:
            edited = render_card(reply, card.chat_id, self.texts, mention, ping=False)
            try:
                update(self.client, card.message_id, edited)
                return Posted(card.chat_id, card.message_id, card.thread_id or card.message_id)
            except SlackApiError as exc:
                if _error(exc) not in CARD_GONE:
                    raise
                log.warning(
                    "slack card of %s is gone (%s); posting it again", reply.reference, _error(exc)
                )
        sent = post(self.client, render_card(reply, channel, self.texts, mention))
        ts = str(sent["ts"])
        return Posted(str(sent.get("channel") or channel), ts, ts)

    def _note(
        self, note: ThreadNote, channel: str, card: CardLocation | None, progress: Progress
    ) -> Posted | None:
        thread = (card.thread_id or card.message_id) if card is not None else None
        posts = render_thread_note(
            note,
            channel,
            thread,
            self.texts,
            self.agent_lang,
            self.urgent_mention,
        )
        first: SlackResponse | None = None
        for index, piece in progress.pending(posts):
            sent = post(self.client, piece)
            progress.done(index)
            first = first or sent
        if first is None:  # every piece was out already
            return None
        ts = str(first["ts"])
        return Posted(str(first.get("channel") or channel), ts, thread or ts)

    # -- errors ------------------------------------------------------------------------------

    def _call(self, send: Callable[[], T]) -> T:
        """Run ``send``; Slack's and the network's failures as :class:`DeliveryFailed`."""
        try:
            return send()
        except SlackApiError as exc:
            raise failure(exc) from exc
        except (OSError, TimeoutError) as exc:  # URLError, refused or reset connections
            raise DeliveryFailed(f"slack unreachable: {exc}") from exc


def _error(exc: SlackApiError) -> str:
    response = exc.response
    try:
        return str(response.get("error") or "")
    except Exception:  # a body that was not JSON (a proxy's error page)
        return ""


def failure(exc: SlackApiError) -> DeliveryFailed:
    """Slack's answer as a :class:`DeliveryFailed` the outbox knows how to treat."""
    status = int(getattr(exc.response, "status_code", 0) or 0)
    error = _error(exc) or f"http {status}"
    if status == 429 or error == "ratelimited":
        headers = getattr(exc.response, "headers", None) or {}
        retry_after = next(
            (value for key, value in headers.items() if key.lower() == "retry-after"), None
        )
        try:
            wait = float(retry_after) if retry_after is not None else DEFAULT_RETRY_AFTER
        except (TypeError, ValueError):
            wait = DEFAULT_RETRY_AFTER
        return DeliveryFailed(f"slack rate limit: {error}", retry_after=wait)
    if status < 500 and error in PERMANENT_ERRORS:
        return DeliveryFailed(f"slack refused: {error}", permanent=True)
    return DeliveryFailed(f"slack failed: {error} (http {status})")
