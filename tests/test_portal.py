"""The portal's reads: a requester's tickets (their organization's where shared) and the
public thread of one ticket, with the desk's own rule of who may see what."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import Chat

from chatdesk.desk import agent_actions, portal
from chatdesk.store import tickets

ORGANIZATIONS = """\
organizations:
  - name: Acme
    share: true
    email_domains: [acme.example]
  - name: Globex
    share: false
    email_domains: [globex.example]
"""


@pytest.fixture
def desk(make_settings, kb_dir, clock, tmp_path: Path) -> Iterator[object]:  # type: ignore[no-untyped-def]
    from chatdesk.app import open_desk

    path = tmp_path / "organizations.yaml"
    path.write_text(ORGANIZATIONS, encoding="utf-8")
    desk = open_desk(make_settings(knowledge_dir=kb_dir, organizations_file=path), clock=clock)
    yield desk
    desk.database.dispose()


def person(desk, user: str, email: str) -> Chat:  # type: ignore[no-untyped-def]
    chat = Chat(desk, user=user, platform="web", name=user.title())
    original = chat.send

    def send(**fields: object) -> list:
        return original(email=email, **fields)

    chat.send = send  # type: ignore[method-assign]
    return chat


def test_own_and_shared_tickets_are_listed_and_others_are_not(desk) -> None:
    ann = person(desk, "ann", "ann@acme.example")
    bob = person(desk, "bob", "bob@acme.example")
    gus = person(desk, "gus", "gus@globex.example")
    mine = ann.open_ticket("Export to Excel fails every time")
    colleague = bob.open_ticket("Printer prints blank pages")
    stranger = gus.open_ticket("Login loops back to the start page")
    listed = portal.tickets_of(desk, "web", "ann", "en")
    assert [(t.reference, t.mine) for t in listed] == [(colleague, False), (mine, True)]
    assert listed[1].status_name == "New" and listed[1].can_close and not listed[1].can_reopen
    assert portal.ticket_view(desk, "web", "ann", colleague, "en") is not None
    assert portal.ticket_view(desk, "web", "ann", stranger, "en") is None  # not shared
    assert portal.tickets_of(desk, "web", "gus", "en")[0].reference == stranger
    assert [t.reference for t in portal.tickets_of(desk, "web", "gus", "en")] == [stranger]
    assert portal.tickets_of(desk, "web", "nobody", "en") == []


def test_the_thread_is_public_comments_with_agents_unnamed(desk) -> None:
    ann = person(desk, "ann", "ann@acme.example")
    reference = ann.open_ticket()
    ann.say(f"{reference} It also fails for CSV.")
    dana = agent_actions.Agent("cli", "dana", "Dana")
    with desk.database.session() as session:
        ticket = tickets.by_reference(session, reference)
        for text, public in (("Which browser?", True), ("old plan", False)):
            agent_actions.reply(
                session, ticket, text, dana, desk.settings, desk.clock(), public=public
            )
    view = portal.ticket_view(desk, "web", "ann", reference, "nl")
    assert view is not None
    assert [(e.by, e.name, e.body) for e in view.entries] == [
        ("you", "Ann", "It also fails for CSV."),
        ("desk", "", "Which browser?"),
    ]
    assert view.description.startswith("The export button shows a spinner")
