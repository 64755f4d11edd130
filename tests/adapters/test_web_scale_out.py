"""Two ``chatdesk serve`` processes on one database: a browser connected to one of them sees
what the other one's outbox worker delivered.

The browser's process runs without an outbox worker, so every notification is sent by the
other process, a real ``chatdesk serve`` started as a command. With CHATDESK_TEST_DATABASE_URL
this runs on PostgreSQL, the set-up the README describes for scale-out; otherwise both share a
SQLite file.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from chatdesk.adapters.server import web_channel
from chatdesk.app import open_desk
from chatdesk.store.models import OutboxItem

from chatdesk_server import ChatdeskServer  # isort: skip
from test_telegram_serve import free_port, serve, stop, wait_healthy  # isort: skip
from test_web import Served, tickets_cli, ticket_for  # isort: skip
from web_harness import SECRET, ChatPage, open_browsers, sign  # isort: skip


@pytest.fixture
def browsers(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[..., Any]]:
    yield from open_browsers(request, tmp_path)


class WithoutWorker(Served):
    """The browser's process: the web channel, and no outbox worker of its own."""

    def __init__(self, settings: Any) -> None:
        self.desk = open_desk(settings)
        self.channel = web_channel(settings, self.desk)
        self.server = ChatdeskServer([self.channel]).start()  # no desk: no worker
        self.url = self.server.url


def test_a_browser_on_one_process_gets_what_another_process_delivered(
    make_settings: Callable[..., Any], database_url: str, kb_dir: Path, tmp_path: Path, browsers
) -> None:
    settings = make_settings(
        knowledge_dir=kb_dir,
        web_enabled=True,
        web_identity_secret=SECRET,
        web_poll_seconds=0.2,
    )
    first = WithoutWorker(settings)
    port = free_port()
    env = {
        "CHATDESK_DATABASE_URL": database_url,
        "CHATDESK_KNOWLEDGE_DIR": str(kb_dir),
        "CHATDESK_HTTP_HOST": "127.0.0.1",
        "CHATDESK_HTTP_PORT": str(port),
        "CHATDESK_WEB_ENABLED": "true",
        "CHATDESK_WEB_IDENTITY_SECRET": SECRET,
        "CHATDESK_OUTBOX_POLL_SECONDS": "0.2",
    }
    second = serve(env, tmp_path)
    try:
        assert wait_healthy(f"http://127.0.0.1:{port}", second)["channels"] == ["web"]
        reference = ticket_for(first, "u:77")
        page = ChatPage(browsers(), first.url)
        page.open({"id": "77", "name": "Ann", "hash": sign("77")}).wait_ready()
        tickets_cli(first, "reply", reference, "Fixed on our side; try again please.")
        page.wait_text("Fixed on our side; try again please.")
        with first.desk.database.session() as session:
            reply = session.scalars(
                select(OutboxItem).where(OutboxItem.kind == "message").order_by(OutboxItem.id)
            ).all()[-1]
        # the item was claimed and sent by the other process
        assert reply.sent_at is not None
        assert reply.claimed_by.startswith(f"{socket.gethostname()}:{second.pid}:")  # type: ignore[union-attr]
    finally:
        output = stop(second)
        first.close()
    assert "Traceback" not in output, output
