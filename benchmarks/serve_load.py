"""Turns per second and end-to-end latency of ``chatdesk serve`` processes, 1 to 4 of them.

Many customers each hold a whole conversation (one intake, the same eight lines for everyone:
``/new``, a subject with suggestions, continue, a description with suggestions, continue,
steps, skip the error message, confirm) with the Telegram bot in webhook mode. The updates go
to the processes in turn, as a load balancer without stickiness would send them; every process
runs real python-telegram-bot against the stand-in Bot API on 127.0.0.1 (the one the tests
use), which records when each sendMessage arrives. A customer sends the next message once the
whole answer to the previous one has arrived, as a person would.

Latency is end to end: from posting the update to the webhook to the stand-in receiving
the last sendMessage of its answer. Runs: 1, 2 and 4 processes sharing one PostgreSQL
database (a throwaway server from ``scripts/pg-throwaway``, or ``--pg-url``), and 1 process
on a SQLite file. The driver (this script, with the stand-in) runs on the same machine and
takes its share of the cores.

Run by hand: ``.venv/bin/python benchmarks/serve_load.py [--customers 120] [--parallel 40]``.
It prints a table; compare ratios, not absolutes (these machines are shared and noisy).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "adapters"))

from telegram_standin import BotApiStandIn, TgUser, Updates  # noqa: E402

SCRIPT = [
    "/new",
    "Export to Excel fails on the monthly report",
    "continue",
    "The export spinner keeps turning and no file is ever downloaded to my computer.",
    "continue",
    "Reports > Monthly > choose October > Export to Excel",
    "skip",
    "confirm",
]
SECRET = "benchmark-webhook-secret"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
AGENT_CHAT = -100_777


class CountingStandIn(BotApiStandIn):
    """The tests' stand-in Bot API, also keeping when each chat's messages arrived."""

    def __init__(self) -> None:
        super().__init__()
        self.arrivals: dict[int, list[float]] = defaultdict(list)
        self.arrived = threading.Condition()

    def _answer(self, call: Any) -> tuple[int, dict[str, Any]]:
        status, payload = super()._answer(call)  # type: ignore[misc]
        if call.method == "sendMessage" and status == 200 and call.chat_id is not None:
            with self.arrived:
                self.arrivals[call.chat_id].append(time.monotonic())
                self.arrived.notify_all()
        return status, payload

    def wait_messages(self, chat_id: int, count: int, timeout: float = 120.0) -> float:
        """Block until ``chat_id`` has ``count`` messages; when the last of them arrived."""
        deadline = time.monotonic() + timeout
        with self.arrived:
            while len(self.arrivals[chat_id]) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"chat {chat_id}: {len(self.arrivals[chat_id])}/{count}")
                self.arrived.wait(left)
            return self.arrivals[chat_id][count - 1]


class SafeUpdates(Updates):
    """Update JSON for the driver's threads: update and message ids stay unique."""

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()

    def message(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        with self._lock:
            return super().message(*args, **kwargs)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def serve_processes(count: int, database_url: str, api: BotApiStandIn) -> Iterator[list[str]]:
    """``count`` ``chatdesk serve`` processes on one database; their base URLs once ready."""
    processes, urls = [], []
    base = {k: v for k, v in os.environ.items() if not k.startswith("CHATDESK_")}
    for _ in range(count):
        port = free_port()
        env = {
            **base,
            "CHATDESK_DATABASE_URL": database_url,
            "CHATDESK_HTTP_PORT": str(port),
            "CHATDESK_TELEGRAM_TOKEN": api.token,
            "CHATDESK_TELEGRAM_API_URL": api.base_url,
            "CHATDESK_TELEGRAM_WEBHOOK_URL": "https://desk.example.org/telegram/webhook",
            "CHATDESK_TELEGRAM_WEBHOOK_SECRET": SECRET,
            "CHATDESK_TELEGRAM_AGENT_CHAT": str(AGENT_CHAT),
            "CHATDESK_LOG_LEVEL": "WARNING",
        }
        command = [sys.executable, "-m", "chatdesk", "serve"]
        processes.append(
            subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        )
        urls.append(f"http://127.0.0.1:{port}")
    try:
        for url, process in zip(urls, processes, strict=True):
            wait_ready(url, process)
        yield urls
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


def wait_ready(url: str, process: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            error = process.stderr.read().decode() if process.stderr else ""
            raise RuntimeError(f"chatdesk serve exited: {error[-2000:]}")
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(url + "/readyz", timeout=5).status_code == 200:
                return
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not become ready")


def calibrate(api: CountingStandIn, url: str, updates: Updates) -> list[int]:
    """How many messages answer each line of the script (one customer, one line at a time)."""
    user = TgUser(5_000_000, "Calibration")
    counts, total = [], 0
    with httpx.Client(timeout=30) as client:
        for line in SCRIPT:
            post(client, url, updates.message(user, line))
            time.sleep(1.5)  # every answer of this line has arrived well within this
            now = len(api.arrivals[user.id])
            counts.append(now - total)
            total = now
    return counts


def post(client: httpx.Client, url: str, update: dict[str, Any]) -> None:
    response = client.post(url + "/telegram/webhook", json=update, headers={SECRET_HEADER: SECRET})
    response.raise_for_status()


def converse(
    api: CountingStandIn, urls: list[str], updates: Updates, n: int, expected: list[int]
) -> list[float]:
    """One customer's whole conversation; the latency of each turn."""
    user = TgUser(6_000_000 + n, f"Customer {n}")
    latencies, total = [], 0
    with httpx.Client(timeout=60) as client:
        for turn, line in enumerate(SCRIPT):
            update = updates.message(user, line)
            total += expected[turn]
            started = time.monotonic()
            post(client, urls[(n + turn) % len(urls)], update)
            latencies.append(api.wait_messages(user.id, total) - started)
    return latencies


def run(label: str, processes: int, database_url: str, args: argparse.Namespace) -> dict:
    with CountingStandIn() as api, serve_processes(processes, database_url, api) as urls:
        updates = SafeUpdates()
        expected = calibrate(api, urls[0], updates)
        started = time.monotonic()
        with ThreadPoolExecutor(args.parallel) as pool:
            results = list(
                pool.map(
                    lambda n: converse(api, urls, updates, n, expected),
                    range(args.customers),
                )
            )
        elapsed = time.monotonic() - started
    latencies = sorted(x for r in results for x in r)
    return {
        "what": label,
        "processes": processes,
        "turns": len(latencies),
        "rate": len(latencies) / elapsed,
        "p50": statistics.median(latencies),
        "p95": latencies[int(0.95 * (len(latencies) - 1))],
        "messages": sum(expected) * args.customers / elapsed,
    }


@contextlib.contextmanager
def postgres(pg_url: str | None) -> Iterator[str]:
    """A PostgreSQL server URL: the given one, or a throwaway server for this run."""
    if pg_url:
        yield pg_url
        return
    with tempfile.TemporaryDirectory() as tmp:
        url_file = Path(tmp) / "pg-url"
        script = ROOT / "scripts" / "pg-throwaway"
        subprocess.run([str(script), "start", str(url_file)], check=True, stdout=subprocess.DEVNULL)
        try:
            yield url_file.read_text().strip()
        finally:
            subprocess.run([str(script), "stop", str(url_file)], check=False)


def fresh_database(server_url: str, name: str) -> str:
    admin = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return sa.engine.make_url(server_url).set(database=name).render_as_string(False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=120)
    parser.add_argument("--parallel", type=int, default=40, help="customers talking at once")
    parser.add_argument(
        "--processes", default="1,2,4", help="PostgreSQL runs (default 1,2,4; empty: none)"
    )
    parser.add_argument("--pg-url", default=None, help="a PostgreSQL server (default: throwaway)")
    parser.add_argument("--skip-sqlite", action="store_true")
    args = parser.parse_args()
    rows = []
    counts = [int(n) for n in args.processes.split(",") if n.strip()]
    if counts:
        with postgres(args.pg_url) as server:
            for count in counts:
                url = fresh_database(server, f"serve_load_{count}")
                rows.append(run("PostgreSQL", count, url, args))
    if not args.skip_sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            rows.append(run("SQLite", 1, f"sqlite:///{tmp}/serve_load.db", args))
    cores = os.cpu_count()
    load = os.getloadavg()[0]
    print(
        f"chatdesk serve through the Telegram webhook: {args.customers} customers x "
        f"{len(SCRIPT)} turns, {args.parallel} at once; {cores} cores, load {load:.1f} at the end"
    )
    print()
    print(
        f"{'database':<12}{'processes':>10}{'turns':>8}{'turns/s':>10}{'msgs/s':>9}"
        f"{'p50 ms':>9}{'p95 ms':>9}{'vs 1 proc':>11}"
    )
    first = rows[0]["rate"]
    for row in rows:
        print(
            f"{row['what']:<12}{row['processes']:>10}{row['turns']:>8}{row['rate']:>10.1f}"
            f"{row['messages']:>9.1f}{row['p50'] * 1000:>9.0f}{row['p95'] * 1000:>9.0f}"
            f"{row['rate'] / first:>10.2f}x"
        )


if __name__ == "__main__":
    main()
