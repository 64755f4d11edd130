"""The Telegram channel of ``chatdesk serve``: PTB Application, polling or webhook, one handler.

One catch-all handler turns each update into an event (:mod:`.inbound`), asks the desk in a
worker thread, and renders the replies (:mod:`.render`). PTB holds no dialogue state; the
engine dedupes on update_id in its database, so an update delivered twice (a webhook retry, a
restart before the poller confirmed its offset) is answered once. Every update is stored in
the inbox before Telegram hears it was received (:mod:`.inbox`), and replayed if this process
dies before its turn is done. An error in one update is logged with its update id and the
customer gets an apology; the bot carries on. Updates of one chat are handled in order,
different chats side by side (:mod:`.ordering`).

Answers and notifications (a customer told about a status change, the agents' card and the
lines in a ticket's thread, the move from a group to the private chat) do not go out from the
turn: the desk writes them to the outbox, and the worker of ``chatdesk serve`` hands each to
:meth:`TelegramChannel.deliver`, which sends it once and says where it landed, or raises
:class:`chatdesk.store.outbox.DeliveryFailed`.

Long polling is the default. With CHATDESK_TELEGRAM_WEBHOOK_URL set, Telegram posts updates to
``POST /telegram/webhook`` on the shared HTTP server, and a request without the right
X-Telegram-Bot-Api-Secret-Token header is refused with 403 before anything is read, and a body
over 1 MB (far more than any update) with 413 without reading it into memory.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import hmac
import json
import logging
import re
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from telegram import Update
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    RetryAfter,
    TelegramError,
)
from telegram.ext import Application, ApplicationBuilder, ContextTypes, TypeHandler

from chatdesk.adapters.http_body import MAX_BODY_BYTES, BodyTooLarge, BodyUnreadable, read_body
from chatdesk.config import SettingsError, TelegramSettings
from chatdesk.core.i18n import normalize_lang
from chatdesk.engine import Desk
from chatdesk.events import (
    CardLocation,
    InboundEvent,
    Message,
    MoveToPrivate,
    Posted,
    Reply,
    ThreadNote,
    TicketCard,
)
from chatdesk.store.inbox import Inbox
from chatdesk.store.outbox import DeliveryFailed, Progress
from chatdesk.worker import worker_name

from .agentchat import AgentChat
from .agentcheck import check_agent_chat
from .agents import AgentDirectory
from .catalogue import t
from .commands import register_commands
from .inbound import PLATFORM, to_event
from .inbox import InboxQueue
from .limiter import RetryingRateLimiter, retry_seconds, single_attempt
from .ordering import PerChatUpdateProcessor
from .redaction import MASK, TokenRedactor
from .render import Renderer

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/telegram/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
ALLOWED_UPDATES = ("message", "callback_query")
_SECRET_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,256}")


class TelegramChannel:
    """Serves one Telegram bot. Built from its own settings section and the few desk-wide values
    it needs: ``TelegramChannel(settings.telegram, desk, lang=..., agent_lang=..., lease=...)``
    (the languages of customers without a known locale and of the agents' group; how long a
    stored update waits for its process before another replays it)."""

    name = "telegram"

    def __init__(
        self, config: TelegramSettings, desk: Desk, *, lang: str, agent_lang: str, lease: timedelta
    ) -> None:
        if config.token is None:
            raise SettingsError("CHATDESK_TELEGRAM_TOKEN: must be set for the Telegram channel")
        self.desk = desk
        self.default_lang = lang
        self.webhook_url = config.webhook_url
        self.api_url = config.api_url
        self._token = config.token.get_secret_value()
        self._secret = _webhook_secret(config)
        self._redactor = TokenRedactor(self._token).install()  # before PTB logs its URL
        self.inbox = Inbox(desk.database, PLATFORM, worker_name(), lease)
        self.queue = InboxQueue(self.inbox, desk.clock)
        builder = (
            ApplicationBuilder()
            .token(self._token)
            .base_url(config.api_url)
            .base_file_url(file_url(config.api_url))
            .rate_limiter(RetryingRateLimiter())
            .concurrent_updates(PerChatUpdateProcessor())  # in order per chat
            .update_queue(self.queue)  # stored before Telegram hears "received"
        )
        if self.webhook_url:
            builder = builder.updater(None)
        self.app: Application = builder.build()
        self.app.add_handler(TypeHandler(Update, self._on_update))
        self.app.add_error_handler(self._on_error)
        self.agent_chat = config.agent_chat or None
        self.renderer = Renderer(self.app.bot, t, self.agent_chat)
        self.agent_desk = AgentChat(
            self.app.bot,
            t,
            self.agent_chat,
            topics=config.agent_topics,
            lang=agent_lang,
        )
        self.agents = AgentDirectory(self.app.bot, self.agent_chat)

    # -- Channel protocol ------------------------------------------------------------------
    def routes(self) -> Sequence[BaseRoute]:
        if not self.webhook_url:
            return []
        return [Route(WEBHOOK_PATH, self._webhook, methods=["POST"])]

    async def start(self) -> None:
        """getMe, a check that the agents' chat can be posted in, the command menu, then
        polling or setWebhook; then updates are processed.

        A token the Bot API refuses stops start-up with a :class:`SettingsError` (one line for
        the operator): PTB's own InvalidToken quotes the token, so it must not travel on.
        """
        try:
            await self.app.initialize()
        except InvalidToken:
            raise SettingsError(rejected_token(self.api_url, self._token)) from None
        if self.agent_chat:
            await check_agent_chat(self.app.bot, self.agent_chat)
        await register_commands(self.app.bot, t)
        if self.webhook_url:
            await self.app.bot.set_webhook(
                self.webhook_url,
                secret_token=self._secret,
                allowed_updates=list(ALLOWED_UPDATES),
            )
            log.info("telegram: webhook mode, updates at %s", WEBHOOK_PATH)
        else:
            assert self.app.updater is not None
            await self.app.updater.start_polling(allowed_updates=list(ALLOWED_UPDATES))
            log.info("telegram: long polling as @%s", self.app.bot.username)
        await self.app.start()

    async def stop(self) -> None:
        """Stop polling (confirming the offset), finish queued updates, close connections."""
        try:
            if self.app.updater is not None and self.app.updater.running:
                await self.app.updater.stop()
            if self.app.running:
                await self.app.stop()
            await self.app.shutdown()
        finally:
            self._redactor.remove()

    async def deliver(
        self, reply: Reply, card: CardLocation | None, progress: Progress | None = None
    ) -> Posted | None:
        """Send one outbox item (see :class:`chatdesk.worker.Sender`), trying once.

        A customer's message goes to their chat; a move to the private chat carries the words
        over and says the pointer in the group (:meth:`_move_to_private`); a card is posted, or
        edited where ``card`` says it is; a thread note goes under the card. A message or note
        longer than one Telegram message goes as several: ``progress`` skips the ones an
        earlier attempt sent and counts the ones sent now. Failures that waiting cannot fix (the
        user blocked the bot, the chat is gone, a request Telegram refuses) are permanent; a 429
        says when to come back; anything else (5xx, network) is retried by the outbox.
        """
        progress = progress or Progress()
        with single_attempt():
            try:
                if isinstance(reply, Message):
                    await self.renderer.send_text(
                        reply.chat_id, reply.text, reply.choices, reply.thread_id, progress=progress
                    )
                    return None
                if isinstance(reply, MoveToPrivate):
                    await self._move_to_private(reply)
                    return None
                if isinstance(reply, TicketCard):
                    if card is not None:
                        return await self.agent_desk.update_card(reply, card)
                    return await self.agent_desk.post_card(reply)
                if isinstance(reply, ThreadNote):
                    return await self.agent_desk.post_note(reply, card, progress)
            except TelegramError as exc:
                raise delivery_error(exc) from exc
            except ValueError as exc:  # a card action Telegram could not carry
                raise DeliveryFailed(str(exc), permanent=True) from exc
        raise DeliveryFailed(f"telegram cannot send {type(reply).__name__}", permanent=True)

    async def replay(self, payload: dict[str, Any]) -> None:
        """Handle an update again that a process stored in the inbox and did not finish."""
        update = Update.de_json(payload, self.app.bot)
        await self.queue.replay(update)

    # -- webhook ---------------------------------------------------------------------------
    async def _webhook(self, request: Request) -> Response:
        given = request.headers.get(SECRET_HEADER, "")
        if self._secret is None or not hmac.compare_digest(given.encode(), self._secret.encode()):
            log.warning("telegram: webhook request with a wrong secret token refused")
            return Response(status_code=403)
        try:
            body = await read_body(request, MAX_BODY_BYTES)
        except BodyTooLarge as exc:
            log.warning("telegram: webhook request refused (413): %s", exc)
            return Response(status_code=413)
        except BodyUnreadable as exc:
            log.warning("telegram: webhook request refused (400): %s", exc)
            return Response(status_code=400)
        try:
            data = json.loads(body)
            if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
                raise ValueError("no update_id")
            update = Update.de_json(data, self.app.bot)
        except (TypeError, KeyError, ValueError, RecursionError):  # JSONDecodeError, bad UTF-8
            return JSONResponse({"error": "not a Telegram update"}, status_code=400)
        if not self.app.running:  # stopping: let Telegram deliver it again later
            return Response(status_code=503)
        await self.app.update_queue.put(update)
        return Response(status_code=200)

    # -- updates ---------------------------------------------------------------------------
    async def _on_update(self, update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        try:
            await self._handle_update(update)
        finally:
            await asyncio.to_thread(self.inbox.done, str(update.update_id))

    async def _handle_update(self, update: Update) -> None:
        query = update.callback_query
        if query is not None:
            await self._answer(update)
        try:
            event = to_event(update, self.app.bot.username, self.app.bot.id, self.agent_chat)
            if event is None:
                return
            if event.agent_chat:
                agent = await self.agents.is_agent(int(event.user_id))
                event = dataclasses.replace(event, agent=agent)
            for reply in await self._ask(event):  # answers only when there is no outbox worker
                if isinstance(reply, MoveToPrivate):
                    await self._move_to_private(reply)
                else:
                    await self.renderer.render(reply)
        except Exception:
            log.exception("telegram: update %s failed", update.update_id)
            await self._apologise(update)

    async def _ask(self, event: InboundEvent) -> list[Reply]:
        return await asyncio.to_thread(self.desk.handle, event)

    async def _answer(self, update: Update) -> None:
        """Every button press is answered (the client stops its spinner) and its keyboard
        removed, so an old question cannot be answered twice by accident. Only in private
        chats: in the agents' chat the buttons are the card's, for every agent, every time."""
        query = update.callback_query
        assert query is not None
        try:
            await query.answer()
        except TelegramError as exc:
            log.info("telegram: update %s: callback not answered: %s", update.update_id, exc)
        if query.data and query.message is not None and query.message.chat.type == "private":
            try:
                await self.app.bot.edit_message_reply_markup(
                    chat_id=query.message.chat.id, message_id=query.message.message_id
                )
            except TelegramError as exc:  # e.g. "message is not modified" on a second press
                log.debug("telegram: keyboard not removed: %s", exc)

    async def _lang(self, user_id: str, locale: str | None) -> str:
        """The customer's language: their ``lang`` choice, else their Telegram language."""
        return await asyncio.to_thread(self.desk.language_of, PLATFORM, user_id, locale)

    async def _move_to_private(self, move: MoveToPrivate) -> None:
        """Carry the words of ``move`` into the private chat, then say ``move.text`` in the group.

        If the bot may write to the customer (they have started it before), a note in the
        private chat says the matter continues there, and ``original_text`` becomes a turn of
        the private chat (once: :meth:`Desk.carry_over`); the group's pointer then opens the
        private chat plainly. Otherwise Telegram refuses the note (403), and the pointer's
        button carries the text in its deep link. The words go before the pointer, so a
        pointer that fails and is sent again finds them carried over and repeats nothing but
        itself; any failure raises, and the outbox sends the move again.
        """
        lang = move.lang or self.default_lang
        carried = await asyncio.to_thread(self.desk.carried_over, move)
        if move.original_text and not carried:
            try:
                await self.renderer.send_text(move.user_id, t("telegram.private.continued", lang))
                carried = True
            except (Forbidden, BadRequest) as exc:
                log.info("telegram: move %s: no private chat yet (%s)", move.event_id, exc)
            if carried:
                replies = await asyncio.to_thread(self.desk.carry_over, move, move.user_id)
                for reply in replies:  # none when the answers go through the outbox
                    await self.renderer.render(reply, lang)
        pointer = dataclasses.replace(move, original_text="") if carried else move
        await self.renderer.send_move_to_private(pointer, lang)

    async def _apologise(self, update: Update) -> None:
        chat, user = update.effective_chat, update.effective_user
        if chat is None:
            return
        locale = user.language_code if user else None
        lang = normalize_lang(locale, self.default_lang)
        if user is not None:
            with contextlib.suppress(Exception):  # the database may be what failed
                lang = await self._lang(str(user.id), locale)
        try:
            await self.renderer.send_text(str(chat.id), self.desk.text("error.apology", lang))
        except Exception:
            log.exception("telegram: update %s: apology not sent either", update.update_id)

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Errors PTB caught outside our handler (polling, a webhook update it could not read)."""
        update_id = update.update_id if isinstance(update, Update) else None
        log.error("telegram: error (update %s)", update_id, exc_info=context.error)


def delivery_error(exc: TelegramError) -> Exception:
    """What the outbox should make of a Bot API error (see :class:`DeliveryFailed`)."""
    if isinstance(exc, RetryAfter):
        return DeliveryFailed(str(exc), retry_after=retry_seconds(exc))
    if isinstance(exc, Forbidden | BadRequest):  # blocked, chat not found, refused request
        return DeliveryFailed(f"{type(exc).__name__}: {exc.message}", permanent=True)
    if isinstance(exc, ChatMigrated):  # a group became a supergroup: the setting must change
        return DeliveryFailed(
            f"the chat moved to {exc.new_chat_id}; update the chat id", permanent=True
        )
    return exc  # 5xx, timeouts, network: the outbox backs off and tries again


def rejected_token(api_url: str, token: str) -> str:
    """The one line for a getMe answered 401 or 404: a wrong token, or a URL that is not the
    Bot API (both look the same from here). It never contains the token."""
    url = api_url.replace(token, MASK)  # in case the token was pasted into the URL
    return (
        f"CHATDESK_TELEGRAM_TOKEN: rejected by the Bot API at {url} (getMe answered 401 or "
        "404); check the token, and CHATDESK_TELEGRAM_API_URL (a Bot API base URL ending in /bot)"
    )


def file_url(api_url: str) -> str:
    """PTB's ``base_file_url`` for a ``base_url``: ``.../bot`` -> ``.../file/bot``."""
    head, _, tail = api_url.rstrip("/").rpartition("/")
    return f"{head}/file/{tail}"


def _webhook_secret(config: TelegramSettings) -> str | None:
    secret = config.webhook_secret
    if not config.webhook_url:
        return secret.get_secret_value() if secret else None
    if secret is None:
        raise SettingsError(
            "CHATDESK_TELEGRAM_WEBHOOK_SECRET: must be set when CHATDESK_TELEGRAM_WEBHOOK_URL is"
        )
    value = secret.get_secret_value()
    if not _SECRET_PATTERN.fullmatch(value):
        raise SettingsError(
            "CHATDESK_TELEGRAM_WEBHOOK_SECRET: 1-256 characters, only A-Z, a-z, 0-9, _ and -"
        )
    return value
