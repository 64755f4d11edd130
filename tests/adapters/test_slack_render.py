"""Rendering neutral replies as Slack messages: escaping, splitting, buttons, the agent card.

The blocks are checked against the stand-in's Block Kit limits (the ones Slack refuses with
``invalid_blocks``), and the mentions a Slack client would notify for are worked out by the
stand-in's reading of mrkdwn, not by our own code.
"""

from __future__ import annotations

import pytest

from chatdesk.adapters.slack.render import (
    BUTTON_LABEL_LIMIT,
    SECTION_LIMIT,
    chosen_blocks,
    escape,
    mrkdwn,
    render_card,
    render_message,
    split_text,
)
from chatdesk.core.i18n import t
from chatdesk.events import Choice, Message, TicketCard

from slack_standin import buttons, check_blocks, mrkdwn_texts, pings, shown  # isort: skip


def test_escape_covers_the_three_characters_slack_parses() -> None:
    assert escape("a & b < c > d") == "a &amp; b &lt; c &gt; d"
    assert escape("&amp;") == "&amp;amp;"


@pytest.mark.parametrize(
    "typed",
    ["<!channel>", "<!here>", "<!everyone>", "<@U0ADMIN>", "<!subteam^S1|@ops>", "<@W123|boss>"],
)
def test_user_text_that_looks_like_a_mention_pings_nobody(typed: str) -> None:
    [post] = render_message(Message("slack", "D1", f"help {typed} now"), t, "en")
    for text in [post.text, *mrkdwn_texts(list(post.blocks))]:
        assert pings(text) == []
        assert shown(text) == f"help {typed} now"


def test_urls_become_links_without_a_smuggled_label() -> None:
    text = mrkdwn("see https://kb.example.com/a?x=1&y=2. or https://evil.example|click")
    assert "<https://kb.example.com/a?x=1&amp;y=2>." in text
    assert "|click>" not in text
    assert shown(text) == "see https://kb.example.com/a?x=1&y=2. or https://evil.example|click"


def test_long_text_is_split_within_the_section_limit_and_nothing_is_lost() -> None:
    paragraph = "Steps: open the app & press <Export>. " * 60
    text = "\n\n".join([paragraph] * 4)
    posts = render_message(
        Message("slack", "D1", text, choices=(Choice("y", "Yes"), Choice("n", "No"))), t, "en"
    )
    assert len(posts) > 1
    for post in posts:
        check_blocks(list(post.blocks))
        assert all(len(s) <= SECTION_LIMIT for s in mrkdwn_texts(list(post.blocks)))
    assert [b["value"] for b in buttons(list(posts[-1].blocks))] == ["y", "n"]
    assert all(not buttons(list(p.blocks)) for p in posts[:-1])
    joined = " ".join(shown(p.text) for p in posts)
    assert joined.split() == text.split()


def test_split_counts_escaping_and_cuts_an_endless_word() -> None:
    pieces = split_text("&" * 2500)
    assert all(len(mrkdwn(p)) <= SECTION_LIMIT for p in pieces)
    assert "".join(pieces) == "&" * 2500


def test_choices_become_buttons_carrying_their_ids() -> None:
    long_label = "A knowledge base article with a very long title that goes on and on and on"
    choices = tuple(Choice(f"c{n}", f"{long_label} {n}") for n in range(30))
    [post] = render_message(Message("slack", "D1", "Pick one", choices=choices), t, "en")
    check_blocks(list(post.blocks))
    found = buttons(list(post.blocks))
    assert [b["value"] for b in found] == [c.id for c in choices]
    assert all(len(b["text"]["text"]) <= BUTTON_LABEL_LIMIT for b in found)
    assert found[0]["text"]["type"] == "plain_text"


def test_more_choices_than_buttons_fall_back_to_a_numbered_list() -> None:
    choices = tuple(Choice(f"c{n}", f"Option {n}") for n in range(150))
    posts = render_message(Message("slack", "D1", "Pick one", choices=choices), t, "en")
    assert all(not buttons(list(p.blocks)) for p in posts)
    listing = "\n".join(shown(p.text) for p in posts)
    assert "1. Option 0" in listing and "150. Option 149" in listing


def test_message_keeps_its_thread() -> None:
    [post] = render_message(Message("slack", "C1", "hi", thread_id="171.5"), t, "en")
    assert (post.channel, post.thread_ts) == ("C1", "171.5")


def _card(**overrides: object) -> TicketCard:
    values: dict[str, object] = {
        "reference": "SD-1042",
        "subject": "Printer <!channel> & scanner",
        "requester": "Ann <@U0BOSS>",
        "priority": "normal",
        "status": "open",
        "platform": "slack",
    }
    values.update(overrides)
    # the desk labels the status in the card's language (chatdesk.desk.notify.build_card)
    label = t(f"status.{values['status']}.name", str(values.get("lang", "en")))
    values.setdefault("status_label", label)
    return TicketCard(**values)  # type: ignore[arg-type]


def test_card_shows_the_ticket_and_escapes_every_user_word() -> None:
    post = render_card(_card(), "C0AGENTS", t, "<!here>")
    check_blocks(list(post.blocks))
    assert post.channel == "C0AGENTS"
    assert all(pings(text) == [] for text in [post.text, *mrkdwn_texts(list(post.blocks))])
    everything = "\n".join(shown(text) for text in mrkdwn_texts(list(post.blocks)))
    for value in ["SD-1042", "Printer <!channel> & scanner", "Ann <@U0BOSS>", "normal", "Open"]:
        assert value in everything
    assert "Requester" in everything and "nobody yet" in everything


def test_urgent_card_pings_with_the_configured_mention_only() -> None:
    post = render_card(_card(urgent=True, priority="urgent"), "C0AGENTS", t, "<!here>")
    check_blocks(list(post.blocks))
    assert pings(post.text) == ["!here"]
    assert [p for s in mrkdwn_texts(list(post.blocks)) for p in pings(s)] == ["!here"]
    quiet = render_card(_card(urgent=True), "C0AGENTS", t, "")
    assert pings(quiet.text) == [] and all(pings(s) == [] for s in mrkdwn_texts(list(quiet.blocks)))


def test_card_in_dutch_and_with_an_overlong_subject() -> None:
    post = render_card(_card(lang="nl", subject="x & " * 2000), "C0AGENTS", t)
    check_blocks(list(post.blocks))
    everything = "\n".join(mrkdwn_texts(list(post.blocks)))
    assert "Ticket SD-1042" in everything and "Aanvrager" in everything
    assert "Open" in everything and "nog niemand" in everything


def test_card_blocks_are_named_for_the_agent_desk_to_extend() -> None:
    post = render_card(_card(), "C0AGENTS", t)
    assert all(str(b["block_id"]).startswith("ticket-") for b in post.blocks)


def test_a_pressed_message_loses_its_buttons_and_says_what_was_chosen() -> None:
    [post] = render_message(
        Message("slack", "D1", "Sure?", choices=(Choice("y", "Yes <!here>"),)), t, "en"
    )
    after = chosen_blocks(list(post.blocks), "Yes <!here>", t, "en")
    check_blocks(after)
    assert buttons(after) == []
    note = mrkdwn_texts(after)[-1]
    assert shown(note) == "You chose: Yes <!here>" and pings(note) == []
