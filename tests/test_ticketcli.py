"""`chatdesk tickets list|show|status|reply|assign`: the agent desk from the command line.

Tickets are opened by customers through the real desk (the ``Chat`` helper); the commands run
in-process through ``chatdesk.cli.main`` on the same database, and one real subprocess checks
the exit path. What reaches the customer is read from the outbox, where the serve process's
worker would pick it up.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NamedTuple

import pytest

from chatdesk.cli import main as cli
from chatdesk.cli import ticket_view
from chatdesk.core import statuses
from chatdesk.core.i18n import t
from chatdesk.events import Attachment, Message, ThreadNote, TicketCard

from conftest import outbox_replies  # isort: skip

ORGANIZATIONS = """\
organizations:
  - name: Initech
    telegram_users: [201, 202]
"""


class Run(NamedTuple):
    code: int
    out: str
    err: str


@pytest.fixture
def desk(make_settings, kb_dir, clock, tmp_path: Path) -> Iterator[object]:  # type: ignore[no-untyped-def]
    """The conftest desk, with one organization (Telegram users 201 and 202 are Initech)."""
    from chatdesk.app import open_desk

    path = tmp_path / "organizations.yaml"
    path.write_text(ORGANIZATIONS, encoding="utf-8")
    desk = open_desk(make_settings(knowledge_dir=kb_dir, organizations_file=path), clock=clock)
    yield desk
    desk.database.dispose()


@pytest.fixture
def tickets_cli(
    desk, database_url: str, clock, monkeypatch: pytest.MonkeyPatch, capsys
) -> Callable[..., Run]:  # type: ignore[no-untyped-def]
    """``chatdesk tickets ...`` on the desk's database, on the tests' clock."""
    monkeypatch.setenv("CHATDESK_DATABASE_URL", database_url)

    def run(*argv: str) -> Run:
        capsys.readouterr()
        code = cli.main(["tickets", *argv], clock=clock)
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    return run


def customer_messages(desk, chat_id: str) -> list[str]:  # type: ignore[no-untyped-def]
    """Texts waiting in the outbox for one customer's chat, oldest first."""
    return [r.text for r in outbox_replies(desk) if isinstance(r, Message) and r.chat_id == chat_id]


def thread_notes(desk, reference: str) -> list[ThreadNote]:  # type: ignore[no-untyped-def]
    return [
        r for r in outbox_replies(desk) if isinstance(r, ThreadNote) and r.reference == reference
    ]


def ticket_row(desk, reference: str):  # type: ignore[no-untyped-def]
    from chatdesk.store import tickets

    with desk.database.session() as session:
        ticket = tickets.by_reference(session, reference)
        assert ticket is not None
        session.expunge(ticket)
        return ticket


# -- list ---------------------------------------------------------------------------------------
def test_list_on_an_empty_desk_says_so(tickets_cli) -> None:
    result = tickets_cli("list")
    assert result == Run(0, "No tickets match.\n", "")


def test_list_shows_open_tickets_newest_change_first(new_chat, clock, tickets_cli) -> None:
    ann = new_chat(user="ann", name="Ann Customer")
    older = ann.open_ticket("Export to Excel fails every time")
    clock.advance(minutes=5)
    newer = new_chat(user="201", name="Bob Initech", platform="telegram").open_ticket(
        "Login page shows an error"
    )

    result = tickets_cli("list")
    assert result.code == 0, result.err
    header, rule, first, second = result.out.splitlines()
    for column in ("reference", "status", "priority", "assignee", "requester", "organization"):
        assert column in header
    assert "updated" in header and "escalated" in header
    assert set(rule) == {"-", " "}
    assert first.startswith(newer) and second.startswith(older)
    assert "New" in first and "normal" in first and "Bob Initech" in first and "Initech" in first
    assert "2026-11-23 11:05" in first  # updated, in the desk's time zone (Amsterdam, UTC+1)
    assert "Ann Customer" in second and "2026-11-23 11:00" in second


def test_list_filters_by_status_assignee_organization_and_limit(
    new_chat, clock, tickets_cli
) -> None:
    ann = new_chat(user="ann", name="Ann")
    a = ann.open_ticket("Export to Excel fails every time")
    clock.advance(minutes=1)
    b = new_chat(user="201", name="Bob", platform="telegram").open_ticket("Login page error")
    clock.advance(minutes=1)
    c = new_chat(user="cas", name="Cas").open_ticket("Printer prints blank pages")
    assert tickets_cli("assign", b, "Dana Agent", "--as", "lead").code == 0
    assert tickets_cli("status", c, "closed", "--as", "lead").code == 0

    def refs(*argv: str) -> list[str]:
        result = tickets_cli("list", "--json", *argv)
        assert result.code == 0, result.err
        return [json.loads(line)["reference"] for line in result.out.splitlines()]

    assert refs() == [b, a]  # closed tickets are not listed by default; b changed last
    assert refs("--status", "closed") == [c]
    assert refs("--status", "new", "--status", "closed") == [c, a]
    assert refs("--unassigned") == [a]
    assert refs("--mine-as", "dana agent") == [b]
    assert refs("--mine-as", "cli:Dana Agent") == [b]
    assert refs("--org", "initech") == [b]
    assert refs("--limit", "1") == [b]

    table = tickets_cli("list", "--limit", "1").out
    assert "… 1 more; raise --limit or narrow the filters." in table
    assert tickets_cli("list", "--mine-as", "nobody-at-all").out == "No tickets match.\n"


def test_list_json_is_one_object_per_ticket_a_line(new_chat, tickets_cli) -> None:
    reference = new_chat(user="201", name="Bob", platform="telegram").open_ticket()
    (line,) = tickets_cli("list", "--json").out.splitlines()
    row = json.loads(line)
    assert row["reference"] == reference
    assert row["status"] == "new" and row["status_name"] == "New"
    assert row["requester"] == "Bob" and row["requester_id"] == "telegram:201"
    assert row["organization"] == "Initech"
    assert row["assignee"] is None and row["escalated"] is False
    assert row["updated_at"].startswith("2026-11-23T10:00")


@pytest.mark.parametrize("limit", ["99999999999999999999", "10001"])
def test_list_limit_has_a_maximum(tickets_cli, capsys, limit: str) -> None:
    with pytest.raises(SystemExit) as stopped:
        tickets_cli("list", "--limit", limit)
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert "argument --limit: must be at most 10000" in err
    assert "Traceback" not in err and "Overflow" not in err
    assert tickets_cli("list", "--limit", "10000").code == 0


def test_list_refuses_an_unknown_status_code(tickets_cli, capsys) -> None:
    with pytest.raises(SystemExit) as stopped:
        tickets_cli("list", "--status", "pending")
    assert stopped.value.code == 2
    assert "invalid choice: 'pending'" in capsys.readouterr().err


def test_subprocess_exit_codes(new_chat, database_url: str) -> None:
    """The real command: a list exits 0, an unknown reference 1 with one line, no traceback."""
    reference = new_chat().open_ticket()
    env = {"CHATDESK_DATABASE_URL": database_url, "PATH": "/usr/bin:/bin"}

    def run(*argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "chatdesk", "tickets", *argv],
            capture_output=True,
            text=True,
            timeout=120,
            env=env,
        )

    listed = run("list")
    assert listed.returncode == 0, listed.stderr
    assert reference in listed.stdout
    missing = run("show", "SD-9999")
    assert missing.returncode == 1
    assert missing.stderr == "chatdesk: no ticket 'SD-9999' (try: chatdesk tickets list)\n"


def _chatdesk(database_url: str, kb_dir: Path, *argv: str | bytes, stdin: bytes = b""):  # type: ignore[no-untyped-def]
    """The real command, with raw bytes for arguments and standard input."""
    env = {
        "CHATDESK_DATABASE_URL": database_url,
        "CHATDESK_KNOWLEDGE_DIR": str(kb_dir),
        "PATH": "/usr/bin:/bin",
        "LANG": "C.UTF-8",
    }
    return subprocess.run(
        [sys.executable, "-m", "chatdesk", *argv],
        input=stdin,
        capture_output=True,
        timeout=120,
        env=env,
    )


def test_bytes_that_are_not_utf8_become_replacement_characters(
    new_chat, desk, database_url: str, kb_dir: Path
) -> None:
    """Invalid UTF-8 in arguments or stdin is stored with U+FFFD, never a traceback."""
    reference = new_chat().open_ticket()
    for argv, stdin in [
        ((b"tickets", b"reply", reference, b"bad \xff", b"--as", b"D\xff"), b""),
        ((b"tickets", b"reply", reference, b"-", b"--as", b"D"), b"\xff\xfe"),
        ((b"tickets", b"assign", reference, b"x\xff"), b""),
        ((b"tickets", b"list", b"--org", b"x\xff"), b""),
    ]:
        done = _chatdesk(database_url, kb_dir, *argv, stdin=stdin)
        assert done.returncode == 0, done.stderr.decode(errors="replace")
        assert b"Traceback" not in done.stderr
    ticket = ticket_row(desk, reference)
    assert ticket.assignee == "x\ufffd"
    data = json.loads(
        _chatdesk(database_url, kb_dir, "tickets", "show", reference, "--json").stdout
    )
    assert [(c["author"], c["body"]) for c in data["comments"][-2:]] == [
        ("D\ufffd", "bad \ufffd"),
        ("D", "\ufffd\ufffd"),
    ]


def test_chat_user_that_is_not_utf8_chats_normally(database_url: str, kb_dir: Path) -> None:
    done = _chatdesk(database_url, kb_dir, "chat", "--user", b"x\xff", stdin=b"help\n\xff\n")
    assert done.returncode == 0
    assert b"Traceback" not in done.stdout + done.stderr
    assert b"error handling" not in done.stderr


def test_a_reader_that_stops_early_ends_list_quietly(new_chat, database_url: str) -> None:
    """``chatdesk tickets list | head -1``: no "Broken pipe" warning at exit, exit code 141."""
    new_chat().open_ticket()
    process = subprocess.Popen(
        [sys.executable, "-m", "chatdesk", "tickets", "list"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={"CHATDESK_DATABASE_URL": database_url, "PATH": "/usr/bin:/bin"},
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()  # the reader is gone before the command writes anything
    err = process.stderr.read()
    assert process.wait(timeout=120) == 141
    assert err == b""


def test_a_name_longer_than_the_database_keeps_is_refused(new_chat, desk, tickets_cli) -> None:
    """One line naming the option and its limit, nothing changed (PostgreSQL would refuse it)."""
    reference = new_chat().open_ticket()
    queued = len(outbox_replies(desk))
    long_as = "a" * 201
    for argv in (
        ("status", reference, "open", "--as", long_as),
        ("reply", reference, "hello", "--as", long_as),
        ("assign", reference, "Dana", "--as", long_as),
    ):
        result = tickets_cli(*argv)
        assert result == Run(
            1, "", "chatdesk: --as is at most 200 characters (got 201); nothing was changed\n"
        ), argv
    result = tickets_cli("assign", reference, "b" * 117)
    assert result == Run(
        1, "", "chatdesk: AGENT is at most 116 characters (got 117); nothing was changed\n"
    )
    assert len(outbox_replies(desk)) == queued
    assert ticket_row(desk, reference).status == statuses.NEW

    # the longest names fit
    assert tickets_cli("reply", reference, "hello", "--as", "a" * 200).code == 0
    assert tickets_cli("assign", reference, "b" * 116, "--as", "a" * 200).code == 0
    assert ticket_row(desk, reference).assignee == "b" * 116


def test_a_chat_user_longer_than_the_database_keeps_is_refused(
    database_url: str, kb_dir: Path
) -> None:
    refused = _chatdesk(database_url, kb_dir, "chat", "--user", "u" * 101, stdin=b"help\n")
    assert refused.returncode == 2
    assert refused.stderr == b"chatdesk: --user is at most 100 characters (got 101)\n"
    longest = _chatdesk(database_url, kb_dir, "chat", "--user", "u" * 100, stdin=b"help\n")
    assert longest.returncode == 0
    assert b"Traceback" not in longest.stderr and b"error handling" not in longest.stderr


# -- show ---------------------------------------------------------------------------------------
def test_show_prints_every_field_history_comments_attachments_and_rating(
    new_chat, clock, tickets_cli
) -> None:
    ann = new_chat(user="201", name="Bob", platform="telegram")
    reference = ann.open_ticket("Export to Excel fails every time")
    clock.advance(minutes=10)
    screenshot = Attachment("spinner.png", "image/png", 204800, "file-1")
    ann.say(f"{reference} here is a screenshot", attachments=[screenshot])
    tickets_cli("reply", reference, "internal:", "checked", "the", "logs", "--as", "Dana")
    tickets_cli("reply", reference, "The fix is live, please try again.", "--as", "Dana")
    tickets_cli("status", reference, "solved", "--as", "Dana")
    ann.press(f"rate:{reference}:4")
    ann.say("Quick and friendly")

    result = tickets_cli("show", reference)
    assert result.code == 0, result.err
    out = result.out
    assert out.startswith(f"{reference}: Export to Excel fails every time\n")
    for expected in (
        "Status:         Solved (solved) since 2026-11-23 11:10",
        "Priority:       normal",
        "Assignee:       nobody",
        "Requester:      Bob (telegram:201)",
        "Organization:   Initech",
        "First response: 2026-11-23 11:10",
        "Escalated:      no",
        "The export button shows a spinner",
        "Open Reports, choose last month",
        "(created) -> New",
        "New -> Solved by Dana",
    ):
        assert expected in out, expected
    assert "here is a screenshot" in out and "[customer]" in out
    assert "Dana [INTERNAL, agents only]\n    checked the logs" in out
    assert "Dana [PUBLIC, sent to the customer]\n    The fix is live" in out
    assert "spinner.png  image/png, 200 KB, telegram file-1" in out
    assert "Rating: 4/5: Quick and friendly" in out


def test_show_json_holds_the_same_facts(new_chat, tickets_cli) -> None:
    chat = new_chat()
    reference = chat.open_ticket()
    tickets_cli("reply", reference, "--internal", "looks like a timeout", "--as", "Dana")
    data = json.loads(tickets_cli("show", reference, "--json").out)
    assert data["reference"] == reference and data["status"] == "new"
    assert data["history"] == [
        {"from": None, "to": "new", "by": "", "at": data["created_at"]},
    ]
    assert data["comments"][-1]["kind"] == "internal"
    assert data["comments"][-1]["public"] is False
    assert data["attachments"] == [] and data["rating"] is None
    assert data["description"].startswith("The export button")


def test_show_escapes_control_characters_someone_wrote(new_chat, tickets_cli) -> None:
    reference = new_chat().open_ticket()
    tickets_cli("reply", reference, "--internal", "red \x1b[31malert\x1b[0m text", "--as", "D")
    tickets_cli("reply", reference, "--internal", "file \u202egnp.exe", "--as", "D")
    out = tickets_cli("show", reference).out
    assert "\x1b" not in out and "\u202e" not in out
    assert "red \\x1b[31malert\\x1b[0m text" in out
    assert "file \\u202egnp.exe" in out


def test_show_reads_without_a_row_lock_and_status_locks(new_chat, tickets_cli) -> None:
    """``show`` changes nothing, so it must not hold (or wait for) a running turn's ticket;
    a change does lock it. Statements are compiled for PostgreSQL, where the lock exists."""
    from sqlalchemy import event
    from sqlalchemy.dialects import postgresql
    from sqlalchemy.orm import ORMExecuteState, Session

    reference = new_chat(user="ann").open_ticket("Export to Excel fails every time")
    locking: list[str] = []

    def record(state: ORMExecuteState) -> None:
        sql = str(state.statement.compile(dialect=postgresql.dialect()))
        if "FOR UPDATE" in sql:
            locking.append(sql)

    event.listen(Session, "do_orm_execute", record)
    try:
        assert tickets_cli("show", reference).code == 0
        assert tickets_cli("show", reference, "--json").code == 0
        assert locking == []
        assert tickets_cli("status", reference, "open", "--as", "Dana").code == 0
        assert locking, "a status change reads its ticket with FOR UPDATE"
    finally:
        event.remove(Session, "do_orm_execute", record)


def test_show_an_unknown_reference_is_one_line_and_exit_1(tickets_cli) -> None:
    result = tickets_cli("show", "SD-4242")
    assert result == Run(1, "", "chatdesk: no ticket 'SD-4242' (try: chatdesk tickets list)\n")


# -- status -------------------------------------------------------------------------------------
def test_status_change_is_queued_for_the_customer_in_their_language(
    new_chat, desk, tickets_cli
) -> None:
    ans = new_chat(user="ans", locale="nl")
    reference = ans.open_ticket("Exporteren naar Excel mislukt")

    result = tickets_cli("status", reference, "waiting_customer", "--as", "Dana")
    assert result.code == 0, result.err
    assert result.out.splitlines() == [
        f"{reference}: New -> Waiting on customer (by Dana).",
        "The customer's notification: queued for their test chat: the outbox worker of "
        "`chatdesk serve` sends it.",
    ]
    (told,) = customer_messages(desk, "chat-ans")[-1:]
    assert t("status.waiting_customer.name", "nl") in told
    assert t("status.waiting_customer.meaning", "nl") in told
    ticket = ticket_row(desk, reference)
    assert ticket.status == statuses.WAITING_CUSTOMER
    notes = [n.text for n in thread_notes(desk, reference)]
    assert any("Dana" in note for note in notes)
    cards = [r for r in outbox_replies(desk) if isinstance(r, TicketCard)]
    assert cards[-1].status == statuses.WAITING_CUSTOMER


def test_status_solved_asks_the_customer_for_a_rating_once(new_chat, desk, tickets_cli) -> None:
    reference = new_chat().open_ticket()
    result = tickets_cli("status", reference, "solved", "--as", "Dana")
    assert "notification with the rating question: queued for their test chat" in result.out
    told = customer_messages(desk, "chat-ann")[-1]
    assert t("lifecycle.rating.ask", "en", reference=reference) in told
    tickets_cli("status", reference, "open", "--as", "Dana")
    again = tickets_cli("status", reference, "solved", "--as", "Dana")
    assert "rating" not in again.out


def test_status_names_the_allowed_moves_when_refused(new_chat, desk, tickets_cli) -> None:
    reference = new_chat().open_ticket()
    tickets_cli("status", reference, "solved", "--as", "Dana")
    queued = len(outbox_replies(desk))

    refused = tickets_cli("status", reference, "scheduled", "--as", "Dana")
    assert refused.code == 1 and refused.out == ""
    assert refused.err == (
        f"chatdesk: {reference} is solved and cannot be set to scheduled; allowed: open, closed\n"
    )
    unknown = tickets_cli("status", reference, "done")
    assert unknown.code == 1
    assert unknown.err == (
        f"chatdesk: unknown status 'done'; {reference} (solved) can go to: open, closed\n"
    )
    same = tickets_cli("status", reference, "solved")
    assert same.code == 1 and "already solved" in same.err

    tickets_cli("status", reference, "closed", "--as", "Dana")
    final = tickets_cli("status", reference, "open")
    assert final.err == (
        f"chatdesk: {reference} is closed and cannot be set to open; allowed: none "
        "(closed is final)\n"
    )
    assert len(outbox_replies(desk)) == queued + 3  # only the close: customer, thread, card
    assert ticket_row(desk, reference).status == statuses.CLOSED


def test_every_status_has_a_name_for_operators() -> None:
    assert set(ticket_view.STATUS_NAMES) == set(statuses.CATALOGUE)


def test_status_of_an_unknown_ticket(tickets_cli) -> None:
    result = tickets_cli("status", "SD-4242", "open")
    assert result.code == 1 and "no ticket 'SD-4242'" in result.err


def test_acting_without_as_uses_the_os_login(new_chat, desk, tickets_cli, monkeypatch) -> None:
    monkeypatch.setenv("LOGNAME", "operator7")
    monkeypatch.setenv("USER", "operator7")
    reference = new_chat().open_ticket()
    assert "(by operator7)" in tickets_cli("status", reference, "open").out
    assert ticket_row(desk, reference).status == statuses.OPEN


# -- reply --------------------------------------------------------------------------------------
def test_a_public_reply_reaches_the_customer_and_counts_as_first_response(
    new_chat, desk, clock, tickets_cli
) -> None:
    reference = new_chat().open_ticket()
    clock.advance(hours=1)
    result = tickets_cli("reply", reference, "We", "are", "looking", "into", "it.", "--as", "Dana")
    assert result.code == 0, result.err
    assert f"{reference}: reply stored (by Dana).\nThe customer's message: queued for" in result.out
    assert "sent to the customer" not in result.out  # nothing sent it: no serve is running
    told = customer_messages(desk, "chat-ann")[-1]
    assert "We are looking into it." in told
    assert "Dana" not in told  # customers hear from "the support desk", never an agent's name
    assert [n.kind for n in thread_notes(desk, reference)][-1] == "public"
    assert ticket_row(desk, reference).first_response_at == clock.now


def test_an_internal_note_never_reaches_the_customer(new_chat, desk, tickets_cli) -> None:
    reference = new_chat().open_ticket()
    before = customer_messages(desk, "chat-ann")
    flagged = tickets_cli("reply", reference, "--internal", "public: not for them", "--as", "D")
    marked = tickets_cli("reply", reference, "Internal: the db was slow", "--as", "D")
    assert flagged.code == marked.code == 0
    assert "the customer does not see it" in marked.out
    assert customer_messages(desk, "chat-ann") == before
    kinds = [n.kind for n in thread_notes(desk, reference)]
    assert kinds[-2:] == ["internal", "internal"]
    data = json.loads(tickets_cli("show", reference, "--json").out)
    assert [c["body"] for c in data["comments"][-2:]] == ["public: not for them", "the db was slow"]
    assert ticket_row(desk, reference).first_response_at is None


def test_reply_text_from_stdin(new_chat, desk, tickets_cli, monkeypatch) -> None:
    import io

    reference = new_chat().open_ticket()
    monkeypatch.setattr(sys, "stdin", io.StringIO("Line one.\nLine two.\n"))
    assert tickets_cli("reply", reference, "-", "--as", "Dana").code == 0
    assert "Line one.\nLine two." in customer_messages(desk, "chat-ann")[-1]


@pytest.mark.parametrize(
    ("argv", "stdin", "error"),
    [
        (("   ",), "", "the reply is empty; nothing was sent"),
        (("-",), "\n\n", "the reply is empty; nothing was sent"),
        (("public:",), "", "there is no text after the marker; nothing was sent"),
    ],
    ids=["blank", "blank-stdin", "marker-only"],
)
def test_an_empty_reply_is_refused(new_chat, desk, tickets_cli, monkeypatch, argv, stdin, error):  # type: ignore[no-untyped-def]
    import io

    reference = new_chat().open_ticket()
    queued = len(outbox_replies(desk))
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    result = tickets_cli("reply", reference, *argv)
    assert result.code == 1 and result.err.startswith(f"chatdesk: {error}")
    assert len(outbox_replies(desk)) == queued


def test_reply_to_an_unknown_ticket(tickets_cli) -> None:
    result = tickets_cli("reply", "SD-4242", "hello")
    assert result.code == 1 and "no ticket 'SD-4242'" in result.err


# -- assign -------------------------------------------------------------------------------------
def test_assign_opens_a_new_ticket_and_tells_the_customer(new_chat, desk, tickets_cli) -> None:
    reference = new_chat().open_ticket()
    result = tickets_cli("assign", reference, "Dana Agent", "--as", "lead")
    assert result.code == 0, result.err
    assert result.out.splitlines()[0] == f"{reference} is now assigned to Dana Agent, by lead."
    assert "Status New -> Open" in result.out
    ticket = ticket_row(desk, reference)
    assert (ticket.assignee, ticket.assignee_id, ticket.status) == (
        "Dana Agent",
        "cli:Dana Agent",
        statuses.OPEN,
    )
    assert t("status.open.name", "en") in customer_messages(desk, "chat-ann")[-1]
    card = [r for r in outbox_replies(desk) if isinstance(r, TicketCard)][-1]
    assert card.assignee == "Dana Agent"
    assert any("lead" in n.text and "Dana Agent" in n.text for n in thread_notes(desk, reference))

    again = tickets_cli("assign", reference, "dana agent")
    assert again.code == 1 and "already assigned to Dana Agent" in again.err


def test_assign_reuses_the_identity_of_an_agent_from_the_chat(new_chat, desk, tickets_cli) -> None:
    """An agent who claimed a ticket on Slack keeps one identity when assigned from here."""
    from chatdesk.desk import agent_actions
    from chatdesk.store import tickets

    first = new_chat(user="ann").open_ticket()
    second = new_chat(user="bea").open_ticket()
    slack_agent = agent_actions.Agent("slack", "U0DANA", "Dana")
    with desk.database.session() as session:
        ticket = tickets.by_reference(session, first)
        agent_actions.claim(session, ticket, slack_agent, desk.settings, desk.clock())

    assert tickets_cli("assign", second, "Dana", "--as", "lead").code == 0
    assert ticket_row(desk, second).assignee_id == "slack:U0DANA"
    assert tickets_cli("assign", second, "slack:U0DANA").code == 1  # already hers
    listed = tickets_cli("list", "--mine-as", "slack:U0DANA", "--json").out.splitlines()
    assert sorted(json.loads(line)["reference"] for line in listed) == sorted([first, second])


def test_names_in_confirmations_are_escaped_as_in_list_and_show(new_chat, tickets_cli) -> None:
    reference = new_chat().open_ticket()
    agent, me = "Mal\x1b[2Jory\u202e", "Ed\x1b]0;x\x07ie"
    outputs = [
        tickets_cli("assign", reference, agent, "--as", me),
        tickets_cli("assign", reference, "Dana", "--as", me),  # (was <agent>)
        tickets_cli("assign", reference, "dana", "--as", me),  # already assigned to Dana
        tickets_cli("status", reference, "waiting_customer", "--as", me),
        tickets_cli("reply", reference, "hello", "--as", me),
        tickets_cli("reply", reference, "--internal", "note", "--as", me),
    ]
    for result in outputs:
        shown = result.out + result.err
        assert "\x1b" not in shown and "\u202e" not in shown and "\x07" not in shown, shown
    first, second = outputs[0].out, outputs[1].out
    assert first.startswith(
        f"{reference} is now assigned to Mal\\x1b[2Jory\\u202e, by Ed\\x1b]0;x\\x07ie."
    )
    assert "(was Mal\\x1b[2Jory\\u202e)" in second
    assert "(by Ed\\x1b]0;x\\x07ie)" in outputs[3].out
    assert "Ed\\x1b]0;x\\x07ie [INTERNAL" in tickets_cli("show", reference).out  # as here


def test_assign_refuses_a_closed_ticket(new_chat, tickets_cli) -> None:
    reference = new_chat().open_ticket()
    tickets_cli("status", reference, "closed", "--as", "lead")
    result = tickets_cli("assign", reference, "Dana")
    assert result == Run(
        1, "", f"chatdesk: {reference} is closed; nothing more can be done with it\n"
    )


# -- the documentation --------------------------------------------------------------------------
ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("document", ["README.md", "docs/agent-desk.md"])
def test_the_agent_desk_docs_name_only_real_settings(document: str) -> None:
    """Every CHATDESK_ variable the docs mention is a setting, documented in .env.example."""
    from chatdesk.config import VARIABLES

    text = (ROOT / document).read_text(encoding="utf-8")
    named = set(re.findall(r"CHATDESK_[A-Z0-9_]*[A-Z0-9]", text)) - {"CHATDESK_TEST_DATABASE_URL"}
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    documented = set(re.findall(r"^(CHATDESK_[A-Z0-9_]+)=", example, re.MULTILINE))
    fields = {"CHATDESK_" + name.upper() for name in VARIABLES}
    assert named, document
    assert named - fields == set()
    assert named - documented == set()


def test_the_docs_examples_are_commands_the_cli_accepts() -> None:
    text = (ROOT / "docs/agent-desk.md").read_text(encoding="utf-8")
    examples = [line for line in text.splitlines() if line.startswith("chatdesk tickets ")]
    used = {shlex.split(line)[2] for line in examples}
    assert used == {"list", "show", "file", "status", "reply", "assign"}
    parser = cli.build_parser()
    for line in examples:
        argv = shlex.split(line.split("  #")[0])[1:]
        assert parser.parse_args(argv).func is not None, line
