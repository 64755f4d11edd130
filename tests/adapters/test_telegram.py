"""The Telegram bot end to end: real python-telegram-bot, the real desk on a real database,
chatdesk's own HTTP server, and a stand-in Bot API server on 127.0.0.1 reached through
CHATDESK_TELEGRAM_API_URL. Nothing of PTB or chatdesk is patched.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from telegram_harness import BotRunner, TelegramBot, button_for, last_with_buttons  # isort: skip
from telegram_standin import BotApiStandIn, TgUser  # isort: skip

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


def open_ticket(bot: TelegramBot, user: TgUser, subject: str) -> str:
    """A whole intake, buttons and typed answers mixed; returns the reference."""
    sent = bot.say(user, "/new")
    assert sent, "no answer to /new"
    sent = bot.say(user, subject)
    if any("callback_data" in b for b in sent[-1].buttons):  # articles suggested
        sent = bot.press(user, sent[-1], button_for(sent[-1], "continue", "verder", "geen"))
    sent = bot.say(user, "The export button shows a spinner, then nothing is downloaded.")
    if any("callback_data" in b for b in sent[-1].buttons):
        sent = bot.press(user, sent[-1], button_for(sent[-1], "continue", "verder", "geen"))
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
    assert "Ann (@ann_k)" in card[0].shown_text
    # every button press was answered
    pressed = [c for c in api.calls_to("answerCallbackQuery")]
    assert len(pressed) >= 2
