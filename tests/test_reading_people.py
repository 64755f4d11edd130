"""Issue 12 through the engine: suggestions beside the next question, pasted and urgent
reports, over-long text kept, a person on request, questions never stored as comments, and
only the newest list numbered. The single-message readings are in test_understanding.py."""

from __future__ import annotations

from sqlalchemy import select

from chatdesk.store.models import Comment, Conversation, SuggestionEvent, Ticket

FULL_REPORT = (
    "Export to Excel fails on the monthly report\n"
    "Since this morning the export spinner keeps turning and no file is downloaded.\n"
    "1. Open Reports > Monthly\n"
    "2. Choose October and press Export to Excel\n"
    "Error: HTTP 500 Internal Server Error"
)


def _ticket(desk) -> Ticket:  # type: ignore[no-untyped-def]
    with desk.database.session() as session:
        ticket = session.scalars(select(Ticket).order_by(Ticket.id.desc())).first()
        session.expunge_all()
        return ticket


def _draft(desk) -> dict:  # type: ignore[no-untyped-def]
    with desk.database.session() as session:
        return session.scalar(select(Conversation)).data.get("draft", {})


def test_suggestions_come_with_the_next_question_and_a_short_report_takes_four(chat, desk):
    chat.say("Export to Excel fails")
    assert "art1" in chat.choices and "Please describe the problem" in chat.text
    chat.say("The export button shows a spinner and then nothing is downloaded.")
    assert "Which steps" in chat.text  # no second round of leftovers
    chat.say("Open Reports, choose last month, press Export to Excel.")
    chat.press("skip")
    assert "Please check your ticket" in chat.text
    chat.press("confirm")
    assert _ticket(desk).subject == "Export to Excel fails"


def test_a_full_pasted_report_is_split_and_only_the_summary_is_asked(chat, desk):
    chat.say(FULL_REPORT)
    assert "only ask for what is still missing" in chat.text
    assert "Please check your ticket" in chat.text and "confirm" in chat.choices
    chat.press("confirm")
    ticket = _ticket(desk)
    assert ticket.subject == "Export to Excel fails on the monthly report"
    assert ticket.description.startswith("Since this morning")
    assert ticket.steps.startswith("1. Open Reports") and "October" in ticket.steps
    assert ticket.error_message == "HTTP 500 Internal Server Error"


def test_a_dutch_report_with_labels_is_split_too(new_chat, desk):
    chat = new_chat(locale="nl")
    chat.say(
        "Onderwerp: Factuurexport mislukt\n"
        "Beschrijving: de export van facturen blijft hangen en er komt geen bestand.\n"
        "Stappen: Facturen openen, alles selecteren, op Exporteren klikken"
    )
    assert "Zag je een foutmelding" in chat.text  # only the optional error is missing
    chat.press("skip")
    chat.press("confirm")
    assert _ticket(desk).subject == "Factuurexport mislukt"


def test_an_urgent_report_skips_the_articles_and_goes_to_a_short_summary(chat, desk):
    chat.say("Our site is down, nobody can work")
    assert "urgent" in chat.text.lower() and chat.choices[0] == "confirm"
    assert not any(c.startswith("art") for c in chat.choices)
    chat.press("confirm")
    ticket = _ticket(desk)
    assert ticket.priority == "urgent" and ticket.subject == "Our site is down, nobody can work"
    with desk.database.session() as session:
        assert session.scalar(select(SuggestionEvent)) is None


def test_an_over_long_description_is_kept_whole_with_the_ticket(chat, desk):
    long_text = "The export fails again. " * 200  # 4,800 characters
    chat.say("Export to Excel fails")
    chat.say(long_text)
    assert "4000" in chat.text and "nothing is lost" in chat.text
    assert len(_draft(desk)["description"]) <= 4000
    chat.say("Open Reports, choose last month, press Export to Excel.")
    chat.press("skip")
    chat.press("confirm")
    ticket = _ticket(desk)
    with desk.database.session() as session:
        bodies = list(session.scalars(select(Comment.body).where(Comment.ticket_id == ticket.id)))
    assert any(long_text.strip() in body for body in bodies)


def test_an_over_long_subject_becomes_the_description(chat, desk):
    text = "x" * 5000
    chat.say("new")
    chat.say(text)
    assert "kept that as the description" in chat.text and "subject" in chat.text
    chat.say("Export fails")
    chat.say("Open Reports, choose last month, press Export to Excel.")
    chat.press("skip")
    chat.press("confirm")
    ticket = _ticket(desk)
    with desk.database.session() as session:
        bodies = list(session.scalars(select(Comment.body).where(Comment.ticket_id == ticket.id)))
    assert ticket.description.startswith("xxx") and any(text in body for body in bodies)


def test_a_person_on_request_gets_the_hours_and_the_offer_of_a_ticket(chat):
    chat.say("can i talk to a human")
    assert "support team" in chat.text and "08:30" in chat.text
    assert chat.choices == ["person_new", "no"]
    chat.say("yes please")
    assert "Give it a short subject" in chat.text


def test_a_person_in_dutch(new_chat):
    chat = new_chat(locale="nl")
    chat.say("kan ik iemand bellen?")
    assert "supportteam" in chat.text and "maandag tot en met vrijdag" in chat.text


def test_my_tickets_during_an_intake_is_not_numbered_and_the_question_comes_back(chat):
    first = chat.open_ticket()
    chat.say("new")
    chat.say("Printing invoices fails")
    assert chat.choices == []  # no article fits: the description is asked
    replies = chat.say("my tickets")
    listing = [r for r in replies if first in r.text]
    assert listing and not listing[0].choices
    assert "describe the problem" in replies[-1].text


def test_a_question_that_names_a_ticket_is_added_only_when_the_customer_says_so(chat, desk):
    reference = chat.open_ticket()
    chat.say(f"{reference.lower().replace('-', '')} can you also check the invoices?")
    assert "reads like a question" in chat.text
    chat.say("no")
    with desk.database.session() as session:
        assert session.scalar(select(Comment)) is None
    chat.say(f"{reference} can you also check the invoices?")
    chat.say("yes")
    with desk.database.session() as session:
        assert session.scalar(select(Comment.body)) == "can you also check the invoices?"


def test_back_while_changing_a_field_keeps_it(chat, desk):
    chat.say(FULL_REPORT)
    chat.press("edit")
    chat.press("f:subject")
    assert "keep" in chat.choices
    chat.say("laat maar")
    assert "Subject: Export to Excel fails on the monthly report" in chat.text


def test_a_status_question_with_two_tickets_asks_which_and_then_shows_it(chat, desk):
    first = chat.open_ticket()
    second = chat.open_ticket("Printing invoices gives blank pages")
    chat.say("any news?")
    assert "Which ticket would you like to see" in chat.text
    assert chat.choices == [f"t:{second}", f"t:{first}"]
    chat.say("the second one")
    assert chat.text.startswith(f"{first}: ") and "Status: New" in chat.text
    with desk.database.session() as session:
        assert session.scalar(select(Comment)) is None


def test_a_status_question_in_the_middle_of_an_intake_keeps_the_draft(chat, desk):
    reference = chat.open_ticket()
    chat.say("new")
    chat.say("Printing invoices fails")
    replies = chat.say("is there an update?")
    assert replies[0].text.startswith(f"{reference}: ")
    assert "Give it a short subject" not in chat.text
    assert _draft(desk)["subject"] == "Printing invoices fails"


def test_dutch_field_names_take_their_own_article(new_chat):
    chat = new_chat(locale="nl")
    chat.say("nieuw")
    chat.say("ab")
    assert "Het onderwerp is te kort" in chat.text
    chat.say("Exporteren naar Excel mislukt")
    assert chat.choices == ["art1", "continue"]  # the export article
    chat.press("continue")
    chat.say("te kort")
    assert "De beschrijving is te kort" in chat.text
    chat.say("De exportknop laat een draaiend wiel zien en er wordt niets gedownload.")
    assert chat.choices == []  # no further article: the steps are asked
    chat.say("Rapporten openen en op Exporteren klikken")
    chat.press("skip")
    chat.press("edit")
    chat.press("f:description")
    assert "Stuur de nieuwe tekst voor de beschrijving" in chat.text
    assert "Zo laten" in [c.label for r in chat.replies for c in r.choices]


def test_a_question_back_to_a_waiting_ticket_is_added_only_after_a_yes(chat, desk):
    from chatdesk.store import tickets

    reference = chat.open_ticket()
    with desk.database.session() as session:
        ticket = session.scalar(select(Ticket).where(Ticket.reference == reference))
        tickets.set_status(ticket, "waiting_customer", "Bob", ticket.created_at)
    chat.say("do you mean the PDF export or the Excel one?")
    assert "reads like a question" in chat.text
    chat.say("yes")
    with desk.database.session() as session:
        assert session.scalar(select(Comment.body)).startswith("do you mean the PDF export")
