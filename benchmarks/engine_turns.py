"""Engine turns per second for complete intakes on SQLite.

Each simulated customer runs one whole intake (subject, suggestions, description, steps,
error message, confirm) through ``Desk.handle`` on a real SQLite file with the bundled
knowledge base, so every turn pays for its transaction, its row locks and its search. The
baseline in the same run is the floor of the storage alone: the same number of SQLAlchemy
transactions that each insert one row, on the same kind of file.

Run by hand: ``.venv/bin/python benchmarks/engine_turns.py [--customers 200]``. It prints a
table; compare the ratio, not the absolute figures (these machines are shared and noisy).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402

from chatdesk.app import open_desk  # noqa: E402
from chatdesk.config import load_settings  # noqa: E402
from chatdesk.events import InboundEvent  # noqa: E402
from chatdesk.store.db import Database  # noqa: E402

SCRIPT = [
    "new",
    "Export to Excel fails on the monthly report",
    "continue",
    "The export spinner keeps turning and no file is ever downloaded to my computer.",
    "continue",
    "Reports > Monthly > choose October > Export to Excel",
    "skip",
    "confirm",
]


def run_intakes(
    customers: int, folder: Path, through_outbox: bool = False
) -> tuple[int, float, list[float], float]:
    settings = load_settings(database_url=f"sqlite:///{folder / 'engine.db'}")
    desk = open_desk(settings)
    if through_outbox:  # as under `chatdesk serve`: the answers become outbox rows of the turn
        desk.outbox_platforms.add("bench")
    turns, latencies = 0, []
    started, cpu_started = time.perf_counter(), time.process_time()
    for n in range(customers):
        user = f"user{n}"
        for line in SCRIPT:
            event = InboundEvent("bench", user, user, text=line, event_id=f"{user}-{turns}")
            t0 = time.perf_counter()
            desk.handle(event)
            latencies.append(time.perf_counter() - t0)
            turns += 1
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    desk.database.dispose()
    return turns, elapsed, latencies, cpu


def run_baseline(transactions: int, folder: Path) -> float:
    database = Database(f"sqlite:///{folder / 'baseline.db'}")
    with database.session() as session:
        session.execute(text("CREATE TABLE rows (id INTEGER PRIMARY KEY, body TEXT)"))
    started = time.perf_counter()
    for n in range(transactions):
        with database.session() as session:
            session.execute(text("INSERT INTO rows (body) VALUES (:b)"), {"b": f"turn {n}"})
    elapsed = time.perf_counter() - started
    database.dispose()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3, help="best of this many rounds")
    parser.add_argument(
        "--outbox",
        action="store_true",
        help="write each turn's answers to the outbox, as `chatdesk serve` does",
    )
    args = parser.parse_args()
    runs = []
    for _ in range(args.rounds):  # best of N: the machine is shared, noise only slows
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            turns, elapsed, latencies, cpu = run_intakes(args.customers, folder, args.outbox)
            baseline = run_baseline(turns, folder)
        runs.append((elapsed, baseline, latencies, cpu))
    elapsed = min(r[0] for r in runs)
    baseline = min(r[1] for r in runs)
    latencies = min(runs, key=lambda r: r[0])[2]
    ours = turns / elapsed
    floor = turns / baseline
    latencies.sort()
    p95 = latencies[int(len(latencies) * 0.95)]
    print(
        f"engine turns on SQLite: {args.customers} complete intakes, {turns} turns, "
        f"best of {args.rounds} rounds" + (", answers written to the outbox" if args.outbox else "")
    )
    print()
    print(f"{'measure':<34}{'chatdesk':>12}{'baseline':>12}{'ratio':>8}")
    print(f"{'turns (transactions) per second':<34}{ours:>12.0f}{floor:>12.0f}{ours / floor:>8.2f}")
    print(
        f"{'median turn latency (ms)':<34}{statistics.median(latencies) * 1000:>12.2f}"
        f"{baseline / turns * 1000:>12.2f}"
    )
    print(f"{'p95 turn latency (ms)':<34}{p95 * 1000:>12.2f}{'':>12}")
    cpu = min(r[3] for r in runs)
    print(f"{'CPU per turn (ms, this process)':<34}{cpu / turns * 1000:>12.2f}{'':>12}")
    print()
    print("baseline: one SQLAlchemy transaction inserting one row per turn (storage floor).")
    print(f"target: at least 1000 turns per second -> {'met' if ours >= 1000 else 'NOT met'}")


if __name__ == "__main__":
    main()
