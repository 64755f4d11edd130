"""The terminal chat, driven as a real subprocess through a pseudo-terminal."""

from __future__ import annotations

import os
import re
import sys

import pexpect
import pytest

from chatdesk.adapters.terminal import clean, render
from chatdesk.events import Choice, InboundEvent, Message, TicketCard

ANSI = re.compile(r"\x1b\[[0-9;?]*[a-zA-Z]")
PROMPT = r"\x1b\[J(\x1b\[0m)?>"  # prompt_toolkit clears below the cursor, then draws "> "


def _spawn(database_url: str, kb_dir, *args: str) -> pexpect.spawn:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
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
        timeout=30,
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
        child.expect("Here is what I can do|Dit kan ik voor je doen")
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
