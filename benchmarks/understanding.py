"""How well the bot understands what customers mean: the labelled understanding set.

Every case of ``tests/understanding_set.py`` (the conversation so far, the customer's message,
the expected action; English and Dutch) is played through ``Desk.handle`` on a real SQLite
file, each as a customer of its own, and judged by what happened (state, draft, stored
comments and tickets, replies). The table prints the share handled right per group and per
language.

Run by hand from the repository root:

    .venv/bin/python benchmarks/understanding.py                 # this checkout's engine
    .venv/bin/python benchmarks/understanding.py --failures      # and list what went wrong
    .venv/bin/python benchmarks/understanding.py --code DIR      # the engine of another
                                                                 # checkout (before/after)
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--code", type=Path, help="a checkout whose chatdesk/ to measure")
    parser.add_argument("--failures", action="store_true", help="list the cases handled wrong")
    parser.add_argument(
        "--held-out", action="store_true", help="the held-out cases instead of the main set"
    )
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "tests"))
    sys.path.insert(0, str((args.code or ROOT).resolve()))
    import logging

    logging.disable(logging.WARNING)
    from understanding_set import CASES, HELD_OUT, run, write_knowledge

    from chatdesk.app import open_desk
    from chatdesk.config import load_settings

    results: dict[tuple[str, str], list[bool]] = defaultdict(list)
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        settings = load_settings(
            database_url=f"sqlite:///{folder / 'understanding.db'}",
            knowledge_dir=write_knowledge(folder / "kb"),
        )
        desk = open_desk(settings)
        for n, case in enumerate(HELD_OUT if args.held_out else CASES):
            right, said = run(desk, case, f"customer{n}")
            results[(case.group, case.lang)].append(right)
            if not right:
                failures.append((case, said))
        desk.database.dispose()
    _table(results, "held-out cases" if args.held_out else "understanding set")
    if args.failures:
        for case, said in failures:
            print(f"\n[{case.group} / {case.lang} / {case.setup}] {case.message!r}")
            print(f"  expected {case.expect}; the bot said: {said[:300]!r}")


def _table(results: dict[tuple[str, str], list[bool]], title: str) -> None:
    import chatdesk

    print(f"{title}: engine of {Path(chatdesk.__file__).parent.parent.name}")
    print()
    print(f"{'group':<22}{'en':>14}{'nl':>14}{'all':>14}")
    groups = sorted({group for group, _ in results}, key=_order)
    totals = {"en": [], "nl": []}
    for group in groups:
        row = []
        for lang in ("en", "nl"):
            found = results.get((group, lang), [])
            totals[lang] += found
            row.append(_share(found))
        both = results.get((group, "en"), []) + results.get((group, "nl"), [])
        print(f"{group:<22}{row[0]:>14}{row[1]:>14}{_share(both):>14}")
    everything = totals["en"] + totals["nl"]
    print(
        f"{'all':<22}{_share(totals['en']):>14}{_share(totals['nl']):>14}{_share(everything):>14}"
    )


GROUPS = (
    "open question",
    "newest list",
    "references",
    "status",
    "question not comment",
    "person",
    "problems",
)


def _order(group: str) -> int:
    return GROUPS.index(group) if group in GROUPS else len(GROUPS)


def _share(found: list[bool]) -> str:
    if not found:
        return "-"
    return f"{sum(found)}/{len(found)} {sum(found) / len(found):.2f}"


if __name__ == "__main__":
    main()
