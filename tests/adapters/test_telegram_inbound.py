"""Telegram updates -> InboundEvent: ids, language, privacy, commands, mentions, files."""

from __future__ import annotations

import json
from typing import Any

import pytest
from telegram import Update

from chatdesk.adapters.telegram.commands import command_text
from chatdesk.adapters.telegram.deeplink import decode_payload, encode_payload, start_link
from chatdesk.adapters.telegram.inbound import to_event
from chatdesk.core.commands import parse
from chatdesk.events import Attachment

from telegram_standin import BOT_ID, BOT_USERNAME, ApiCall, TgGroup, TgUser, Updates  # isort: skip

ANN = TgUser(7, "Ann", language_code="nl-BE", username="ann_k", last_name="de Vries")
GROUP = TgGroup(-100_42)


def event(data: dict[str, Any]) -> Any:
    return to_event(Update.de_json(data, None), BOT_USERNAME, BOT_ID)


def test_a_private_message_carries_ids_language_and_name() -> None:
    data = Updates(first_update_id=77).message(ANN, "My export fails")
    e = event(data)
    assert (e.platform, e.event_id, e.user_id, e.chat_id) == ("telegram", "77", "7", "7")
    assert (e.text, e.choice, e.private, e.locale) == ("My export fails", None, True, "nl-BE")
    assert e.display_name == "Ann de Vries (@ann_k)"


def test_a_button_press_is_a_choice() -> None:
    markup = {"inline_keyboard": [[{"text": "Skip", "callback_data": "skip"}]]}
    sent = ApiCall(
        "sendMessage",
        {"chat_id": str(ANN.id), "text": "Any error?", "reply_markup": json.dumps(markup)},
        result={"message_id": 5, "date": 0, "text": "Any error?"},
    )
    e = event(Updates().press(ANN, sent, "skip"))
    assert (e.choice, e.text, e.chat_id, e.private) == ("skip", "", "7", True)


def test_commands_become_the_words_the_desk_reads() -> None:
    assert command_text("/mytickets", BOT_USERNAME) == "my tickets"
    assert command_text("/status SD-12", BOT_USERNAME) == "status SD-12"
    assert command_text(f"/status@{BOT_USERNAME} SD-12", BOT_USERNAME) == "status SD-12"
    assert command_text("/lang nl", BOT_USERNAME) == "lang nl"
    assert command_text("/new@another_bot", BOT_USERNAME) is None
    assert command_text("no command here", BOT_USERNAME) == "no command here"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("lunch anyone?", None),
        (f"@{BOT_USERNAME} my export fails", "my export fails"),
        (f"hey @{BOT_USERNAME.upper()}, status SD-3", "hey , status SD-3"),
        (f"@{BOT_USERNAME}", "help"),
        ("/status SD-3", "status SD-3"),
        ("/new@another_bot", None),
        ("@someone_else look at this", None),
    ],
)
def test_in_a_group_only_commands_and_mentions_reach_the_desk(
    text: str, expected: str | None
) -> None:
    e = event(Updates().message(ANN, text, group=GROUP))
    if expected is None:
        assert e is None
    else:
        assert (e.text, e.private, e.chat_id) == (expected, False, str(GROUP.id))


def test_photos_and_documents_become_attachments_without_downloading() -> None:
    updates = Updates()
    photo = event(updates.photo(ANN, file_id="PH", size=123_456, caption="the error"))
    assert photo.text == "the error"
    assert photo.attachments == (Attachment("photo-PHu.jpg", "image/jpeg", 123_456, "PH"),)
    doc = event(
        updates.document(ANN, file_id="D1", file_name="a.log", mime_type="text/plain", size=9)
    )
    assert doc.attachments == (Attachment("a.log", "text/plain", 9, "D1"),)


def test_a_sticker_in_a_private_chat_still_reaches_the_desk_as_empty_text() -> None:
    sticker = {"sticker": {"file_id": "S", "file_unique_id": "s", "width": 1, "height": 1,
               "is_animated": False, "is_video": False, "type": "regular"}}  # fmt: skip
    e = event(Updates().message(ANN, None, extra=sticker))
    assert (e.text, e.attachments) == ("", ())


def test_bots_and_channel_posts_are_ignored() -> None:
    robot = {"id": 5, "is_bot": True, "first_name": "Other"}
    data = Updates().message(ANN, "hi")
    data["message"]["from"] = robot
    assert event(data) is None
    post = {"update_id": 3, "channel_post": {"message_id": 1, "date": 0, "text": "news",
            "chat": {"id": -1003, "type": "channel", "title": "News"}}}  # fmt: skip
    assert event(post) is None


def test_deep_links_carry_short_texts_and_survive_the_round_trip() -> None:
    for text in ("status SD-12", "new Export fails", "wachtwoord vergeten é"):
        payload = encode_payload(text)
        assert 0 < len(payload) <= 64
        assert decode_payload(payload) == text
    assert encode_payload("x" * 60) == ""  # too long to ride along: the chat starts fresh
    assert start_link("bot", "x" * 60) == "https://t.me/bot?start=help"
    assert decode_payload("help") is None
    assert decode_payload("t!!!") is None


def test_start_with_a_payload_gives_the_desk_the_carried_text_as_a_new_problem() -> None:
    payload = encode_payload("Export fails")
    e = event(Updates().message(ANN, f"/start {payload}"))
    assert e.text == "new Export fails"
    assert event(Updates().message(ANN, "/start")).text == "start"
    assert event(Updates().message(ANN, "/startle me")).text == "startle me"


def test_a_crafted_start_payload_is_never_a_command_or_a_comment() -> None:
    """Whoever presses Start on someone else's link sends its payload: it may only ever describe
    a new problem, so the desk reads it behind ``new``, whatever it says."""
    for crafted in ("reopen SD-1042", "SD-1042 please close this, fixed", "lang nl", "/close SD-7"):
        e = event(Updates().message(ANN, f"/start {encode_payload(crafted)}"))
        assert e.text == f"new {crafted}"
        command = parse(e.text, "SD")
        assert command is not None
        assert (command.name, command.argument) == ("new", crafted)


# -- the agents' group ---------------------------------------------------------------------------
AGENTS = TgGroup(-100_777, "Support")
FORUM = TgGroup(-100_777, "Support", forum=True)


def agent_event(data: dict[str, Any], agent_chat: str = str(AGENTS.id)) -> Any:
    return to_event(Update.de_json(data, None), BOT_USERNAME, BOT_ID, agent_chat)


def bot_message(chat: TgGroup, message_id: int, thread: int | None = None) -> ApiCall:
    """A message the bot sent in ``chat`` (as the stand-in answers sendMessage)."""
    markup = {"inline_keyboard": [[{"text": "Claim", "callback_data": "ag:claim:SD-1"}]]}
    result: dict[str, Any] = {
        "message_id": message_id,
        "date": 0,
        "chat": chat.as_dict(),
        "from": {"id": BOT_ID, "is_bot": True, "first_name": "Chatdesk"},
        "text": "Ticket SD-1",
    }
    params = {"chat_id": str(chat.id), "reply_markup": json.dumps(markup)}
    if thread is not None:
        result.update(message_thread_id=thread, is_topic_message=True)
        params["message_thread_id"] = str(thread)
    return ApiCall("sendMessage", params, result=result)


def test_a_card_button_in_the_agents_group_is_an_agent_event() -> None:
    e = agent_event(Updates().press(ANN, bot_message(AGENTS, 1001), "ag:claim:SD-1"))
    assert (e.choice, e.agent_chat, e.private, e.chat_id) == (
        "ag:claim:SD-1",
        True,
        False,
        "-100777",
    )
    assert e.agent is False  # membership is the channel's lookup, not the update's claim
    assert e.display_name == "Ann de Vries"


def test_a_reply_to_the_bot_names_the_message_it_answers() -> None:
    e = agent_event(Updates().reply(ANN, bot_message(AGENTS, 1001), "public: fixed", AGENTS))
    assert (e.text, e.reply_to, e.thread_id, e.agent_chat) == ("public: fixed", "1001", None, True)


def test_a_message_in_a_topic_carries_the_topic_not_a_reply() -> None:
    e = agent_event(Updates().message(ANN, "looking into it", group=FORUM, topic=1500))
    assert (e.text, e.thread_id, e.reply_to) == ("looking into it", "1500", None)
    replied = agent_event(
        Updates().reply(ANN, bot_message(FORUM, 1502, thread=1500), "internal: logs", FORUM)
    )
    assert (replied.thread_id, replied.reply_to) == ("1500", "1502")


def test_commands_and_mentions_in_the_agents_group_reach_the_desk_and_chatter_does_not() -> None:
    updates = Updates()
    assert agent_event(updates.message(ANN, "/status SD-1", group=AGENTS)).text == "status SD-1"
    mention = agent_event(updates.message(ANN, f"@{BOT_USERNAME} open tickets", group=AGENTS))
    assert (mention.text, mention.agent_chat) == ("open tickets", True)
    assert agent_event(updates.message(ANN, "lunch at 12?", group=AGENTS)) is None
    assert agent_event(updates.message(ANN, "/new@other_bot", group=AGENTS)) is None
    colleague = {"id": 8, "is_bot": False, "first_name": "Bo"}
    their_message = {
        "message_id": 3,
        "date": 0,
        "chat": AGENTS.as_dict(),
        "from": colleague,
        "text": "hi",
    }
    reply = updates.message(ANN, "+1", group=AGENTS, extra={"reply_to_message": their_message})
    assert agent_event(reply) is None  # a reply to a colleague is their business


def test_other_groups_keep_the_customer_rules_and_the_agents_group_may_be_named() -> None:
    e = agent_event(Updates().message(ANN, "/status SD-1", group=GROUP))
    assert (e.agent_chat, e.private) == (False, False)
    named = {**AGENTS.as_dict(), "username": "acme_support"}
    data = Updates().message(ANN, "/status SD-1", group=AGENTS)
    data["message"]["chat"] = named
    assert agent_event(data, agent_chat="@Acme_Support").agent_chat is True
