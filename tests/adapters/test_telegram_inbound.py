"""Telegram updates -> InboundEvent: ids, language, privacy, commands, mentions, files."""

from __future__ import annotations

import json
from typing import Any

import pytest
from telegram import Update

from chatdesk.adapters.telegram.commands import command_text
from chatdesk.adapters.telegram.deeplink import decode_payload, encode_payload, start_link
from chatdesk.adapters.telegram.inbound import to_event
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


def test_start_with_a_payload_gives_the_desk_the_carried_text() -> None:
    payload = encode_payload("status SD-12")
    e = event(Updates().message(ANN, f"/start {payload}"))
    assert e.text == "status SD-12"
    assert event(Updates().message(ANN, "/start")).text == "start"
    assert event(Updates().message(ANN, "/startle me")).text == "startle me"
