"""Typed commands in English and Dutch, with or without a slash."""

from __future__ import annotations

import pytest

from chatdesk.commands import Command, find_reference, parse


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("new", Command("new")),
        ("/nieuw", Command("new")),
        ("New my export fails", Command("new", "my export fails")),
        ("status SD-1042", Command("status", "SD-1042")),
        ("/status@desk_bot sd-1042", Command("status", "sd-1042")),
        ("SD-1042", Command("status", "SD-1042")),
        ("my tickets", Command("my_tickets")),
        ("Mijn tickets!", Command("my_tickets")),
        ("cancel", Command("cancel")),
        ("/annuleer", Command("cancel")),
        ("help", Command("help")),
        ("lang nl", Command("lang", "nl")),
        ("close SD-7", Command("close", "SD-7")),
        ("heropen SD-7", Command("reopen", "SD-7")),
        ("org tickets", Command("org_tickets")),
        ("Organization tickets", Command("org_tickets")),
        ("/org_tickets", Command("org_tickets")),
        ("tickets van mijn organisatie", Command("org_tickets")),
        ("Organisatie tickets", Command("org_tickets")),
    ],
)
def test_commands_are_recognised(text, command):
    assert parse(text) == command


@pytest.mark.parametrize(
    "text", ["help, my export fails", "cancel my subscription please", "the status bar is gone", ""]
)
def test_sentences_are_not_commands(text):
    assert parse(text) is None


def test_references_are_found_and_normalised():
    assert find_reference("about sd-1042, again") == "SD-1042"
    assert find_reference("version 2-3 of X") is None
    assert find_reference("HELPDESK10-77") == "HELPDESK10-77"
