"""The choice-id codec: every id keeps the bytes it had when it was built by hand.

The ids are stored (conversation data, outbox rows) and sit on buttons already sent, so each
kind is checked against its literal form, and read back.
"""

from __future__ import annotations

import pytest

from chatdesk.core import choices as ids
from chatdesk.events import Choice


def test_each_kind_is_built_byte_for_byte_as_before():
    assert ids.status("SD-1042") == "st:SD-1042"
    assert ids.ticket("SD-1042") == "t:SD-1042"
    assert ids.field("error_message") == "f:error_message"
    assert ids.article(2) == "art2"
    assert ids.rating("SD-1042", 5) == "rate:SD-1042:5"
    assert ids.approval("SD-7", True) == "org:approve:SD-7"
    assert ids.approval("SD-7", False) == "org:decline:SD-7"
    assert ids.agent("claim", "SD-1042") == "ag:claim:SD-1042"
    assert ids.agent("status", "SD-1042") == "ag:status:SD-1042"
    assert ids.agent("reply", "SD-1042") == "ag:reply:SD-1042"
    assert ids.agent("set", "SD-1042", "waiting_customer") == "ag:set:SD-1042:waiting_customer"


def test_each_kind_reads_back_what_it_was_built_from():
    assert ids.status_of(ids.status("SD-1")) == "SD-1"
    assert ids.ticket_of(ids.ticket("SD-1")) == "SD-1"
    assert ids.field_of(ids.field("steps")) == "steps"
    assert ids.article_of(ids.article(3)) == 3
    assert ids.rating_of(ids.rating("SD-1", 4)) == ids.Rating("SD-1", 4)
    assert ids.approval_of(ids.approval("sd-7", True)) == ids.Approval(True, "SD-7")
    assert ids.approval_of(ids.approval("SD-7", False)) == ids.Approval(False, "SD-7")
    assert ids.agent_of(ids.agent("set", "SD-1", "solved")) == ids.AgentButton(
        "set", "SD-1", "solved"
    )
    assert ids.agent_of(ids.agent("claim", "SD-1")) == ids.AgentButton("claim", "SD-1", "")


@pytest.mark.parametrize(
    "read",
    [ids.status_of, ids.ticket_of, ids.field_of, ids.article_of, ids.rating_of, ids.approval_of],
)
def test_other_ids_and_no_id_are_none(read):  # type: ignore[no-untyped-def]
    assert read(None) is None
    assert read("continue") is None
    assert read("x:SD-1") is None


def test_the_loose_forms_read_as_they_always_did():
    assert ids.article_of("art") is None  # no number
    assert ids.article_of("artx") is None
    assert ids.rating_of("rate:SD-1:five") == ids.Rating("SD-1", 0)  # refused by the caller
    assert ids.rating_of("rate:") == ids.Rating("", 0)
    assert ids.is_organization("org:whatever") and ids.approval_of("org:whatever") is None
    assert ids.approval_of("org:approve:") is None  # no reference: the button has expired
    assert ids.agent_of("ag:nonsense:SD-1") is None
    assert ids.agent_of("ag:claim:") == ids.AgentButton("claim", "", "")


def test_the_offered_choices_are_stored_as_id_label_pairs():
    data: dict[str, object] = {}
    ids.remember_offered(data, [Choice("st:SD-1", "Status of SD-1"), Choice("no", "No")])
    assert data == {"offered": [["st:SD-1", "Status of SD-1"], ["no", "No"]]}
    assert ids.offered(data) == [("st:SD-1", "Status of SD-1"), ("no", "No")]
    assert ids.offered({}) == []
