"""The web channel of ``chatdesk serve``: the chat page, the widget and their WebSocket.

Turned on by CHATDESK_WEB_ENABLED. Every message, button press and file of a visitor is one
:class:`~chatdesk.events.InboundEvent` for :meth:`Desk.handle` (:mod:`.session`); the answers,
and every notification the outbox worker hands to :meth:`WebChannel.deliver`, become lines of
the visitor's chat in the database (:mod:`.store`), pushed to each browser that has the chat
open, on whichever ``chatdesk serve`` process it is connected to (:mod:`.hub`).

The web has no agents' chat: a web ticket's card and thread lines are accepted and dropped
here, and agents work web tickets where they work the others' (``chatdesk tickets``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.websockets import WebSocket

from chatdesk.config import SettingsError, WebSettings
from chatdesk.engine import Desk
from chatdesk.events import CardLocation, Message, Posted, Reply, ThreadNote, TicketCard
from chatdesk.store.outbox import Progress

from . import pages
from .catalogue import t
from .hub import Hub
from .limiter import RateLimiter
from .render import article_urls, payload
from .session import PLATFORM, Session
from .store import WebStore

log = logging.getLogger(__name__)


class WebChannel:
    """Serves the web chat. Built from its own settings section and the language of visitors
    whose browser names neither English nor Dutch: ``WebChannel(settings.web, desk, lang=...)``."""

    name = PLATFORM

    def __init__(self, config: WebSettings, desk: Desk, *, lang: str) -> None:
        secret = config.identity_secret
        if config.require_identity and secret is None:
            raise SettingsError(
                "CHATDESK_WEB_REQUIRE_IDENTITY: needs CHATDESK_WEB_IDENTITY_SECRET, "
                "or no visitor could ever be verified"
            )
        self.default_lang = lang
        self.desk = desk
        self.secret = secret.get_secret_value() if secret is not None else None
        self.require_identity = config.require_identity
        self.origins = config.allowed_origins
        self.store = WebStore(desk.database)
        self.hub = Hub(self.store, config.poll_seconds)
        self.limiter = RateLimiter(config.rate_per_minute)
        self.links = article_urls(desk.knowledge.articles)

    # -- Channel protocol ------------------------------------------------------------------
    def routes(self) -> Sequence[BaseRoute]:
        return [
            Route("/chat", self._chat, methods=["GET"]),
            Route("/widget.js", self._widget, methods=["GET"]),
            Route("/web/static/{name}", self._static, methods=["GET"]),
            WebSocketRoute("/web/socket", self._socket),
        ]

    async def start(self) -> None:
        await self.hub.start()

    async def stop(self) -> None:
        await self.hub.stop()

    async def deliver(
        self, reply: Reply, card: CardLocation | None, progress: Progress | None = None
    ) -> Posted | None:
        """A notification for a web visitor becomes a line of their chat, pushed live (one
        line, whatever its length: ``progress`` has nothing to count)."""
        if isinstance(reply, Message):
            lang = await asyncio.to_thread(self.desk.language_of, PLATFORM, reply.chat_id)
            await self.write(reply.chat_id, "desk", payload(reply, lang, t, self.links))
            return None
        if isinstance(reply, TicketCard | ThreadNote):
            return None  # no agents' chat on the web (see the module's docstring)
        raise TypeError(f"the web channel cannot deliver {type(reply).__name__}")

    # -- shared by the sessions ----------------------------------------------------------------
    async def write(self, chat_id: str, sender: str, data: dict[str, Any]) -> None:
        """Keep a line of ``chat_id`` and push it to the browsers connected here."""
        line = await asyncio.to_thread(self.store.add, chat_id, sender, data)
        self.hub.publish(line)

    def origin_allowed(self, websocket: WebSocket) -> bool:
        """The page that opens the socket must be ours (the chat, also inside the widget's
        frame) or an allowed site's: another site's script cannot chat as our visitor."""
        origin = websocket.headers.get("origin")
        if origin is None:
            return False
        host = websocket.headers.get("host", "").lower()
        # our own page: same host; http or https (a proxy in front may end TLS)
        own = origin.lower() in (f"http://{host}", f"https://{host}")
        allowed = own or origin.lower() in self.origins
        if not allowed:
            log.info("web: refused a WebSocket from origin %r", origin[:200])
        return allowed

    # -- routes -------------------------------------------------------------------------------
    async def _chat(self, request: Request) -> Response:
        return pages.chat_page(request, self.default_lang, self.origins)

    async def _widget(self, _: Request) -> Response:
        return pages.widget_script()

    async def _static(self, request: Request) -> Response:
        return pages.static_file(request.path_params["name"])

    async def _socket(self, websocket: WebSocket) -> None:
        await Session(self, websocket).run()
