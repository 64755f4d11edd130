"""Replies per second through the Telegram adapter, polling and webhook, against the stand-in.

N customers each send one message at the same moment ("status SD-1", answered with one
message after a database read). The bot runs as in ``chatdesk serve`` (real PTB, the real
desk on a SQLite file, chatdesk's HTTP server) against the stand-in Bot API server on
127.0.0.1. The table shows how long until every customer had an answer, the replies per second,
and the latency from delivery to the answer arriving at the stand-in (median and p95).

Two baselines in the same run put the figures in perspective: the desk alone (the same N
turns straight through ``Desk.handle``), and the pacing the adapter applies on purpose
(python-telegram-bot's AIORateLimiter keeps under Telegram's ~30 messages a second overall), so
a rate near 30/s means the adapter is as fast as Telegram allows, not slow.

Run by hand: ``.venv/bin/python benchmarks/telegram_delivery.py [--customers 150]``. Compare
ratios, not absolute figures (these machines are shared and noisy).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "adapters"))

from telegram_harness import BotRunner  # noqa: E402
from telegram_standin import BotApiStandIn, TgUser  # noqa: E402

from chatdesk.app import open_desk  # noqa: E402
from chatdesk.config import load_settings  # noqa: E402
from chatdesk.events import InboundEvent  # noqa: E402

KNOWLEDGE = ROOT / "knowledge"
TEXT = "status SD-1"


def run_bot(mode: str, customers: int, folder: Path) -> dict[str, Any]:
    database = f"sqlite:///{folder / f'{mode}.db'}"
    with BotApiStandIn() as api:
        runner = BotRunner(lambda **kw: load_settings(database_url=database, **kw), KNOWLEDGE, api)
        bot = runner.start(mode)
        try:
            users = [TgUser(10_000 + n, f"Customer {n}") for n in range(customers)]
            bot.say(users[0], "hello")  # warm up: first turn, first connection
            before = len(api.sent())
            updates = [bot.updates.message(user, TEXT) for user in users]
            delivered: dict[int, float] = {}
            start = time.monotonic()
            if mode == "polling":
                api.push_updates(updates)
                delivered = {u["message"]["chat"]["id"]: start for u in updates}
            else:
                for update in updates:
                    delivered[update["message"]["chat"]["id"]] = time.monotonic()
                    assert bot.deliver(update) == 200
            answers = api.wait_for("sendMessage", count=before + customers, timeout=60 + customers)[
                before:
            ]
            elapsed = max(a.answered_at or a.at for a in answers) - start
        finally:
            runner.stop_all()
    latencies = sorted(
        (a.answered_at or a.at) - delivered[a.chat_id] for a in answers if a.chat_id is not None
    )
    return {
        "what": f"Telegram, {mode}",
        "seconds": elapsed,
        "rate": customers / elapsed,
        "p50": statistics.median(latencies),
        "p95": latencies[int(0.95 * (len(latencies) - 1))],
    }


def run_desk(customers: int, folder: Path) -> dict[str, Any]:
    settings = load_settings(
        database_url=f"sqlite:///{folder / 'desk.db'}", knowledge_dir=KNOWLEDGE
    )
    desk = open_desk(settings)
    desk.handle(InboundEvent("bench", "0", "0", text="hello", event_id="warm"))
    latencies = []
    start = time.monotonic()
    for n in range(customers):
        t0 = time.monotonic()
        desk.handle(InboundEvent("bench", str(n), str(n), text=TEXT, event_id=str(n)))
        latencies.append(time.monotonic() - t0)
    elapsed = time.monotonic() - start
    desk.database.dispose()
    latencies.sort()
    return {
        "what": "desk alone (Desk.handle)",
        "seconds": elapsed,
        "rate": customers / elapsed,
        "p50": statistics.median(latencies),
        "p95": latencies[int(0.95 * (len(latencies) - 1))],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=150)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        rows = [
            run_desk(args.customers, folder),
            run_bot("polling", args.customers, folder),
            run_bot("webhook", args.customers, folder),
        ]
    print(f"{args.customers} customers, one message each; pacing cap about 30 replies/s\n")
    print(f"{'':28} {'seconds':>8} {'replies/s':>10} {'p50 ms':>8} {'p95 ms':>8}")
    for row in rows:
        print(
            f"{row['what']:28} {row['seconds']:8.2f} {row['rate']:10.1f} "
            f"{row['p50'] * 1000:8.0f} {row['p95'] * 1000:8.0f}"
        )


if __name__ == "__main__":
    main()
