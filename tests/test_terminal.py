"""The terminal chat, driven as a real subprocess through a pseudo-terminal."""

from __future__ import annotations

import os
import re
import sys

import pexpect
import pytest

from chatdesk.adapters.terminal import clean, render
from chatdesk.adapters.terminal.catalogue import t as terminal_t
from chatdesk.events import Choice, InboundEvent, Message, TicketCard

ANSI = re.compile(r"\x1b\[[0-9;?]*[a-zA-Z]")
PROMPT = r"\x1b\[J(\x1b\[0m)?>"  # prompt_toolkit clears below the cursor, then draws "> "


def _spawn(database_url: str, kb_dir, *args: str) -> pexpect.spawn:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "XDG_CACHE_HOME": os.environ["XDG_CACHE_HOME"],  # the run's vector cache (conftest)
        "TERM": "xterm-256color",
        "PROMPT_TOOLKIT_NO_CPR": "1",
        "CHATDESK_DATABASE_URL": database_url,
        "CHATDESK_KNOWLEDGE_DIR": str(kb_dir),
        "LANG": "C.UTF-8",
    }
    child = pexpect.spawn(
        sys.executable,
        ["-m", "chatdesk", "chat", *args],
        env=env,
        encoding="utf-8",
        timeout=60,  # the first prompt waits for the search model to load (seconds)
        dimensions=(50, 160),
    )
    return child


def _answer(child: pexpect.spawn, text: str, expect: str) -> str:
    child.sendline(text)
    child.expect(expect)
    screen = ANSI.sub("", child.before + child.after)
    child.expect(PROMPT)  # wait until the chat is ready for the next line
    return screen


@pytest.fixture
def terminal(database_url, kb_dir):
    children = []

    def start(*args: str) -> pexpect.spawn:
        child = _spawn(database_url, kb_dir, *args)
        children.append(child)
        lang = args[args.index("--lang") + 1] if "--lang" in args else "en"
        child.expect(re.escape(terminal_t("terminal.welcome", lang)))  # in the chat's language
        child.expect({"en": "Here is what I can do", "nl": "Dit kan ik voor je doen"}[lang])
        child.expect(PROMPT)
        return child

    yield start
    for child in children:
        child.close(force=True)


def test_a_full_intake_in_the_terminal(terminal):
    child = terminal("--user", "tess")
    _answer(child, "Export to Excel fails", "continue")
    _answer(child, "None of these: continue", "describe the problem")
    screen = _answer(child, "The export spinner never stops and no file arrives.", "steps|continue")
    if "continue" in screen:
        _answer(child, "continue", "steps")
    _answer(child, "Reports > Export to Excel", "Skip")
    screen = _answer(child, "1", "Send ticket")
    assert "Subject: Export to Excel fails" in screen
    screen = _answer(child, "1", "SD-1001 has been created")
    assert "SD-1001 has been created" in screen
    screen = _answer(child, "status SD-1001", "Status: New")
    child.sendcontrol("d")
    child.expect("Bye")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_the_terminal_reads_what_people_mean(terminal):
    """Issue 12 in the terminal: a person on request, "no thanks" to the offer, and "nah
    none of them" at the articles, which are shown with the question they stand beside."""
    child = terminal("--user", "tia")
    screen = _answer(child, "can i talk to a human", "Start a ticket")
    assert "08:30" in screen and "support team" in screen
    _answer(child, "no thanks", "Message me any time")
    screen = _answer(child, "Export to Excel fails", "None of these")
    assert "describe the problem" in screen
    _answer(child, "nah none of them", "describe the problem")
    _answer(child, "The export spinner never stops and no file arrives.", "steps")


def test_dutch_and_ctrl_c_leave_cleanly(terminal):
    child = terminal("--user", "nina", "--lang", "nl")
    _answer(child, "mijn tickets", "geen openstaande tickets")
    child.sendintr()
    child.expect("Tot ziens")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_the_draft_survives_leaving_and_coming_back(terminal):
    child = terminal("--user", "rob")
    _answer(child, "new", "subject")
    _answer(child, "Printing invoices fails", "describe|articles")
    child.sendcontrol("d")
    child.expect(pexpect.EOF)
    again = terminal("--user", "rob")
    _answer(again, "The printed PDF of every invoice is blank.", "steps|articles")


def test_control_characters_from_users_cannot_repaint_the_terminal():
    assert clean("a\x1b[2Jb\x07c\nd") == "a[2Jbc\nd"
    message = Message("terminal", "u", "subject: \x1b]0;pwned\x07", (Choice("x", "\x1b[31mred"),))
    text = "".join(part for _, part in render(message, "en", None))
    assert "\x1b" not in text and "\x07" not in text


def test_an_unknown_reply_type_fails_loudly():
    with pytest.raises(TypeError):
        render(InboundEvent("terminal", "u", "u"), "en", None)  # type: ignore[arg-type]
    card = TicketCard("SD-1", "s", "r", "normal", "new", "terminal")
    assert card.reference == "SD-1"


# -- the terminal as a full channel ------------------------------------------------------------


def _tickets(database_url: str, kb_dir, *args: str) -> str:
    """``chatdesk tickets ...`` as the operator runs it, in its own process."""
    import subprocess

    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "CHATDESK_DATABASE_URL": database_url,
        "CHATDESK_KNOWLEDGE_DIR": str(kb_dir),
    }
    done = subprocess.run(
        [sys.executable, "-m", "chatdesk", "tickets", *args]
        + (["--as", "Dana"] if args[0] != "show" else []),
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def _intake(child: pexpect.spawn) -> str:
    _answer(child, "Export to Excel fails", "continue")
    _answer(child, "None of these: continue", "describe the problem")
    screen = _answer(child, "The export spinner never stops and no file arrives.", "steps|continue")
    if "continue" in screen:
        _answer(child, "continue", "steps")
    _answer(child, "Reports > Export to Excel", "Skip")
    _answer(child, "1", "Send ticket")
    _answer(child, "1", "SD-1001 has been created")
    return "SD-1001"


def test_a_running_chat_shows_agent_replies_at_once_and_later_news_at_its_next_start(
    terminal, database_url, kb_dir
):
    from chatdesk.core.i18n import t

    child = terminal("--user", "tess")
    reference = _intake(child)

    # the chat is open: the reply appears in it, and the operator is told it was shown
    out = _tickets(database_url, kb_dir, "reply", reference, "The fix is live, try again.")
    assert f"{reference}: reply stored (by Dana)." in out
    assert "The customer's message: sent: the customer's open chat showed it." in out
    child.expect("The fix is live, try again.")
    child.sendcontrol("d")
    child.expect("Bye")
    child.expect(pexpect.EOF)

    # the chat is closed: nothing is "sent", the news waits for the next start
    out = _tickets(database_url, kb_dir, "status", reference, "solved")
    assert "with the rating question: queued for delivery: the customer sees it when their " in out
    assert "sent" not in out.replace("`chatdesk chat`", "")
    child = _spawn(database_url, kb_dir, "--user", "tess")
    try:
        child.expect("Here is what I can do")
        child.expect(re.escape(t("status.solved.name", "en")))
        child.expect(re.escape(t("lifecycle.rating.ask", "en", reference=reference)))
        child.expect(re.escape("5) " + t("lifecycle.rating.label_5", "en")))
        child.expect(PROMPT)
        _answer(child, "5", re.escape(f"Thank you for rating {reference} 5 out of 5"))
        child.sendcontrol("d")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)

    # shown once: the next start has no news
    child = _spawn(database_url, kb_dir, "--user", "tess")
    try:
        child.expect("Here is what I can do")
        child.expect(PROMPT)
        child.sendline("my tickets")
        child.expect(PROMPT)
        assert "How did we do" not in ANSI.sub("", child.before)
    finally:
        child.close(force=True)


def test_a_delivered_question_is_answered_by_its_number_even_in_the_middle_of_an_intake(
    terminal, database_url, kb_dir
):
    """The rating question arrives while the customer is starting a new ticket: it is the
    newest list on screen, so "4" is the rating, not the new ticket's subject."""
    from chatdesk.core.i18n import t

    child = terminal("--user", "tess")
    reference = _intake(child)
    _answer(child, "new", re.escape(t("intake.ask_subject", "en")))
    out = _tickets(database_url, kb_dir, "status", reference, "solved")
    assert "sent: the customer's open chat showed it" in out
    child.expect(re.escape("4) " + t("lifecycle.rating.label_4", "en")))
    _answer(child, "4", re.escape(f"Thank you for rating {reference} 4 out of 5"))
    assert "Rating: 4/5" in _tickets(database_url, kb_dir, "show", reference)
    # and the intake goes on where it was: the next line is the new ticket's subject
    _answer(child, "Printer offline", "continue|describe")
    _answer(child, "cancel", re.escape(t("intake.cancelled", "en")))
