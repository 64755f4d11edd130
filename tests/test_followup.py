"""After the ticket: status, my tickets, comments, close, reopen, follow-ups, privacy."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from chatdesk.core import statuses
from chatdesk.store import tickets
from chatdesk.store.models import Ticket


def _set_status(desk, reference: str, status: str, comment: str | None = None) -> None:
    """What an agent does (the agent desk drives this same store)."""
    with desk.database.session() as session:
        ticket = tickets.by_reference(session, reference)
        if comment:
            tickets.add_comment(session, ticket, comment, "agent", "Pat", desk.clock())
        tickets.set_status(ticket, status, "Pat", desk.clock())


def test_status_shows_the_meaning_last_change_and_last_public_reply(chat, desk):
    reference = chat.open_ticket()
    _set_status(desk, reference, statuses.WAITING_CUSTOMER, "Which browser do you use?")
    chat.say(f"status {reference}")
    assert "Status: Waiting on you" in chat.text
    assert "We need more information" in chat.text
    assert "Last change: 2026-11-23 11:00" in chat.text  # support time zone, Amsterdam
    assert "Which browser do you use?" in chat.text


def test_a_bare_reference_asks_for_its_status(chat):
    reference = chat.open_ticket()
    chat.say(reference.lower())
    assert f"{reference}: Export to Excel fails" in chat.text


def test_unknown_and_strangers_tickets_get_the_same_answer(chat, new_chat):
    reference = chat.open_ticket()
    stranger = new_chat(user="eve", name="Eve")
    stranger.say(f"status {reference}")
    theirs = stranger.text
    stranger.say("status SD-9999")
    assert theirs.replace(reference, "REF") == stranger.text.replace("SD-9999", "REF")
    stranger.say(f"{reference} let me in")
    assert "can't find" in stranger.text
    stranger.say(f"close {reference}")
    assert "can't find" in stranger.text


def test_my_tickets_lists_open_tickets_newest_first(chat, clock, desk):
    first = chat.open_ticket("Export to Excel fails")
    clock.advance(minutes=5)
    second = chat.open_ticket("Printing invoices gives blank pages")
    _set_status(desk, first, statuses.CLOSED)
    chat.say("my tickets")
    assert second in chat.text and first not in chat.text
    third = chat.open_ticket("Reports load very slowly")
    chat.say("/mijn tickets")
    assert chat.text.index(third) < chat.text.index(second)
    assert chat.choices == [f"st:{third}", f"st:{second}"]
    chat.press(f"st:{second}")
    assert "Status: New" in chat.text


def test_with_several_open_tickets_the_bot_asks_instead_of_guessing(chat, desk):
    first = chat.open_ticket("Export to Excel fails")
    second = chat.open_ticket("Printing invoices gives blank pages")
    chat.say("It also happens on my colleague's computer")
    assert f"t:{first}" in chat.choices and f"t:{second}" in chat.choices
    assert "newp" in chat.choices
    chat.press(f"t:{first}")
    assert f"Added your message to {first}" in chat.text
    with desk.database.session() as session:
        ticket = tickets.by_reference(session, first)
        assert [c.body for c in ticket.comments] == ["It also happens on my colleague's computer"]


def test_a_reference_in_the_message_picks_the_ticket(chat, desk):
    first = chat.open_ticket("Export to Excel fails")
    chat.open_ticket("Printing invoices gives blank pages")
    chat.say(f"{first}: it works in Firefox though")
    assert f"Added your message to {first}" in chat.text
    with desk.database.session() as session:
        assert tickets.by_reference(session, first).comments[0].body == "it works in Firefox though"


def test_a_new_problem_gets_a_new_ticket_not_a_comment(chat, desk):
    chat.open_ticket("Export to Excel fails")
    chat.say("The invoice printer makes every page blank")
    chat.press("newp")
    assert "Please describe the problem" in chat.text and chat.choices == []  # no article fits
    with desk.database.session() as session:
        assert session.scalar(select(Ticket)).comments == []


def test_a_comment_on_a_solved_ticket_reopens_it(chat, desk):
    reference = chat.open_ticket()
    _set_status(desk, reference, statuses.SOLVED, "Fixed in today's update.")
    chat.say(f"{reference} still broken for me")
    assert "reopened" in chat.text
    with desk.database.session() as session:
        assert tickets.by_reference(session, reference).status == statuses.OPEN


def test_an_answer_to_waiting_on_customer_puts_the_ticket_back_to_open(chat, desk):
    reference = chat.open_ticket()
    _set_status(desk, reference, statuses.WAITING_CUSTOMER, "Which browser?")
    chat.say(f"{reference} Chrome 131")
    with desk.database.session() as session:
        assert tickets.by_reference(session, reference).status == statuses.OPEN


def test_close_asks_first_and_then_closes(chat, desk):
    reference = chat.open_ticket()
    chat.say(f"close {reference}")
    assert chat.choices == ["yes", "no"]
    chat.press("no")
    assert "stays open" in chat.text
    chat.say(f"sluit {reference}")
    chat.say("1")
    assert f"{reference} is closed" in chat.text
    with desk.database.session() as session:
        ticket = tickets.by_reference(session, reference)
        assert ticket.status == statuses.CLOSED
        assert [h.to_status for h in ticket.history] == ["new", "closed"]


def test_reopen_a_solved_ticket(chat, desk):
    reference = chat.open_ticket()
    chat.say(f"reopen {reference}")
    assert "still open" in chat.text
    _set_status(desk, reference, statuses.SOLVED)
    chat.say(f"heropen {reference}")
    assert "open again" in chat.text


def test_a_closed_ticket_takes_a_linked_follow_up_and_keeps_the_message(chat, desk):
    reference = chat.open_ticket()
    _set_status(desk, reference, statuses.CLOSED)
    chat.say(f"{reference} the export fails again since the update of last night")
    assert "cannot be reopened" in chat.text and chat.choices == ["yes", "no"]
    chat.press("yes")
    assert f"refers to {reference}" in chat.text
    assert chat.choices == ["art1", "continue"]  # an article about the export is suggested
    chat.press("continue")
    chat.say("Since last night the export spins and nothing arrives again.")
    assert "Which steps" in chat.text and chat.choices == []
    chat.say("Reports > Export to Excel")
    chat.press("skip")
    assert "Subject: the export fails again since the update of last night" in chat.text
    chat.press("confirm")
    with desk.database.session() as session:
        new = session.scalars(select(Ticket).order_by(Ticket.id.desc())).first()
        assert new.follows_up.reference == reference
    chat.say(f"status {new.reference}")
    assert f"Follow-up of {reference}" in chat.text


def test_language_follows_the_locale_and_lang_overrides_it_for_good(new_chat):
    chat = new_chat(locale="nl_BE")
    chat.say("help")
    assert "Dit kan ik voor je doen" in chat.text
    chat.say("lang en")
    assert "speak English" in chat.text
    chat.say("help")
    assert "Here is what I can do" in chat.text
    chat.say("lang fr")
    assert "lang en" in chat.text


def test_a_command_in_the_middle_of_an_intake_answers_and_asks_again(chat):
    chat.say("Export to Excel fails")
    chat.press("continue")
    chat.say("my tickets")
    assert "no open tickets" in chat.text and "describe" in chat.text.lower()
    chat.say("new")
    assert "already" in chat.text


def test_small_talk_gets_a_hint_not_a_ticket(chat):
    for text in ("hi", "thanks!", "Goedemorgen", "", "👍"):
        chat.say(text)
        assert "help" in chat.text, text
        assert chat.choices == []


@pytest.mark.parametrize(
    "text",
    [
        "Good morning, how are you?",
        "hoe gaat het?",
        "Is anyone there?",
        "Hallo, is er iemand?",
        "tell me a joke",
        "Vertel een mop",
        "What time is it?",
        "hoe laat is het",
    ],
)
def test_a_pleasantry_gets_a_hint_not_suggestions(chat, text):
    chat.say(text)
    assert "help" in chat.text
    assert chat.choices == []


@pytest.mark.parametrize(
    "text",
    [
        "Good morning, my export to Excel fails",
        "Are you a bot? My export to Excel fails",
    ],
)
def test_a_greeting_with_a_problem_in_it_is_a_problem(chat, text):
    chat.say(text)
    # Intake starts: the matching article beside the description question, not a hint.
    assert "Export to Excel fails" in chat.text
    assert chat.text.endswith("what did you expect to happen?")


def test_a_problem_no_article_answers_starts_intake_without_suggestions(chat):
    # "takes a long time" is not "fails": no article is close enough, so intake asks for
    # the description at once instead of showing a weak match.
    chat.say("The export takes a long time today")
    assert chat.text.startswith("Please describe the problem")
    assert chat.choices == []


def test_a_redelivered_event_is_handled_once(chat, desk):
    chat.say("new", event_id="upd-1")
    assert chat.replies
    assert chat.say("new", event_id="upd-1") == []
    chat.say("Export to Excel fails", event_id="upd-2")
    assert "articles" in chat.text.lower()


def _draft(desk, user: str = "ann") -> tuple[str, dict]:
    from chatdesk.store.models import Conversation

    with desk.database.session() as session:
        conversation = session.scalar(select(Conversation).where(Conversation.user_id == user))
        return conversation.state, dict(conversation.data or {}).get("draft", {})


@pytest.mark.parametrize(
    "text",
    [
        "Since the Windows-11 update I cannot log in",
        "The export fails with a UTF-8 decoding error",
        "Close button on the invoice screen does nothing",
        "Status page shows an error when I open it",
        "Language settings are not saved after logout",
    ],
)
def test_a_problem_that_looks_like_a_command_or_reference_starts_an_intake(chat, desk, text):
    """Another desk's reference shape, or a sentence that starts with a command word, is
    a problem in the customer's words: nothing of it is lost."""
    chat.say(text)
    assert "can't find a ticket" not in chat.text
    state, draft = _draft(desk)
    assert state != "idle" and draft["subject"] == text


@pytest.mark.parametrize(
    "asked",
    ["{ref}?", "{ref}.", "({ref})", "#{ref}", "what about {ref}?", "hoe staat het met {ref}"],
)
def test_a_reference_with_punctuation_asks_for_the_status_and_changes_nothing(chat, desk, asked):
    reference = chat.open_ticket()
    _set_status(desk, reference, statuses.SOLVED, "Fixed in today's update.")
    chat.say(asked.format(ref=reference.lower()))
    assert "Fixed in today's update." in chat.text  # the status view, with the last reply
    with desk.database.session() as session:
        ticket = tickets.by_reference(session, reference)
        assert ticket.status == statuses.SOLVED
        assert [c.body for c in ticket.comments] == ["Fixed in today's update."]


def test_lang_takes_the_languages_name_in_either_language(chat):
    chat.say("taal Nederlands")
    assert "Nederlands" in chat.text and "lang en" not in chat.text
    chat.say("lang English please")
    assert "speak English" in chat.text


@pytest.mark.parametrize("command", ["close {ref}", "reopen {ref}", "close", "sluit"])
def test_close_or_reopen_during_an_intake_keeps_the_draft(chat, desk, command):
    reference = chat.open_ticket()
    _set_status(desk, reference, statuses.CLOSED)
    chat.say("new Printing to PDF gives an empty page")
    assert "Please describe the problem" in chat.text and chat.choices == []  # no article fits
    chat.say("Every PDF I print from the invoice screen comes out blank.")
    assert "Which steps" in chat.text and chat.choices == []
    before = _draft(desk)

    chat.say(command.format(ref=reference))
    assert "middle of a new ticket" in chat.text  # in English, even after the Dutch "sluit"
    assert _draft(desk) == before  # the draft and the question it was at are kept
    assert "steps" in chat.text.lower()  # and that question is asked again


def test_yes_and_no_are_understood_typed_in_either_language(chat, desk):
    reference = chat.open_ticket()
    chat.say(f"close {reference}")
    chat.say("nee")
    assert "stays open" in chat.text
    chat.say(f"close {reference}")
    chat.say("ja")
    with desk.database.session() as session:
        assert tickets.by_reference(session, reference).status == statuses.CLOSED


def test_overslaan_skips_the_error_message_in_an_english_conversation(chat, desk):
    chat.open_ticket()  # a first ticket, so the second intake is the one under test
    chat.say("new Printing to PDF gives an empty page")
    assert "Please describe the problem" in chat.text and chat.choices == []  # no article fits
    chat.say("Every PDF I print from the invoice screen comes out blank.")
    assert "Which steps" in chat.text and chat.choices == []
    chat.say("Invoices > Print > Save as PDF")
    chat.say("overslaan")
    assert "Error message: (none)" in chat.text and "overslaan" not in chat.text  # the summary
    _, draft = _draft(desk)
    assert draft["error_message"] is None


def test_which_ticket_answered_by_typing_a_reference_picks_it(chat, desk):
    first = chat.open_ticket()
    chat.open_ticket("Printing to PDF gives an empty page")
    chat.say("It happens again since this morning")
    assert "newp" in chat.choices  # which ticket is this about?
    chat.say(first)
    assert "Added your message" in chat.text and first in chat.text


def test_a_cancelled_ticket_is_called_cancelled_not_closed(chat, desk):
    reference = chat.open_ticket()
    _set_status(desk, reference, statuses.CANCELLED)
    chat.say(f"reopen {reference}")
    assert "was cancelled and cannot be reopened" in chat.text
    chat.press("no")
    chat.say(f"status {reference}")
    assert "This ticket was cancelled" in chat.text and "is closed" not in chat.text
