"""Bot questions from a customer's first message to a sent ticket, per kind of report.

A simulated customer talks to ``Desk.handle`` on a real SQLite file with the bundled
knowledge base and answers what is on screen the way a person would: the question asked
(typed), "no error" and "send" (pressed), and at a list of articles the question shown
beside it when the bot shows one (typed), otherwise "None of these: continue" (pressed).
Every bot message that waits for the customer is a question; the count runs from the first
message to the ticket's confirmation. Beside ``engine_turns.py``, which measures how fast a
turn is, this measures how many turns a customer spends.

Run by hand from the repository root:

    .venv/bin/python benchmarks/intake_questions.py              # this checkout's engine
    .venv/bin/python benchmarks/intake_questions.py --code DIR   # another checkout's engine
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

ANSWERS = {
    "subject": "Export to Excel fails",
    "description": "The export spinner keeps turning and no file is ever downloaded.",
    "steps": "Reports > Monthly > choose October > Export to Excel",
    "error": "HTTP 500 Internal Server Error",
}
REPORTS = {
    "short report": "Export to Excel fails",
    "short report, one open ticket": "Export to Excel fails",
    "full pasted report": (
        "Export to Excel fails on the monthly report\n"
        "Since this morning the export spinner keeps turning and no file is downloaded.\n"
        "1. Open Reports > Monthly\n"
        "2. Choose October\n"
        "3. Press Export to Excel\n"
        "Error: HTTP 500 Internal Server Error"
    ),
    "full report, no error text": (
        "Export to Excel fails on the monthly report\n"
        "Since this morning the export spinner keeps turning and no file is downloaded.\n"
        "1. Open Reports > Monthly\n"
        "2. Press Export to Excel"
    ),
    "urgent report": "The site is down, nobody can work",
}


class Customer:
    def __init__(self, desk, user: str) -> None:  # type: ignore[no-untyped-def]
        self.desk, self.user, self.turns = desk, user, 0

    def send(self, text: str = "", choice: str | None = None) -> list:
        from chatdesk.events import InboundEvent

        self.turns += 1
        event = InboundEvent(
            "bench",
            self.user,
            self.user,
            text=text,
            choice=choice,
            event_id=uuid.uuid4().hex,
        )
        return self.desk.handle(event)

    def state(self) -> str:
        from sqlalchemy import select

        from chatdesk.store.models import Conversation

        with self.desk.database.session() as session:
            return session.scalar(
                select(Conversation.state).where(Conversation.user_id == self.user)
            )

    def tickets(self) -> int:
        from sqlalchemy import func, select

        from chatdesk.store.models import Ticket

        with self.desk.database.session() as session:
            return session.scalar(select(func.count(Ticket.id)).where(Ticket.chat_id == self.user))


def questions_to_ticket(desk, user: str, first: str, open_ticket: bool) -> int:  # type: ignore[no-untyped-def]
    """How many questions the bot asks between ``first`` and the sent ticket."""
    from chatdesk.core.i18n import t

    customer = Customer(desk, user)
    if open_ticket:
        questions_to_ticket(desk, user, "Printing invoices gives blank pages", False)
    start = customer.tickets()
    replies = customer.send(first)
    for asked in range(30):
        if customer.tickets() > start:
            return asked
        state = customer.state()
        text = "\n".join(getattr(reply, "text", "") for reply in replies)
        if state == "pick_ticket":
            replies = customer.send(choice="newp")
        elif state in ("suggest", "article"):
            shown = [s for s in ("description", "steps") if t(f"intake.ask_{s}", "en") in text]
            replies = (
                customer.send(ANSWERS[shown[0]]) if shown else customer.send(choice="continue")
            )
        elif state == "error":
            replies = customer.send(choice="skip")
        elif state == "confirm":
            replies = customer.send(choice="confirm")
        elif state in ANSWERS:
            replies = customer.send(ANSWERS[state])
        else:
            raise RuntimeError(f"unexpected state {state}")
    raise RuntimeError("no ticket after 30 questions")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--code", type=Path, help="a checkout whose chatdesk/ to measure")
    args = parser.parse_args()
    sys.path.insert(0, str((args.code or ROOT).resolve()))
    import logging

    logging.disable(logging.WARNING)
    import chatdesk
    from chatdesk.app import open_desk
    from chatdesk.config import load_settings

    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(
            database_url=f"sqlite:///{Path(tmp) / 'questions.db'}",
            knowledge_dir=ROOT / "knowledge",
        )
        desk = open_desk(settings)
        engine = Path(chatdesk.__file__).parent.parent.name
        print(f"bot questions to a sent ticket: engine of {engine}")
        print()
        print(f"{'report':<32}{'questions':>10}")
        for n, (name, first) in enumerate(REPORTS.items()):
            count = questions_to_ticket(desk, f"customer{n}", first, "open ticket" in name)
            print(f"{name:<32}{count:>10}")
        desk.database.dispose()


if __name__ == "__main__":
    main()
