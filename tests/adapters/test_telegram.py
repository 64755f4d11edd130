"""The Telegram bot end to end: real python-telegram-bot, the real desk on a real database,
chatdesk's own HTTP server, and a stand-in Bot API server on 127.0.0.1 reached through
CHATDESK_TELEGRAM_API_URL. Nothing of PTB or chatdesk is patched.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from chatdesk.adapters.telegram.catalogue import t
from chatdesk.adapters.telegram.deeplink import encode_payload
from chatdesk.core.i18n import normalize_lang
from chatdesk.core.lexicon import is_urgent

from telegram_harness import BotRunner, TelegramBot, button_for, last_with_buttons  # isort: skip
from telegram_standin import BotApiStandIn, TgGroup, TgUser  # isort: skip

REFERENCE = re.compile(r"\b[A-Z][A-Z0-9]{1,9}-\d+\b")
ANN = TgUser(4201, "Ann", language_code="en", username="ann_k")
SEM = TgUser(4202, "Sem", language_code="nl-NL")


@pytest.fixture
def api() -> Iterator[BotApiStandIn]:
    with BotApiStandIn() as api:
        yield api


@pytest.fixture
def bots(make_settings: Any, kb_dir: Path, api: BotApiStandIn) -> Iterator[BotRunner]:
    runner = BotRunner(make_settings, kb_dir, api)
    yield runner
    runner.stop_all()


@pytest.fixture(params=["polling", "webhook"])
def bot(request: pytest.FixtureRequest, bots: BotRunner) -> TelegramBot:
    return bots.start(request.param)


def _continue(user: TgUser) -> str:
    """The "continue past the articles" button's label, in the user's language."""
    return t("choice.continue", normalize_lang(user.language_code))


DESCRIBED = "The export button shows a spinner, then nothing is downloaded."
DESCRIBED_NL = "De exportknop laat een draaiend wieltje zien en er wordt niets gedownload."


def open_ticket(bot: TelegramBot, user: TgUser, subject: str) -> str:
    """A whole intake, buttons and typed answers mixed; returns the reference."""
    sent = bot.say(user, "/new")
    assert sent, "no answer to /new"
    sent = bot.say(user, subject)
    if any("callback_data" in b for b in sent[-1].buttons):  # articles suggested
        sent = bot.press(user, sent[-1], button_for(sent[-1], _continue(user)))
    dutch = (user.language_code or "").startswith("nl")  # the desk answers in the words' language
    sent = bot.say(user, DESCRIBED_NL if dutch else DESCRIBED)
    if any("callback_data" in b for b in sent[-1].buttons):
        sent = bot.press(user, sent[-1], button_for(sent[-1], _continue(user)))
    sent = bot.say(user, "Open Reports, choose last month, press Export to Excel.")
    sent = bot.press(user, last_with_buttons(sent), "skip")
    summary = last_with_buttons(sent)
    sent = bot.press(user, summary, "confirm")
    match = REFERENCE.search(" ".join(c.shown_text for c in sent))
    assert match, [c.shown_text for c in sent]
    return match.group(0)


def test_whole_intake_by_buttons_and_typed_answers(bot: TelegramBot, api: BotApiStandIn) -> None:
    reference = open_ticket(bot, ANN, "Export to Excel fails every time")

    private = api.sent(ANN.id)
    assert all(c.params["parse_mode"] == "HTML" for c in private)
    card = api.sent(BotRunner.AGENT_CHAT)
    assert len(card) == 1
    assert reference in card[0].shown_text
    assert "Export to Excel fails every time" in card[0].shown_text
    assert "Ann (@\u200bann_k)" in card[0].shown_text
    # every button press was answered
    pressed = [c for c in api.calls_to("answerCallbackQuery")]
    assert len(pressed) >= 2


def shown(sent: list[Any]) -> str:
    return "\n".join(c.shown_text for c in sent)


def tickets_in(bot: TelegramBot) -> list[Any]:
    from sqlalchemy import select

    from chatdesk.store.models import Ticket

    with bot.desk.database.session() as session:
        rows = session.scalars(select(Ticket).order_by(Ticket.id)).all()
        return [
            (t.reference, t.subject, [(a.name, a.content_type, a.size) for a in t.attachments])
            for t in rows
        ]


def test_status_and_my_tickets(bot: TelegramBot, api: BotApiStandIn) -> None:
    reference = open_ticket(bot, ANN, "Export to Excel fails every time")

    status = shown(bot.say(ANN, f"/status {reference}"))
    assert reference in status and "Export to Excel fails every time" in status
    assert t("status.new.name", "en") in status

    sent = bot.say(ANN, "/mytickets")
    assert reference in shown(sent)
    # the list offers a status button per ticket; pressing it shows that ticket
    press = last_with_buttons(sent)
    status_again = shown(bot.press(ANN, press, button_for(press, reference)))
    assert reference in status_again and t("status.new.name", "en") in status_again

    assert reference in shown(bot.say(ANN, "my tickets"))  # typed words work too


def test_photo_and_document_attach_to_the_ticket_and_an_oversized_file_is_refused(
    bots: BotRunner, api: BotApiStandIn
) -> None:
    bot = bots.start()
    bot.say(ANN, "/new")
    sent = bot.exchange(bot.updates.photo(ANN, file_id="PHOTO1", size=180_000))
    assert "photo-PHOTO1u.jpg" in shown(sent)
    sent = bot.exchange(
        bot.updates.document(
            ANN, file_id="LOG1", file_name="server.log", mime_type="text/plain", size=52_000
        )
    )
    assert "server.log" in shown(sent)
    sent = bot.exchange(
        bot.updates.document(
            ANN,
            file_id="BIG1",
            file_name="recording.mp4",
            mime_type="video/mp4",
            size=25 * 1024 * 1024,
        )
    )
    refusal = shown(sent)
    assert "recording.mp4" in refusal and "25.0" in refusal and "10" in refusal
    assert "getFile" not in [c.method for c in api.calls]  # nothing was downloaded

    reference = finish_intake(bot, ANN, "Export to Excel fails every time")
    [(ref, _, attachments)] = tickets_in(bot)
    assert ref == reference
    assert sorted(attachments) == [
        ("photo-PHOTO1u.jpg", "image/jpeg", 180_000),
        ("server.log", "text/plain", 52_000),
    ]


def test_a_document_with_a_reference_is_added_to_that_open_ticket(
    bots: BotRunner, api: BotApiStandIn
) -> None:
    bot = bots.start()
    bot.say(ANN, "/new")
    reference = finish_intake(bot, ANN, "Export to Excel fails every time")
    update = bot.updates.document(
        ANN, file_id="LOG2", file_name="export.log", mime_type="text/plain", size=2048
    )
    update["message"]["caption"] = f"{reference} the log from this morning"

    sent = bot.exchange(update)

    assert reference in shown(sent)
    [(_, _, attachments)] = tickets_in(bot)
    assert attachments == [("export.log", "text/plain", 2048)]


def test_the_attachment_limit_is_a_setting(bots: BotRunner) -> None:
    bot = bots.start(attachment_max_mb=0.1)
    bot.say(ANN, "/new")
    sent = bot.exchange(bot.updates.photo(ANN, file_id="P2", size=180_000))
    assert t("attachment.too_large", "en", name="photo-P2u.jpg", size="0.2", limit="0.1") in (
        shown(sent)
    )


def finish_intake(bot: TelegramBot, user: TgUser, subject: str) -> str:
    """Answer the intake's questions after /new (and any attachments) and confirm (an
    urgent subject goes straight to its short summary)."""
    sent = bot.say(user, subject)
    if is_urgent(subject):
        sent = bot.press(user, last_with_buttons(sent), "confirm")
        return REFERENCE.search(shown(sent)).group(0)  # type: ignore[union-attr]
    if sent[-1].buttons:
        sent = bot.press(user, sent[-1], button_for(sent[-1], _continue(user)))
    dutch = (user.language_code or "").startswith("nl")  # the desk answers in the words' language
    sent = bot.say(user, DESCRIBED_NL if dutch else DESCRIBED)
    if sent[-1].buttons:
        sent = bot.press(user, sent[-1], button_for(sent[-1], _continue(user)))
    sent = bot.say(user, "Open Reports, choose last month, press Export to Excel.")
    sent = bot.press(user, last_with_buttons(sent), "skip")
    sent = bot.press(user, last_with_buttons(sent), "confirm")
    match = REFERENCE.search(shown(sent))
    assert match, shown(sent)
    return match.group(0)


def test_dutch_from_the_language_code_and_the_dutch_command_menu(
    bots: BotRunner, api: BotApiStandIn
) -> None:
    bot = bots.start()
    assert shown(bot.say(SEM, "/new")) == t("intake.ask_subject", "nl")

    menus = {
        c.params.get("language_code"): c.json("commands") for c in api.calls_to("setMyCommands")
    }
    assert {None, "en", "nl"} <= set(menus)
    nl = {c["command"]: c["description"] for c in menus["nl"]}
    assert nl["new"] == t("telegram.command.new", "nl")
    assert {c["command"] for c in menus[None]} == set(nl)


def test_lang_overrides_the_language_code(bots: BotRunner) -> None:
    bot = bots.start()
    bot.say(ANN, "lang nl")
    assert shown(bot.say(ANN, "/new")) == t("intake.ask_subject", "nl")


def test_agent_chat_card_marks_urgent_tickets(bots: BotRunner, api: BotApiStandIn) -> None:
    bot = bots.start()
    bot.say(ANN, "/new")
    reference = finish_intake(bot, ANN, "The site is down for all of us")

    [card] = api.sent(BotRunner.AGENT_CHAT)
    text = card.params["text"]
    assert text.startswith("🚨 <b>" + t("telegram.card.urgent", "en") + "</b>")
    lines = card.shown_text.splitlines()
    assert lines[1] == t("telegram.card.title", "en", reference=reference)
    assert t("telegram.card.priority", "en", priority="urgent") in lines
    assert t("telegram.card.requester", "en", requester="Ann (@\u200bann_k)") in lines


def test_no_agent_chat_means_no_card(bots: BotRunner, api: BotApiStandIn) -> None:
    bot = bots.start(telegram_agent_chat="")
    bot.say(ANN, "/new")
    finish_intake(bot, ANN, "Export to Excel fails every time")
    assert {c.chat_id for c in api.sent()} == {ANN.id}


def test_user_written_markup_is_shown_literally(bots: BotRunner, api: BotApiStandIn) -> None:
    bot = bots.start()
    subject = "<b>Export</b> & <i>fails</i> at <a href='x'>once</a>"
    bot.say(ANN, "/new")
    finish_intake(bot, ANN, subject)

    summary = [c for c in api.sent(ANN.id) if "Subject:" in c.shown_text][-1]
    assert f"Subject: {subject}" in summary.shown_text
    assert "&lt;b&gt;Export&lt;/b&gt; &amp; &lt;i&gt;" in summary.params["text"]
    [card] = api.sent(BotRunner.AGENT_CHAT)
    assert t("telegram.card.subject", "en", subject=subject) in card.shown_text.splitlines()


# -- groups ----------------------------------------------------------------------------------
OFFICE = TgGroup(-100_500, "Office")


def test_in_a_group_the_bot_ignores_talk_and_answers_help(
    bots: BotRunner, api: BotApiStandIn
) -> None:
    bot = bots.start()
    assert bot.say(ANN, "my export fails again, anyone else?", group=OFFICE) == []
    sent = bot.say(ANN, "/help", group=OFFICE)
    assert [c.chat_id for c in sent] == [OFFICE.id]
    assert shown(sent) == t("help", "en")
    assert bot.say(ANN, "/help@some_other_bot", group=OFFICE) == []


def test_a_group_mention_moves_to_the_private_chat_carrying_the_text(
    bots: BotRunner, api: BotApiStandIn
) -> None:
    bot = bots.start()
    bot.say(ANN, "hello")  # Ann has talked to the bot before, so it may write to her

    sent = bot.say(ANN, f"@{api.username} new Export to Excel fails", group=OFFICE)

    in_group = [c for c in sent if c.chat_id == OFFICE.id]
    assert [c.shown_text for c in in_group] == [t("group.moved", "en")]
    [button] = in_group[0].buttons
    assert button["url"] == f"https://t.me/{api.username}?start=help"
    private = [c for c in sent if c.chat_id == ANN.id]
    assert private[0].shown_text == t("telegram.private.continued", "en")
    # the desk got "new Export to Excel fails" in the private chat: the words became the
    # subject, and matching articles are offered there, not in the group
    suggestion = private[-1]
    assert suggestion.shown_text.startswith(t("intake.suggest_intro", "en"))
    assert "Read: Export to Excel fails" in [b["text"] for b in suggestion.buttons]


def _carried(api: BotApiStandIn) -> list[Any]:
    """What Ann's private chat says in answer to the words she said in the group."""
    intro = t("intake.suggest_intro", "en")
    return [c for c in api.sent(ANN.id) if c.shown_text.startswith(intro)]


def _continued(api: BotApiStandIn) -> list[Any]:
    return [c for c in api.sent(ANN.id) if c.shown_text == t("telegram.private.continued", "en")]


def test_a_group_pointer_that_fails_with_502_is_sent_again_and_the_words_carried_over_once(
    bots: BotRunner, api: BotApiStandIn
) -> None:
    """The pointer is an outbox item: Telegram's 502s are retried with the outbox's back-off
    (more often than a turn would retry them itself), and the words become a turn of the
    private chat once, however often the pointer was tried."""
    bot = bots.start(outbox_max_backoff_seconds=1)
    bot.say(ANN, "hello")  # Ann has talked to the bot before, so it may write to her
    api.fail_next("sendMessage", 502, times=4, chat_id=OFFICE.id)

    sent = bot.say(ANN, f"@{api.username} new Export to Excel fails", group=OFFICE)

    to_group = [c for c in api.calls_to("sendMessage", ok_only=False) if c.chat_id == OFFICE.id]
    assert [c.status for c in to_group] == [502, 502, 502, 502, 200]
    in_group = [c for c in sent if c.chat_id == OFFICE.id]
    assert [c.shown_text for c in in_group] == [t("group.moved", "en")]
    assert in_group[0].buttons[0]["url"] == f"https://t.me/{api.username}?start=help"
    assert len(_continued(api)) == 1
    assert len(_carried(api)) == 1


def test_a_move_left_unsent_by_a_stopped_bot_is_made_once_by_the_next_one(
    bots: BotRunner, api: BotApiStandIn
) -> None:
    """Telegram's sending side is down when Ann writes in the group: the group's turn commits,
    the move waits in the outbox, and the bot stops. The next bot on the same database says the
    pointer and carries the words over, once; the group's update delivered again (as after a
    restart before the poller confirmed it) changes nothing."""
    first = bots.start(outbox_max_backoff_seconds=1)
    first.say(ANN, "hello")
    api.start_outage(502)
    update = first.updates.message(ANN, f"@{api.username} new Export to Excel fails", group=OFFICE)
    first.deliver(update)
    first.settle(outbox=False)  # the group's turn is done (and committed)
    first.server.stop()
    api.end_outage()
    assert api.sent(OFFICE.id) == [] and _carried(api) == []

    second = bots.start(outbox_max_backoff_seconds=1)
    second.settle()  # the outbox is empty: the move was made
    second.deliver(update)
    second.settle()

    assert [c.shown_text for c in api.sent(OFFICE.id)] == [t("group.moved", "en")]
    assert len(_continued(api)) == 1
    assert len(_carried(api)) == 1


def test_a_stranger_in_a_group_gets_a_deep_link_that_carries_the_text(
    bots: BotRunner, api: BotApiStandIn
) -> None:
    bot = bots.start()
    api.blocked_chats.add(SEM.id)  # Sem never started the bot: Telegram refuses (403)

    sent = bot.say(SEM, f"@{api.username} export to excel fails", group=OFFICE)

    assert [c.chat_id for c in sent] == [OFFICE.id]
    assert sent[0].shown_text == t("group.moved", "nl")
    link = sent[0].buttons[0]["url"]
    assert sent[0].buttons[0]["text"] == t("telegram.private.button", "nl")
    payload = link.removeprefix(f"https://t.me/{api.username}?start=")
    assert re.fullmatch(r"[A-Za-z0-9_-]{1,64}", payload)

    # Sem opens the link: Telegram sends "/start <payload>" in the private chat, and the text
    # it carries is the subject of a new problem: articles are suggested for it
    api.blocked_chats.discard(SEM.id)
    answer = bot.say(SEM, f"/start {payload}")
    assert answer[-1].shown_text.startswith(t("intake.suggest_intro", "nl"))
    assert any("Export to Excel fails" in b["text"] for b in answer[-1].buttons)


def test_a_crafted_deep_link_neither_reopens_nor_comments_on_a_ticket(
    bots: BotRunner, api: BotApiStandIn
) -> None:
    """Anyone can make a t.me link whose Start sends "reopen SD-1042" or "SD-1042 <text>" as
    the person who presses it; that text only ever describes a new problem."""
    bot = bots.start()
    reference = open_ticket(bot, ANN, "Export to Excel fails every time")
    set_status(bot, reference, "solved")
    before = ticket_state(bot, reference)

    for crafted in (f"reopen {reference}", f"{reference} please close this, fixed"):
        payload = encode_payload(crafted)
        assert payload, "the crafted text fits in a start payload"
        answer = shown(bot.say(ANN, f"/start {payload}"))
        assert t("reopen.done", "en", reference=reference) not in answer
        assert t("comment.reopened", "en", reference=reference) not in answer
        assert ticket_state(bot, reference) == before == ("solved", before[1])
        bot.say(ANN, "/cancel")  # the new problem it started is not wanted either


def set_status(bot: TelegramBot, reference: str, status: str) -> None:
    from sqlalchemy import select

    from chatdesk.store.models import Ticket

    with bot.desk.database.session() as session:
        session.scalars(select(Ticket).where(Ticket.reference == reference)).one().status = status


def ticket_state(bot: TelegramBot, reference: str) -> tuple[str, int]:
    """The ticket's status and how many comments it has."""
    from sqlalchemy import select

    from chatdesk.store.models import Ticket

    with bot.desk.database.session() as session:
        ticket = session.scalars(select(Ticket).where(Ticket.reference == reference)).one()
        return ticket.status, len(ticket.comments)


# -- delivery: twice, refused, rate limited, failing -------------------------------------------
def _to_summary(bot: TelegramBot, user: TgUser) -> Any:
    """Run an intake up to the summary; the summary message (with its confirm button)."""
    bot.say(user, "/new")
    sent = bot.say(user, "Export to Excel fails every time")
    assert sent[-1].buttons  # the export article, and "continue"
    sent = bot.press(user, sent[-1], "continue")
    dutch = (user.language_code or "").startswith("nl")  # the desk answers in the words' language
    sent = bot.say(user, DESCRIBED_NL if dutch else DESCRIBED)
    assert not sent[-1].buttons  # no further article: the steps are asked
    sent = bot.say(user, "Open Reports, choose last month, press Export to Excel.")
    sent = bot.press(user, last_with_buttons(sent), "skip")
    return last_with_buttons(sent)


def test_the_same_update_delivered_twice_makes_one_ticket(
    bot: TelegramBot, api: BotApiStandIn
) -> None:
    summary = _to_summary(bot, ANN)
    confirm = bot.updates.press(ANN, summary, "confirm")

    if bot.mode == "webhook":  # Telegram retries a webhook delivery it did not see answered
        assert bot.deliver(confirm) == 200
        assert bot.deliver(confirm) == 200
    else:  # a restart before the poller confirmed its offset: the batch comes again
        bot.deliver_batch([confirm, dict(confirm)])
    bot.settle()

    assert len(tickets_in(bot)) == 1
    created = [c for c in api.sent(ANN.id) if REFERENCE.search(c.shown_text)]
    assert len(created) == 1
    assert len(api.sent(BotRunner.AGENT_CHAT)) == 1


def test_a_429_is_waited_out_and_the_message_still_arrives(
    bots: BotRunner, api: BotApiStandIn
) -> None:
    bot = bots.start()
    api.fail_next("sendMessage", 429, retry_after=1)

    sent = bot.say(ANN, "/new")

    assert shown(sent) == t("intake.ask_subject", "en")
    attempts = [c for c in api.calls_to("sendMessage", ok_only=False) if c.chat_id == ANN.id]
    assert [c.status for c in attempts] == [429, 200]
    assert attempts[1].at - attempts[0].at >= 1.0  # retry_after was honoured


def test_a_long_rate_limit_delays_the_answer_without_holding_up_anyone_else(
    bots: BotRunner, api: BotApiStandIn
) -> None:
    """A 429 with a long Retry-After: the answer waits in the outbox for as long as Telegram
    asks (no apology, nothing dropped), and other customers are answered meanwhile."""
    bot = bots.start()
    api.fail_next("sendMessage", 429, retry_after=15)

    bot.deliver(bot.updates.message(ANN, "/new"))
    bot.settle(outbox=False)
    bot.deliver(bot.updates.message(SEM, "/new"))
    [sem] = api.wait_for("sendMessage", lambda c: c.chat_id == SEM.id, timeout=10)
    assert sem.shown_text == t("intake.ask_subject", "nl")  # not held up by Ann's answer
    assert api.sent(ANN.id) == []

    [question] = api.wait_for("sendMessage", lambda c: c.chat_id == ANN.id, timeout=40)
    assert question.shown_text == t("intake.ask_subject", "en")
    attempts = [c for c in api.calls_to("sendMessage", ok_only=False) if c.chat_id == ANN.id]
    assert [c.status for c in attempts] == [429, 200]
    assert attempts[1].at - attempts[0].at >= 15  # Retry-After was honoured
    assert t("error.apology", "en") not in [c.shown_text for c in api.sent()]


def test_a_server_error_is_retried_not_dropped(bots: BotRunner, api: BotApiStandIn) -> None:
    bot = bots.start()
    api.fail_next("sendMessage", 502, times=2)

    sent = bot.say(ANN, "/new")

    assert shown(sent) == t("intake.ask_subject", "en")
    statuses = [c.status for c in api.calls_to("sendMessage", ok_only=False)]
    assert statuses == [502, 502, 200]


def test_a_pointer_to_a_group_the_bot_left_is_set_aside_and_the_words_still_carried_over(
    bots: BotRunner, api: BotApiStandIn
) -> None:
    """The bot was removed from the group: Telegram refuses the pointer for good (403). It is
    set aside with the reason; the customer's words were carried into the private chat before
    it, so they are not lost; and the bot carries on."""
    bot = bots.start()
    bot.say(ANN, "hello")  # Ann has talked to the bot before, so it may write to her
    group = TgGroup(-4200, "Office")
    api.blocked_chats.add(group.id)  # the bot was removed from the group: sends fail with 403

    sent = bot.say(ANN, "@chatdesk_test_bot new Export to Excel fails", group=group)

    [(error,)] = _set_aside(bot)
    assert "Forbidden" in error
    assert [c.chat_id for c in sent] == [ANN.id] * len(sent)
    assert sent[-1].shown_text.startswith(t("intake.suggest_intro", "en"))
    assert shown(bot.say(SEM, "/new")) == t("intake.ask_subject", "nl")


def test_an_answer_to_a_user_who_blocked_the_bot_is_set_aside_with_the_reason(
    bots: BotRunner, api: BotApiStandIn
) -> None:
    bot = bots.start()
    api.blocked_chats.add(ANN.id)  # Ann blocked the bot: every send to her fails with 403

    bot.exchange(bot.updates.message(ANN, "/new"))

    [(error,)] = _set_aside(bot)
    assert "Forbidden" in error and "blocked" in error
    assert shown(bot.say(SEM, "/new")) == t("intake.ask_subject", "nl")


def test_an_answer_telegram_refuses_is_set_aside_with_its_reason_and_no_apology(
    bots: BotRunner, api: BotApiStandIn
) -> None:
    """A delivery failure is not the customer's problem to solve: no apology that would make
    them type again; the refused answer is kept, with Telegram's reason, for an operator."""
    bot = bots.start()
    api.fail_next("sendMessage", 400, description="Bad Request: something odd")

    assert bot.say(ANN, "/new") == []

    [(error,)] = _set_aside(bot)
    assert "something odd" in error.lower()
    assert shown(bot.say(ANN, "Payroll export has wrong totals")) != t("error.apology", "en")


def _set_aside(bot: TelegramBot) -> list[tuple[str]]:
    from sqlalchemy import select

    from chatdesk.store.models import OutboxItem

    with bot.desk.database.session() as session:
        rows = session.scalars(select(OutboxItem).where(OutboxItem.failed_at.is_not(None)))
        return [(row.last_error or "",) for row in rows]


def test_a_chats_messages_are_handled_in_the_order_they_were_sent(
    bots: BotRunner, api: BotApiStandIn
) -> None:
    bot = bots.start()
    updates = bot.updates
    bot.deliver_batch(
        [
            updates.message(ANN, "/new"),
            updates.message(ANN, "Printer on floor 3 is jammed"),
            updates.message(ANN, "/cancel"),
        ]
    )
    bot.settle()
    texts = [c.shown_text for c in api.sent(ANN.id)]
    assert texts[0] == t("intake.ask_subject", "en")
    assert texts[-1] == t("intake.cancelled", "en")
    assert len(texts) == 3


def test_a_slow_chat_does_not_hold_up_the_others(bots: BotRunner, api: BotApiStandIn) -> None:
    bot = bots.start()
    api.slow_chats[ANN.id] = 2.0
    bot.deliver_batch([bot.updates.message(ANN, "/new"), bot.updates.message(SEM, "/new")])
    bot.settle()
    [ann] = api.sent(ANN.id)
    [sem] = api.sent(SEM.id)
    assert sem.answered_at is not None and ann.answered_at is not None
    assert sem.answered_at < ann.answered_at  # Sem was answered while Ann's chat was busy


def test_a_webhook_request_with_a_wrong_secret_is_refused(
    bots: BotRunner, api: BotApiStandIn
) -> None:
    bot = bots.start("webhook")
    [hook] = api.calls_to("setWebhook")
    assert hook.params["url"] == "https://desk.example.org/telegram/webhook"
    assert hook.params["secret_token"] == "stand-in_webhook-secret"
    assert set(hook.json("allowed_updates")) == {"message", "callback_query"}

    assert bot.deliver(bot.updates.message(ANN, "/new"), secret="wrong") == 403
    assert bot.deliver(bot.updates.message(ANN, "/new"), secret=None) == 403
    bot.settle()
    assert api.sent(ANN.id) == []
    assert tickets_in(bot) == []
    assert bot.deliver({"update_id": "x"}) == 400


def test_polling_mode_registers_commands_and_drops_no_webhook_updates(
    bots: BotRunner, api: BotApiStandIn
) -> None:
    bots.start()
    order = [c.method for c in api.calls if c.method != "getUpdates"]
    # the agents' chat is checked (without posting) before anything else happens
    assert order[:4] == ["getMe", "getChat", "getChatMember", "setMyCommands"]
    assert "deleteWebhook" in order and "setWebhook" not in order
    [delete] = api.calls_to("deleteWebhook")
    assert delete.params.get("drop_pending_updates") in (None, "false")
    api.wait_for("getUpdates", ok_only=False)


def test_the_token_stays_out_of_the_logs(
    bots: BotRunner, api: BotApiStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    bot = bots.start()
    api.fail_next("sendMessage", 502)
    api.blocked_chats.add(SEM.id)
    bot.say(ANN, "/new")
    bot.say(SEM, "/new")
    assert "getUpdates" in caplog.text  # the request log was captured...
    assert api.token not in caplog.text  # ...without the token
    assert api.token.split(":")[1] not in caplog.text
