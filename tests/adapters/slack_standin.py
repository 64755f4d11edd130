"""A stand-in Slack for tests: the Web API, a Socket Mode server, and signed deliveries.

The real slack-bolt and slack_sdk talk to it over 127.0.0.1 (``CHATDESK_SLACK_API_URL`` =
``.base_url``), so nothing of bolt or of chatdesk is patched.

- :class:`SlackStandin` serves the Web API methods the adapter uses, records every call,
  checks tokens and the Block Kit limits Slack enforces, works out which mentions a posted
  message would turn into pings (as a Slack client would), and lets a test inject failures: a
  429 with ``Retry-After``, a 5xx, an ``ok: false`` error, or a whole outage (every method
  answering 5xx for the next N calls or until :meth:`SlackStandin.recover`). It keeps messages
  as Slack does: ``chat.update`` edits one in place (its edits are counted), threads and
  ``reply_broadcast`` are recorded, channels have members (``conversations.members``, paged
  like Slack pages it). It also receives the slash commands' ``response_url`` posts.
- :class:`SocketModeServer` is a small WebSocket server (RFC 6455, text frames, ping/pong)
  that ``apps.connections.open`` points the built-in Socket Mode client at. The project has no
  WebSocket server library (uvicorn needs ``websockets`` or ``wsproto`` for that), and the
  protocol subset Slack uses is small, so it is written out here.
- :class:`Deliveries` builds Events API, interactivity and slash command payloads and posts
  them to the running server, signed with the signing secret like Slack signs them: direct
  messages, mentions, messages in a channel or in a thread there (``message.channels``).

Everything runs on the standard library's threading servers, beside any event loop.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import re
import socket
import struct
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import suppress
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx
from slack_sdk.signature import SignatureVerifier

from planned_failures import PlannedFailures  # isort: skip

BOT_TOKEN = "xoxb-stand-in-bot-token"
APP_TOKEN = "xapp-stand-in-app-token"
SIGNING_SECRET = "stand-in-signing-secret"
TEAM_ID = "T0STANDIN"
BOT_USER_ID = "U0BOT"
BOT_ID = "B0BOT"
AGENT_CHANNEL = "C0AGENTS"

MAX_BLOCKS = 50
MAX_SECTION_TEXT = 3000
MAX_BUTTON_TEXT = 75
MAX_ACTIONS_ELEMENTS = 25
_PING = re.compile(r"<(!channel|!here|!everyone|@[UW][A-Z0-9]+)(\|[^>]*)?>")


def pings(text: str) -> list[str]:
    """The mentions Slack would notify for in mrkdwn ``text`` (``!here``, ``@U123``...)."""
    return [m.group(1) for m in _PING.finditer(text)]


def shown(text: str) -> str:
    """What a Slack client displays for mrkdwn ``text`` (links by their label, entities undone)."""
    text = re.sub(r"<([^<>|]*)\|([^<>]*)>", r"\2", text)
    text = re.sub(r"<([^<>]*)>", r"\1", text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def mrkdwn_texts(blocks: list[dict[str, Any]]) -> list[str]:
    """Every mrkdwn text in ``blocks`` (sections, their fields, context elements)."""
    found: list[str] = []
    for block in blocks:
        for obj in [
            block.get("text"),
            *(block.get("fields") or []),
            *(block.get("elements") or []),
        ]:
            if isinstance(obj, dict) and obj.get("type") == "mrkdwn":
                found.append(str(obj.get("text", "")))
    return found


def buttons(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The button elements of every actions block, in order."""
    return [
        element
        for block in blocks
        if block.get("type") == "actions"
        for element in block.get("elements", [])
        if element.get("type") == "button"
    ]


@dataclass
class ApiCall:
    """One Web API request: method, arguments (JSON, form and query merged), our answer."""

    method: str
    args: dict[str, Any]
    token: str
    status: int = 200
    response: dict[str, Any] = field(default_factory=dict)


@dataclass
class Posted:
    """A message the bot posted (``chat.postMessage``), as Slack stores it."""

    channel: str
    ts: str
    text: str
    blocks: list[dict[str, Any]]
    thread_ts: str | None
    args: dict[str, Any]
    edits: int = 0
    """How often ``chat.update`` changed it since it was posted."""

    @property
    def broadcast(self) -> bool:
        """A thread reply also shown in the channel (``reply_broadcast``)."""
        return str(self.args.get("reply_broadcast", "")).lower() in ("1", "true")

    @property
    def mrkdwn(self) -> list[str]:
        return [self.text, *mrkdwn_texts(self.blocks)]

    @property
    def shown(self) -> str:
        """The message as a reader sees it: block texts if there are blocks, else the text."""
        parts = mrkdwn_texts(self.blocks) if self.blocks else [self.text]
        return "\n".join(shown(p) for p in parts)

    @property
    def pings(self) -> list[str]:
        return [p for text in self.mrkdwn for p in pings(text)]

    @property
    def buttons(self) -> list[dict[str, Any]]:
        return buttons(self.blocks)


@dataclass
class Failure:
    status: int
    headers: dict[str, str]
    body: dict[str, Any]


def _dm_of(channel: str) -> str:
    """A user id as the id of the DM with them (as ``chat.postMessage`` treats it)."""
    return "D" + channel[1:] if channel.startswith(("U", "W")) else channel


class BlockKitError(ValueError):
    """Blocks Slack would refuse with ``invalid_blocks``."""


def check_blocks(blocks: list[dict[str, Any]]) -> None:
    """The Block Kit limits the adapter must respect (a subset of Slack's checks)."""
    if len(blocks) > MAX_BLOCKS:
        raise BlockKitError(f"more than {MAX_BLOCKS} blocks")
    block_ids = [b["block_id"] for b in blocks if "block_id" in b]
    if len(block_ids) != len(set(block_ids)):
        raise BlockKitError("block_id values must be unique")
    for block in blocks:
        kind = block.get("type")
        if kind == "section":
            text = block.get("text") or {}
            if len(text.get("text", "")) > MAX_SECTION_TEXT:
                raise BlockKitError("section text longer than 3000 characters")
            if len(block.get("fields") or []) > 10:
                raise BlockKitError("more than 10 section fields")
            if any(len(f.get("text", "")) > 2000 for f in block.get("fields") or []):
                raise BlockKitError("section field longer than 2000 characters")
            if not text and not block.get("fields"):
                raise BlockKitError("section without text or fields")
        elif kind == "actions":
            elements = block.get("elements") or []
            if not 0 < len(elements) <= MAX_ACTIONS_ELEMENTS:
                raise BlockKitError("actions block must hold 1-25 elements")
            action_ids = [e.get("action_id") for e in elements]
            if len(action_ids) != len(set(action_ids)):
                raise BlockKitError("action_id values must be unique in a block")
            for element in elements:
                label = element.get("text", {}).get("text", "")
                if not 0 < len(label) <= MAX_BUTTON_TEXT:
                    raise BlockKitError("button text must be 1-75 characters")
                if len(str(element.get("value", ""))) > 2000:
                    raise BlockKitError("button value longer than 2000 characters")
        elif kind == "context":
            if not block.get("elements"):
                raise BlockKitError("context block without elements")
        else:
            raise BlockKitError(f"unexpected block type {kind!r}")


class SlackStandin:
    """The Web API on 127.0.0.1 (see the module docstring). Use as a context manager."""

    def __init__(self) -> None:
        self.calls: list[ApiCall] = []
        self.posted: list[Posted] = []
        self.responses: list[dict[str, Any]] = []  # what reached a response_url
        self.users: dict[str, dict[str, Any]] = {}
        self.files: dict[str, dict[str, Any]] = {}
        self.channels: set[str] = {AGENT_CHANNEL}
        self.outside_channels: set[str] = set()  # they exist, but the app is not a member
        self.archived: set[str] = set()
        self.members: dict[str, list[str]] = {AGENT_CHANNEL: []}
        self.members_page = 2
        """``conversations.members`` answers at most this many per page (Slack: up to 1000)."""
        self.socket_mode: SocketModeServer | None = None
        self._failures: dict[str, list[Failure]] = {}
        self._channel_failures: PlannedFailures[Failure] = PlannedFailures()
        self._outage: Failure | None = None
        self._outage_calls: int | None = None
        self._ts = itertools.count(1)
        self._changed = threading.Condition()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    # -- lifecycle ----------------------------------------------------------------------------

    def __enter__(self) -> SlackStandin:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        if self.socket_mode is not None:
            self.socket_mode.close()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    @property
    def root(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def base_url(self) -> str:
        """The value for ``CHATDESK_SLACK_API_URL`` (slack_sdk's ``base_url``, with the slash)."""
        return f"{self.root}/api/"

    def response_url(self) -> str:
        return f"{self.root}/response/{uuid.uuid4().hex}"

    # -- test set-up --------------------------------------------------------------------------

    def add_user(
        self,
        user_id: str,
        name: str = "",
        locale: str = "en-US",
        email: str | None = None,
        team: str = TEAM_ID,
    ) -> None:
        """A person Slack knows; ``team`` is their own workspace (another company's for an
        external member of a Slack Connect channel)."""
        name = name or f"user-{user_id.lower()}"
        profile: dict[str, Any] = {"display_name": name, "real_name": name.title()}
        if email:
            profile["email"] = email
        self.users[user_id] = {
            "id": user_id,
            "team_id": team,
            "name": name,
            "real_name": name.title(),
            "locale": locale,
            "profile": profile,
        }

    def add_member(self, channel: str, *user_ids: str) -> None:
        """Put users in a channel (``conversations.members`` lists them)."""
        with self._changed:
            self.channels.add(channel)
            members = self.members.setdefault(channel, [])
            members.extend(u for u in user_ids if u not in members)

    def remove_member(self, channel: str, user_id: str) -> None:
        with self._changed:
            members = self.members.get(channel, [])
            if user_id in members:
                members.remove(user_id)

    def outage(self, status: int = 503, calls: int | None = None) -> None:
        """Every Web API method answers ``status`` for the next ``calls`` calls, or (None) until
        :meth:`recover`: Slack down, as far as chatdesk can tell."""
        with self._changed:
            self._outage = Failure(status, {}, {"ok": False, "error": "internal_error"})
            self._outage_calls = calls

    def recover(self) -> None:
        """End an :meth:`outage`."""
        with self._changed:
            self._outage = None
            self._outage_calls = None

    def add_file(self, file_id: str, name: str, mimetype: str, size: int) -> dict[str, Any]:
        self.files[file_id] = {
            "id": file_id,
            "name": name,
            "title": name,
            "mimetype": mimetype,
            "size": size,
            "url_private": f"{self.root}/files/{file_id}",
        }
        return dict(self.files[file_id])

    def fail_next(
        self,
        method: str,
        status: int = 429,
        times: int = 1,
        retry_after: int | None = None,
        error: str | None = None,
        channel: str | None = None,
    ) -> None:
        """Answer the next ``times`` calls of ``method`` (in ``channel`` only, if given) with
        ``status`` (and ``Retry-After``).

        ``status=200`` with ``error`` gives Slack's ``{"ok": false, "error": ...}``.
        """
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        if error is None:
            error = "ratelimited" if status == 429 else "internal_error"
        failure = Failure(status, headers, {"ok": False, "error": error})
        with self._changed:
            if channel is not None:  # the channel's own calls, at once
                self._channel_failures.plan(method, _dm_of(channel), [failure] * times)
            else:
                self._failures.setdefault(method, []).extend([failure] * times)

    def fail_in_channel(
        self,
        method: str,
        channel: str,
        status: int,
        *,
        passes: int = 1,
        times: int = 1,
        retry_after: int | None = None,
    ) -> None:
        """Let the next ``passes`` calls of ``method`` to ``channel`` through, then answer the
        ``times`` after them with ``status``: the second piece of a long message failing,
        while other channels are served as usual. A user id stands for the DM with them."""
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        error = "ratelimited" if status == 429 else "internal_error"
        failure = Failure(status, headers, {"ok": False, "error": error})
        with self._changed:
            self._channel_failures.plan(method, _dm_of(channel), [failure] * times, passes)

    def enable_socket_mode(self) -> SocketModeServer:
        self.socket_mode = SocketModeServer()
        return self.socket_mode

    # -- reading what happened ----------------------------------------------------------------

    def calls_to(self, method: str) -> list[ApiCall]:
        with self._changed:
            return [c for c in self.calls if c.method == method]

    def posts_in(self, channel: str) -> list[Posted]:
        with self._changed:
            return [p for p in self.posted if p.channel == channel]

    def wait_for(
        self, predicate: Callable[[], Any], timeout: float = 15.0, what: str = "the expected calls"
    ) -> Any:
        """Poll ``predicate`` (woken by every call) until it is truthy; fail after ``timeout``."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                result = predicate()
                if result:
                    return result
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    methods = [c.method for c in self.calls]
                    raise AssertionError(f"timed out waiting for {what}; calls so far: {methods}")
                self._changed.wait(min(remaining, 0.2))

    def wait_for_posts(self, channel: str, count: int, timeout: float = 15.0) -> list[Posted]:
        """Wait until ``channel`` holds at least ``count`` posts; return them all."""
        return self.wait_for(
            lambda: (
                (posts := [p for p in self.posted if p.channel == channel])
                and len(posts) >= count
                and posts
            ),
            timeout,
            what=f"{count} posts in {channel}",
        )

    # -- the Web API --------------------------------------------------------------------------

    def _answer(
        self, method: str, args: dict[str, Any], token: str
    ) -> tuple[int, dict[str, str], dict[str, Any]]:
        with self._changed:
            queued = self._failures.get(method)
            planned = self._channel_failures.take(
                method, lambda: _dm_of(str(args.get("channel", "")))
            )
            failure = planned or (queued.pop(0) if queued else None)
            if failure is None and self._outage is not None:
                failure = self._outage
                if self._outage_calls is not None:
                    self._outage_calls -= 1
                    if self._outage_calls <= 0:
                        self._outage, self._outage_calls = None, None
        if failure is not None:
            return failure.status, failure.headers, failure.body
        expected = APP_TOKEN if method == "apps.connections.open" else BOT_TOKEN
        if token != expected:
            return 200, {}, {"ok": False, "error": "invalid_auth"}
        handler = getattr(self, "_api_" + method.replace(".", "_"), None)
        if handler is None:
            return 200, {}, {"ok": False, "error": "unknown_method"}
        try:
            return 200, {}, {"ok": True, **handler(args)}
        except _ApiError as exc:
            return 200, {}, {"ok": False, "error": str(exc)}
        except BlockKitError as exc:
            return 200, {}, {"ok": False, "error": "invalid_blocks", "errors": [str(exc)]}

    def _record(self, call: ApiCall) -> None:
        with self._changed:
            self.calls.append(call)
            self._changed.notify_all()

    def _channel(self, channel: str) -> str:
        if channel.startswith(("U", "W")):
            if channel not in self.users:
                raise _ApiError("channel_not_found")
            return "D" + channel[1:]
        if channel.startswith("D"):
            return channel
        if channel not in self.channels:
            raise _ApiError("not_in_channel")
        return channel

    def _blocks(self, args: dict[str, Any]) -> list[dict[str, Any]]:
        blocks = args.get("blocks") or []
        if isinstance(blocks, str):
            blocks = json.loads(blocks)
        check_blocks(blocks)
        return blocks

    def _api_auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        return {
            "url": "https://stand-in.invalid/",
            "team": "Stand-in",
            "user": "chatdesk",
            "team_id": TEAM_ID,
            "user_id": BOT_USER_ID,
            "bot_id": BOT_ID,
        }

    def _api_chat_postMessage(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(str(args.get("channel", "")))
        blocks = self._blocks(args)
        text = str(args.get("text") or "")
        if not text and not blocks:
            raise _ApiError("no_text")
        ts = f"1700000000.{next(self._ts):06d}"
        thread = args.get("thread_ts")
        with self._changed:
            self.posted.append(Posted(channel, ts, text, blocks, thread, dict(args)))
        message = {"type": "message", "user": BOT_USER_ID, "bot_id": BOT_ID, "text": text, "ts": ts}
        if blocks:
            message["blocks"] = blocks
        return {"channel": channel, "ts": ts, "message": message}

    def _api_chat_update(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(str(args.get("channel", "")))
        blocks = self._blocks(args)
        with self._changed:
            for posted in self.posted:
                if posted.channel == channel and posted.ts == args.get("ts"):
                    posted.blocks = blocks
                    posted.text = str(args.get("text") or posted.text)
                    posted.edits += 1
                    return {"channel": channel, "ts": posted.ts, "text": posted.text}
        raise _ApiError("message_not_found")

    def delete(self, channel: str, ts: str) -> None:
        """Someone deleted a message in the Slack client."""
        with self._changed:
            self.posted = [p for p in self.posted if not (p.channel == channel and p.ts == ts)]

    def thread(self, channel: str, ts: str) -> list[Posted]:
        """The bot's replies in the thread under message ``ts``."""
        with self._changed:
            return [p for p in self.posted if p.channel == channel and p.thread_ts == ts]

    def _api_conversations_info(self, args: dict[str, Any]) -> dict[str, Any]:
        """A channel the app is in (``channels``), one it was not invited to
        (``outside_channels``) or none at all; ``archived`` ones say so."""
        channel = str(args.get("channel", ""))
        if channel not in self.channels | self.outside_channels:
            raise _ApiError("channel_not_found")
        return {
            "channel": {
                "id": channel,
                "name": channel.lower(),
                "is_channel": True,
                "is_archived": channel in self.archived,
                "is_member": channel in self.channels,
            }
        }

    def _api_conversations_members(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = str(args.get("channel", ""))
        if channel not in self.channels:
            raise _ApiError("channel_not_found")
        members = self.members.get(channel, [])
        start = int(args.get("cursor") or 0)
        limit = min(int(args.get("limit") or 100), self.members_page)
        page = members[start : start + limit]
        following = start + limit
        cursor = str(following) if following < len(members) else ""
        return {"members": page, "response_metadata": {"next_cursor": cursor}}

    def _api_chat_postEphemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"message_ts": f"1700000000.{next(self._ts):06d}"}

    def _api_users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        user = self.users.get(str(args.get("user")))
        if user is None:
            raise _ApiError("user_not_found")
        shown_user = dict(user)
        if str(args.get("include_locale", "")).lower() not in ("1", "true"):
            shown_user.pop("locale", None)
        return {"user": shown_user}

    def _api_conversations_open(self, args: dict[str, Any]) -> dict[str, Any]:
        user = str(args.get("users", ""))
        if user not in self.users:
            raise _ApiError("user_not_found")
        return {"channel": {"id": "D" + user[1:]}}

    def _api_files_info(self, args: dict[str, Any]) -> dict[str, Any]:
        found = self.files.get(str(args.get("file")))
        if found is None:
            raise _ApiError("file_not_found")
        return {"file": found}

    def _api_apps_connections_open(self, args: dict[str, Any]) -> dict[str, Any]:
        if self.socket_mode is None:
            raise _ApiError("not_allowed_token_type")
        return {"url": self.socket_mode.url()}

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_: object) -> None:
                pass

            def do_GET(self) -> None:
                self._serve()

            def do_POST(self) -> None:
                self._serve()

            def _serve(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                args: dict[str, Any] = dict(parse_qsl(parts.query))
                kind = self.headers.get("Content-Type", "")
                if raw and kind.startswith("application/json"):
                    args.update(json.loads(raw))
                elif raw:
                    args.update(parse_qsl(raw.decode("utf-8")))
                if parts.path.startswith("/response/"):
                    with standin._changed:
                        standin.responses.append(args)
                        standin._changed.notify_all()
                    self._send(200, {}, b"ok", "text/plain")
                    return
                if not parts.path.startswith("/api/"):
                    self._send(404, {}, b"not found", "text/plain")
                    return
                method = parts.path.removeprefix("/api/")
                auth = self.headers.get("Authorization", "")
                token = auth.removeprefix("Bearer ") if auth else str(args.pop("token", ""))
                args.pop("token", None)
                status, headers, body = standin._answer(method, args, token)
                standin._record(ApiCall(method, args, token, status, body))
                self._send(status, headers, json.dumps(body).encode(), "application/json")

            def _send(self, status: int, headers: dict[str, str], body: bytes, kind: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

        return Handler


class _ApiError(Exception):
    """An ``ok: false`` answer with this error code."""


# -- Socket Mode ------------------------------------------------------------------------------

_WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


class SocketModeServer:
    """A WebSocket endpoint that speaks Slack's Socket Mode envelopes.

    On connect it sends ``hello``; :meth:`send` pushes an envelope; the client's
    acknowledgements (``{"envelope_id": ...}``) are collected in :attr:`acks`. As Slack does,
    an envelope that was never acknowledged is delivered again, with ``retry_attempt`` one
    higher, when the app next connects (after a crash, say): those are in :attr:`redelivered`.
    """

    def __init__(self) -> None:
        self.acks: list[dict[str, Any]] = []
        self.connections: list[socket.socket] = []
        self.handshakes: list[str] = []
        self.envelopes: dict[str, dict[str, Any]] = {}
        """Every envelope sent, by id, as last sent."""
        self.redelivered: list[str] = []
        self._unacknowledged: dict[str, socket.socket | None] = {}  # id -> connection sent on
        self._live: set[socket.socket] = set()
        self._lock = threading.Condition()
        self._sending = threading.Lock()  # one frame at a time on the wire
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def url(self) -> str:
        host, port = self._listener.getsockname()[:2]
        return f"ws://{host}:{port}/link/?ticket={uuid.uuid4().hex}"

    def close(self) -> None:
        self._closed = True
        self._listener.close()
        with self._lock:
            for conn in self.connections:
                with suppress(OSError):
                    conn.close()

    def wait_connected(self, timeout: float = 15.0, count: int = 1) -> None:
        """Wait until the app has connected ``count`` times in all, and is connected now."""
        self._wait(
            lambda: len(self.connections) >= count and self._live,
            timeout,
            f"Socket Mode connection number {count}",
        )

    def send(self, kind: str, payload: dict[str, Any], retry_attempt: int = 0) -> str:
        """Push one envelope (``events_api``, ``interactive``, ``slash_commands``) to the client.

        With no connection (the app is down) it waits, unacknowledged, for the next one."""
        envelope_id = str(uuid.uuid4())
        envelope = {
            "envelope_id": envelope_id,
            "type": kind,
            "payload": payload,
            "accepts_response_payload": kind != "events_api",
            "retry_attempt": retry_attempt,
            "retry_reason": "timeout" if retry_attempt else "",
        }
        with self._lock:
            conn = self.connections[-1] if self.connections else None
            self.envelopes[envelope_id] = envelope
            self._unacknowledged[envelope_id] = conn if conn in self._live else None
        if conn is not None:
            self._push(conn, envelope)
        return envelope_id

    def acknowledged(self, envelope_id: str, timeout: float = 15.0) -> bool:
        """Whether the app acknowledged the envelope on the connection it was sent on: False
        as soon as that connection is gone without an acknowledgement."""

        def settled() -> bool:
            if envelope_id not in self._unacknowledged:
                return True
            return self._unacknowledged[envelope_id] not in self._live

        self._wait(settled, timeout, f"the ack of envelope {envelope_id} or its connection's end")
        with self._lock:
            return envelope_id not in self._unacknowledged

    def unacknowledged(self) -> list[str]:
        with self._lock:
            return list(self._unacknowledged)

    def wait_ack(self, envelope_id: str, timeout: float = 15.0) -> dict[str, Any]:
        return self._wait(
            lambda: next((a for a in self.acks if a.get("envelope_id") == envelope_id), None),
            timeout,
            f"the ack of envelope {envelope_id}",
        )

    def _wait(self, predicate: Callable[[], Any], timeout: float, what: str) -> Any:
        deadline = time.monotonic() + timeout
        with self._lock:
            while not (result := predicate()):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"timed out waiting for {what}")
                self._lock.wait(min(remaining, 0.2))
            return result

    def _push(self, conn: socket.socket, envelope: dict[str, Any]) -> None:
        """Send an envelope; a connection that is gone leaves it for the next one."""
        with suppress(OSError), self._sending:
            _send_frame(conn, 0x1, json.dumps(envelope).encode())

    def _redeliver(self, conn: socket.socket) -> None:
        """What Slack does on a new connection: envelopes never acknowledged come again."""
        with self._lock:
            waiting = list(self._unacknowledged)
            again = []
            for envelope_id in waiting:
                envelope = self.envelopes[envelope_id]
                envelope = dict(
                    envelope, retry_attempt=envelope["retry_attempt"] + 1, retry_reason="timeout"
                )
                self.envelopes[envelope_id] = envelope
                self._unacknowledged[envelope_id] = conn
                self.redelivered.append(envelope_id)
                again.append(envelope)
        for envelope in again:
            self._push(conn, envelope)

    def _accept(self) -> None:
        while not self._closed:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        try:
            if not self._handshake(conn):
                return
            self._redeliver(conn)
            for opcode, payload in _read_frames(conn):
                if opcode == 0x9:
                    with self._sending:
                        _send_frame(conn, 0xA, payload)
                elif opcode == 0x8:
                    with self._sending:
                        _send_frame(conn, 0x8, payload[:2])
                    return
                elif opcode == 0x1:
                    ack = json.loads(payload)
                    with self._lock:
                        self.acks.append(ack)
                        self._unacknowledged.pop(str(ack.get("envelope_id")), None)
                        self._lock.notify_all()
        except OSError:
            return
        finally:
            with self._lock:
                self._live.discard(conn)
                self._lock.notify_all()
            conn.close()

    def _handshake(self, conn: socket.socket) -> bool:
        """The WebSocket upgrade, then ``hello``; False for a request that is not one."""
        request = b""
        while b"\r\n\r\n" not in request:
            chunk = conn.recv(4096)
            if not chunk:
                return False
            request += chunk
        head = request.split(b"\r\n\r\n", 1)[0].decode()
        key = re.search(r"(?im)^sec-websocket-key:\s*(\S+)", head)
        if key is None:
            conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
            return False
        accept = base64.b64encode(hashlib.sha1((key.group(1) + _WS_GUID).encode()).digest())
        conn.sendall(
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
            b"Connection: Upgrade\r\nSec-WebSocket-Accept: " + accept + b"\r\n\r\n"
        )
        with self._sending:
            _send_frame(conn, 0x1, json.dumps({"type": "hello", "num_connections": 1}).encode())
        with self._lock:
            self.handshakes.append(head.splitlines()[0])
            self.connections.append(conn)
            self._live.add(conn)
            self._lock.notify_all()
        return True


def _send_frame(conn: socket.socket, opcode: int, payload: bytes) -> None:
    """A final, unmasked frame (servers do not mask)."""
    size = len(payload)
    if size < 126:
        header = struct.pack("!BB", 0x80 | opcode, size)
    elif size < 1 << 16:
        header = struct.pack("!BBH", 0x80 | opcode, 126, size)
    else:
        header = struct.pack("!BBQ", 0x80 | opcode, 127, size)
    conn.sendall(header + payload)


def _read_exact(conn: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = conn.recv(size - len(data))
        if not chunk:
            raise OSError("connection closed")
        data += chunk
    return data


def _read_frames(conn: socket.socket) -> Iterator[tuple[int, bytes]]:
    """Frames from a client (masked, as RFC 6455 requires); continuation frames joined."""
    buffered = b""
    first_opcode = 0
    while True:
        b0, b1 = _read_exact(conn, 2)
        opcode, size = b0 & 0x0F, b1 & 0x7F
        if size == 126:
            (size,) = struct.unpack("!H", _read_exact(conn, 2))
        elif size == 127:
            (size,) = struct.unpack("!Q", _read_exact(conn, 8))
        mask = _read_exact(conn, 4) if b1 & 0x80 else b"\0\0\0\0"
        payload = bytes(c ^ mask[i % 4] for i, c in enumerate(_read_exact(conn, size)))
        if opcode >= 0x8:
            yield opcode, payload
            continue
        if opcode != 0x0:
            first_opcode = opcode
        buffered += payload
        if b0 & 0x80:
            yield first_opcode, buffered
            buffered = b""


# -- deliveries from "Slack" to chatdesk ------------------------------------------------------


class Deliveries:
    """Build Slack's payloads and post them, signed, to chatdesk's ``/slack/events``."""

    def __init__(
        self,
        events_url: str = "",
        standin: SlackStandin | None = None,
        secret: str = SIGNING_SECRET,
    ) -> None:
        """``events_url`` and ``standin`` may be left out to only build payloads."""
        self.events_url = events_url
        self.standin = standin
        self.verifier = SignatureVerifier(secret)
        self._ids = itertools.count(1)
        self._client = httpx.Client(timeout=10)

    def close(self) -> None:
        self._client.close()

    def response_url(self) -> str:
        return self.standin.response_url() if self.standin else "http://127.0.0.1/response/none"

    def signed_headers(self, body: str, timestamp: int | None = None) -> dict[str, str]:
        stamp = str(int(time.time()) if timestamp is None else timestamp)
        return {
            "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": self.verifier.generate_signature(timestamp=stamp, body=body) or "",
        }

    def post(
        self,
        body: str,
        content_type: str,
        headers: dict[str, str] | None = None,
        timestamp: int | None = None,
    ) -> httpx.Response:
        sent = {
            "Content-Type": content_type,
            **self.signed_headers(body, timestamp),
            **(headers or {}),
        }
        return self._client.post(self.events_url, content=body.encode(), headers=sent)

    def event(
        self, event: dict[str, Any], event_id: str | None = None, retry: int = 0, **kw: Any
    ) -> httpx.Response:
        """An Events API ``event_callback``; ``retry`` > 0 sends X-Slack-Retry-Num like Slack."""
        body = json.dumps(self.event_body(event, event_id))
        headers = (
            {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
            if retry
            else {}
        )
        return self.post(body, "application/json", headers=headers, **kw)

    def event_body(self, event: dict[str, Any], event_id: str | None = None) -> dict[str, Any]:
        return {
            "token": "legacy-verification-token",
            "team_id": TEAM_ID,
            "api_app_id": "A0STANDIN",
            "event": event,
            "type": "event_callback",
            "event_id": event_id or f"Ev{next(self._ids):08d}",
            "event_time": int(time.time()),
            "authorizations": [{"team_id": TEAM_ID, "user_id": BOT_USER_ID, "is_bot": True}],
        }

    def next_ts(self) -> str:
        return f"{int(time.time())}.{next(self._ids):06d}"

    def dm(
        self, user: str, text: str, files: list[dict[str, Any]] | None = None, **extra: Any
    ) -> dict[str, Any]:
        """A ``message.im`` event: ``user`` writes ``text`` in their DM with the app."""
        event: dict[str, Any] = {
            "type": "message",
            "channel_type": "im",
            "channel": "D" + user[1:],
            "user": user,
            "text": text,
            "ts": self.next_ts(),
            "team": TEAM_ID,
        }
        if files:
            event["subtype"] = "file_share"
            event["files"] = files
        event.update(extra)
        return event

    def mention(self, user: str, channel: str, text: str, **extra: Any) -> dict[str, Any]:
        """An ``app_mention`` in ``channel``: ``text`` follows the app's mention."""
        return {
            "type": "app_mention",
            "user": user,
            "channel": channel,
            "text": f"<@{BOT_USER_ID}> {text}",
            "ts": self.next_ts(),
            "team": TEAM_ID,
            **extra,
        }

    def channel_message(
        self, user: str, channel: str, text: str, thread_ts: str | None = None, **extra: Any
    ) -> dict[str, Any]:
        """A ``message.channels`` event: ``user`` writes in ``channel``, in a thread if given."""
        event: dict[str, Any] = {
            "type": "message",
            "channel_type": "channel",
            "channel": channel,
            "user": user,
            "text": text,
            "ts": self.next_ts(),
            "team": TEAM_ID,
        }
        if thread_ts:
            event["thread_ts"] = thread_ts
        event.update(extra)
        return event

    def mention_twice(
        self, user: str, channel: str, text: str, thread_ts: str | None = None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """A mention as Slack sends it to an app subscribed to ``message.channels`` too: an
        ``app_mention`` and a ``message`` event of the same message (two event ids)."""
        extra = {"thread_ts": thread_ts} if thread_ts else {}
        mention = self.mention(user, channel, text, **extra)
        message = self.channel_message(
            user, channel, mention["text"], thread_ts=thread_ts, ts=mention["ts"]
        )
        return mention, message

    def press(self, user: str, posted: Posted, label_or_index: str | int) -> httpx.Response:
        """Press a button of a posted message (by label or index), as ``block_actions``."""
        return self.post(*self.press_body(user, posted, label_or_index))

    def press_body(self, user: str, posted: Posted, label_or_index: str | int) -> tuple[str, str]:
        found = posted.buttons
        if isinstance(label_or_index, int):
            button = found[label_or_index]
        else:
            matches = [b for b in found if b["text"]["text"] == label_or_index]
            if not matches:
                raise AssertionError(
                    f"no button {label_or_index!r} in {[b['text']['text'] for b in found]}"
                )
            button = matches[0]
        block = next(b for b in posted.blocks if button in b.get("elements", []))
        payload = self.action_payload(user, posted, block["block_id"], button)
        return urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded"

    def action_payload(
        self, user: str, posted: Posted, block_id: str, button: dict[str, Any]
    ) -> dict[str, Any]:
        container: dict[str, Any] = {
            "type": "message",
            "message_ts": posted.ts,
            "channel_id": posted.channel,
            "is_ephemeral": False,
        }
        if posted.thread_ts:
            container["thread_ts"] = posted.thread_ts
        message = {"type": "message", "user": BOT_USER_ID, "bot_id": BOT_ID, "ts": posted.ts,
                   "text": posted.text, "blocks": posted.blocks}  # fmt: skip
        if posted.thread_ts:
            message["thread_ts"] = posted.thread_ts
        return {
            "type": "block_actions",
            "user": {"id": user, "username": user.lower(), "team_id": TEAM_ID},
            "api_app_id": "A0STANDIN",
            "token": "legacy-verification-token",
            "container": container,
            "trigger_id": f"{next(self._ids)}.trigger",
            "team": {"id": TEAM_ID, "domain": "stand-in"},
            "channel": {
                "id": posted.channel,
                "name": "directmessage" if posted.channel.startswith("D") else "agents",
            },
            "message": message,
            "response_url": self.response_url(),
            "actions": [
                {
                    "action_id": button["action_id"],
                    "block_id": block_id,
                    "text": button["text"],
                    "value": button.get("value", ""),
                    "type": "button",
                    "action_ts": f"{time.time():.6f}",
                }
            ],
        }

    def command_body(self, user: str, text: str, channel: str, command: str = "/support") -> str:
        return urlencode(
            {
                "token": "legacy-verification-token",
                "team_id": TEAM_ID,
                "team_domain": "stand-in",
                "channel_id": channel,
                "channel_name": "directmessage" if channel.startswith("D") else "general",
                "user_id": user,
                "user_name": user.lower(),
                "command": command,
                "text": text,
                "api_app_id": "A0STANDIN",
                "response_url": self.response_url(),
                "trigger_id": f"{next(self._ids)}.trigger",
            }
        )

    def command(
        self, user: str, text: str, channel: str, command: str = "/support"
    ) -> httpx.Response:
        """A slash command typed by ``user`` in ``channel``."""
        return self.post(
            self.command_body(user, text, channel, command), "application/x-www-form-urlencoded"
        )


# chatdesk's own HTTP server, in a thread, is shared with the Telegram tests.
from chatdesk_server import ChatdeskServer  # noqa: E402, F401
