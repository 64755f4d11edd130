"""Nothing acknowledged is lost: a real `chatdesk serve` killed (SIGKILL) in the middle of a
burst, then started again on the same database.

20 customers send 5 messages each ("status SD-9xyz", answered with one message that names the
reference, so every answer says which message it answers). The process is killed in the middle
of the burst (the moment Telegram's poller confirms its offset; once 30 webhook or Events API
deliveries had their 200, or 30 Socket Mode envelopes their acknowledgement), while most turns
have not run and most answers have not
been sent, but Telegram or Slack was told the messages were received. What the
platform was not told it received it delivers again to the new process, as the platforms do.
After the restart every message is answered, and exactly once: the one window the guarantee
leaves (an answer sent just before the kill, its send not yet recorded) is counted from the
database at the kill, and no more duplicates than answers in flight then are accepted.

On SQLite the two processes share one file; with CHATDESK_TEST_DATABASE_URL, PostgreSQL.
"""

from __future__ import annotations

import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from chatdesk.store.db import Database
from chatdesk.store.inbox import waiting
from chatdesk.store.models import OutboxItem
from chatdesk.store.outbox import pending_count

from slack_standin import APP_TOKEN, BOT_TOKEN, SIGNING_SECRET, Deliveries, SlackStandin  # isort: skip
from telegram_harness import WEBHOOK_SECRET  # isort: skip
from telegram_standin import BotApiStandIn, TgUser, Updates  # isort: skip
from test_telegram_serve import free_port, serve, wait_healthy  # isort: skip

CUSTOMERS = 20
MESSAGES = 5
KILL_AT = 30
"""Webhook and Events API: the process is killed once this many deliveries had their 200."""
REFERENCE = re.compile(r"SD-9\d{3}")
HEADERS = {"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET}


def _text(customer: int, message: int) -> str:
    return f"status SD-{9000 + customer * 10 + message}"


def _references() -> set[str]:
    return {_text(c, m).split()[1] for c in range(CUSTOMERS) for m in range(MESSAGES)}


class Serve:
    """`chatdesk serve` processes, one after the other, on one database and one port."""

    def __init__(self, env: dict[str, str], workdir: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **env,
            "CHATDESK_HTTP_HOST": "127.0.0.1",
            "CHATDESK_HTTP_PORT": str(self.port),
            "CHATDESK_OUTBOX_POLL_SECONDS": "0.05",
            "CHATDESK_OUTBOX_LEASE_SECONDS": "5",  # the dead process's claims run out soon
        }
        self.workdir = workdir
        self.process: Any = None

    def start(self) -> None:
        self.process = serve(self.env, self.workdir)
        wait_healthy(self.url, self.process)

    def kill(self) -> None:
        self.process.kill()
        self.process.wait(timeout=30)

    def stop(self) -> str:
        from test_telegram_serve import stop

        return stop(self.process) if self.process is not None else ""


def _in_flight(database_url: str) -> int:
    """Answers claimed by a worker and not recorded as sent: at a kill, the ones that may have
    reached the platform without the database knowing (the documented window)."""
    database = Database(database_url)
    try:
        with database.session() as session:
            rows = session.scalars(
                select(OutboxItem).where(
                    OutboxItem.claimed_by.is_not(None),
                    OutboxItem.sent_at.is_(None),
                    OutboxItem.failed_at.is_(None),
                    OutboxItem.claimed_until.is_not(None),
                )
            )
            return len(list(rows))
    finally:
        database.dispose()


def _settled(database_url: str) -> tuple[int, int]:
    database = Database(database_url)
    try:
        with database.session() as session:
            pending = pending_count(session)
        return pending, waiting(database)
    finally:
        database.dispose()


def _answered(texts: list[str]) -> Counter[str]:
    return Counter(ref for text in texts for ref in REFERENCE.findall(text))


def _wait_all_answered(answers: Callable[[], list[str]], timeout: float = 90) -> Counter[str]:
    deadline = time.monotonic() + timeout
    expected = _references()
    while time.monotonic() < deadline:
        seen = _answered(answers())
        if set(seen) >= expected:
            return seen
        time.sleep(0.2)
    missing = sorted(expected - set(_answered(answers())))
    raise AssertionError(f"{len(missing)} message(s) never answered: {missing[:10]}")


def _check_exactly_once(
    answers: Callable[[], list[str]], database_url: str, in_flight: int
) -> None:
    _wait_all_answered(answers)
    deadline = time.monotonic() + 30
    while _settled(database_url) != (0, 0) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _settled(database_url) == (0, 0), "outbox or inbox not emptied"
    time.sleep(1.0)  # anything sent twice would have arrived by now
    seen = _answered(answers())
    twice = sum(count - 1 for count in seen.values())
    assert set(seen) == _references()
    assert twice <= in_flight, f"{twice} answers sent twice; {in_flight} were in flight"


def _post_in_threads(posts: list[list[Callable[[], int]]], kill: Callable[[], None]) -> list[bool]:
    """Run each list of posts in its own thread (a chat's messages one after another, as the
    platforms deliver them), and ``kill`` the server once :data:`KILL_AT` were acknowledged
    (answered 200); which ones were acknowledged."""
    results: dict[tuple[int, int], bool] = {}
    guard = threading.Lock()
    acknowledged = [0]

    def run(index: int, chat: list[Callable[[], int]]) -> None:
        for position, post in enumerate(chat):
            try:
                ok = post() == 200
            except httpx.HTTPError:
                ok = False
            results[index, position] = ok
            with guard:
                acknowledged[0] += ok
                if ok and acknowledged[0] == KILL_AT:
                    kill()

    threads = [threading.Thread(target=run, args=(i, chat)) for i, chat in enumerate(posts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return [results.get((i, p), False) for i, chat in enumerate(posts) for p in range(len(chat))]


# -- Telegram ---------------------------------------------------------------------------------


@pytest.fixture
def api() -> Iterator[BotApiStandIn]:
    with BotApiStandIn() as api:
        yield api


@pytest.mark.parametrize("mode", ["polling", "webhook"])
def test_telegram_answers_every_acknowledged_message_once_after_a_kill(
    mode: str, api: BotApiStandIn, database_url: str, kb_dir: Path, tmp_path: Path
) -> None:
    env = {
        "CHATDESK_DATABASE_URL": database_url,
        "CHATDESK_KNOWLEDGE_DIR": str(kb_dir),
        "CHATDESK_TELEGRAM_TOKEN": api.token,
        "CHATDESK_TELEGRAM_API_URL": api.base_url,
    }
    if mode == "webhook":
        env["CHATDESK_TELEGRAM_WEBHOOK_URL"] = "https://desk.example.org/telegram/webhook"
        env["CHATDESK_TELEGRAM_WEBHOOK_SECRET"] = WEBHOOK_SECRET
    server = Serve(env, tmp_path)
    updates = Updates()
    users = [TgUser(6000 + n, f"Customer {n}") for n in range(CUSTOMERS)]
    burst = [
        [updates.message(users[c], _text(c, m)) for m in range(MESSAGES)] for c in range(CUSTOMERS)
    ]
    answers = lambda: [c.shown_text for c in api.sent()]  # noqa: E731
    try:
        server.start()
        api.wait_for("getUpdates" if mode == "polling" else "setWebhook", ok_only=False)
        started = time.monotonic()
        if mode == "polling":
            api.push_updates([u for m in range(MESSAGES) for u in (chat[m] for chat in burst)])
            # Killed the moment the poller confirms its offset: Telegram forgets them then.
            while len(api.pending_updates()) == CUSTOMERS * MESSAGES:
                assert time.monotonic() - started < 30, "the offset was never confirmed"
                time.sleep(0.002)
            server.kill()
            acknowledged = CUSTOMERS * MESSAGES - len(api.pending_updates())
            unacknowledged: list[dict[str, Any]] = []  # the stand-in still holds them
        else:

            def poster(update: dict[str, Any]) -> Callable[[], int]:
                url = server.url + "/telegram/webhook"
                return lambda: httpx.post(url, json=update, headers=HEADERS, timeout=10).status_code

            acked = _post_in_threads([[poster(u) for u in chat] for chat in burst], server.kill)
            flat = [u for chat in burst for u in chat]
            acknowledged = sum(acked)
            unacknowledged = [u for u, ok in zip(flat, acked, strict=True) if not ok]
        answered_at_kill = len(_answered(answers()))
        in_flight = _in_flight(database_url)
        assert time.monotonic() - started < 30
        assert acknowledged > answered_at_kill, "the kill came after the burst was answered"

        server.start()
        for update in unacknowledged:  # Telegram delivers again what it got no 200 for
            response = httpx.post(
                server.url + "/telegram/webhook", json=update, headers=HEADERS, timeout=10
            )
            assert response.status_code == 200
        _check_exactly_once(answers, database_url, in_flight)
    finally:
        output = server.stop()
        print(output[-20000:])  # shown when the test fails
    assert "Traceback" not in output, output


# -- Slack ------------------------------------------------------------------------------------


@pytest.fixture
def standin() -> Iterator[SlackStandin]:
    with SlackStandin() as running:
        for n in range(CUSTOMERS):
            running.add_user(f"U0C{n:03d}", f"customer{n}")
        yield running


def test_slack_events_api_answers_every_acknowledged_message_once_after_a_kill(
    standin: SlackStandin, database_url: str, kb_dir: Path, tmp_path: Path
) -> None:
    env = {
        "CHATDESK_DATABASE_URL": database_url,
        "CHATDESK_KNOWLEDGE_DIR": str(kb_dir),
        "CHATDESK_SLACK_BOT_TOKEN": BOT_TOKEN,
        "CHATDESK_SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "CHATDESK_SLACK_API_URL": standin.base_url,
    }
    server = Serve(env, tmp_path)
    builder = Deliveries()
    bodies = [
        [builder.event_body(builder.dm(f"U0C{c:03d}", _text(c, m))) for m in range(MESSAGES)]
        for c in range(CUSTOMERS)
    ]
    answers = lambda: [p.shown for p in standin.posted]  # noqa: E731
    try:
        server.start()
        deliveries = Deliveries(server.url + "/slack/events", standin)

        def poster(body: dict[str, Any], retry: int = 0) -> Callable[[], int]:
            return lambda: (
                deliveries.event(body["event"], event_id=body["event_id"], retry=retry).status_code
            )

        acked = _post_in_threads([[poster(b) for b in chat] for chat in bodies], server.kill)
        answered_at_kill = len(_answered(answers()))
        in_flight = _in_flight(database_url)
        assert sum(acked) > answered_at_kill, "the kill came after the burst was answered"

        server.start()
        deliveries = Deliveries(server.url + "/slack/events", standin)
        flat = [b for chat in bodies for b in chat]
        for body, ok in zip(flat, acked, strict=True):
            if not ok:  # Slack retries what it got no 200 for
                assert poster(body, retry=1)() == 200
        _check_exactly_once(answers, database_url, in_flight)
    finally:
        output = server.stop()
        print(output[-20000:])  # shown when the test fails
    assert "Traceback" not in output, output


def test_slack_socket_mode_answers_every_acknowledged_envelope_once_after_a_kill(
    standin: SlackStandin, database_url: str, kb_dir: Path, tmp_path: Path
) -> None:
    """The same burst as envelopes over the WebSocket. Each customer's next envelope goes once
    the last one was acknowledged; the process is killed at the 30th acknowledgement. What was
    not acknowledged the stand-in delivers again on the new process's connection (with
    ``retry_attempt`` one higher), as Slack does."""
    socket = standin.enable_socket_mode()
    env = {
        "CHATDESK_DATABASE_URL": database_url,
        "CHATDESK_KNOWLEDGE_DIR": str(kb_dir),
        "CHATDESK_SLACK_BOT_TOKEN": BOT_TOKEN,
        "CHATDESK_SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "CHATDESK_SLACK_APP_TOKEN": APP_TOKEN,
        "CHATDESK_SLACK_API_URL": standin.base_url,
    }
    server = Serve(env, tmp_path)
    builder = Deliveries()
    bodies = [
        [builder.event_body(builder.dm(f"U0C{c:03d}", _text(c, m))) for m in range(MESSAGES)]
        for c in range(CUSTOMERS)
    ]
    answers = lambda: [p.shown for p in standin.posted]  # noqa: E731
    sent: list[str] = []

    def poster(body: dict[str, Any]) -> Callable[[], int]:
        def post() -> int:
            envelope_id = socket.send("events_api", body)
            sent.append(envelope_id)
            return 200 if socket.acknowledged(envelope_id, timeout=20) else 0

        return post

    try:
        server.start()
        socket.wait_connected()
        acked = _post_in_threads([[poster(b) for b in chat] for chat in bodies], server.kill)
        answered_at_kill = len(_answered(answers()))
        in_flight = _in_flight(database_url)
        not_acked = set(socket.unacknowledged())
        assert sum(acked) > answered_at_kill, "the kill came after the burst was answered"
        assert len(sent) == CUSTOMERS * MESSAGES and len(not_acked) == len(sent) - sum(acked)
        assert not_acked, "every envelope was acknowledged before the kill"
        print(f"acknowledged {sum(acked)}, answered {answered_at_kill}, in flight {in_flight}")

        server.start()
        socket.wait_connected(count=2)
        _check_exactly_once(answers, database_url, in_flight)
        assert set(socket.redelivered) == not_acked, "only what was not acknowledged comes again"
        assert socket.unacknowledged() == []
    finally:
        output = server.stop()
        print(output[-20000:])  # shown when the test fails
    assert "Traceback" not in output, output
