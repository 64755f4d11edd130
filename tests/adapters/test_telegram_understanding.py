"""Issue 12 on Telegram: a person on request and a Dutch status question, through the real
python-telegram-bot and the stand-in Bot API."""

from __future__ import annotations

import test_telegram as telegram_tests
from telegram_harness import TelegramBot, last_with_buttons
from test_telegram import ANN, SEM, open_ticket, shown

from chatdesk.core.i18n import t

# the stand-in Bot API and the bot (polling and webhook) of test_telegram
api = telegram_tests.api
bots = telegram_tests.bots
bot = telegram_tests.bot


def test_a_person_on_request_and_a_ticket_from_the_offer(bot: TelegramBot) -> None:
    sent = bot.say(ANN, "can i talk to a human?")
    assert "08:30" in shown(sent) and "support team" in shown(sent)
    offer = last_with_buttons(sent)
    assert t("intake.ask_subject", "en") in shown(bot.press(ANN, offer, "person_new"))


def test_a_dutch_status_question_shows_the_only_open_ticket(bot: TelegramBot) -> None:
    reference = open_ticket(bot, SEM, "Exporteren naar Excel mislukt steeds")
    answer = shown(bot.say(SEM, "is er al nieuws?"))
    assert reference in answer and "Status" in answer
    assert t("pick.which_comment", "nl") not in answer
