"""Running the real Telegram channel for tests: chatdesk's own HTTP server, in a thread.

:class:`ServerThread` serves ``build_http_app(channels, desk)`` (the app of ``chatdesk serve``)
with uvicorn on 127.0.0.1, port 0; its lifespan starts the channel (getMe, setMyCommands, polling
or setWebhook) against the stand-in Bot API, and the outbox worker that sends notifications (the
agents' card, thread notes, status news for customers) through the channel.

:class:`TelegramBot` is what a test talks to: ``deliver`` hands an update to the bot the way
Telegram would in the configured mode (queued for getUpdates, or POSTed to the webhook with the
secret header), and ``settle`` waits until the bot has finished everything delivered so far.
It does so with a barrier, not a sleep: the channel handles the updates of one chat one at a
time, in order, so once a marker button press sent in each chat touched since the last settle
has been answered (answerCallbackQuery), every earlier update of those chats has been processed
and its replies sent. Then it waits until the outbox is empty, so the notifications those
updates wrote have been sent too (``outbox=False`` skips that, for tests of a failing platform).
"""

from __future__ import annotations

import itertools
import time
from typing import Any

import httpx

from chatdesk.adapters.telegram.channel import SECRET_HEADER, WEBHOOK_PATH

from chatdesk_server import ChatdeskServer  # isort: skip
from telegram_standin import ApiCall, BotApiStandIn, TgUser, Updates  # isort: skip

WEBHOOK_SECRET = "stand-in_webhook-secret"


ServerThread = ChatdeskServer  # chatdesk's own HTTP server, shared with the Slack tests


class TelegramBot:
    """The bot under test, as Telegram sees it: deliver updates, wait, read what it sent."""

    def __init__(self, api: BotApiStandIn, server: ServerThread, mode: str) -> None:
        self.api = api
        self.server = server
        self.mode = mode
        self.updates = Updates()
        self._markers = itertools.count(1)
        self._marker_user = TgUser(999_999, "Marker")
        self.desk: Any = None
        self._unsettled: dict[int, dict[str, Any]] = {}  # chats with updates in flight

    def deliver(self, update: dict[str, Any], secret: str | None = WEBHOOK_SECRET) -> int | None:
        """Hand over one update; in webhook mode, the HTTP status our server answered."""
        chat = _chat_of(update)
        if chat is not None:
            self._unsettled[chat["id"]] = chat
        if self.mode == "polling":
            self.api.push_update(update)
            return None
        headers = {SECRET_HEADER: secret} if secret is not None else {}
        response = httpx.post(
            self.server.url + WEBHOOK_PATH, json=update, headers=headers, timeout=10
        )
        return response.status_code

    def deliver_batch(self, updates: list[dict[str, Any]]) -> None:
        """Polling mode: several updates that one getUpdates returns together."""
        assert self.mode == "polling"
        for update in updates:
            chat = _chat_of(update)
            if chat is not None:
                self._unsettled[chat["id"]] = chat
        self.api.push_updates(updates)

    def settle(self, timeout: float = 20.0, *, outbox: bool = True) -> None:
        """Return once every update delivered so far has been handled completely, and (with
        ``outbox``) every notification it wrote has been sent."""
        chats: list[dict[str, Any] | None] = list(self._unsettled.values()) or [None]
        self._unsettled = {}
        markers = []
        for chat in chats:
            marker = f"marker-{next(self._markers)}"
            markers.append(marker)
            self.deliver(self.updates.bare_press(self._marker_user, marker, chat))
        self._unsettled = {}
        self.api.wait_for(
            "answerCallbackQuery",
            lambda c: c.params.get("callback_query_id") in markers,
            count=len(markers),
            timeout=timeout,
        )
        if outbox:
            self.wait_outbox(timeout)

    def pending(self) -> int:
        """Outbox items not yet sent (nor set aside)."""
        from chatdesk.store.outbox import pending_count

        with self.desk.database.session() as session:
            return pending_count(session)

    def wait_outbox(self, timeout: float = 20.0) -> None:
        """Wait until the worker has sent everything in the outbox."""
        deadline = time.monotonic() + timeout
        while (left := self.pending()) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert left == 0, f"{left} outbox item(s) still unsent after {timeout}s"

    def say(self, user: TgUser, text: str, **kwargs: Any) -> list[ApiCall]:
        """The user sends ``text``; the messages the bot sent in answer."""
        return self.exchange(self.updates.message(user, text, **kwargs))

    def press(self, user: TgUser, sent: ApiCall, data: str) -> list[ApiCall]:
        """The user presses a button under ``sent``; the messages the bot sent in answer."""
        return self.exchange(self.updates.press(user, sent, data))

    def exchange(self, update: dict[str, Any]) -> list[ApiCall]:
        before = len(self.api.sent())
        self.deliver(update)
        self.settle()
        return self.api.sent()[before:]


def _chat_of(update: dict[str, Any]) -> dict[str, Any] | None:
    if "message" in update:
        return update["message"]["chat"]
    message = update.get("callback_query", {}).get("message")
    return message["chat"] if message else None


def last_with_buttons(sent: list[ApiCall]) -> ApiCall:
    """The last message in ``sent`` that has inline buttons."""
    for call in reversed(sent):
        if any("callback_data" in b for b in call.buttons):
            return call
    texts = [c.shown_text[:80] for c in sent]
    raise AssertionError(f"no message with buttons among {texts}")


def button_for(call: ApiCall, *words: str) -> str:
    """The callback data of the button whose label contains one of ``words`` (any case)."""
    for button in call.buttons:
        label = button.get("text", "").lower()
        if "callback_data" in button and any(w.lower() in label for w in words):
            return str(button["callback_data"])
    labels = [b.get("text") for b in call.buttons]
    raise AssertionError(f"no button with {words} among {labels}")


class BotRunner:
    """Starts bots (desk + TelegramChannel + HTTP server) for one test and stops them all."""

    AGENT_CHAT = -100_777

    def __init__(self, make_settings: Any, kb_dir: Any, api: BotApiStandIn) -> None:
        self.make_settings = make_settings
        self.kb_dir = kb_dir
        self.api = api
        self._running: list[tuple[ServerThread, Any]] = []

    def settings(self, mode: str = "polling", **overrides: Any) -> Any:
        values: dict[str, Any] = {
            "knowledge_dir": self.kb_dir,
            "telegram_token": self.api.token,
            "telegram_api_url": self.api.base_url,
            "telegram_agent_chat": str(self.AGENT_CHAT),
            "outbox_poll_seconds": 0.05,
        }
        if mode == "webhook":
            values["telegram_webhook_url"] = "https://desk.example.org/telegram/webhook"
            values["telegram_webhook_secret"] = WEBHOOK_SECRET
        values.update(overrides)
        return self.make_settings(**values)

    def start(self, mode: str = "polling", **overrides: Any) -> TelegramBot:
        from chatdesk.adapters.server import telegram_channel
        from chatdesk.app import open_desk

        settings = self.settings(mode, **overrides)
        desk = open_desk(settings)
        server = ServerThread([telegram_channel(settings, desk)], desk)
        self._running.append((server, desk))
        server.start()
        bot = TelegramBot(self.api, server, mode)
        bot.desk = desk
        return bot

    def stop_all(self) -> None:
        while self._running:
            server, desk = self._running.pop()
            server.stop()
            desk.database.dispose()
