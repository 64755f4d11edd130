"""A move from a group to the private chat survives a crash: a real `chatdesk serve` killed
(SIGKILL) while it says the pointer in the group, after the customer's words were carried into
the private chat, then started again on the same database.

The group's pointer is the last step of the move (the words go first), and the move's outbox
row is marked sent only after it. So the new process, once the dead one's lease ran out, sends
the move again: the pointer at least once (the dead process's send may have reached Telegram),
the words carried over exactly once (their turn's delivery id is recorded), and the note in
the private chat not again (the new process finds the words carried over).

On SQLite the two processes share one file; with CHATDESK_TEST_DATABASE_URL, PostgreSQL.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from chatdesk.adapters.telegram.catalogue import t
from chatdesk.store.db import Database
from chatdesk.store.inbox import waiting
from chatdesk.store.outbox import pending_count

from telegram_harness import WEBHOOK_SECRET  # isort: skip
from telegram_standin import BotApiStandIn, TgGroup, TgUser, Updates  # isort: skip
from test_telegram_serve import free_port, serve, stop, wait_healthy  # isort: skip

ANN = TgUser(4301, "Ann", language_code="en")
OFFICE = TgGroup(-100_600, "Office")
HEADERS = {"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET}
SLOW_POINTER = 5.0
"""Seconds the stand-in holds the pointer's sendMessage: the process is killed meanwhile."""


@pytest.fixture
def api() -> Iterator[BotApiStandIn]:
    with BotApiStandIn() as api:
        yield api


def _carried(api: BotApiStandIn) -> list[str]:
    intro = t("intake.suggest_intro", "en")
    return [c.shown_text for c in api.sent(ANN.id) if c.shown_text.startswith(intro)]


def _continued(api: BotApiStandIn) -> list[str]:
    note = t("telegram.private.continued", "en")
    return [c.shown_text for c in api.sent(ANN.id) if c.shown_text == note]


def _wait(condition: Callable[[], bool], what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def _pending(database_url: str) -> int:
    """Outbox items not yet sent, plus deliveries waiting in the inbox."""
    database = Database(database_url)
    try:
        with database.session() as session:
            pending = pending_count(session)
        return pending + waiting(database)
    finally:
        database.dispose()


def test_a_move_killed_while_the_pointer_is_sent_is_made_again_and_the_words_carried_once(
    api: BotApiStandIn, database_url: str, kb_dir: Path, tmp_path: Path
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        "CHATDESK_DATABASE_URL": database_url,
        "CHATDESK_KNOWLEDGE_DIR": str(kb_dir),
        "CHATDESK_HTTP_HOST": "127.0.0.1",
        "CHATDESK_HTTP_PORT": str(port),
        "CHATDESK_TELEGRAM_TOKEN": api.token,
        "CHATDESK_TELEGRAM_API_URL": api.base_url,
        "CHATDESK_TELEGRAM_WEBHOOK_URL": "https://desk.example.org/telegram/webhook",
        "CHATDESK_TELEGRAM_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "CHATDESK_OUTBOX_POLL_SECONDS": "0.05",
        "CHATDESK_OUTBOX_LEASE_SECONDS": "5",  # the dead process's claim runs out soon
    }
    update = Updates().message(ANN, f"@{api.username} new Export to Excel fails", group=OFFICE)
    api.slow_chats[OFFICE.id] = SLOW_POINTER
    output = ""
    process = serve(env, tmp_path)
    try:
        wait_healthy(url, process)
        posted = httpx.post(url + "/telegram/webhook", json=update, headers=HEADERS, timeout=10)
        assert posted.status_code == 200
        api.wait_for("sendMessage", lambda c: c.chat_id == OFFICE.id, ok_only=False, timeout=60)
        # The private chat's answer was sent and recorded (so the kill cannot send it twice);
        # only the move waits, its pointer under way.
        _wait(lambda: len(_carried(api)) == 1 and _pending(database_url) == 1, "the answer")
        process.kill()  # while the pointer is being sent
        process.wait(timeout=30)
        output += stop(process)
        api.slow_chats.pop(OFFICE.id)

        process = serve(env, tmp_path)
        wait_healthy(url, process)
        _wait(lambda: len(api.sent(OFFICE.id)) >= 2, "the pointer sent again after the restart")
        # The group's update delivered again (as Telegram does when a 200 was lost) changes
        # nothing: its turn was recorded.
        again = httpx.post(url + "/telegram/webhook", json=update, headers=HEADERS, timeout=10)
        assert again.status_code == 200
        _wait(lambda: _pending(database_url) == 0, "the inbox and the outbox to empty")
    finally:
        output += stop(process)
        print(output[-20000:])  # shown when the test fails

    pointers = [c.shown_text for c in api.sent(OFFICE.id)]
    assert set(pointers) == {t("group.moved", "en")}
    assert len(_continued(api)) == 1
    assert len(_carried(api)) == 1
    assert "Traceback" not in output, output
