"""One browser's WebSocket: the handshake checks, the visitor, and their turns.

The protocol is JSON frames. The page says ``hello`` (the identity its site passed, the
browser's language); the server answers ``ready`` (the chat's history, the page's texts, the
file limit) or ``refused``. Then the page sends ``say`` (typed text), ``press`` (a button's
choice id) and ``file`` (a file's name, type and size, followed by its bytes as one binary
frame when it is within the limit); every line of the chat comes back as ``line``, and
``notice`` carries what is said to this browser only (a rate limit, a refused file).
Each message, press or file is one :class:`InboundEvent` for :meth:`Desk.handle`.
The "My tickets" panel reads with ``tickets`` and ``ticket`` (:mod:`chatdesk.desk.portal`); what
it does to a ticket (comment, file, close, reopen) it sends as ``say`` and ``file``: the
desk's own commands, so every rule stays in the engine.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
from typing import Any, Protocol

from starlette.websockets import WebSocket, WebSocketDisconnect

from chatdesk.core.i18n import normalize_lang
from chatdesk.desk import portal
from chatdesk.engine import Desk
from chatdesk.events import Attachment, InboundEvent

from . import files, identity
from .catalogue import t
from .hub import Hub
from .limiter import RateLimiter
from .pages import page_texts
from .render import payload, summary_frame, ticket_frame
from .store import Line, WebStore

log = logging.getLogger(__name__)

PLATFORM = "web"
HELLO_SECONDS = 10.0
FILE_SECONDS = 120.0
LABEL_LIMIT = 200
UPLOAD_LIMIT = 16 * 1024 * 1024 - 64 * 1024
"""uvicorn accepts WebSocket frames up to 16 MiB: a larger file cannot come in one frame."""
_EVENT_ID = re.compile(r"[A-Za-z0-9-]{8,64}")
_LOCALE = re.compile(r"[A-Za-z]{2,3}([-_][A-Za-z0-9]{1,8}){0,3}")


class Refused(Exception):
    """This connection ends; ``key`` (if any) is told to the browser first."""

    def __init__(self, key: str | None = None) -> None:
        super().__init__(key or "closed")
        self.key = key


class Host(Protocol):
    """What a session uses of the channel that accepted it (:class:`.channel.WebChannel`).

    A protocol rather than the class: the channel builds sessions, so the session module must
    not import the channel's (an import cycle), and a session needs only these.
    """

    @property
    def desk(self) -> Desk: ...
    @property
    def default_lang(self) -> str: ...
    @property
    def secret(self) -> str | None: ...
    @property
    def require_identity(self) -> bool: ...
    @property
    def store(self) -> WebStore: ...
    @property
    def hub(self) -> Hub: ...
    @property
    def limiter(self) -> RateLimiter: ...
    @property
    def links(self) -> frozenset[str]: ...

    async def write(self, chat_id: str, sender: str, data: dict[str, Any]) -> None:
        """Keep a line of ``chat_id`` and push it to the browsers connected to it."""

    def origin_allowed(self, websocket: WebSocket) -> bool:
        """Whether the page that opens ``websocket`` may chat with us."""


class Session:
    """A visitor's connection. Turns of one connection run one after the other."""

    def __init__(self, channel: Host, websocket: WebSocket) -> None:
        self.channel = channel
        self.desk = channel.desk
        self.ws = websocket
        self.visitor = identity.Visitor(user_id="")
        self.locale: str | None = None
        self.lang: str = channel.default_lang

    # -- the connection ---------------------------------------------------------------------
    async def run(self) -> None:
        if not self.channel.origin_allowed(self.ws):
            await self.ws.close(code=1008)  # before accepting: the handshake gets a 403
            return
        await self.ws.accept()
        queue: asyncio.Queue[Line] | None = None
        pusher: asyncio.Task[None] | None = None
        try:
            hello = await self._hello()
            queue = self.channel.hub.join(self.visitor.chat_id)
            await self._ready(hello)
            pusher = asyncio.create_task(self._push(queue))
            await self._listen()
        except Refused as refused:
            with contextlib.suppress(Exception):  # the browser may be gone already
                if refused.key is not None:
                    await self._notice(refused.key, kind="refused")
                await self.ws.close(code=1008)
        except (WebSocketDisconnect, RuntimeError):
            pass  # the browser went away (RuntimeError: it left while we were sending)
        except Exception:  # the database went away: this browser reconnects later
            log.exception("web: a connection failed")
            with contextlib.suppress(Exception):
                await self.ws.close(code=1011)
        finally:
            if pusher is not None:
                pusher.cancel()
            if queue is not None:
                self.channel.hub.leave(self.visitor.chat_id, queue)

    async def _hello(self) -> dict[str, Any]:
        try:
            message = await asyncio.wait_for(self.ws.receive_text(), HELLO_SECONDS)
            hello = json.loads(message)
        except (TimeoutError, ValueError, KeyError):
            raise Refused() from None
        if not isinstance(hello, dict) or hello.get("type") != "hello":
            raise Refused()
        locale = hello.get("lang")
        self.locale = locale if isinstance(locale, str) and _LOCALE.fullmatch(locale) else None
        self.lang = normalize_lang(self.locale, self.channel.default_lang)
        claim = hello.get("identity")
        visitor = identity.verified(self.channel.secret, claim)
        if visitor is None and self.channel.require_identity:
            log.info("web: a visitor without a valid identity hash was refused")
            raise Refused("web.identity_required")
        if visitor is None:
            visitor = identity.anonymous(self.ws.cookies.get(identity.COOKIE))
            hello["unverified"] = identity.claimed(claim)
        self.visitor = visitor
        return hello

    async def _ready(self, hello: dict[str, Any]) -> None:
        chat_id = self.visitor.chat_id
        history = await asyncio.to_thread(self.channel.store.history, chat_id)
        self.lang = await asyncio.to_thread(
            self.desk.language_of, PLATFORM, self.visitor.user_id, self.locale
        )
        await self.ws.send_json(
            {
                "type": "ready",
                "lang": self.lang,
                "texts": page_texts(self.lang),
                "fileLimit": self._upload_limit(),
                "verified": self.visitor.verified,
                "history": [line.frame() for line in history],
            }
        )
        if hello.get("unverified"):
            await self._notice("web.identity_unverified")

    async def _push(self, queue: asyncio.Queue[Line]) -> None:
        with contextlib.suppress(WebSocketDisconnect, RuntimeError):
            while True:
                line = await queue.get()
                await self.ws.send_json(line.frame())

    async def _notice(self, key: str, kind: str = "notice", **values: object) -> None:
        await self.ws.send_json({"type": kind, "text": t(key, self.lang, **values)})

    # -- what the visitor does ----------------------------------------------------------------
    async def _receive(self) -> str | bytes:
        message = await self.ws.receive()
        if message["type"] == "websocket.disconnect":
            raise WebSocketDisconnect(message.get("code", 1000))
        text = message.get("text")
        return text if text is not None else message.get("bytes") or b""

    async def _listen(self) -> None:
        while True:
            message = await self._receive()
            try:
                frame = json.loads(message) if isinstance(message, str) else None
            except ValueError:
                frame = None
            if not isinstance(frame, dict):
                await self._notice("web.bad_request")
                continue
            kind = frame.get("type")
            if kind not in ("say", "press", "file", "tickets", "ticket"):
                await self._notice("web.bad_request")
                continue
            if not self.channel.limiter.allow(self.visitor.user_id):
                await self._notice("web.rate_limited")
                if kind == "file":
                    await self._skip_bytes(frame)
                continue
            if kind == "tickets":
                await self._tickets()
            elif kind == "ticket":
                await self._ticket(frame)
            elif kind == "say":
                await self._say(frame)
            elif kind == "press":
                await self._press(frame)
            else:
                await self._file(frame)

    # -- the "My tickets" panel: reads here, every action a command through the desk -----------
    async def _tickets(self) -> None:
        found = await asyncio.to_thread(
            portal.tickets_of, self.desk, PLATFORM, self.visitor.user_id, self.lang
        )
        await self.ws.send_json({"type": "tickets", "items": [summary_frame(s) for s in found]})

    async def _ticket(self, frame: dict[str, Any]) -> None:
        reference = frame.get("reference")
        if not isinstance(reference, str) or not 0 < len(reference) <= 30:
            await self._notice("web.bad_request")
            return
        view = await asyncio.to_thread(
            portal.ticket_view, self.desk, PLATFORM, self.visitor.user_id, reference, self.lang
        )
        if view is None:  # missing and somebody else's look the same
            await self._notice("ticket.not_found", reference=reference)
            return
        await self.ws.send_json({"type": "ticket", "ticket": ticket_frame(view)})

    async def _say(self, frame: dict[str, Any]) -> None:
        text = frame.get("text")
        if not isinstance(text, str) or not text.strip():
            await self._notice("web.bad_request")
            return
        limit = self.desk.settings.desk.max_text_length
        if len(text) > limit:
            await self._notice("web.too_long", length=len(text), limit=limit)
            return
        await self._turn(frame, echo=text, text=text)

    async def _press(self, frame: dict[str, Any]) -> None:
        choice, label = frame.get("choice"), frame.get("label")
        if not isinstance(choice, str) or not choice or len(choice) > 64:
            await self._notice("web.bad_request")
            return
        shown = label[:LABEL_LIMIT] if isinstance(label, str) and label.strip() else choice
        await self._turn(frame, echo=shown, choice=choice)

    async def _file(self, frame: dict[str, Any]) -> None:
        name, declared, size = frame.get("name"), frame.get("contentType", ""), frame.get("size")
        if not isinstance(name, str) or not isinstance(declared, str) or not isinstance(size, int):
            await self._notice("web.bad_request")
            return
        kept_as = files.content_type(name, declared)
        shown = files.clean_name(name) or "file"
        if kept_as is None:
            await self._skip_bytes(frame)
            await self._notice("web.file_type", name=shown)
            return
        limit = self._upload_limit()
        if limit < size <= self.desk.settings.desk.attachment_max_bytes:
            # allowed by the desk, but more than one WebSocket frame carries (its bytes never came)
            mb = f"{limit / 1024 / 1024:g}"
            await self._notice("web.file_too_large", name=shown, limit=mb)
            return
        file_ref = ""
        if 0 <= size <= limit:
            data = await self._file_bytes()
            if data is None or len(data) != size:
                await self._notice("web.file_failed", name=shown)
                return
            stored = await asyncio.to_thread(
                self.channel.store.save_file, self.visitor.chat_id, shown, kept_as, data
            )
            file_ref = f"web:{stored}"
        # A file above the limit is never sent: the desk answers it with its own message.
        attachment = Attachment(shown, kept_as, max(0, size), file_ref)
        text = frame.get("text") if isinstance(frame.get("text"), str) else ""
        await self._turn(frame, echo=f"📎 {shown}", text=text, attachments=(attachment,))

    async def _file_bytes(self) -> bytes | None:
        """The binary frame that follows a file's header; None when something else came."""
        try:
            data = await asyncio.wait_for(self._receive(), FILE_SECONDS)
        except TimeoutError:
            return None
        return data if isinstance(data, bytes) else None

    def _upload_limit(self) -> int:
        """The largest file the page sends: the desk's limit, within what a frame carries."""
        return min(self.desk.settings.desk.attachment_max_bytes, UPLOAD_LIMIT)

    async def _skip_bytes(self, frame: dict[str, Any]) -> None:
        """The page sends a file's bytes after its header when it is within the limit."""
        size = frame.get("size")
        if isinstance(size, int) and 0 <= size <= self._upload_limit():
            await self._file_bytes()

    async def _turn(self, frame: dict[str, Any], *, echo: str, **fields: Any) -> None:
        """One event for the desk; the visitor's words and the answers become chat lines."""
        visitor = self.visitor
        given = frame.get("id")
        event_id = given if isinstance(given, str) and _EVENT_ID.fullmatch(given) else None
        event = InboundEvent(
            platform=PLATFORM,
            user_id=visitor.user_id,
            chat_id=visitor.chat_id,
            event_id=f"{visitor.user_id}:{event_id}" if event_id else None,
            display_name=visitor.name,
            locale=self.locale,
            email=visitor.email,
            **fields,
        )
        said = {"text": echo, "choices": [], "links": []}
        await self.channel.write(visitor.chat_id, "visitor", said)
        replies = await asyncio.to_thread(self.desk.handle, event)
        lang = await asyncio.to_thread(
            self.desk.language_of, PLATFORM, visitor.user_id, self.locale
        )
        for reply in replies:
            await self.channel.write(
                visitor.chat_id, "desk", payload(reply, lang, t, self.channel.links)
            )
        if lang != self.lang:  # `lang nl` switches the page's own texts too
            self.lang = lang
            await self.ws.send_json({"type": "texts", "lang": lang, "texts": page_texts(lang)})
