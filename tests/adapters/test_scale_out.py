"""Two `chatdesk serve` processes on one database, as behind a load balancer.

Telegram runs in webhook mode (polling allows one process only), and the deliveries of one
conversation are spread over both processes, sometimes twice (a retried webhook that lands on
the other process). Both processes run the outbox worker and the periodic jobs. Nothing may be
lost, nothing may be sent twice, and the drafts must come out whole.

On SQLite the processes share one file; with CHATDESK_TEST_DATABASE_URL they share PostgreSQL,
which is the set-up the README describes for scale-out.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from chatdesk.core.i18n import t
from chatdesk.events import Message
from chatdesk.store import outbox
from chatdesk.store.db import Database
from chatdesk.store.models import Ticket

from telegram_harness import WEBHOOK_SECRET  # isort: skip
from telegram_standin import BotApiStandIn, TgUser, Updates  # isort: skip
from test_telegram_serve import free_port, serve, stop, wait_healthy  # isort: skip

AGENT_CHAT = -1007700
ANN = TgUser(5101, "Ann")
BOB = TgUser(5102, "Bob")
HEADERS = {"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET}

ANN_INTAKE = [
    "/new",
    "Printer prints blank pages",
    "Every page comes out of the printer completely blank, also for old invoices.",
    "Open an invoice, press Print and pick the office printer.",
    "skip",
    "confirm",
]
BOB_INTAKE = [
    "/new",
    "Dashboard widgets stay grey",
    "The sales widgets on the dashboard stay grey and never show numbers.",
    "Log in as a sales manager and open the dashboard.",
    "The widget says: data source unavailable",
    "send as urgent",  # the summary's "Site down" option (a report that starts urgent
    # goes straight to a short summary instead of these questions)
]


@pytest.fixture
def api() -> Iterator[BotApiStandIn]:
    with BotApiStandIn() as api:
        yield api


@pytest.fixture
def processes(api: BotApiStandIn, database_url: str, kb_dir: Path, tmp_path: Path):  # type: ignore[no-untyped-def]
    """Two serve processes in webhook mode on one database; their base URLs."""
    started = []
    urls = []
    try:
        for name in ("a", "b"):
            port = free_port()
            workdir = tmp_path / name
            workdir.mkdir()
            env = {
                "CHATDESK_DATABASE_URL": database_url,
                "CHATDESK_KNOWLEDGE_DIR": str(kb_dir),
                "CHATDESK_HTTP_HOST": "127.0.0.1",
                "CHATDESK_HTTP_PORT": str(port),
                "CHATDESK_TELEGRAM_TOKEN": api.token,
                "CHATDESK_TELEGRAM_API_URL": api.base_url,
                "CHATDESK_TELEGRAM_WEBHOOK_URL": "https://desk.example.org/telegram/webhook",
                "CHATDESK_TELEGRAM_WEBHOOK_SECRET": WEBHOOK_SECRET,
                "CHATDESK_TELEGRAM_AGENT_CHAT": str(AGENT_CHAT),
                "CHATDESK_OUTBOX_POLL_SECONDS": "0.05",
                "CHATDESK_PERIODIC_SECONDS": "0.2",
                # Urgent targets of a few seconds, counted around the clock: Bob's "site
                # down" ticket breaches both while the test runs.
                "CHATDESK_SERVICE_TARGETS": "urgent=0.001/0.002,high=4/16,normal=8/40,low=16/80",
                "CHATDESK_URGENT_AROUND_THE_CLOCK": "true",
            }
            process = serve(env, workdir)
            started.append(process)
            url = f"http://127.0.0.1:{port}"
            wait_healthy(url, process)
            urls.append(url)
        api.wait_for("setWebhook", count=2)
        yield urls
    finally:
        outputs = [stop(process) for process in started]
        for name, output in zip("ab", outputs, strict=False):
            # Shown by pytest only when the test fails: what each process logged.
            print(f"---- chatdesk serve {name} ----\n{output[-30000:]}")
        for process, output in zip(started, outputs, strict=True):
            assert process.returncode == 0, output
            assert "Traceback" not in output, output


def _post(url: str, update: dict) -> None:
    response = httpx.post(url + "/telegram/webhook", json=update, headers=HEADERS, timeout=30)
    assert response.status_code == 200, response.text


def _answers(api: BotApiStandIn, user: TgUser) -> int:
    return len(api.sent(user.id))


def _wait_for_answer(api: BotApiStandIn, user: TgUser, before: int) -> None:
    api.wait_for("sendMessage", lambda c: c.chat_id == user.id, count=before + 1, timeout=30)


def test_two_processes_share_conversations_without_losing_or_doubling_anything(
    api: BotApiStandIn, processes: list[str], database_url: str
) -> None:
    updates = Updates()
    for step, (ann_text, bob_text) in enumerate(zip(ANN_INTAKE, BOB_INTAKE, strict=True)):
        ann_update = updates.message(ANN, ann_text)
        bob_update = updates.message(BOB, bob_text)
        before = {ANN.id: _answers(api, ANN), BOB.id: _answers(api, BOB)}
        # Ann's turn goes to one process and, as a retried webhook, to the other at once;
        # Bob's turn goes to the other process at the same moment.
        first, second = processes[step % 2], processes[(step + 1) % 2]
        posts = [
            threading.Thread(target=_post, args=(first, ann_update)),
            threading.Thread(target=_post, args=(second, ann_update)),
            threading.Thread(target=_post, args=(second, bob_update)),
        ]
        for thread in posts:
            thread.start()
        for thread in posts:
            thread.join(timeout=60)
        _wait_for_answer(api, ANN, before[ANN.id])
        _wait_for_answer(api, BOB, before[BOB.id])

    # Each ticket's card reaches the agents once, whichever process's worker sent it.
    cards = api.wait_for("sendMessage", lambda c: c.chat_id == AGENT_CHAT, count=2, timeout=30)
    database = Database(database_url)
    try:
        with database.session() as session:
            tickets = {t.subject: t for t in session.scalars(select(Ticket))}
            assert set(tickets) == {ANN_INTAKE[1], BOB_INTAKE[1]}
            ann, bob = tickets[ANN_INTAKE[1]], tickets[BOB_INTAKE[1]]
            assert (ann.description, ann.steps, ann.error_message) == (
                ANN_INTAKE[2],
                ANN_INTAKE[3],
                None,
            )
            assert (bob.description, bob.steps, bob.error_message) == tuple(BOB_INTAKE[2:5])
            references = [ann.reference, bob.reference]
        # Ann's duplicated deliveries were answered once each: one "created" message for her.
        created = [c for c in api.sent(ANN.id) if "has been created" in c.shown_text]
        assert len(created) == 1 and ann.reference in created[0].shown_text
        assert sorted(r for c in cards for r in references if r in c.shown_text) == sorted(
            references
        )

        # Notifications written while both workers run: every one arrives exactly once.
        # Both processes run the service-target check every 0.2 s: one ping per breach.
        escalations = api.wait_for(
            "sendMessage", lambda c: "missed its" in c.shown_text, count=2, timeout=30
        )
        assert all(bob.reference in c.shown_text for c in escalations)
        with database.session() as session:
            for n in range(30):
                user = (ANN, BOB)[n % 2]
                outbox.enqueue(
                    session,
                    Message("telegram", str(user.id), f"notice {n}"),
                    _now(),
                )
        notices = api.wait_for(
            "sendMessage", lambda c: c.shown_text.startswith("notice "), count=30, timeout=60
        )
        _wait_until_sent(database)
        notices = [c for c in api.sent() if c.shown_text.startswith("notice ")]
        texts = [c.shown_text for c in notices]
        assert sorted(texts) == sorted(f"notice {n}" for n in range(30))  # none twice
        for user in (ANN, BOB):  # and in the order they were written, per chat
            mine = [int(c.shown_text.split()[1]) for c in notices if c.chat_id == user.id]
            assert mine == sorted(mine)
        # By now both processes have checked the targets many more times.
        assert len([c for c in api.sent() if "missed its" in c.shown_text]) == 2
    finally:
        database.dispose()
    assert t("error.apology", "en") not in [c.shown_text for c in api.sent()]


def _wait_until_sent(database: Database, timeout: float = 30) -> None:
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with database.session() as session:
            if outbox.pending_count(session) == 0:
                return
        time.sleep(0.05)
    raise AssertionError("the outbox was not emptied")


def _now():  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    return datetime.now(UTC)
