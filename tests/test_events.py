"""The boundary's closed types: the statuses a card can carry, the kinds of a thread note."""

from __future__ import annotations

from typing import get_args

import pytest

from chatdesk.core import statuses
from chatdesk.core.i18n import t
from chatdesk.desk.notify import build_card
from chatdesk.events import STATUS_CODES, NoteKind, status_code
from chatdesk.store import tickets

from conftest import Chat  # isort: skip


def test_the_card_statuses_are_the_catalogue() -> None:
    assert set(STATUS_CODES) == set(statuses.CATALOGUE)


def test_a_status_outside_the_catalogue_is_refused() -> None:
    assert status_code("waiting_customer") == "waiting_customer"
    with pytest.raises(ValueError, match="not a ticket status: 'pending'"):
        status_code("pending")


def test_the_note_kinds_are_the_ones_adapters_mark() -> None:
    from chatdesk.adapters.slack.render import NOTE_KINDS as SLACK_KINDS
    from chatdesk.adapters.telegram.agentchat import NOTE_KINDS as TELEGRAM_KINDS

    assert set(get_args(NoteKind)) == set(SLACK_KINDS) == set(TELEGRAM_KINDS)


def test_a_card_carries_its_status_label_in_the_agents_language(make_desk) -> None:  # type: ignore[no-untyped-def]
    desk = make_desk(default_lang="en", agent_lang="nl")
    reference = Chat(desk).open_ticket()
    with desk.database.session() as session:
        ticket = tickets.by_reference(session, reference)
        assert ticket is not None
        card = build_card(ticket, desk.settings)
    assert card.status == "new" and card.lang == "nl"
    assert card.status_label == t("status.new.name", "nl")
    assert card.status_label != t("status.new.name", "en")
