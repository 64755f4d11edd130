"""The desk answers in the language a customer writes in, not only the one their platform says.

A Dutch office on English phones writes Dutch (and the reverse happens too); the locale is a
guess about the person, their words are what they chose. Their own words count (a problem, a
subject, a description), not a pasted error text, and a short "ok" tells nothing; a language
chosen with ``lang`` always wins.
"""

from __future__ import annotations

import pytest

from chatdesk.core.i18n import t
from chatdesk.core.language import written_in
from chatdesk.desk import agent_actions
from chatdesk.desk.agent_actions import Agent
from chatdesk.events import Message
from chatdesk.store import tickets

from conftest import Chat, outbox_replies  # isort: skip

DUTCH_PROBLEM = (
    "Ik kan niet meer inloggen sinds vanochtend, mijn wachtwoord wordt niet geaccepteerd"
)
DUTCH_ERROR = "Er is een fout opgetreden bij het exporteren van de gegevens"


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("hoi, ik kan niet meer inloggen sinds vanochtend", "nl"),
        ("de export geeft een error", "nl"),  # English product words in a Dutch sentence
        ("wat is de status van mijn melding?", "nl"),
        ("kan ik iemand spreken?", "nl"),
        ("Export to Excel fails on the June report", "en"),
        ("can I talk to a human", "en"),
        ("The login page says my password is wrong", "en"),
        ("Export to Excel fails", None),  # too few words to tell
        ("Wachtwoord vergeten", None),
        ("ok", None),
        ("ja", None),
        ("", None),
        ("Ben can't log in", None),  # "ben" is Dutch too: not a clear majority
    ],
)
def test_the_language_a_text_is_written_in(text: str, lang: str | None) -> None:
    assert written_in(text) == lang


def test_dutch_words_on_an_english_phone_are_answered_in_dutch(desk) -> None:
    customer = Chat(desk, user="anne", locale="en-GB")
    customer.say(DUTCH_PROBLEM)
    if "continue" in customer.choices:
        customer.press("continue")
    assert t("intake.ask_description", "nl") in customer.text
    customer.say("De inlogpagina zegt dat mijn wachtwoord fout is, maar het is goed.")
    if "continue" in customer.choices:
        customer.press("continue")
    customer.say("Open the portal, type my e-mail and my password, press Sign in")  # not read
    customer.press("skip")
    customer.press("confirm")
    reference = next(word for word in customer.text.split() if word.startswith("SD-"))
    assert "Je ticket" in customer.text
    customer.say("ok")  # says nothing about the language; the reset kept it: still Dutch
    assert customer.text and "Je ticket" not in customer.text
    assert all(r.lang == "nl" for r in customer.replies if isinstance(r, Message))
    # and the platform's own words for this customer (a terminal's goodbye, an apology) too
    assert desk.language_of("test", "anne", "en-GB") == "nl"
    assert desk.language_of("test", "someone-else", "en-GB") == "en"

    with desk.database.session() as session:  # the ticket keeps the language: so does its news
        ticket = tickets.by_reference(session, reference)
        assert ticket is not None and ticket.lang == "nl"
        agent = Agent("cli", "dana", "Dana")
        agent_actions.change_status(
            session, ticket, "waiting_customer", agent, desk.settings, desk.clock()
        )
    [told] = [r for r in outbox_replies(desk) if isinstance(r, Message)][-1:]
    assert t("status.waiting_customer.name", "nl") in told.text


def test_english_words_on_a_dutch_phone_are_answered_in_english_and_a_pasted_error_changes_nothing(
    desk,
) -> None:
    customer = Chat(desk, user="sem", locale="nl-NL")
    customer.say("new The export to Excel fails on the June report")
    if "continue" in customer.choices:
        customer.press("continue")
    assert t("intake.ask_description", "en") in customer.text
    customer.say("The export button shows a spinner and then nothing is downloaded.")
    if "continue" in customer.choices:
        customer.press("continue")
    customer.say("Reports, Monthly, Export")
    customer.say(DUTCH_ERROR)  # the software's own Dutch message, pasted
    assert "Please check your ticket:" in customer.text


def test_a_language_chosen_with_lang_wins_over_the_words(desk) -> None:
    chose = Chat(desk, user="kees", locale="nl")
    chose.say("lang en")
    chose.say(DUTCH_PROBLEM)
    if "continue" in chose.choices:
        chose.press("continue")
    assert t("intake.ask_description", "en") in chose.text
    words = Chat(desk, user="joost", locale="en")  # the same words, no choice made
    words.say(DUTCH_PROBLEM)
    if "continue" in words.choices:
        words.press("continue")
    assert t("intake.ask_description", "nl") in words.text
