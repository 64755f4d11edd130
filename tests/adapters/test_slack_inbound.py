"""Slack payloads to InboundEvent: plain text out of Slack's markup, ids, privacy, files."""

from __future__ import annotations

from urllib.parse import parse_qsl

from slack_standin import BOT_USER_ID, Deliveries, Posted  # isort: skip

from chatdesk.adapters.slack.catalogue import t
from chatdesk.adapters.slack.inbound import (
    Speaker,
    from_action,
    from_agent_action,
    from_agent_message,
    from_command,
    from_mention,
    from_message,
    is_person_message,
    plain_text,
)
from chatdesk.adapters.slack.render import render_message
from chatdesk.dialogue.router import moved, private_event
from chatdesk.events import Choice, InboundEvent, Message

NL = Speaker(locale="nl-NL", display_name="Anouk")


def carried_over(mention: InboundEvent, dm_channel: str, words: str) -> InboundEvent:
    """The DM turn a mention's move carries its words into (through the outbox row's data)."""
    return private_event(moved(mention, "pointer", words, "nl"), dm_channel)


def _payloads() -> Deliveries:
    return Deliveries()


def test_plain_text_undoes_slack_markup() -> None:
    slack = (
        "a &lt;b&gt; &amp;amp; <@U123> <@U9|ann> <#C1|general> <!here> <!subteam^S1|@ops> "
        "<https://x.example/?a=1&amp;b=2> <https://y.example|docs> <mailto:a@b.example|a@b.example>"
    )
    assert plain_text(slack) == (
        "a <b> &amp; @U123 @ann #general @here @ops "
        "https://x.example/?a=1&b=2 docs (https://y.example) a@b.example"
    )


def test_a_mention_without_a_label_becomes_the_name_slack_shows() -> None:
    """What an agent's public reply "<@U456> will call you" looks like to the customer."""
    names = {"U456": "Bob"}.get
    assert (
        plain_text("<@U456> will call you, <@U9|ann> too", names) == "@Bob will call you, @ann too"
    )
    assert plain_text("<@U777> knows", names) == "@U777 knows"  # no name: the id, as before


def test_dm_message_becomes_a_private_event_with_its_delivery_id() -> None:
    deliveries = _payloads()
    body = deliveries.event_body(deliveries.dm("U1", "my printer &lt;HP&gt; is broken"), "Ev1")
    event = from_message(body, NL)
    assert event.platform == "slack"
    assert (event.user_id, event.chat_id, event.event_id) == ("U1", "D1", "Ev1")
    assert event.text == "my printer <HP> is broken"
    assert event.private is True and event.thread_id is None
    assert (event.locale, event.display_name, event.organization) == ("nl-NL", "Anouk", "T0STANDIN")


def test_files_become_attachments_without_downloading() -> None:
    deliveries = _payloads()
    files = [
        {"id": "F1", "name": "log.txt", "mimetype": "text/plain", "size": 1200},
        {"id": "F2", "title": "shot", "size": 30_000_000},
    ]
    event = from_message(deliveries.event_body(deliveries.dm("U1", "", files=files)), Speaker())
    assert [(a.name, a.content_type, a.size, a.file_ref) for a in event.attachments] == [
        ("log.txt", "text/plain", 1200, "F1"),
        ("shot", "application/octet-stream", 30_000_000, "F2"),
    ]


def test_only_messages_people_write_are_handled() -> None:
    deliveries = _payloads()
    assert is_person_message(deliveries.dm("U1", "hi"))
    assert is_person_message(deliveries.dm("U1", "", files=[{"id": "F1"}]))
    assert not is_person_message(deliveries.dm("U1", "hi", bot_id="B2"))
    assert not is_person_message(deliveries.dm("U1", "hi", subtype="message_changed"))
    assert not is_person_message(deliveries.dm("U1", "hi", subtype="bot_message"))
    assert not is_person_message({"type": "message", "subtype": "message_deleted"})


def test_mention_is_public_answered_in_its_thread_without_the_mention() -> None:
    deliveries = _payloads()
    mention = deliveries.mention("U1", "C9", "new: VPN <!channel> down")
    event = from_mention(deliveries.event_body(mention, "Ev2"), NL, BOT_USER_ID)
    assert event.text == "new: VPN @channel down"
    assert event.private is False
    assert (event.chat_id, event.thread_id) == ("C9", mention["ts"])
    threaded = deliveries.mention("U1", "C9", "help", thread_ts="100.1")
    assert from_mention(deliveries.event_body(threaded), NL, BOT_USER_ID).thread_id == "100.1"


def test_button_press_carries_the_choice_id_and_a_per_click_delivery_id() -> None:
    deliveries = _payloads()
    [post] = render_message(
        Message("slack", "D1", "Sure?", choices=(Choice("yes", "Yes"), Choice("no", "No"))), t, "en"
    )
    posted = Posted("D1", "171.1", post.text, list(post.blocks), None, {})
    first = deliveries.action_payload("U1", posted, "choices-0", posted.buttons[1])
    second = deliveries.action_payload("U1", posted, "choices-0", posted.buttons[1])
    one = from_action(first, first["actions"][0], NL)
    two = from_action(second, second["actions"][0], NL)
    assert (one.choice, one.chat_id, one.private, one.text) == ("no", "D1", True, "")
    assert one.event_id != two.event_id


def test_slash_command_goes_to_the_dm_with_the_trigger_as_delivery_id() -> None:
    deliveries = _payloads()
    command = dict(parse_qsl(deliveries.command_body("U1", "status sd-12", "C9")))
    event = from_command(command, NL, "D1")
    assert (event.chat_id, event.private, event.text) == ("D1", True, "status sd-12")
    assert event.event_id == f"command:{command['trigger_id']}"


def test_moved_to_private_keeps_the_words_and_derives_its_delivery_id() -> None:
    deliveries = _payloads()
    mention = from_mention(
        deliveries.event_body(deliveries.mention("U1", "C9", "new x"), "Ev7"), NL, None
    )
    follow = carried_over(mention, "D1", "new x")
    assert (follow.chat_id, follow.private, follow.text, follow.event_id) == (
        "D1",
        True,
        "new x",
        "Ev7:private",
    )
    assert follow.locale == "nl-NL"


def test_files_shared_with_a_mention_go_to_the_dm_with_the_words() -> None:
    deliveries = _payloads()
    body = deliveries.event_body(deliveries.mention("U1", "C9", "my export fails"), "Ev8")
    body["event"]["files"] = [{"id": "F1", "name": "log.txt", "mimetype": "text/plain"}]
    follow = carried_over(from_mention(body, NL, None), "D1", "my export fails")
    assert [(a.name, a.file_ref) for a in follow.attachments] == [("log.txt", "F1")]


# -- the agents' channel ------------------------------------------------------------------

AGENTS = "C0AGENTS"


def test_a_card_button_is_an_agent_chat_event_in_the_cards_thread() -> None:
    payloads = _payloads()
    card = Posted(AGENTS, "1700000000.000100", "card", [], None, {})
    card.blocks = [{"type": "actions", "block_id": "ticket-actions-0", "elements": [
        {"type": "button", "action_id": "ticket-0", "text": {"type": "plain_text", "text": "Claim"},
         "value": "ag:claim:SD-7"}]}]  # fmt: skip
    body = payloads.action_payload("U0SAM", card, "ticket-actions-0", card.buttons[0])
    event = from_agent_action(body, body["actions"][0], NL, agent=True)
    assert (event.choice, event.chat_id, event.thread_id) == ("ag:claim:SD-7", AGENTS, card.ts)
    assert event.agent_chat and event.agent and not event.private

    menu = Posted(AGENTS, "1700000000.000101", "menu", card.blocks, card.ts, {})
    body = payloads.action_payload("U0EVE", menu, "ticket-actions-0", menu.buttons[0])
    event = from_agent_action(body, body["actions"][0], Speaker(), agent=False)
    assert event.thread_id == card.ts, "a button in the thread belongs to the card's thread"
    assert event.agent_chat and not event.agent


def test_a_thread_reply_and_a_mention_in_the_agents_channel() -> None:
    payloads = _payloads()
    reply = payloads.channel_message(
        "U0SAM", AGENTS, f"<@{BOT_USER_ID}> public: done &lt;ok&gt;", thread_ts="171.1"
    )
    event = from_agent_message(payloads.event_body(reply, "Ev1"), NL, BOT_USER_ID, agent=True)
    assert (event.text, event.thread_id, event.event_id) == ("public: done <ok>", "171.1", "Ev1")
    assert event.agent_chat and event.agent and not event.private

    mention = payloads.mention("U0SAM", AGENTS, "open tickets")
    event = from_agent_message(payloads.event_body(mention, "Ev2"), NL, BOT_USER_ID, agent=False)
    assert (event.text, event.thread_id) == ("open tickets", mention["ts"])
    assert event.agent_chat and not event.agent


def test_the_profiles_email_travels_with_the_event() -> None:
    payloads = _payloads()
    speaker = Speaker(display_name="ann", email="ann@example.com")
    event = from_message(payloads.event_body(payloads.dm("U0ANN", "hi")), speaker)
    assert event.email == "ann@example.com"
    assert from_message(payloads.event_body(payloads.dm("U0ANN", "hi")), NL).email is None


def test_a_mention_moved_to_the_dm_keeps_the_profiles_email() -> None:
    """The DM turn is the same person: organizations and contact-person approvals by e-mail
    must recognise them there as in the channel."""
    payloads = _payloads()
    speaker = Speaker(display_name="ann", email="ann@example.com")
    body = payloads.event_body(payloads.mention("U0ANN", "C9", "status SD-7"), "Ev8")
    mention = from_mention(body, speaker, None)
    follow = carried_over(mention, "D1", mention.text)
    assert follow.email == "ann@example.com"
    assert follow.organization == mention.organization


def test_the_organization_is_the_actors_own_workspace_in_every_payload() -> None:
    from chatdesk.adapters.slack.inbound import user_team

    deliveries = _payloads()
    guest = Speaker(team="T0GUEST")
    shared = deliveries.event_body(deliveries.mention("U9", "C9", "hi", user_team="T0GUEST"))
    shared["is_ext_shared_channel"] = True
    assert user_team(shared, Speaker()) == "T0GUEST"  # the envelope says T0STANDIN
    press = {"type": "block_actions", "user": {"id": "U9", "team_id": "T0GUEST"},
             "team": {"id": "T0STANDIN"}}  # fmt: skip
    assert user_team(press, Speaker()) == "T0GUEST"
    command = {"team_id": "T0STANDIN", "user_id": "U9"}
    assert user_team(command, guest) == "T0GUEST"  # users.info
    assert user_team(command, Speaker()) == "T0STANDIN"  # nothing better known, not shared
    grid = deliveries.event_body(deliveries.mention("U9", "C9", "hi", user_team="E0GRID"))
    assert user_team(grid, guest) == "T0GUEST"  # a workspace over an Enterprise Grid id
    unknown = deliveries.event_body(deliveries.mention("U9", "C9", "hi", team=None))
    unknown["is_ext_shared_channel"] = True
    assert user_team(unknown, Speaker()) is None  # never the host's by default
