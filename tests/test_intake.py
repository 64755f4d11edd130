"""The intake flow, end to end through the engine on a real database."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from chatdesk.events import MoveToPrivate, TicketCard
from chatdesk.store.models import SuggestionEvent, Ticket

REF = re.compile(r"\b[A-Z][A-Z0-9]{1,9}-\d+\b")


def test_whole_intake_by_typing_creates_a_ticket_with_every_field(chat, desk):
    chat.say("new")
    assert "subject" in chat.text
    chat.say("Export to Excel fails")
    assert "Export to Excel fails" in chat.text  # the matching article is suggested
    chat.say("3" if len(chat.choices) == 3 else str(len(chat.choices)))  # "continue" by number
    assert "describe" in chat.text.lower()
    chat.say("Clicking export shows a spinner forever and no file arrives.")
    if "continue" in chat.choices:
        chat.say("None of these: continue")  # the label works as well as the number
    assert "steps" in chat.text.lower()
    chat.say("Reports > last month > Export to Excel")
    chat.say("HTTP 500 Internal Server Error")
    assert "Subject: Export to Excel fails" in chat.text
    assert "Error message: HTTP 500 Internal Server Error" in chat.text
    chat.say("send ticket")
    reference = REF.search(chat.text).group(0)
    assert reference == "SD-1001"
    with desk.database.session() as session:
        ticket = session.scalar(select(Ticket).where(Ticket.reference == reference))
        assert ticket.subject == "Export to Excel fails"
        assert ticket.description.startswith("Clicking export")
        assert ticket.steps == "Reports > last month > Export to Excel"
        assert ticket.error_message == "HTTP 500 Internal Server Error"
        assert ticket.status == "new" and ticket.priority == "normal"
        assert [h.to_status for h in ticket.history] == ["new"]


def test_confirmed_intake_emits_an_agent_card(chat):
    reference = chat.open_ticket()
    [card] = chat.cards()
    assert isinstance(card, TicketCard)
    assert card.reference == reference and card.requester == "Ann" and not card.urgent


def test_free_text_describing_a_problem_starts_an_intake_with_it_as_subject(chat):
    chat.say("I forgot my password and cannot log in")
    assert "Reset your password" in chat.text
    assert chat.choices[0] == "art1" and chat.choices[-1] == "continue"


def test_choosing_an_article_that_solves_it_records_a_deflection_and_no_ticket(chat, desk):
    chat.say("forgot my pasword")  # typo
    assert "Reset your password" in chat.text
    chat.press("art1")
    assert "Reset your password" in chat.text and "solved" in chat.choices
    chat.press("solved")
    assert "No ticket was created" in chat.text
    with desk.database.session() as session:
        kinds = sorted(session.scalars(select(SuggestionEvent.kind)))
        assert session.scalar(select(Ticket)) is None
    assert kinds == ["chosen", "shown", "solved"]


def test_ticket_anyway_is_recorded_for_every_article_shown(chat, desk):
    chat.open_ticket()
    with desk.database.session() as session:
        kinds = list(session.scalars(select(SuggestionEvent.kind)))
    assert "ticket_anyway" in kinds and kinds.count("ticket_anyway") == kinds.count("shown")


def test_description_search_offers_only_articles_not_shown_before(chat):
    chat.say("Export to Excel fails")
    first = chat.text
    assert "Export to Excel fails" in first
    chat.press("continue")
    chat.say("The excel export breaks, also when I try the csv download")
    # the export article was already shown: it must not be offered again
    assert "Export to Excel fails –" not in chat.text


def test_each_bad_answer_is_explained_and_earlier_answers_are_kept(chat, desk):
    chat.say("new")
    chat.say("   ")
    assert "didn't receive any text" in chat.text
    chat.say("!!! 🙂🙂")
    assert "needs words" in chat.text
    chat.say("ab")
    assert "too short" in chat.text
    chat.say("Printing invoices fails")
    chat.press("continue") if "continue" in chat.choices else None
    chat.say("too short")
    assert "too short" in chat.text
    chat.say("The PDF of every invoice comes out blank.")
    chat.press("continue") if "continue" in chat.choices else None
    chat.say("Invoices > select all > Print")
    chat.press("skip")
    assert "Subject: Printing invoices fails" in chat.text
    assert "Description: The PDF of every invoice comes out blank." in chat.text


def test_a_field_can_be_edited_from_the_summary(chat):
    chat.say("Export to Excel fails")
    chat.press("continue")
    chat.say("The export spinner never stops, no file arrives.")
    chat.press("continue") if "continue" in chat.choices else None
    chat.say("Reports, Export to Excel")
    chat.press("skip")
    chat.press("edit")
    assert "f:steps" in chat.choices
    chat.press("f:steps")
    assert "Reports, Export to Excel" in chat.text  # the current value is shown
    chat.say("Reports > choose January > Export to Excel")
    assert "Steps: Reports > choose January > Export to Excel" in chat.text
    chat.press("confirm")
    assert REF.search(chat.text)


def test_cancel_works_at_every_step(chat, desk):
    for steps in (["new"], ["new", "Export to Excel fails"], ["Export to Excel fails", "continue"]):
        for text in steps:
            chat.say(text)
        chat.say("cancel")
        assert "Nothing was sent" in chat.text
    chat.say("/annuleer")
    assert "nothing to cancel" in chat.text
    with desk.database.session() as session:
        assert session.scalar(select(Ticket)) is None


def test_restart_in_the_middle_of_an_intake_resumes_where_it_was(
    chat, make_settings, kb_dir, clock
):
    from chatdesk.app import open_desk

    Chat = type(chat)
    chat.say("Export to Excel fails")
    chat.press("continue")
    chat.desk.database.dispose()  # the process stops...
    again = Chat(open_desk(make_settings(knowledge_dir=kb_dir), clock=clock))
    again.say("The export spinner never stops and no file is downloaded.")  # ...and restarts
    if "continue" in again.choices:
        again.press("continue")
    assert "steps" in again.text.lower()


def test_an_idle_draft_expires_after_the_configured_time(chat, clock, desk):
    chat.say("Export to Excel fails")
    clock.advance(minutes=desk.settings.desk.draft_ttl_minutes + 1)
    chat.say("status SD-1001")
    assert "expired" in chat.text
    assert "can't find a ticket SD-1001" in chat.text


def test_a_stale_button_is_refused_and_the_question_repeated(chat):
    chat.say("Export to Excel fails")
    chat.press("continue")
    chat.press("art1")  # a button from the earlier message
    assert "no longer works" in chat.text
    assert "describe" in chat.text.lower()


def test_site_down_words_make_the_ticket_urgent(chat):
    chat.open_ticket("Site down: alles ligt eruit since 9:00")
    [card] = chat.cards()
    assert card.urgent and card.priority == "urgent"
    assert "urgent" in chat.text


def test_storing_is_urgent_in_dutch_but_an_everyday_word_in_english(new_chat):
    english = new_chat(user="en-user")
    english.open_ticket("Error while storing the file")
    dutch = new_chat(user="nl-user")  # no Dutch locale: the words themselves decide
    dutch.open_ticket("Storing bij het inloggen")
    urgency = {card.subject: card.urgent for card in dutch.cards()}
    assert urgency == {"Error while storing the file": False, "Storing bij het inloggen": True}


def test_attachments_join_the_draft_and_oversized_files_are_refused(chat, desk):
    from chatdesk.events import Attachment

    chat.say("Export to Excel fails")
    chat.press("continue")
    small = Attachment("shot.png", "image/png", 200_000, "f1")
    big = Attachment("dump.zip", "application/zip", 11 * 1024 * 1024, "f2")
    chat.send(attachments=(small, big))
    assert "Attached shot.png" in chat.text
    assert "dump.zip is 11.0 MB" in chat.text and "at most 10 MB" in chat.text
    assert "describe" in chat.text.lower()  # and the question is asked again
    chat.say("Spinner forever when exporting the report to Excel.")
    chat.press("continue") if "continue" in chat.choices else None
    chat.say("Reports > Export to Excel")
    chat.press("skip")
    assert "Attachments: shot.png" in chat.text
    chat.press("confirm")
    with desk.database.session() as session:
        ticket = session.scalar(select(Ticket))
        assert [(a.name, a.size) for a in ticket.attachments] == [("shot.png", 200_000)]


def test_in_a_group_intake_moves_to_a_private_chat_keeping_the_text(new_chat):
    group = new_chat(private=False)
    group.say("my export to excel fails")
    [move] = group.replies
    assert isinstance(move, MoveToPrivate)
    assert move.original_text == "my export to excel fails" and "private" in move.text
    group.say("help")
    assert "status SD-1042" in group.text


def test_the_whole_intake_in_dutch(new_chat, desk):
    chat = new_chat(locale="nl-NL")
    chat.say("nieuw")
    assert "onderwerp" in chat.text
    chat.say("wachtwoord vergeten")
    assert "Wachtwoord opnieuw instellen" in chat.text
    chat.say("Geen van deze: verder")
    chat.say("Ik krijg geen resetmail en kan dus niet inloggen.")
    chat.press("continue") if "continue" in chat.choices else None
    assert "stappen" in chat.text
    chat.say("Inlogscherm > wachtwoord vergeten > e-mailadres ingevuld")
    chat.say("overslaan")
    assert "Controleer je ticket" in chat.text
    chat.say("1")
    assert "Je ticket SD-1001 is aangemaakt" in chat.text


def test_control_characters_and_overlong_file_names_are_stored_cleaned(chat, desk):
    """PostgreSQL refuses a NUL in text: pasted from a terminal, one would fail every try to
    send the ticket. The event drops control characters; a file name is clipped to what its
    column holds, keeping the extension."""
    from chatdesk.events import Attachment

    chat.say("Export to Excel fails\x00 again")
    chat.press("continue") if "continue" in chat.choices else None
    long_name = "report-" + "x" * 400 + ".csv"
    chat.say(
        "The spinner\x1b[31m turns forever.\x07",
        attachments=(Attachment(long_name, "text/csv", 1000, "f1"),),
    )
    chat.press("continue") if "continue" in chat.choices else None
    chat.say("Reports > Export to Excel\x00")
    chat.press("skip")
    chat.press("confirm")
    assert REF.search(chat.text), chat.text
    with desk.database.session() as session:
        ticket = session.scalar(select(Ticket))
        assert ticket.subject == "Export to Excel fails again"
        assert ticket.description == "The spinner[31m turns forever."
        assert ticket.steps == "Reports > Export to Excel"
        [attachment] = ticket.attachments
        assert len(attachment.name) == 300 and attachment.name.endswith("xxx.csv")


def _reading_an_article(chat) -> None:
    chat.say("Export to Excel fails")
    assert "art1" in chat.choices
    chat.press("art1")
    assert "solved" in chat.choices


@pytest.mark.parametrize("typed", ["thanks, that solved it!", "yes", "Het werkt weer, dank je"])
def test_solved_typed_on_the_article_screen_is_a_deflection(chat, desk, typed):
    _reading_an_article(chat)
    chat.say(typed)
    assert "No ticket was created" in chat.text or "Er is geen ticket" in chat.text
    with desk.database.session() as session:
        events = session.scalars(select(SuggestionEvent.kind)).all()
        assert "solved" in events and session.scalar(select(Ticket)) is None


def test_still_not_solved_typed_on_the_article_screen_goes_on(chat):
    _reading_an_article(chat)
    chat.say("no, still not solved")
    assert "No ticket was created" not in chat.text and "describe" in chat.text.lower()


@pytest.mark.parametrize("state", ["suggest", "article"])
def test_a_number_that_is_no_option_is_refused_not_taken_as_the_description(chat, state):
    chat.say("Export to Excel fails")
    if state == "article":
        chat.press("art1")
    chat.say("7")
    assert "choose one of the options" in chat.text
    assert "too short" not in chat.text


@pytest.mark.parametrize(("first", "why"), [("new VPN", "too short"), ("new 🙂🙂", "needs words")])
def test_a_first_message_that_fails_the_checks_says_why(chat, first, why):
    chat.say(first)
    assert "subject" in chat.text and why in chat.text


def test_the_words_sent_with_a_refused_file_are_kept(chat, desk):
    from chatdesk.events import Attachment

    big = Attachment("dump.zip", "application/zip", 50 * 1024 * 1024, "f1")
    chat.say("My export to Excel fails every single time, see the dump", attachments=(big,))
    assert "at most 10 MB" in chat.text
    assert "simply answer" in chat.text  # the words started the intake


def test_cancel_sent_with_a_file_during_an_intake_cancels(chat, desk):
    from chatdesk.events import Attachment

    chat.say("Export to Excel fails")
    chat.press("continue")
    chat.say("cancel", attachments=(Attachment("shot.png", "image/png", 1000, "f1"),))
    assert "Cancelled. Nothing was sent" in chat.text


def test_an_answer_typed_over_the_suggestions_is_not_asked_for_first(chat, desk):
    """Typing the description while articles are offered answers the next question: the bot
    goes on from there instead of asking for what it was just given."""
    chat.say("Export to Excel fails")
    assert "continue" in chat.choices
    chat.say("The export button shows a spinner and then nothing is downloaded.")
    assert "Please describe the problem" not in chat.text
    with desk.database.session() as session:
        from chatdesk.store.models import Conversation

        conversation = session.scalar(select(Conversation))
        draft = conversation.data["draft"]
        assert draft["description"].startswith("The export button shows a spinner")


def test_no_typed_on_the_article_screen_is_no_description(chat, desk):
    _reading_an_article(chat)
    chat.say("no, still not solved")
    assert "describe" in chat.text.lower()  # the description is asked for, not taken
    with desk.database.session() as session:
        from chatdesk.store.models import Conversation

        assert "description" not in session.scalar(select(Conversation)).data["draft"]
