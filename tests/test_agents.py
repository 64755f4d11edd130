"""The agents' chat: card buttons, thread replies with markers, agent commands, refusals.

Everything runs through the real desk and the real outbox worker; the platform is a stand-in
that answers like Slack (a card opens a thread, lines go under it), so a thread reply finds its
ticket through the posts the worker recorded, as it would in production.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from chatdesk.core.i18n import t
from chatdesk.core.markers import parse_marker
from chatdesk.store import tickets
from chatdesk.store.models import Comment, OutboxItem, Ticket, TicketPost

from agent_room import AgentChat, Room  # isort: skip
from conftest import Chat, outbox_replies  # isort: skip


def ticket_of(desk, reference: str) -> Ticket:  # type: ignore[no-untyped-def]
    with desk.database.session() as session:
        ticket = tickets.by_reference(session, reference)
        assert ticket is not None
        session.expunge(ticket)
        return ticket


def comments_of(desk, reference: str) -> list[tuple[str, bool, str]]:  # type: ignore[no-untyped-def]
    with desk.database.session() as session:
        ticket = tickets.by_reference(session, reference)
        assert ticket is not None
        return [(c.author_kind, c.public, c.body) for c in ticket.comments]


def outbox_size(desk) -> int:  # type: ignore[no-untyped-def]
    with desk.database.session() as session:
        return int(session.scalar(select(func.count()).select_from(OutboxItem)) or 0)


# -- the whole loop ---------------------------------------------------------------------------
def test_the_agent_loop_from_claim_to_rating(desk, room, bob, clock):  # type: ignore[no-untyped-def]
    ann = Chat(desk)
    reference = ann.open_ticket()
    posted = room.deliver()
    assert [card.status for card in room.cards(posted)] == ["new"]
    thread = room.thread_of(reference)

    # claim: a direct answer, the card edited in place, a thread line, the customer told
    bob.press(f"ag:claim:{reference}")
    assert f"{reference} is now assigned to you" in bob.text
    assert bob.replies[0].chat_id == "agents"
    sent = room.deliver()
    (card,) = room.cards(sent)
    assert (card.assignee, card.status) == ("Bob", "open")
    assert next(where for r, where in room.platform.delivered if r is card) is not None
    assert [n.text for n in room.notes(sent, "event")] == ["Bob claimed this ticket."]
    (told,) = room.to_chat(sent, "chat-ann")
    assert "the status is now Open" in told.text

    # the status menu offers only the moves the catalogue allows
    bob.press(f"ag:status:{reference}")
    assert f"ag:set:{reference}:waiting_customer" in bob.choices
    assert f"ag:set:{reference}:open" not in bob.choices
    assert f"ag:set:{reference}:new" not in bob.choices
    bob.press(f"ag:set:{reference}:waiting_customer")
    assert "Waiting on you" in bob.text
    sent = room.deliver()
    (told,) = room.to_chat(sent, "chat-ann")
    assert "Waiting on you" in told.text
    assert "We need more information or an answer from you" in told.text
    assert room.cards(sent)[0].status == "waiting_customer"

    # the customer's next message is the answer: added, back to open, threaded to the agents
    ann.say("I use Excel 2016 on Windows 11")
    assert f"Added your message to {reference}" in ann.text
    assert ticket_of(desk, reference).status == "open"
    sent = room.deliver()
    assert [n.text for n in room.notes(sent, "customer")] == ["Ann: I use Excel 2016 on Windows 11"]
    assert room.cards(sent)[0].status == "open"

    # a public reply in the thread reaches the customer, in their chat, as "the support desk"
    assert bob.in_thread(thread, "public: Please update Excel and try again.") == []
    sent = room.deliver()
    (relayed,) = room.to_chat(sent, "chat-ann")
    assert relayed.text == (
        f"Reply from the support desk on {reference}:\nPlease update Excel and try again."
    )
    assert "Bob" not in relayed.text
    assert [n.kind for n in room.notes(sent)] == ["public"]
    assert ticket_of(desk, reference).first_response_at == clock.now

    # an internal note stays in the thread: nothing at all reaches the customer's chat
    clock.advance(minutes=5)
    bob.in_thread(thread, "Internal: the customer's tenant runs the old export service")
    sent = room.deliver()
    assert room.to_chat(sent, "chat-ann") == []
    (note,) = room.notes(sent)
    assert note.kind == "internal" and "old export service" in note.text
    assert comments_of(desk, reference)[-1] == (
        "agent",
        False,
        "the customer's tenant runs the old export service",
    )
    assert ticket_of(desk, reference).first_response_at != clock.now  # the first one counts

    # solved: the customer hears it with the meaning, and is asked for a rating once
    bob.press(f"ag:set:{reference}:solved")
    (told,) = room.to_chat(room.deliver(), "chat-ann")
    assert "Solved" in told.text
    assert [c.id for c in told.choices] == [f"rate:{reference}:{n}" for n in range(1, 6)]


def test_a_telegram_style_reply_to_any_post_of_the_ticket_finds_it(desk, room, bob):  # type: ignore[no-untyped-def]
    reference = Chat(desk).open_ticket()
    room.deliver()
    bob.press(f"ag:claim:{reference}")
    room.deliver()
    with desk.database.session() as session:
        posts = list(session.scalars(select(TicketPost).where(TicketPost.card.is_(False))))
    assert posts, "the thread line was recorded as a post of the ticket"
    bob.say("reply: We are on it.", reply_to=posts[0].message_id)
    sent = room.deliver()
    (relayed,) = room.to_chat(sent, "chat-ann")
    assert relayed.text.endswith("We are on it.")


def test_dutch_customer_hears_dutch_and_dutch_agents_get_dutch(make_desk):  # type: ignore[no-untyped-def]
    desk = make_desk(agent_lang="nl", agent_reply_default="public")
    room = Room(desk)
    anne = Chat(desk, user="anne", locale="nl", name="Anne")
    reference = anne.open_ticket("Exporteren naar Excel mislukt elke keer")
    sent = room.deliver()
    assert [c.label for c in room.cards(sent)[0].actions] == [
        "Oppakken",
        "Status wijzigen",
        "Antwoorden",
    ]
    bob = AgentChat(desk)
    bob.press(f"ag:claim:{reference}")
    assert "is nu aan jou toegewezen" in bob.text
    bob.press(f"ag:status:{reference}")
    assert f"ag:set:{reference}:waiting_customer" in bob.choices
    assert "Wacht op jou" in [c.label for r in bob.replies for c in r.choices]
    # a plain reply is public here (CHATDESK_AGENT_REPLY_DEFAULT=public)
    bob.in_thread(room.thread_of(reference), "Kun je een schermafbeelding sturen?")
    sent = room.deliver()
    relayed = room.to_chat(sent, "chat-anne")[-1]
    assert relayed.text.startswith(f"Antwoord van de supportdesk op {reference}")
    assert "schermafbeelding" in relayed.text
    bob.in_thread(room.thread_of(reference), "intern: klant zit op oude versie")
    assert room.to_chat(room.deliver(), "chat-anne") == []
    bob.say("openstaande tickets")
    assert "Openstaande tickets (1)" in bob.text and reference in bob.text
    bob.say("niet toegewezen")
    assert "Alle openstaande tickets zijn opgepakt." in bob.text


# -- who may act ------------------------------------------------------------------------------
def test_a_non_agent_is_refused_and_nothing_changes(desk, room):  # type: ignore[no-untyped-def]
    reference = Chat(desk).open_ticket()
    room.deliver()
    eve = AgentChat(desk, user="eve", name="Eve", agent=False)
    before = outbox_size(desk)
    for choice in (f"ag:claim:{reference}", f"ag:set:{reference}:solved", f"ag:status:{reference}"):
        eve.press(choice)
        assert "only support agents" in eve.text
    eve.in_thread(room.thread_of(reference), "public: your ticket is closed, bye")
    assert "only support agents" in eve.text
    eve.say(f"status {reference}")
    assert "only support agents" in eve.text and "Export" not in eve.text
    ticket = ticket_of(desk, reference)
    assert (ticket.status, ticket.assignee) == ("new", None)
    assert comments_of(desk, reference) == []
    assert outbox_size(desk) == before


def test_someone_listed_in_chatdesk_agents_is_an_agent_without_the_adapters_flag(make_desk):  # type: ignore[no-untyped-def]
    desk = make_desk(agents="telegram:carol")
    reference = Chat(desk, platform="telegram").open_ticket()
    carol = AgentChat(desk, user="carol", name="Carol", agent=False, platform="telegram")
    carol.press(f"ag:claim:{reference}")
    assert ticket_of(desk, reference).assignee == "Carol"


def test_talk_in_the_agents_chat_that_is_not_about_a_ticket_gets_no_answer(desk, bob):  # type: ignore[no-untyped-def]
    assert bob.say("coffee anyone?") == []
    assert bob.in_thread("some-other-thread", "lunch at 12?") == []
    assert AgentChat(desk, user="eve", agent=False).say("hello all") == []


# -- buttons --------------------------------------------------------------------------------
def test_stale_and_unknown_buttons_get_a_clear_answer(desk, room, bob):  # type: ignore[no-untyped-def]
    bob.press("ag:claim:SD-9999")
    assert "There is no ticket SD-9999" in bob.text
    bob.press("ag:dance:SD-1001")
    assert "not one I know" in bob.text
    reference = Chat(desk).open_ticket()
    bob.press(f"ag:set:{reference}:solved")
    bob.press(f"ag:set:{reference}:scheduled")  # an old menu: solved cannot go there
    assert "cannot be set to Scheduled" in bob.text
    assert ticket_of(desk, reference).status == "solved"
    bob.press(f"ag:set:{reference}:nonsense")
    assert "not one I know" in bob.text
    bob.press(f"ag:set:{reference}:closed")
    bob.press(f"ag:claim:{reference}")
    assert "is Closed; nothing more can be done" in bob.text
    assert ticket_of(desk, reference).assignee is None


def test_claiming_twice_and_taking_over(desk, room, bob):  # type: ignore[no-untyped-def]
    reference = Chat(desk).open_ticket()
    room.deliver()
    bob.press(f"ag:claim:{reference}")
    bob.press(f"ag:claim:{reference}")
    assert "already assigned to you" in bob.text
    AgentChat(desk, user="dave", name="Dave").press(f"ag:claim:{reference}")
    sent = room.deliver()
    assert "Dave took this ticket over from Bob." in [n.text for n in room.notes(sent)]
    assert room.cards(sent)[-1].assignee == "Dave"


def test_the_reply_button_explains_how_to_reply(desk, bob):  # type: ignore[no-untyped-def]
    reference = Chat(desk).open_ticket()
    bob.press(f"ag:reply:{reference}")
    assert "reply in this thread" in bob.text
    assert "public:" in bob.text and "internal:" in bob.text
    assert "an internal note" in bob.text  # the default here


def test_a_redelivered_agent_event_acts_once(desk, room, bob):  # type: ignore[no-untyped-def]
    reference = Chat(desk).open_ticket()
    room.deliver()
    thread = room.thread_of(reference)
    bob.in_thread(thread, "public: We are looking into it.", event_id="ev-1")
    assert bob.in_thread(thread, "public: We are looking into it.", event_id="ev-1") == []
    bob.press(f"ag:set:{reference}:in_investigation")
    assert len(comments_of(desk, reference)) == 1
    relayed = room.to_chat(room.deliver(), "chat-ann")
    assert [m.text.endswith("We are looking into it.") for m in relayed].count(True) == 1


# -- markers ----------------------------------------------------------------------------------
INTERNAL = [  # (the agent's text, the body kept)
    ("internal: checked the logs", "checked the logs"),
    ("intern: logs bekeken", "logs bekeken"),
    ("note: checked the logs", "checked the logs"),
    ("notitie: logs bekeken", "logs bekeken"),
    ("[internal] checked the logs", "checked the logs"),
    ("(intern) logs bekeken", "logs bekeken"),
    ("!internal checked the logs", "checked the logs"),
    ("# note - checked the logs", "checked the logs"),
    ("INTERNAL - checked the logs", "checked the logs"),
    (" Internal: checked the logs", "checked the logs"),
    ("intern. logs bekeken", "logs bekeken"),
    ("**internal** checked the logs", "checked the logs"),
    ("Internal:checked the logs", "checked the logs"),
    ("public: internal: checked the logs", "checked the logs"),
]
PUBLIC = [  # (the agent's text, the body sent)
    ("public: Please try again", "Please try again"),
    ("reply: Please try again", "Please try again"),
    ("klant: Probeer het opnieuw", "Probeer het opnieuw"),
    ("customer: Please try again", "Please try again"),
    ("antwoord: Probeer het opnieuw", "Probeer het opnieuw"),
    ("[public] Please try again", "Please try again"),
    ("Reply - Please try again", "Please try again"),
    ("**Public**: Please try again", "Please try again"),
]


@pytest.mark.parametrize(("text", "body"), INTERNAL)
@pytest.mark.parametrize("default_public", [True, False])
def test_internal_markers_are_recognised_loosely(text, body, default_public):  # type: ignore[no-untyped-def]
    assert parse_marker(text, default_public) == (False, body)


@pytest.mark.parametrize(("text", "body"), PUBLIC)
@pytest.mark.parametrize("default_public", [True, False])
def test_public_markers_are_recognised(text, body, default_public):  # type: ignore[no-untyped-def]
    assert parse_marker(text, default_public) == (True, body)


@pytest.mark.parametrize(
    "text",
    ["Customer says it works now", "(customer asked twice) check the logs", "customer's logs"],
)
def test_a_note_that_merely_mentions_the_customer_stays_internal(text):  # type: ignore[no-untyped-def]
    assert parse_marker(text, default_public=False) == (False, text)


def test_without_a_marker_the_setting_decides():  # type: ignore[no-untyped-def]
    assert parse_marker("Please try again", default_public=True) == (True, "Please try again")
    assert parse_marker("Please try again", default_public=False) == (False, "Please try again")
    assert parse_marker("Note that the export is slow", True) == (
        False,
        "Note that the export is slow",
    )


# What agents really type in front of a marker: an emoji (the bot's own lock), a bullet, quotes,
# numbering, a slash or mention, full-width letters from an East Asian keyboard.
SECRET = "password is hunter2"
DECORATED_INTERNAL = [
    f"🔒 Internal note: {SECRET}",
    f"🔒 internal: {SECRET}",
    f"- internal: {SECRET}",
    f"• intern: {SECRET}",
    f'"internal": {SECRET}',
    f"'internal' {SECRET}",
    f"“Internal” – {SECRET}",
    f"1. internal: {SECRET}",
    f"2) note: {SECRET}",
    f"...internal: {SECRET}",
    f"/internal {SECRET}",
    f"//internal {SECRET}",
    f"@internal {SECRET}",
    f"ｉｎｔｅｒｎａｌ: {SECRET}",
    f"ＩＮＴＥＲＮ：{SECRET}",
    f"［ｎｏｔｅ］ {SECRET}",
    f"internal\u200b: {SECRET}",
    f"Interne notitie: {SECRET}",
    f"PRIVÉ: {SECRET}",
    f"prive\u0301: {SECRET}",
    f"public: 🔒 internal: {SECRET}",
]


@pytest.mark.parametrize("text", DECORATED_INTERNAL)
@pytest.mark.parametrize("default_public", [True, False])
def test_an_internal_marker_counts_behind_any_decoration(text, default_public):  # type: ignore[no-untyped-def]
    assert parse_marker(text, default_public) == (False, SECRET)


@pytest.mark.parametrize("lang", ["en", "nl"])
@pytest.mark.parametrize("key", ["slack.note.internal", "telegram.note.internal"])
@pytest.mark.parametrize("default_public", [True, False])
def test_the_bots_own_internal_note_line_is_an_internal_marker(lang, key, default_public):  # type: ignore[no-untyped-def]
    prefix = t(key, lang, reference="SD-1042")  # "🔒 Internal note (the customer does not...):"
    assert parse_marker(f"{prefix} {SECRET}", default_public) == (False, SECRET)
    assert parse_marker(f"{prefix.upper()}\n{SECRET}", default_public) == (False, SECRET)


def test_the_text_after_a_marker_is_kept_as_typed():  # type: ignore[no-untyped-def]
    # the marker is compared folded; the words that are stored and sent are not
    assert parse_marker("ｉｎｔｅｒｎａｌ: ＳＤ-1042 ﬁx", True) == (False, "ＳＤ-1042 ﬁx")
    assert parse_marker('public: "Export" works again', False) == (True, '"Export" works again')
    assert parse_marker("- Note that the export is slow", True) == (
        False,
        "- Note that the export is slow",
    )
    assert parse_marker("2 internal servers are down", True) == (
        False,
        "2 internal servers are down",
    )


@pytest.mark.parametrize(
    "text",
    [
        "- Customer: says it fails since Monday",
        "1. customer: Ann, the second contact",
        '"Customer" is the field that is empty',
        "🔒 reply: only after the fix",
    ],
)
def test_a_public_word_behind_a_bullet_or_quote_stays_internal(text):  # type: ignore[no-untyped-def]
    # leaning internal: only spacing, markdown and brackets may stand before a public marker
    assert parse_marker(text, default_public=False) == (False, text)


def test_a_copied_internal_note_line_never_reaches_the_customer(make_desk):  # type: ignore[no-untyped-def]
    desk = make_desk(agent_reply_default="public")
    room = Room(desk)
    reference = Chat(desk).open_ticket()
    room.deliver()
    bob = AgentChat(desk)
    for text in (
        f"🔒 Internal note (the customer does not see it): {SECRET}",
        f"- internal: {SECRET}",
        f"ｉｎｔｅｒｎａｌ: {SECRET}",
    ):
        bob.in_thread(room.thread_of(reference), text)
    assert room.to_chat(room.deliver(), "chat-ann") == []
    assert outbox_replies(desk) == []
    assert comments_of(desk, reference) == [("agent", False, SECRET)] * 3


@pytest.mark.parametrize("text", ["internal:", "public:", "[public]", " **Reply** - "])
def test_a_marker_alone_is_refused_and_nothing_is_stored(desk, room, bob, text):  # type: ignore[no-untyped-def]
    reference = Chat(desk).open_ticket()
    room.deliver()
    bob.in_thread(room.thread_of(reference), text)
    assert "no text after the marker" in bob.text
    assert comments_of(desk, reference) == []
    assert outbox_replies(desk) == []


# -- agent commands -----------------------------------------------------------------------------
def test_agent_commands_show_every_ticket(desk, room, bob):  # type: ignore[no-untyped-def]
    first = Chat(desk).open_ticket()
    second = Chat(desk, user="zoe", name="Zoe").open_ticket("Login page shows an error")
    room.deliver()
    bob.press(f"ag:claim:{first}")
    bob.in_thread(room.thread_of(first), "internal: tenant runs version 4.2")

    bob.say(f"/status {first}")
    assert f"{first}: Export to Excel fails every time" in bob.text
    assert "Assignee: Bob" in bob.text and "Requester: Ann" in bob.text
    assert "(internal): tenant runs version 4.2" in bob.text
    bob.say(second)  # a bare reference
    assert "Requester: Zoe" in bob.text and "Assignee: nobody" in bob.text

    bob.say("open tickets")
    assert "Open tickets (2)" in bob.text and first in bob.text and second in bob.text
    bob.say("/unassigned")
    assert "Unassigned open tickets (1)" in bob.text
    assert second in bob.text and first not in bob.text
    bob.say("status SD-9999")
    assert "There is no ticket SD-9999" in bob.text
    bob.say("help")
    assert "open tickets" in bob.text


def test_an_agent_command_works_inside_a_ticket_thread(desk, room, bob):  # type: ignore[no-untyped-def]
    reference = Chat(desk).open_ticket()
    room.deliver()
    bob.in_thread(room.thread_of(reference), "open tickets")
    assert "Open tickets (1)" in bob.text
    assert comments_of(desk, reference) == []


def test_a_customer_never_reaches_the_agents_route(desk):  # type: ignore[no-untyped-def]
    ann = Chat(desk)
    reference = ann.open_ticket()
    ann.press(f"ag:claim:{reference}")  # a forged button in a private chat
    assert "no longer works" in ann.text
    assert ticket_of(desk, reference).assignee is None
    with desk.database.session() as session:
        assert session.scalar(select(func.count()).select_from(Comment)) == 0


def test_files_an_agent_shares_in_a_thread_are_not_dropped_silently(desk, room, bob):  # type: ignore[no-untyped-def]
    from chatdesk.events import Attachment

    reference = Chat(desk).open_ticket()
    room.deliver()
    shot = Attachment("fix.png", "image/png", 2000, "F1")
    bob.in_thread(room.thread_of(reference), "", attachments=(shot,))
    assert "does not get files shared here (1)" in bob.text
    bob.in_thread(room.thread_of(reference), "public: See the screenshot.", attachments=(shot,))
    assert "does not get files" in bob.text
    (relayed,) = room.to_chat(room.deliver(), "chat-ann")
    assert relayed.text.endswith("See the screenshot.")  # the words still reach the customer
