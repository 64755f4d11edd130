"""Replies -> Bot API calls, with a real PTB Bot against the stand-in Bot API server.

The stand-in checks what Telegram checks (HTML that parses, 4096 characters after parsing,
callback data within 64 bytes), so a rendering mistake fails here as it would in production.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass

import pytest
from telegram import Bot

from chatdesk.adapters.telegram.agentchat import AgentChat
from chatdesk.adapters.telegram.formatting import escape, split_text, utf16_len
from chatdesk.adapters.telegram.render import Renderer
from chatdesk.core.i18n import t
from chatdesk.events import Choice, Message, MoveToPrivate, Posted, TicketCard

from telegram_standin import BotApiStandIn, HtmlError, render_html  # isort: skip

CHAT = "4201"
AGENTS = "-100777"


@pytest.fixture
def api() -> Iterator[BotApiStandIn]:
    with BotApiStandIn() as api:
        yield api


def render(api: BotApiStandIn, act: Callable[[Renderer], Awaitable[None]]) -> None:
    async def main() -> None:
        async with Bot(api.token, base_url=api.base_url) as bot:
            await act(Renderer(bot, t))

    asyncio.run(main())


def post(api: BotApiStandIn, card: TicketCard, chat: str | None = AGENTS) -> Posted | None:
    """Post ``card`` as the outbox would, through the agents' chat of a real PTB Bot."""

    async def main() -> Posted | None:
        async with Bot(api.token, base_url=api.base_url) as bot:
            return await AgentChat(bot, t, chat).post_card(card)

    return asyncio.run(main())


def test_escape_makes_any_text_show_as_typed() -> None:
    text = "<b>bold?</b> & <script>x</script> &amp; 1 < 2 > 0"
    assert render_html(escape(text)) == text
    with pytest.raises(HtmlError):
        render_html(text)  # what Telegram would refuse (or worse, render)


def test_split_prefers_paragraphs_and_respects_utf16_length() -> None:
    text = "\n\n".join(f"Paragraph {n}. " + "word " * 300 for n in range(6))
    parts = split_text(text)
    assert len(parts) > 1 and all(utf16_len(p) <= 4096 for p in parts)
    assert " ".join(" ".join(parts).split()) == " ".join(text.split())
    assert all(p.startswith("Paragraph") for p in parts)
    emoji = "🙂" * 3000  # 6000 UTF-16 units: two parts
    assert [utf16_len(p) for p in split_text(emoji)] == [4096, 6000 - 4096]
    assert split_text("short") == ["short"]


def test_a_long_reply_is_split_and_buttons_go_under_the_last_part(api: BotApiStandIn) -> None:
    text = "Start. " + "A line of the article body. " * 400 + "<end>"
    choices = (Choice("solved", "This solved it"), Choice("not_solved", "Still need help"))
    render(api, lambda r: r.render(Message("telegram", CHAT, text, choices)))

    sent = api.sent(int(CHAT))
    assert len(sent) == 3
    assert all(len(c.shown_text) <= 4096 for c in sent)
    assert [bool(c.buttons) for c in sent] == [False, False, True]
    assert sent[-1].shown_text.endswith("<end>")
    assert [b["callback_data"] for b in sent[-1].buttons] == ["solved", "not_solved"]


def test_user_markup_in_a_reply_is_escaped_even_where_the_escaped_text_is_long(
    api: BotApiStandIn,
) -> None:
    text = "<b>" * 1000  # 3000 characters shown, 6000 after escaping: still one message
    render(api, lambda r: r.render(Message("telegram", CHAT, text)))
    [sent] = api.sent()
    assert sent.shown_text == text


def test_choices_that_do_not_fit_a_button_become_a_numbered_list(api: BotApiStandIn) -> None:
    choices = (Choice("a" * 65, "First way"), Choice("b", "Second way"))
    render(api, lambda r: r.render(Message("telegram", CHAT, "Pick one:", choices)))
    [sent] = api.sent()
    assert sent.buttons == []
    assert sent.shown_text == "Pick one:\n\n1. First way\n2. Second way"


def test_a_topic_thread_is_kept(api: BotApiStandIn) -> None:
    api.topics[-100500] = {12: "Printers"}
    render(api, lambda r: r.render(Message("telegram", "-100500", "hi", thread_id="12")))
    assert api.sent()[0].params["message_thread_id"] == "12"


def test_move_to_private_shows_the_text_with_a_deep_link(api: BotApiStandIn) -> None:
    move = MoveToPrivate("telegram", "-100500", "4201", "Let's go private.", "status SD-1")
    render(api, lambda r: r.render(move, "nl"))
    [sent] = api.sent(-100500)
    assert sent.shown_text == "Let's go private."
    [button] = sent.buttons
    assert button["text"] == t("telegram.private.button", "nl")
    assert button["url"].startswith(f"https://t.me/{api.username}?start=t")


CARD = TicketCard(
    reference="SD-1042",
    subject="Export <fails> & more",
    requester="Ann <@here>",
    priority="normal",
    status="new",
    platform="telegram",
    status_label=t("status.new.name", "en"),
)


def test_the_card_goes_to_the_agent_chat_escaped(api: BotApiStandIn) -> None:
    posted = post(api, CARD)
    [sent] = api.sent(int(AGENTS))
    assert sent.shown_text.splitlines() == [
        "Ticket SD-1042",
        "Subject: Export <fails> & more",
        "From: Ann <@\u200bhere>",  # defused: no mention of a member named "here"
        "Priority: normal",
        "Status: " + t("status.new.name", "en"),
        t("telegram.card.assignee", "en", assignee=t("telegram.card.nobody", "en")),
    ]
    assert sent.params["text"].startswith("<b>Ticket SD-1042</b>\n")
    assert sent.pings == []
    assert sent.buttons == []
    assert posted == Posted(AGENTS, str(sent.result["message_id"]), None)


def test_the_card_speaks_the_agents_language(api: BotApiStandIn) -> None:
    dutch = TicketCard("SD-7", "Printer", "Sem", "urgent", "new", "telegram", True, "nl")
    post(api, dutch)
    lines = api.sent()[0].shown_text.splitlines()
    assert lines[:2] == ["🚨 DRINGEND", "Ticket SD-7"]
    assert "Prioriteit: dringend" in lines


def test_the_cards_actions_are_its_buttons_and_assignee_and_escalation_show(
    api: BotApiStandIn,
) -> None:
    actions = (Choice("ag:claim:SD-1042", "Claim"), Choice("ag:status:SD-1042", "Set status"))
    worked = dataclasses.replace(CARD, assignee="Bo <admin>", escalated=True, actions=actions)
    post(api, worked)
    [sent] = api.sent()
    assert [(b["text"], b["callback_data"]) for b in sent.buttons] == [
        ("Claim", "ag:claim:SD-1042"),
        ("Set status", "ag:status:SD-1042"),
    ]
    lines = sent.shown_text.splitlines()
    assert lines[0] == "⚠️ " + t("telegram.card.escalated", "en")
    assert lines[-1] == t("telegram.card.assignee", "en", assignee="Bo <admin>")


def test_without_an_agent_chat_the_card_is_skipped(api: BotApiStandIn) -> None:
    assert post(api, CARD, chat=None) is None
    assert api.sent() == []


def test_an_unknown_reply_type_is_an_error_not_a_silence(api: BotApiStandIn) -> None:
    @dataclass(frozen=True)
    class AgentPing:
        text: str

    with pytest.raises(TypeError, match="AgentPing"):
        render(api, lambda r: r.render(AgentPing("hello")))  # type: ignore[arg-type]
    assert api.sent() == []


def test_defuse_breaks_mentions_and_commands_but_not_addresses_or_links() -> None:
    from chatdesk.adapters.telegram.formatting import QUIET, defuse

    assert defuse("@agent_alice, (/ban) and /kick@bot") == (
        f"@{QUIET}agent_alice, (/{QUIET}ban) and /{QUIET}kick@bot"
    )
    untouched = "mail ann@example.org, see https://x.example/a/b or C:/temp, 50/50, @ and /"
    assert defuse(untouched) == untouched
    assert defuse("<b>x</b>") == "<b>x</b>"  # a closing tag typed as text is no command
    assert defuse("@@bob").replace(QUIET, "") == "@@bob" and defuse("@@bob") != "@@bob"
