"""Typed commands in English and Dutch, with or without a slash."""

from __future__ import annotations

import pytest

from chatdesk.core.commands import Command, find_reference, parse


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("new", Command("new")),
        ("/nieuw", Command("new")),
        ("New my export fails", Command("new", "my export fails")),
        ("new 🙂🙂", Command("new", "🙂🙂")),
        ("status SD-1042", Command("status", "SD-1042", "SD-1042")),
        ("/status@desk_bot sd-1042", Command("status", "sd-1042", "SD-1042")),
        ("SD-1042", Command("status", "SD-1042", "SD-1042")),
        ("SD-1042?", Command("status", "SD-1042", "SD-1042")),
        ("(sd-1042)", Command("status", "sd-1042", "SD-1042")),
        ("#SD-1042.", Command("status", "SD-1042", "SD-1042")),
        ("status of my ticket", Command("status", "of my ticket")),
        ("close my ticket", Command("close", "my ticket")),
        ("sluit mijn melding", Command("close", "mijn melding")),
        (
            "close SD-7 please, it works again",
            Command("close", "SD-7 please, it works again", "SD-7"),
        ),
        ("my tickets", Command("my_tickets")),
        ("Mijn tickets!", Command("my_tickets")),
        ("cancel", Command("cancel")),
        ("/annuleer", Command("cancel")),
        ("help", Command("help")),
        ("lang nl", Command("lang", "nl")),
        ("lang xx", Command("lang", "xx")),
        ("taal Nederlands", Command("lang", "Nederlands")),
        ("lang english please", Command("lang", "english please")),
        ("close SD-7", Command("close", "SD-7", "SD-7")),
        ("heropen SD-7", Command("reopen", "SD-7", "SD-7")),
        ("org tickets", Command("org_tickets")),
        ("Organization tickets", Command("org_tickets")),
        ("/org_tickets", Command("org_tickets")),
        ("tickets van mijn organisatie", Command("org_tickets")),
        ("Organisatie tickets", Command("org_tickets")),
    ],
)
def test_commands_are_recognised(text, command):
    assert parse(text, "SD") == command


@pytest.mark.parametrize(
    "text",
    [
        "help, my export fails",
        "cancel my subscription please",
        "the status bar is gone",
        "",
        # sentences that only start with a command's word
        "Close button on the invoice screen does nothing",
        "Status page shows an error when I open it",
        "Reopen of the report fails",
        "Language settings are not saved after logout",
        "Taal instellingen worden niet bewaard",
        # another desk's reference shape, or none at all
        "Windows-11",
        "UTF-8",
        "HD-1042",
        "newsletter is not sent",
    ],
)
def test_sentences_are_not_commands(text):
    assert parse(text, "SD") is None


def test_references_are_this_desks_prefix_a_dash_and_a_number():
    assert find_reference("about sd-1042, again", "SD") == "SD-1042"
    assert find_reference("version 2-3 of X", "SD") is None
    assert find_reference("Since the Windows-11 update I cannot log in", "SD") is None
    assert find_reference("UTF-8 decoding error in SD-7", "SD") == "SD-7"
    assert find_reference("HELPDESK10-77", "HELPDESK10") == "HELPDESK10-77"
    assert find_reference("HELPDESK10-77", "SD") is None
