"""How long a web chat line takes to reach a connected browser's WebSocket.

Three ways a line reaches a browser, measured in one run against chatdesk's own HTTP server
with the web channel (a SQLite file, a real WebSocket client from the websockets package):

- **same process**: the channel writes the line and pushes it to its own connections at once
  (a turn's answer, or a notification the process's own outbox worker delivered);
- **another process, poll N s**: the line is written to ``web_messages`` by someone else (as
  another ``chatdesk serve`` would) and found by this process's poll every N seconds
  (CHATDESK_WEB_POLL_SECONDS), for the default 0.5 s and for 0.1 s.

The first is the baseline; the ratios show what the table-of-lines design costs for a browser
on another process than the worker that sent. Run by hand:
``.venv/bin/python benchmarks/web_delivery.py [--lines 40]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "adapters"))

from chatdesk_server import ChatdeskServer  # noqa: E402
from websockets.sync.client import connect  # noqa: E402

from chatdesk.adapters.server import web_channel  # noqa: E402
from chatdesk.app import open_desk  # noqa: E402
from chatdesk.config import load_settings  # noqa: E402


def measure(poll: float, lines: int, folder: Path, local: bool) -> list[float]:
    settings = load_settings(
        database_url=f"sqlite:///{folder / f'web-{poll}-{local}.db'}",
        web_enabled=True,
        web_poll_seconds=poll,
    )
    desk = open_desk(settings)
    channel = web_channel(settings, desk)
    server = ChatdeskServer([channel], desk).start()
    latencies: list[float] = []
    pause = random.Random(14)
    try:
        url = f"ws://127.0.0.1:{server.port}/web/socket"
        with connect(url, origin=server.url) as ws:  # type: ignore[arg-type]
            ws.send(json.dumps({"type": "hello", "lang": "en"}))
            json.loads(ws.recv(timeout=10))  # ready
            chat_id = next(iter(channel.hub._queues))  # the anonymous visitor's chat
            loop = channel.hub._task.get_loop()  # type: ignore[union-attr]  # the server's
            for number in range(lines):
                payload = {"text": f"line {number}", "choices": [], "links": []}
                start = time.perf_counter()
                if local:
                    future = asyncio.run_coroutine_threadsafe(
                        channel.write(chat_id, "desk", payload), loop
                    )
                    future.result(timeout=10)
                else:
                    channel.store.add(chat_id, "desk", payload)  # as another process would
                while json.loads(ws.recv(timeout=10)).get("text") != payload["text"]:
                    pass
                latencies.append(time.perf_counter() - start)
                time.sleep(pause.uniform(0, poll))  # write at any moment of the poll's cycle
    finally:
        server.stop()
        desk.database.dispose()
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=40)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        cases = [("same process", 0.5, True), ("another process, poll 0.5 s", 0.5, False)]
        cases.append(("another process, poll 0.1 s", 0.1, False))
        baseline = None
        for name, poll, local in cases:
            values = sorted(measure(poll, args.lines, Path(folder), local))
            median = statistics.median(values)
            p95 = values[int(0.95 * (len(values) - 1))]
            baseline = baseline or median
            rows.append((name, median * 1000, p95 * 1000, median / baseline))
    print(f"{'delivery':<30} {'median ms':>10} {'p95 ms':>10} {'x same process':>15}")
    for name, median, p95, ratio in rows:
        print(f"{name:<30} {median:>10.1f} {p95:>10.1f} {ratio:>15.1f}")


if __name__ == "__main__":
    main()
