"""The web chat's server side without a browser: the WebSocket protocol through a real client
(websockets) against ``chatdesk serve``'s app, the pages' headers, and the channel's checks."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from websockets.exceptions import InvalidStatus
from websockets.sync.client import ClientConnection, connect

from chatdesk.adapters.server import configured_channels, web_channel
from chatdesk.app import open_desk
from chatdesk.config import SettingsError
from chatdesk.events import Message, ThreadNote
from chatdesk.store.models import Requester, WebMessage

from chatdesk_server import ChatdeskServer  # isort: skip
from web_harness import SECRET, sign  # isort: skip


@pytest.fixture
def serve(make_settings: Callable[..., Any], kb_dir: Path) -> Iterator[Callable[..., Any]]:
    started: list[tuple[ChatdeskServer, Any]] = []

    def start(**overrides: object) -> tuple[ChatdeskServer, Any]:
        values: dict[str, object] = {"knowledge_dir": kb_dir, "web_enabled": True}
        values.update(overrides)
        desk = open_desk(make_settings(**values))
        server = ChatdeskServer([web_channel(desk.settings, desk)], desk).start()
        started.append((server, desk))
        return server, desk

    yield start
    for server, desk in started:
        server.stop()
        desk.database.dispose()


@contextlib.contextmanager
def socket(
    server: ChatdeskServer, origin: str | None = None, **hello: Any
) -> Iterator[ClientConnection]:
    """A connection that said hello and got ``ready`` (or ``refused``)."""
    with connect(
        f"ws://127.0.0.1:{server.port}/web/socket",
        origin=origin or f"http://127.0.0.1:{server.port}",  # type: ignore[arg-type]
        open_timeout=10,
    ) as ws:
        ws.send(json.dumps({"type": "hello", "lang": "en", **hello}))
        ready = json.loads(ws.recv(timeout=10))
        assert ready["type"] in ("ready", "refused"), ready
        ws.ready = ready  # type: ignore[attr-defined]
        yield ws


def frames_until(ws: ClientConnection, match: Callable[[dict[str, Any]], bool]) -> list[dict]:
    seen = []
    while True:
        frame = json.loads(ws.recv(timeout=10))
        seen.append(frame)
        if match(frame):
            return seen


def test_a_socket_from_another_site_is_refused_at_the_handshake(serve) -> None:
    server, _ = serve(web_allowed_origins="https://www.example.com")
    with pytest.raises(InvalidStatus) as refused, socket(server, origin="https://evil.example"):
        pass
    assert refused.value.response.status_code == 403
    with socket(server, origin="https://www.example.com") as ws:  # an allowed site
        assert ws.ready["type"] == "ready"  # type: ignore[attr-defined]


def test_without_a_valid_hash_nothing_reaches_the_desk(serve) -> None:
    server, desk = serve(web_identity_secret=SECRET, web_require_identity=True)
    for claim in (None, {"id": "42", "hash": "0" * 64}, {"id": "42", "hash": sign("43")}):
        with socket(server, identity=claim) as ws:
            assert ws.ready["type"] == "refused"  # type: ignore[attr-defined]
            assert "only for signed-in customers" in ws.ready["text"]  # type: ignore[attr-defined]
            with pytest.raises(Exception):  # noqa: B017 - closed by the server, however it says so
                ws.send(json.dumps({"type": "say", "text": "new my export fails"}))
                ws.recv(timeout=5)
    with desk.database.session() as session:
        assert session.scalars(select(Requester)).all() == []
        assert session.scalars(select(WebMessage)).all() == []


def test_a_forged_hash_without_the_requirement_chats_as_a_guest(serve) -> None:
    server, desk = serve(web_identity_secret=SECRET)
    with socket(server, identity={"id": "42", "hash": sign("42", "x" * 20)}) as ws:
        notice = json.loads(ws.recv(timeout=10))
        assert notice["type"] == "notice" and "chatting as a guest" in notice["text"]
        ws.send(json.dumps({"type": "say", "text": "help"}))
        frames_until(ws, lambda f: f.get("sender") == "desk")
    with desk.database.session() as session:
        users = [r.platform_user_id for r in session.scalars(select(Requester))]
    assert len(users) == 1 and users[0].startswith("a:")  # never "u:42"


def test_the_rate_limit_and_the_size_limit_answer_and_keep_nothing(serve) -> None:
    server, desk = serve(web_rate_per_minute=3, max_text_length=200)
    with socket(server) as ws:
        ws.send(json.dumps({"type": "say", "text": "x" * 201}))
        notice = frames_until(ws, lambda f: f["type"] == "notice")[-1]
        assert "201 characters long; the limit is 200" in notice["text"]
        for number in range(4):
            ws.send(json.dumps({"type": "say", "text": f"help {number}"}))
        notices = frames_until(ws, lambda f: f["type"] == "notice")
        assert "sending messages very quickly" in notices[-1]["text"]
        ws.send("not json")
        frames_until(ws, lambda f: "could not read" in f.get("text", ""))  # and it stays open
    with desk.database.session() as session:
        lines = session.scalars(select(WebMessage)).all()
    # three a minute: the refused long one counted too
    assert [m.payload["text"] for m in lines if m.sender == "visitor"] == ["help 0", "help 1"]


def test_a_redelivered_message_is_answered_once(serve) -> None:
    server, desk = serve()
    with socket(server) as ws:
        for _ in range(2):
            ws.send(json.dumps({"type": "say", "text": "new", "id": "0a1b2c3d-4e5f"}))
        frames_until(ws, lambda f: "What is the problem about" in f.get("text", ""))
    with desk.database.session() as session:
        answers = [m for m in session.scalars(select(WebMessage)) if m.sender == "desk"]
    assert len(answers) == 1


def test_the_chat_page_has_a_strict_policy_and_an_http_only_cookie(serve) -> None:
    server, _ = serve(web_allowed_origins="https://www.example.com")
    page = httpx.get(server.url + "/chat", headers={"Accept-Language": "nl-NL,nl;q=0.9,en;q=0.8"})
    assert page.status_code == 200
    assert '<html lang="nl">' in page.text and "Versturen" in page.text
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "'unsafe-inline'" not in policy
    assert "frame-ancestors 'self' https://www.example.com" in policy
    assert "<script>" not in page.text and " on" not in page.text.split("<body")[1].split(">")[0]
    cookie = page.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    widget = httpx.get(server.url + "/widget.js")
    assert widget.headers["content-type"].startswith("text/javascript")
    assert "Chat met support" in widget.text and "Chat with support" in widget.text
    assert httpx.get(server.url + "/web/static/../../settings.py").status_code == 404
    assert httpx.get(server.url + "/web/static/chat.js").status_code == 200


def test_a_notification_becomes_a_line_and_agent_posts_are_not_for_the_web(serve) -> None:
    _, desk = serve()
    channel = web_channel(desk.settings, desk)
    note = ThreadNote("web", "SD-1001", "internal: checked the logs", "internal")
    assert asyncio.run(channel.deliver(note, None)) is None
    assert asyncio.run(channel.deliver(Message("web", "a:x", "<b>hi</b>"), None)) is None
    with desk.database.session() as session:
        lines = [(m.chat_id, m.payload["text"]) for m in session.scalars(select(WebMessage))]
    assert lines == [("a:x", "<b>hi</b>")]  # kept as text; the page shows it as text


def test_settings_of_the_web_channel(make_settings, kb_dir) -> None:
    with pytest.raises(SettingsError, match=r"CHATDESK_WEB_ALLOWED_ORIGINS: 'www\.example\.com'"):
        make_settings(web_allowed_origins="www.example.com")
    with pytest.raises(SettingsError, match=r"CHATDESK_WEB_IDENTITY_SECRET: must be at least 16"):
        make_settings(web_identity_secret="short")
    settings = make_settings(knowledge_dir=kb_dir, web_enabled=True, web_require_identity=True)
    desk = open_desk(settings)
    try:
        with pytest.raises(SettingsError, match="CHATDESK_WEB_REQUIRE_IDENTITY: needs"):
            configured_channels(settings, desk)
    finally:
        desk.database.dispose()


def test_frames_of_the_wrong_kind_get_an_answer_and_lose_nothing(serve) -> None:
    server, desk = serve()
    with socket(server) as ws:
        ws.send(b"\x00\x01binary where text belongs")
        assert "could not read" in frames_until(ws, lambda f: f["type"] == "notice")[-1]["text"]
        header = {"type": "file", "name": "log.txt", "contentType": "text/plain", "size": 5}
        ws.send(json.dumps(header))
        ws.send(b"1234")  # one byte short
        assert (
            "did not arrive complete"
            in frames_until(ws, lambda f: f["type"] == "notice")[-1]["text"]
        )
        ws.send(json.dumps({"type": "say", "text": "help"}))
        frames_until(ws, lambda f: f.get("sender") == "desk")  # the connection carries on
    with desk.database.session() as session:
        said = [
            m.payload["text"] for m in session.scalars(select(WebMessage)) if m.sender == "visitor"
        ]
    assert said == ["help"]


def test_a_verified_e_mail_puts_the_visitor_in_their_organization(serve, tmp_path) -> None:
    path = tmp_path / "organizations.yaml"
    path.write_text(
        "organizations:\n  - name: Acme\n    email_domains: [acme.example]\n", encoding="utf-8"
    )
    server, desk = serve(web_identity_secret=SECRET, organizations_file=path)
    claims = [
        {"id": "42", "email": "ann@acme.example", "hash": sign("42")},
        {"id": "43", "email": "eve@acme.example", "hash": sign("42")},  # not vouched for
    ]
    for claim in claims:
        with socket(server, identity=claim) as ws:
            ws.send(json.dumps({"type": "say", "text": "help"}))
            frames_until(ws, lambda f: f.get("sender") == "desk")
    with desk.database.session() as session:
        found = {r.platform_user_id: r.organization for r in session.scalars(select(Requester))}
    assert found.pop("u:42") == "Acme"
    assert list(found.values()) == [None]  # the guest, whatever e-mail it claimed


def test_a_file_the_desk_allows_but_a_frame_cannot_carry_gets_its_own_answer(serve) -> None:
    server, _ = serve(attachment_max_mb=40)
    with socket(server) as ws:
        assert ws.ready["fileLimit"] < 16 * 1024 * 1024  # type: ignore[attr-defined]
        header = {"type": "file", "name": "dump.zip", "contentType": "application/zip"}
        ws.send(json.dumps({**header, "size": 30 * 1024 * 1024}))  # no bytes follow
        notice = frames_until(ws, lambda f: f["type"] == "notice")[-1]
        assert "too large for the web chat" in notice["text"]
        ws.send(json.dumps({**header, "size": 41 * 1024 * 1024}))  # above the desk's own limit
        answer = frames_until(ws, lambda f: f.get("sender") == "desk")[-1]
        assert "files can be at most 40 MB" in answer["text"]
