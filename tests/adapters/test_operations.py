"""Operating chatdesk serve: /metrics after a real conversation, /metrics off or on its own
port, and /readyz while the database goes away and comes back. Real python-telegram-bot in
webhook mode against the stand-in Bot API, the real desk on a real database."""

from __future__ import annotations

import os
import re
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from telegram_harness import BotRunner, TelegramBot  # isort: skip
from telegram_standin import BotApiStandIn, TgUser  # isort: skip
from test_telegram import open_ticket  # isort: skip

ANN = TgUser(4301, "Ann", language_code="en")
BEN = TgUser(4302, "Ben", language_code="en")


@pytest.fixture
def api() -> Iterator[BotApiStandIn]:
    with BotApiStandIn() as api:
        yield api


@pytest.fixture
def bots(make_settings: Any, kb_dir: Path, api: BotApiStandIn) -> Iterator[BotRunner]:
    runner = BotRunner(make_settings, kb_dir, api)
    yield runner
    runner.stop_all()


def scrape(url: str) -> dict[str, float]:
    """Every sample of a scrape, keyed by its name and labels as printed."""
    response = httpx.get(url + "/metrics", timeout=10)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    samples = {}
    for line in response.text.splitlines():
        if line and not line.startswith("#"):
            key, value = line.rsplit(" ", 1)
            samples[key] = float(value)
    return samples


def moved(before: dict[str, float], after: dict[str, float], key: str) -> float:
    return after.get(key, 0.0) - before.get(key, 0.0)


def test_a_scrape_after_a_conversation_shows_the_counters_moving(bots: BotRunner) -> None:
    bot = bots.start("webhook", metrics_enabled=True)
    before = scrape(bot.server.url)
    reference = open_ticket(bot, ANN, "Export to Excel fails")
    sent = bot.say(BEN, "/new")
    sent = bot.say(BEN, "I forgot my password")
    sent = bot.say(BEN, "1")  # read the first suggestion
    sent = bot.say(BEN, "thanks, that solved it")
    assert sent
    after = scrape(bot.server.url)

    answered = 'chatdesk_turns_total{outcome="answered",platform="telegram"}'
    assert moved(before, after, answered) >= 10
    assert moved(before, after, 'chatdesk_turn_seconds_count{platform="telegram"}') >= 10
    assert moved(before, after, 'chatdesk_suggestions_shown_total{lang="en"}') >= 2
    assert moved(before, after, "chatdesk_suggestion_seconds_count") >= 2
    assert moved(before, after, 'chatdesk_deflections_total{lang="en"}') == 1
    assert moved(before, after, 'chatdesk_tickets_opened_total{priority="normal"}') == 1
    assert after["chatdesk_outbox_waiting"] == 0  # the card was sent (settle waited for it)
    assert after["chatdesk_outbox_oldest_age_seconds"] == 0
    assert reference.startswith("SD-")

    # A redelivered update is counted as such, and not answered twice.
    update = bot.updates.message(ANN, "my tickets")
    assert bot.deliver(update) == 200
    bot.settle()
    assert bot.deliver(update) == 200
    bot.settle()
    again = scrape(bot.server.url)
    assert moved(after, again, 'chatdesk_turns_total{outcome="redelivered",platform="telegram"}')


def test_a_scrape_shows_what_waits_in_the_outbox_and_failed_sends(bots: BotRunner) -> None:
    bot = bots.start("webhook", metrics_enabled=True)
    bot.api.start_outage(502)  # Telegram's sending side is down: the card cannot be sent
    open_ticket_during_outage(bot)
    after = scrape(bot.server.url)
    assert after["chatdesk_outbox_waiting"] >= 1
    assert after["chatdesk_outbox_oldest_age_seconds"] >= 0
    failed = [k for k in after if k.startswith("chatdesk_sends_failed_total{")]
    assert any('platform="telegram"' in k and after[k] >= 1 for k in failed), failed
    bot.api.end_outage()
    bot.wait_outbox(30)
    assert scrape(bot.server.url)["chatdesk_outbox_waiting"] == 0


def open_ticket_during_outage(bot: TelegramBot) -> None:
    """Confirm a ticket while sends fail; wait until the worker has tried the card."""
    from chatdesk.events import InboundEvent

    desk = bot.desk
    for n, line in enumerate(
        [
            "new",
            "Export to Excel fails on the monthly report",
            "continue",
            "The export spinner keeps turning and no file is ever downloaded.",
            "continue",
            "Reports > Monthly > Export to Excel",
            "skip",
            "confirm",
        ]
    ):
        desk.handle(InboundEvent("telegram", "4303", "4303", text=line, event_id=f"o{n}"))
    for listener in desk.outbox_listeners:
        listener()
    bot.api.wait_for("sendMessage", lambda c: c.chat_id == BotRunner.AGENT_CHAT, ok_only=False)


def test_metrics_are_off_unless_enabled(bots: BotRunner) -> None:
    bot = bots.start("webhook")
    assert httpx.get(bot.server.url + "/metrics", timeout=10).status_code == 404


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_metrics_can_have_a_port_of_their_own(bots: BotRunner) -> None:
    port = free_port()
    bot = bots.start("webhook", metrics_enabled=True, metrics_port=port)
    bot.say(ANN, "help")
    assert httpx.get(bot.server.url + "/metrics", timeout=10).status_code == 404
    samples = scrape(f"http://127.0.0.1:{port}")
    assert samples['chatdesk_turns_total{outcome="answered",platform="telegram"}'] >= 1
    assert "chatdesk_outbox_waiting" in samples


def readyz(bot: TelegramBot) -> tuple[int, dict[str, Any]]:
    response = httpx.get(bot.server.url + "/readyz", timeout=20)
    return response.status_code, response.json()


def test_readyz_is_503_while_the_database_is_away_and_200_after(bots: BotRunner) -> None:
    bot = bots.start("webhook")
    status, body = readyz(bot)
    assert (status, body["database"], body["schema"]) == (200, "ok", "ok")
    assert body["channels"] == {"telegram": "started"}
    with database_away(bot.desk.database):
        status, body = readyz(bot)
        assert status == 503
        assert body["status"] == "not ready" and body["database"] == "unreachable"
        assert httpx.get(bot.server.url + "/healthz", timeout=10).status_code == 200  # alive
    status, body = readyz(bot)
    assert (status, body["status"]) == (200, "ready")


def test_readyz_is_503_while_the_schema_is_behind_the_code(bots: BotRunner) -> None:
    bot = bots.start("webhook")
    engine = bot.desk.database.engine
    with engine.begin() as conn:
        newest = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar_one()
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '0002_agent_desk'"))
    status, body = readyz(bot)
    assert status == 503
    assert re.fullmatch(r"at 0002_agent_desk, expected \w+", body["schema"]), body
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = :v"), {"v": newest})
    assert readyz(bot)[0] == 200


class database_away:  # lower case: read as `with database_away(db):`
    """The database stops accepting connections, and this process's connections are cut.

    SQLite: the file is moved away and a folder takes its place, so it cannot be opened.
    PostgreSQL: the database refuses new connections and its sessions are terminated.
    """

    def __init__(self, database: Any) -> None:
        self.database = database
        self.url = make_url(database.url)

    def __enter__(self) -> None:
        self.database.engine.dispose()
        if self.database.is_sqlite:
            path = Path(str(self.url.database))
            os.rename(path, path.with_suffix(".away"))
            path.mkdir()
        else:
            self._admin("ALTER DATABASE {db} ALLOW_CONNECTIONS false")
            self._admin(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{db}'"
            )

    def __exit__(self, *_: object) -> None:
        if self.database.is_sqlite:
            path = Path(str(self.url.database))
            path.rmdir()
            os.rename(path.with_suffix(".away"), path)
        else:
            self._admin("ALTER DATABASE {db} ALLOW_CONNECTIONS true")

    def _admin(self, statement: str) -> None:
        admin = sa.create_engine(self.url.set(database="postgres"), isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as conn:
                conn.execute(sa.text(statement.format(db=self.url.database)))
        finally:
            admin.dispose()
