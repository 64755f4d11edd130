"""A stand-in Telegram Bot API server for tests, and builders for the updates it delivers.

The real python-telegram-bot talks to it over HTTP on 127.0.0.1 (``base_url`` = ``.base_url``),
so nothing of PTB or of chatdesk is patched. It records every API call, serves ``getUpdates``
long polling from a queue the test fills, and checks what a real server checks and what our
adapter must respect: text at most 4096 characters after entity parsing, valid Telegram HTML
(an unescaped ``<b>`` typed by a user is refused, as Telegram refuses it), callback data at
most 64 bytes. Tests can make it fail: a 429 with ``retry_after``, a 5xx, a blocked user, or
an outage (every sending call answered 5xx until it is over).

It keeps the messages it accepted, so it can answer as Telegram does for the agents' desk:
``editMessageText`` (400 "message is not modified" for the same content, "message to edit not
found"), replies (``reply_parameters``), forum topics (``createForumTopic`` in a chat marked as a
forum, ``message_thread_id``; a topic an admin deleted takes its messages with it and answers
400 "message thread not found") and ``getChatMember`` from a member list the test sets.

It uses the standard library's threading HTTP server, so it runs beside any event loop and a
long poll blocks only its own request thread.
"""

from __future__ import annotations

import html
import itertools
import json
import re
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from planned_failures import PlannedFailures  # isort: skip

TOKEN = "123456:STAND-IN-token"
BOT_ID = 123456
BOT_USERNAME = "chatdesk_test_bot"
MAX_TEXT = 4096
MAX_CALLBACK_DATA = 64
MAX_TOPIC_NAME = 128
OUTAGE_METHODS = ("sendMessage", "editMessageText", "createForumTopic")  # the sending side

# Tags Telegram accepts with parse_mode=HTML (https://core.telegram.org/bots/api#html-style).
_HTML_TAGS = {
    "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler", "a",
    "code", "pre", "blockquote", "tg-emoji",
}  # fmt: skip
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)(\s[^<>]*)?>")
_ENTITY = re.compile(r"&(?:lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);")


class HtmlError(ValueError):
    """Text Telegram would refuse with "Bad Request: can't parse entities"."""


def render_html(text: str) -> str:
    """What a Telegram client shows for ``text`` sent with parse_mode=HTML, or HtmlError.

    Strict like Telegram: only supported tags, properly nested; every other ``<``, ``>`` and
    ``&`` must be escaped.
    """
    stack: list[str] = []
    plain: list[str] = []
    pos = 0
    for match in _TAG.finditer(text):
        plain.append(text[pos : match.start()])
        pos = match.end()
        closing, name = match.group(1), match.group(2).lower()
        if name not in _HTML_TAGS:
            raise HtmlError(f'Unsupported start tag "{name}"')
        if closing:
            if not stack or stack.pop() != name:
                raise HtmlError(f'Unmatched end tag "{name}"')
        else:
            stack.append(name)
    plain.append(text[pos:])
    if stack:
        raise HtmlError(f'Can\'t find end tag corresponding to start tag "{stack[-1]}"')
    shown = "".join(plain)
    if "<" in shown or ">" in shown:
        raise HtmlError("Unescaped < or > outside a tag")
    if "&" in _ENTITY.sub("", shown):
        raise HtmlError("Unescaped & outside an entity")
    return html.unescape(shown)


@dataclass
class ApiCall:
    """One request the bot made: method, raw form parameters, and what the server answered
    (``status`` is 0 while the answer is pending, as during a long poll)."""

    method: str
    params: dict[str, str]
    status: int = 200
    result: Any = None
    at: float = field(default_factory=time.monotonic)  # when the request arrived
    answered_at: float | None = None

    def json(self, name: str) -> Any:
        """A parameter PTB sent JSON-encoded (numbers, lists, objects such as reply_markup)."""
        raw = self.params.get(name)
        return None if raw is None else json.loads(raw)

    @property
    def chat_id(self) -> int | None:
        raw = self.params.get("chat_id")
        return None if raw is None else int(raw)

    @property
    def shown_text(self) -> str:
        """The text as a Telegram client would display it."""
        text = self.params.get("text", "")
        return render_html(text) if self.params.get("parse_mode") == "HTML" else text

    @property
    def pings(self) -> list[str]:
        """What Telegram would turn into entities that act on their own in the shown text: a
        ``@username`` mention (notifies that member) or a ``/command`` (a tap sends it).
        Telegram finds these in every message a bot sends, whatever its parse mode."""
        return [m.group(0) for m in _ACTIVE.finditer(self.shown_text)]

    @property
    def buttons(self) -> list[dict[str, Any]]:
        """The inline keyboard's buttons, flattened in order."""
        markup = self.json("reply_markup") or {}
        return [b for row in markup.get("inline_keyboard", []) for b in row]

    @property
    def reply_to(self) -> int | None:
        """The message id this message was sent as a reply to (reply_parameters)."""
        parameters = self.json("reply_parameters") or {}
        return parameters.get("message_id")

    @property
    def thread(self) -> int | None:
        """The forum topic the message went to (message_thread_id)."""
        raw = self.params.get("message_thread_id")
        return None if raw is None else int(raw)

    @property
    def message_id(self) -> int:
        """The id of the message this call sent or edited."""
        if self.method == "editMessageText":
            return int(self.params["message_id"])
        return int(self.result["message_id"])


@dataclass
class _Failure:
    status: int
    description: str
    retry_after: int | None = None


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hung up (PTB cancelling a long poll at shutdown) is not an error."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class BotApiStandIn:
    """The Bot API on 127.0.0.1, port 0. Use as a context manager, or call start()/stop()."""

    def __init__(self, token: str = TOKEN, username: str = BOT_USERNAME) -> None:
        self.token = token
        self.username = username
        self.calls: list[ApiCall] = []
        self.files: dict[str, tuple[str, bytes]] = {}
        self.blocked_chats: set[int] = set()
        self.slow_chats: dict[int, float] = {}  # chat id -> seconds before sendMessage answers
        self.members: dict[int, dict[int, str]] = {}  # chat id -> user id -> member status
        self.forums: set[int] = set()  # supergroups with topics
        self.missing_chats: set[int] = set()  # group ids Telegram answers "chat not found" for
        self.channels: set[int] = set()  # chat ids that are channels, not groups
        self.topics: dict[int, dict[int, str]] = {}  # chat id -> topic id -> name
        self.messages: dict[tuple[int, int], dict[str, Any]] = {}  # (chat, id) -> message
        self._outage: _Outage | None = None
        self._updates: list[dict[str, Any]] = []
        self._failures: dict[str, list[_Failure]] = {}
        self._chat_failures: PlannedFailures[_Failure] = PlannedFailures()
        self._message_ids = itertools.count(1000)
        self._cond = threading.Condition()
        self._server: ThreadingHTTPServer | None = None
        self._stopping = False
        self._thread: threading.Thread | None = None

    # -- life cycle ------------------------------------------------------------------------
    def start(self) -> BotApiStandIn:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                standin._handle(self)

            def do_GET(self) -> None:
                standin._handle(self)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = _Server(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> BotApiStandIn:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._server is not None, "start() first"
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        """PTB's ``base_url`` (the token is appended), as in CHATDESK_TELEGRAM_API_URL."""
        return f"http://127.0.0.1:{self.port}/bot"

    # -- what tests do ---------------------------------------------------------------------
    def push_update(self, update: dict[str, Any]) -> None:
        """Queue an update for getUpdates (polling mode)."""
        with self._cond:
            self._updates.append(update)
            self._cond.notify_all()

    def push_updates(self, updates: list[dict[str, Any]]) -> None:
        """Queue several updates at once, so that one getUpdates returns them together."""
        with self._cond:
            self._updates.extend(updates)
            self._cond.notify_all()

    def pending_updates(self) -> list[int]:
        """update_ids not yet confirmed by a getUpdates offset."""
        with self._cond:
            return [u["update_id"] for u in self._updates]

    def fail_next(
        self,
        method: str,
        status: int,
        *,
        retry_after: int | None = None,
        description: str = "",
        times: int = 1,
        chat_id: int | None = None,
    ) -> None:
        """Answer the next ``times`` calls of ``method`` (to ``chat_id`` only, if given) with
        an error."""
        default = f"Too Many Requests: retry after {retry_after}" if status == 429 else ""
        text = description or default or f"Error {status}"
        failure = _Failure(status, text, retry_after)
        with self._cond:
            if chat_id is not None:  # the chat's own calls, at once
                self._chat_failures.plan(method, chat_id, [failure] * times)
            else:
                self._failures.setdefault(method, []).extend([failure] * times)

    def fail_in_chat(
        self,
        method: str,
        chat_id: int,
        status: int,
        *,
        passes: int = 1,
        retry_after: int | None = None,
        times: int = 1,
    ) -> None:
        """Let the next ``passes`` calls of ``method`` to ``chat_id`` through, then answer the
        ``times`` after them with an error: the second part of a long message failing, while
        other chats are served as usual."""
        default = f"Too Many Requests: retry after {retry_after}" if status == 429 else ""
        failure = _Failure(status, default or f"Error {status}", retry_after)
        with self._cond:
            self._chat_failures.plan(method, chat_id, [failure] * times, passes)

    def start_outage(
        self,
        status: int = 502,
        *,
        calls: int | None = None,
        methods: tuple[str, ...] = OUTAGE_METHODS,
    ) -> None:
        """Answer ``methods`` with ``status`` for the next ``calls`` calls, or until
        :meth:`end_outage` (``calls=None``). Polling and webhook set-up keep working, as when
        Telegram's sending side is down."""
        description = "Bad Gateway" if status == 502 else f"Internal Server Error {status}"
        with self._cond:
            self._outage = _Outage(status, description, calls, methods)

    def end_outage(self) -> None:
        with self._cond:
            self._outage = None

    def set_member(self, chat_id: int, user_id: int, status: str = "member") -> None:
        """``status``: creator, administrator, member, restricted (still in), kicked, left."""
        with self._cond:
            self.members.setdefault(chat_id, {})[user_id] = status

    def make_forum(self, chat_id: int) -> None:
        """Mark a supergroup as a forum (topics enabled)."""
        with self._cond:
            self.forums.add(chat_id)

    def delete_topic(self, chat_id: int, topic: int) -> None:
        """An admin deletes a forum topic, as Telegram's deleteForumTopic does: the topic and
        every message in it are gone. Editing one of them then fails with "message to edit not
        found", and sending into the topic with 400 "message thread not found"."""
        with self._cond:
            if self.topics.get(chat_id, {}).pop(topic, None) is None:
                raise KeyError(f"no topic {topic} in chat {chat_id}")
            for key, message in list(self.messages.items()):
                if key[0] == chat_id and message.get("message_thread_id") == topic:
                    del self.messages[key]

    def message(self, chat_id: int, message_id: int) -> dict[str, Any]:
        """A message the bot sent, as it is now (after edits)."""
        with self._cond:
            return dict(self.messages[(chat_id, message_id)])

    def add_file(self, file_id: str, file_path: str, content: bytes) -> None:
        self.files[file_id] = (file_path, content)

    def calls_to(self, method: str, *, ok_only: bool = True) -> list[ApiCall]:
        with self._cond:
            return [
                c for c in self.calls if c.method == method and (c.status == 200 or not ok_only)
            ]

    def sent(self, chat_id: int | None = None) -> list[ApiCall]:
        """Successful sendMessage calls, optionally to one chat."""
        return [c for c in self.calls_to("sendMessage") if chat_id is None or c.chat_id == chat_id]

    def wait_for(
        self,
        method: str,
        predicate: Callable[[ApiCall], bool] = lambda _: True,
        *,
        count: int = 1,
        timeout: float = 15.0,
        ok_only: bool = True,
    ) -> list[ApiCall]:
        """Block until ``count`` matching calls were made; the matching calls, or AssertionError."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                found = [
                    c
                    for c in self.calls
                    if c.method == method and (c.status == 200 or not ok_only) and predicate(c)
                ]
                if len(found) >= count:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = [(c.method, c.status, c.params.get("text", "")[:60]) for c in self.calls]
                    raise AssertionError(
                        f"expected {count} {method} call(s), saw {len(found)}; all calls: {seen}"
                    )
                self._cond.wait(min(left, 0.5))

    # -- the server ------------------------------------------------------------------------
    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        path = urlsplit(request.path).path
        length = int(request.headers.get("Content-Length") or 0)
        body = request.rfile.read(length) if length else b""
        file_prefix = f"/file/bot{self.token}/"
        if request.command == "GET" and path.startswith(file_prefix):
            self._serve_file(request, path.removeprefix(file_prefix))
            return
        prefix = f"/bot{self.token}/"
        if not path.startswith(prefix):
            self._send(
                request, 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
            )
            return
        method = path.removeprefix(prefix)
        params = self._params(request, body)
        call = ApiCall(method, params, status=0)  # 0 while in progress (a long poll)
        with self._cond:
            self.calls.append(call)
        status, payload = self._answer(call)
        with self._cond:
            call.status = status
            call.result = payload.get("result")
            call.answered_at = time.monotonic()
            self._cond.notify_all()
        self._send(request, status, payload)

    @staticmethod
    def _params(request: BaseHTTPRequestHandler, body: bytes) -> dict[str, str]:
        kind = request.headers.get("Content-Type", "")
        if not body:
            return {}
        if kind.startswith("application/json"):
            data = json.loads(body)
            return {k: v if isinstance(v, str) else json.dumps(v) for k, v in data.items()}
        if kind.startswith("application/x-www-form-urlencoded"):
            return dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
        raise ValueError(f"stand-in does not read {kind!r} bodies")

    @staticmethod
    def _send(request: BaseHTTPRequestHandler, status: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        request.send_response(status)
        request.send_header("Content-Type", "application/json")
        request.send_header("Content-Length", str(len(data)))
        request.end_headers()
        request.wfile.write(data)

    def _serve_file(self, request: BaseHTTPRequestHandler, file_path: str) -> None:
        for path, content in self.files.values():
            if path == file_path:
                request.send_response(200)
                request.send_header("Content-Length", str(len(content)))
                request.end_headers()
                request.wfile.write(content)
                return
        self._send(request, 404, {"ok": False, "error_code": 404, "description": "Not Found"})

    def _answer(self, call: ApiCall) -> tuple[int, dict[str, Any]]:
        with self._cond:
            queued = self._failures.get(call.method)
            planned = self._chat_failures.take(call.method, lambda: call.chat_id)
            failure = planned or (queued.pop(0) if queued else None)
            outage = self._outage
            if failure is None and outage is not None and call.method in outage.methods:
                failure = _Failure(outage.status, outage.description)
                if outage.calls is not None:
                    outage.calls -= 1
                    if outage.calls <= 0:
                        self._outage = None
        if failure is not None:
            return self._error(failure.status, failure.description, failure.retry_after)
        handler = getattr(self, f"_api_{call.method}", None)
        if handler is None:
            return self._error(404, "Not Found: method not found")
        try:
            return 200, {"ok": True, "result": handler(call)}
        except _ApiError as exc:
            return self._error(exc.status, exc.description)

    @staticmethod
    def _error(
        status: int, description: str, retry_after: int | None = None
    ) -> tuple[int, dict[str, Any]]:
        payload: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
        if retry_after is not None:
            payload["parameters"] = {"retry_after": retry_after}
        return status, payload

    # -- Bot API methods -------------------------------------------------------------------
    def bot_user(self) -> dict[str, Any]:
        return {
            "id": BOT_ID,
            "is_bot": True,
            "first_name": "Chatdesk",
            "username": self.username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    def _api_getMe(self, call: ApiCall) -> Any:
        return self.bot_user()

    def _api_setMyCommands(self, call: ApiCall) -> Any:
        for command in call.json("commands"):
            if not re.fullmatch(r"[a-z0-9_]{1,32}", command["command"]):
                raise _ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
        return True

    def _api_deleteWebhook(self, call: ApiCall) -> Any:
        if call.params.get("drop_pending_updates") == "true":
            with self._cond:
                self._updates.clear()
        return True

    def _api_setWebhook(self, call: ApiCall) -> Any:
        if not call.params.get("url", "").startswith("https://"):
            raise _ApiError(400, "Bad Request: bad webhook: An HTTPS URL must be provided")
        return True

    def _api_close(self, call: ApiCall) -> Any:
        return True

    def _api_getUpdates(self, call: ApiCall) -> Any:
        offset = int(call.params.get("offset") or 0)
        limit = int(call.params.get("limit") or 100)
        deadline = time.monotonic() + float(call.params.get("timeout") or 0)
        with self._cond:
            if offset:
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
            while not self._updates and time.monotonic() < deadline and not self._stopping:
                self._cond.wait(min(deadline - time.monotonic(), 0.2))
            return list(self._updates[:limit])

    def _check_chat(self, call: ApiCall) -> int:
        chat_id = call.chat_id
        if chat_id is None:
            raise _ApiError(400, "Bad Request: chat_id is empty")
        if chat_id in self.blocked_chats:
            raise _ApiError(403, "Forbidden: bot was blocked by the user")
        return chat_id

    def _check_markup(self, call: ApiCall) -> None:
        for button in call.buttons:
            data = button.get("callback_data")
            if data is not None and not 1 <= len(data.encode()) <= MAX_CALLBACK_DATA:
                raise _ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
            if data is None and "url" not in button:
                raise _ApiError(400, "Bad Request: can't parse inline keyboard button")

    def _check_text(self, call: ApiCall) -> str:
        try:
            shown = call.shown_text
        except HtmlError as exc:
            raise _ApiError(400, f"Bad Request: can't parse entities: {exc}") from None
        if not shown.strip():
            raise _ApiError(400, "Bad Request: message text is empty")
        if len(shown) > MAX_TEXT:
            raise _ApiError(400, "Bad Request: message is too long")
        return shown

    def _chat_of(self, chat_id: int) -> dict[str, Any]:
        chat: dict[str, Any] = {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"}
        if chat_id in self.forums:
            chat["is_forum"] = True
        return chat

    def _api_sendMessage(self, call: ApiCall) -> Any:
        chat_id = self._check_chat(call)
        time.sleep(self.slow_chats.get(chat_id, 0))
        shown = self._check_text(call)
        self._check_markup(call)
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": self._chat_of(chat_id),
            "from": self.bot_user(),
            "text": shown,
        }
        if call.params.get("reply_markup"):
            message["reply_markup"] = call.json("reply_markup")
        thread = call.thread
        with self._cond:
            if thread is not None:
                if thread not in self.topics.get(chat_id, {}):
                    raise _ApiError(400, "Bad Request: message thread not found")
                message["message_thread_id"] = thread
                message["is_topic_message"] = True
            replied = call.reply_to
            if replied is not None:
                original = self.messages.get((chat_id, replied))
                parameters = call.json("reply_parameters")
                if original is not None:
                    message["reply_to_message"] = original
                elif not parameters.get("allow_sending_without_reply"):
                    raise _ApiError(400, "Bad Request: message to be replied not found")
            self.messages[(chat_id, message["message_id"])] = message
        return message

    def _api_editMessageText(self, call: ApiCall) -> Any:
        chat_id = self._check_chat(call)
        shown = self._check_text(call)
        self._check_markup(call)
        key = (chat_id, int(call.params.get("message_id") or 0))
        with self._cond:
            message = self.messages.get(key)
            if message is None:
                raise _ApiError(400, "Bad Request: message to edit not found")
            markup = call.json("reply_markup")
            if message["text"] == shown and message.get("reply_markup") == markup:
                raise _ApiError(
                    400,
                    "Bad Request: message is not modified: specified new message content and "
                    "reply markup are exactly the same as a current content and reply markup "
                    "of the message",
                )
            message = dict(message, text=shown, edit_date=int(time.time()))
            if markup is None:
                message.pop("reply_markup", None)
            else:
                message["reply_markup"] = markup
            self.messages[key] = message
        return message

    def _api_createForumTopic(self, call: ApiCall) -> Any:
        chat_id = self._check_chat(call)
        name = call.params.get("name", "")
        if chat_id not in self.forums:
            raise _ApiError(400, "Bad Request: the chat is not a forum")
        if not 1 <= _utf16_len(name) <= MAX_TOPIC_NAME:
            raise _ApiError(400, "Bad Request: TOPIC_NAME_INVALID")
        with self._cond:
            topic = next(self._message_ids)  # a topic's id is the id of its first message
            self.topics.setdefault(chat_id, {})[topic] = name
            self.messages[(chat_id, topic)] = {
                "message_id": topic,
                "date": int(time.time()),
                "chat": self._chat_of(chat_id),
                "from": self.bot_user(),
                "message_thread_id": topic,
                "is_topic_message": True,
                "forum_topic_created": {"name": name, "icon_color": 7322096},
            }
        return {"message_thread_id": topic, "name": name, "icon_color": 7322096}

    def _api_getChat(self, call: ApiCall) -> Any:
        """A chat the bot can see: any group but the missing ones (and no @name or other text,
        which real Telegram would look up by username; the tests use ids)."""
        raw = call.params.get("chat_id", "")
        if not raw.lstrip("-").isdigit() or int(raw) in self.missing_chats:
            raise _ApiError(400, "Bad Request: chat not found")
        chat = self._chat_of(int(raw))
        if int(raw) in self.channels:
            chat["type"] = "channel"
        return dict(chat, title=f"Chat {raw}", accent_color_id=0, max_reaction_count=11)

    def _api_getChatMember(self, call: ApiCall) -> Any:
        chat_id = self._check_chat(call)
        if chat_id in self.missing_chats:
            raise _ApiError(400, "Bad Request: chat not found")
        user_id = int(call.params.get("user_id") or 0)
        with self._cond:
            default = "member" if user_id == BOT_ID else "left"  # the bot is in every group
            status = self.members.get(chat_id, {}).get(user_id, default)
        user = {"id": user_id, "is_bot": user_id == BOT_ID, "first_name": f"User {user_id}"}
        member: dict[str, Any] = {"status": status, "user": user}
        if status == "restricted":
            member.update(
                is_member=True, can_send_messages=True, until_date=0,
                can_send_audios=True, can_send_documents=True, can_send_photos=True,
                can_send_videos=True, can_send_video_notes=True, can_send_voice_notes=True,
                can_send_polls=True, can_send_other_messages=True,
                can_add_web_page_previews=True, can_change_info=False, can_invite_users=False,
                can_pin_messages=False, can_manage_topics=False,
            )  # fmt: skip
        elif status == "administrator":
            member.update(
                can_be_edited=False, is_anonymous=False, can_manage_chat=True,
                can_delete_messages=True, can_manage_video_chats=True,
                can_restrict_members=True, can_promote_members=False, can_change_info=True,
                can_invite_users=True, can_post_stories=False, can_edit_stories=False,
                can_delete_stories=False,
            )  # fmt: skip
        elif status == "creator":
            member.update(is_anonymous=False)
        elif status == "kicked":
            member.update(until_date=0)
        return member

    def _api_answerCallbackQuery(self, call: ApiCall) -> Any:
        if not call.params.get("callback_query_id"):
            raise _ApiError(400, "Bad Request: query is too old or query ID is invalid")
        return True

    def _api_editMessageReplyMarkup(self, call: ApiCall) -> Any:
        self._check_chat(call)
        self._check_markup(call)
        return True

    def _api_getFile(self, call: ApiCall) -> Any:
        file_id = call.params.get("file_id", "")
        if file_id not in self.files:
            raise _ApiError(400, "Bad Request: invalid file_id")
        path, content = self.files[file_id]
        return {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}",
            "file_size": len(content),
            "file_path": path,
        }


@dataclass
class _Outage:
    status: int
    description: str
    calls: int | None  # None: until end_outage()
    methods: tuple[str, ...]


class _ApiError(Exception):
    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


# -- updates, as Telegram sends them -------------------------------------------------------
@dataclass(frozen=True)
class TgUser:
    """A Telegram user who talks to the bot; their private chat id is their user id."""

    id: int
    first_name: str
    language_code: str | None = "en"
    username: str | None = None
    last_name: str | None = None

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code"):
            if getattr(self, key) is not None:
                data[key] = getattr(self, key)
        return data


@dataclass(frozen=True)
class TgGroup:
    id: int
    title: str = "Office"
    forum: bool = False  # topics enabled

    def as_dict(self) -> dict[str, Any]:
        chat: dict[str, Any] = {"id": self.id, "type": "supergroup", "title": self.title}
        if self.forum:
            chat["is_forum"] = True
        return chat


class Updates:
    """Builds update JSON with increasing update_id and message_id, as Telegram would."""

    def __init__(self, first_update_id: int = 500_000) -> None:
        self._update_ids = itertools.count(first_update_id)
        self._message_ids = itertools.count(1)

    def _chat(self, user: TgUser, group: TgGroup | None) -> dict[str, Any]:
        if group is not None:
            return group.as_dict()
        chat = {"id": user.id, "type": "private", "first_name": user.first_name}
        if user.username:
            chat["username"] = user.username
        return chat

    def message(
        self,
        user: TgUser,
        text: str | None = None,
        *,
        group: TgGroup | None = None,
        extra: dict[str, Any] | None = None,
        topic: int | None = None,
    ) -> dict[str, Any]:
        """A message; bot_command and mention entities are filled in as Telegram does.

        ``topic``: said in that forum topic of ``group``. Telegram then makes the message a
        reply to the topic's first message, as it does for every message in a topic.
        """
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": self._chat(user, group),
            "from": user.as_dict(),
        }
        if text is not None:
            message["text"] = text
            entities = _entities(text)
            if entities:
                message["entities"] = entities
        if topic is not None:
            message["message_thread_id"] = topic
            message["is_topic_message"] = True
            message["reply_to_message"] = {
                "message_id": topic,
                "date": int(time.time()),
                "chat": message["chat"],
                "from": {"id": BOT_ID, "is_bot": True, "first_name": "Chatdesk"},
                "message_thread_id": topic,
                "is_topic_message": True,
                "forum_topic_created": {"name": "topic", "icon_color": 7322096},
            }
        message.update(extra or {})
        return {"update_id": next(self._update_ids), "message": message}

    def reply(self, user: TgUser, sent: ApiCall, text: str, group: TgGroup) -> dict[str, Any]:
        """``user`` answers the bot's message ``sent`` in ``group`` with Telegram's reply
        (in the message's topic, if it is in one)."""
        original = sent.result
        extra: dict[str, Any] = {"reply_to_message": original}
        if original.get("message_thread_id"):
            extra["message_thread_id"] = original["message_thread_id"]
            extra["is_topic_message"] = True
        return self.message(user, text, group=group, extra=extra)

    def photo(
        self, user: TgUser, *, file_id: str, size: int, caption: str | None = None
    ) -> dict[str, Any]:
        sizes = [
            {"file_id": f"{file_id}-small", "file_unique_id": f"{file_id}s", "width": 90,
             "height": 60, "file_size": max(size // 20, 1)},
            {"file_id": file_id, "file_unique_id": f"{file_id}u", "width": 1280, "height": 853,
             "file_size": size},
        ]  # fmt: skip
        extra: dict[str, Any] = {"photo": sizes}
        if caption:
            extra["caption"] = caption
        return self.message(user, None, extra=extra)

    def document(
        self, user: TgUser, *, file_id: str, file_name: str, mime_type: str, size: int
    ) -> dict[str, Any]:
        document = {
            "file_id": file_id,
            "file_unique_id": f"{file_id}u",
            "file_name": file_name,
            "mime_type": mime_type,
            "file_size": size,
        }
        return self.message(user, None, extra={"document": document})

    def press(self, user: TgUser, sent: ApiCall, data: str) -> dict[str, Any]:
        """The user pressed the button with callback ``data`` under the message ``sent``."""
        assert any(b.get("callback_data") == data for b in sent.buttons), (
            f"no button {data!r} under {sent.params.get('text', '')[:60]!r}"
        )
        chat = {"id": sent.chat_id, "type": "private" if (sent.chat_id or 0) > 0 else "supergroup"}
        message: dict[str, Any] = {
            "message_id": sent.message_id,
            "date": sent.result["date"],
            "chat": chat,
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "Chatdesk"},
            "text": sent.result.get("text", ""),
        }
        if isinstance(sent.result, dict) and sent.result.get("message_thread_id"):
            message["message_thread_id"] = sent.result["message_thread_id"]
            message["is_topic_message"] = True
            chat["is_forum"] = True
        return {
            "update_id": next(self._update_ids),
            "callback_query": {
                "id": f"cq{next(self._message_ids)}",
                "from": user.as_dict(),
                "chat_instance": f"ci{sent.chat_id}",
                "data": data,
                "message": message,
            },
        }

    def bare_press(
        self, user: TgUser, query_id: str, chat: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """A callback query without data (as from a button that carries none), under a bot
        message in ``chat`` if given."""
        query: dict[str, Any] = {"id": query_id, "from": user.as_dict(), "chat_instance": "x"}
        if chat is not None:
            query["message"] = {
                "message_id": next(self._message_ids),
                "date": int(time.time()),
                "chat": chat,
                "from": {"id": BOT_ID, "is_bot": True, "first_name": "Chatdesk"},
                "text": "marker",
            }
        return {"update_id": next(self._update_ids), "callback_query": query}


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


_ACTIVE = re.compile(r"(?<![A-Za-z0-9_])@[A-Za-z0-9_]+|(?<![A-Za-z0-9_/:.<>])/[A-Za-z0-9_]+")
"""Telegram's mention and bot_command detection, generously: any length, anywhere."""


def _entities(text: str) -> list[dict[str, Any]]:
    """bot_command and mention entities, with Telegram's UTF-16 offsets."""
    found: list[dict[str, Any]] = []
    for match in re.finditer(r"(?<![\w/@])(/[A-Za-z0-9_]+(?:@\w+)?|@\w{5,})", text):
        kind = "bot_command" if match.group(0).startswith("/") else "mention"
        if kind == "bot_command" and match.start() != 0:
            continue
        found.append(
            {
                "type": kind,
                "offset": _utf16_len(text[: match.start()]),
                "length": _utf16_len(match.group(0)),
            }
        )
    return found


def iter_buttons(call: ApiCall) -> Iterator[tuple[str, str]]:
    """(label, callback_data) of a sent message's inline buttons."""
    for button in call.buttons:
        if "callback_data" in button:
            yield button["text"], button["callback_data"]
