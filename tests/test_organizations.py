"""Organizations: membership from CHATDESK_ORGANIZATIONS_FILE, shared tickets, and tickets
that wait for a contact person's approval. Everything goes through the real desk.

The file below is the cast of most tests: Acme (sharing follows CHATDESK_ORGANIZATION_SHARING,
three contact persons), Initech (shares whatever the setting says) and Globex (never shares).
"""

from __future__ import annotations

import logging
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from chatdesk.app import open_database
from chatdesk.config import SettingsError, load_settings
from chatdesk.desk import organizations
from chatdesk.events import Message, ThreadNote, TicketCard
from chatdesk.store import outbox, tickets
from chatdesk.store.models import OutboxItem

ORGANIZATIONS = """\
organizations:
  - name: Acme
    slack_workspaces: [T0ACME]
    email_domains: [acme.example]
    telegram_users: [101, 102]
    contacts: ["telegram:100", "slack:U0LISA", "boss@acme.example"]
  - name: Initech
    share: true
    telegram_users: [201, 202]
  - name: Globex
    share: false
    email_domains: [globex.example]
    telegram_users: [301, 302]
"""

DOCS = Path(__file__).resolve().parent.parent / "docs"


@pytest.fixture
def organizations_file(tmp_path: Path) -> Path:
    path = tmp_path / "organizations.yaml"
    path.write_text(ORGANIZATIONS, encoding="utf-8")
    return path


@pytest.fixture
def options() -> dict[str, object]:
    """Settings for the desk of a test; a test changes them with ``@with_settings(...)``."""
    return {}


def with_settings(**values: object):  # type: ignore[no-untyped-def]
    """Run the test on a desk with these settings (on top of the organizations file)."""
    return pytest.mark.parametrize("options", [values], ids=[",".join(values) or "default"])


@pytest.fixture
def desk(make_settings, kb_dir, clock, organizations_file, options) -> Iterator[object]:  # type: ignore[no-untyped-def]
    """The desk of conftest, with the organizations file (and ``options``) in its settings."""
    from chatdesk.app import open_desk

    values: dict[str, object] = {
        "knowledge_dir": kb_dir,
        "organizations_file": organizations_file,
        "organization_sharing": True,
    }
    values.update(options)
    desk = open_desk(make_settings(**values), clock=clock)
    yield desk
    desk.database.dispose()


@pytest.fixture
def person(new_chat) -> Callable[..., object]:  # type: ignore[no-untyped-def]
    """A chat whose every event carries the same e-mail / Slack workspace, like an adapter's."""

    def make(
        user: str,
        name: str,
        platform: str = "telegram",
        email: str | None = None,
        workspace: str | None = None,
        locale: str | None = None,
    ):  # type: ignore[no-untyped-def]
        chat = new_chat(user=user, name=name, platform=platform, locale=locale)
        extra = {"email": email, "organization": workspace}
        send = chat.send
        chat.send = lambda **fields: send(**{**extra, **fields})
        return chat

    return make


def ticket(desk, reference: str):  # type: ignore[no-untyped-def]
    """The stored ticket, read in a transaction of its own (as the agents would see it)."""
    with desk.database.session() as session:
        found = tickets.by_reference(session, reference)
        assert found is not None
        session.expunge(found)
        return found


def outbox_replies(desk) -> list:  # type: ignore[no-untyped-def]
    """Every notification waiting in the outbox, oldest first (what the worker would send)."""
    with desk.database.session() as session:
        rows = session.scalars(select(OutboxItem).order_by(OutboxItem.id))
        return [outbox.decode(row.kind, row.payload) for row in rows]


def cards(desk) -> list[TicketCard]:  # type: ignore[no-untyped-def]
    return [r for r in outbox_replies(desk) if isinstance(r, TicketCard)]


def messages_to(desk, platform: str, chat_id: str) -> list[Message]:  # type: ignore[no-untyped-def]
    return [
        r
        for r in outbox_replies(desk)
        if isinstance(r, Message) and (r.platform, r.chat_id) == (platform, chat_id)
    ]


# -- membership --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "member",
    [
        {"user": "102", "platform": "telegram"},
        {"user": "U0DEV", "platform": "slack", "email": "Dev@Mail.ACME.example"},
        {"user": "U0OPS", "platform": "slack", "workspace": "T0ACME"},
        {"user": "U0LISA", "platform": "slack"},  # a contact person is a member too
        {"user": "U0BOSS", "platform": "slack", "email": "boss@acme.example"},
    ],
    ids=["telegram user", "e-mail subdomain", "slack workspace", "slack contact", "email contact"],
)
def test_members_are_found_by_each_key_and_see_their_colleagues_tickets(person, member):
    reference = person("101", "Ann").open_ticket()
    colleague = person(name="Bob", **member)

    colleague.say("organization tickets")
    assert "Open tickets of Acme (1)" in colleague.text
    assert f"{reference}: Export to Excel fails every time – New, from Ann" in colleague.text
    assert colleague.choices == [f"st:{reference}"]

    colleague.say(f"status {reference}")
    assert "Export to Excel fails every time" in colleague.text


@pytest.mark.parametrize(
    "outsider",
    [
        {"user": "999", "platform": "telegram"},
        {"user": "U0X", "platform": "slack", "email": "eve@notacme.example"},
        {"user": "U0Y", "platform": "slack", "email": "eve@acme.example.evil.test"},
        {"user": "U0Z", "platform": "slack", "workspace": "T0OTHER"},
    ],
    ids=["unknown telegram user", "look-alike domain", "domain as prefix", "other workspace"],
)
def test_a_stranger_sees_no_organization_tickets(person, outsider):
    reference = person("101", "Ann").open_ticket()
    stranger = person(name="Eve", **outsider)

    stranger.say("org tickets")
    assert reference not in stranger.text
    stranger.say(f"status {reference}")
    assert "Export to Excel fails" not in stranger.text
    assert reference in stranger.text  # "I can't find SD-...": the same as a missing ticket


def test_someone_without_an_organization_is_told_so(person):
    stranger = person("999", "Eve")
    stranger.say("org tickets")
    assert "You are not linked to an organization" in stranger.text


def test_another_organizations_tickets_are_never_shown(person):
    acme = person("101", "Ann").open_ticket()
    globex = person("301", "Gina").open_ticket("Printing labels fails")
    initech = person("201", "Ivo")

    initech.say("org tickets")
    assert initech.text == "Initech has no open tickets."
    for reference in (acme, globex):
        initech.say(f"status {reference}")
        assert "Printing labels" not in initech.text and "Export to Excel" not in initech.text


# -- sharing -----------------------------------------------------------------------------------
@with_settings(organization_sharing=False)
def test_without_sharing_members_only_see_their_own_tickets(person):
    reference = person("101", "Ann").open_ticket()
    colleague = person("102", "Bob")

    colleague.say(f"status {reference}")
    assert "Export to Excel fails" not in colleague.text
    colleague.say("org tickets")
    assert colleague.text.startswith("Tickets are not shared within Acme")


@with_settings(organization_sharing=False)
def test_share_true_in_the_file_shares_although_the_setting_is_off(person):
    reference = person("201", "Ivo").open_ticket()
    colleague = person("202", "Ines")

    colleague.say(f"status {reference}")
    assert "Export to Excel fails every time" in colleague.text


def test_share_false_in_the_file_keeps_tickets_private_although_the_setting_is_on(person):
    reference = person("301", "Gina").open_ticket()
    colleague = person("302", "Gus")

    colleague.say(f"status {reference}")
    assert "Export to Excel fails" not in colleague.text
    colleague.say("org tickets")
    assert colleague.text.startswith("Tickets are not shared within Globex")


def test_organization_tickets_are_open_ones_newest_first_with_their_requester(person, clock):
    ann, bob = person("101", "Ann"), person("102", "Bob")
    first = ann.open_ticket("Export to Excel fails every time")
    clock.advance(minutes=5)
    second = bob.open_ticket("Login page shows an error")
    clock.advance(minutes=5)
    closed = bob.open_ticket("Printing labels fails")
    bob.say(f"close {closed}")
    bob.press("yes")

    ann.say("tickets van mijn organisatie")  # asked in Dutch: answered in Dutch
    lines = ann.text.splitlines()
    assert lines[0] == "Openstaande tickets van Acme (2), nieuwste eerst:"
    assert lines[1].startswith(f"• {second}: Login page shows an error – Nieuw, van Bob")
    assert lines[2].startswith(f"• {first}: Export to Excel fails every time – Nieuw, van Ann")
    assert ann.choices == [f"st:{second}", f"st:{first}"]

    ann.press(f"st:{second}")
    assert "Login page shows an error" in ann.text


def test_organization_tickets_speak_dutch(person):
    person("101", "Ann").open_ticket()
    colleague = person("102", "Bob", locale="nl")
    colleague.say("organisatie tickets")
    assert colleague.text.startswith("Openstaande tickets van Acme (1), nieuwste eerst:")
    assert "van Ann" in colleague.text


def test_membership_follows_the_file_at_every_turn(person, organizations_file):
    ann = person("101", "Ann")
    reference = ann.open_ticket()
    bob = person("102", "Bob")
    bob.say(f"status {reference}")
    assert "Export to Excel fails every time" in bob.text

    organizations_file.write_text(ORGANIZATIONS.replace("[101, 102]", "[101]"), encoding="utf-8")
    bob.say(f"status {reference}")
    assert "Export to Excel fails" not in bob.text
    bob.say("org tickets")
    assert "You are not linked to an organization" in bob.text


@with_settings(organizations_file=None)
def test_without_a_file_the_slack_workspace_is_the_organization(person):
    reference = person("U0ANN", "Ann", platform="slack", workspace="T0ACME").open_ticket()
    colleague = person("U0BOB", "Bob", platform="slack", workspace="T0ACME")
    outsider = person("U0EVE", "Eve", platform="slack", workspace="T0OTHER")

    colleague.say("org tickets")
    assert "Open tickets of T0ACME (1)" in colleague.text and reference in colleague.text
    outsider.say(f"status {reference}")
    assert "Export to Excel fails" not in outsider.text


@with_settings(organizations_file=None, organization_sharing=False)
def test_without_a_file_sharing_needs_the_setting(person):
    reference = person("U0ANN", "Ann", platform="slack", workspace="T0ACME").open_ticket()
    colleague = person("U0BOB", "Bob", platform="slack", workspace="T0ACME")
    colleague.say(f"status {reference}")
    assert "Export to Excel fails" not in colleague.text


# -- approval by a contact person ----------------------------------------------------------
approval = with_settings(organization_approval=True)


@approval
def test_a_members_ticket_waits_for_a_contact_persons_approval(person, desk):
    ann = person("101", "Ann")
    reference = ann.open_ticket()

    assert "asked them" in ann.text and "Acme" in ann.text
    assert cards(desk) == []
    assert ticket(desk, reference).approval == "pending"
    for platform, chat_id in (("telegram", "100"), ("slack", "U0LISA")):
        (request,) = messages_to(desk, platform, chat_id)
        assert f"Ann of Acme opened ticket {reference}: Export to Excel fails" in request.text
        assert [c.id for c in request.choices] == [
            f"org:approve:{reference}",
            f"org:decline:{reference}",
        ]
    ann.say(f"status {reference}")
    assert "waits for approval by a contact person of Acme" in ann.text


@approval
def test_approval_posts_the_card_and_tells_the_requester(person, desk):
    reference = person("101", "Ann").open_ticket()
    contact = person("100", "Carla")

    contact.press(f"org:approve:{reference}")

    assert contact.text == f"Thanks, {reference} is approved and passed to the support desk."
    assert ticket(desk, reference).approval == "approved"
    assert [card.reference for card in cards(desk)] == [reference]
    (told,) = messages_to(desk, "telegram", "chat-101")
    assert f"Carla, a contact person of Acme, approved your ticket {reference}" in told.text
    notes = [r.text for r in outbox_replies(desk) if isinstance(r, ThreadNote)]
    assert notes == ["Approved by Carla, contact person of Acme."]


@approval
def test_nothing_reaches_the_agents_before_approval_not_even_comments_or_a_close(person, desk):
    ann = person("101", "Ann")
    reference = ann.open_ticket()

    ann.say(f"{reference} It also fails for CSV files.")
    ann.say(f"close {reference}")
    assert ann.choices == ["yes", "no"]  # closing is confirmed first
    ann.press("yes")

    agents_side = [r for r in outbox_replies(desk) if isinstance(r, TicketCard | ThreadNote)]
    assert agents_side == []


@approval
def test_agents_do_not_see_a_ticket_before_it_is_approved(person, desk):
    from agent_room import AgentChat

    reference = person("101", "Ann").open_ticket()
    bob = AgentChat(desk)
    bob.say("open tickets")
    assert reference not in bob.text
    bob.say(f"status {reference}")
    assert "Export to Excel fails" not in bob.text

    person("100", "Carla").press(f"org:approve:{reference}")
    bob.say("open tickets")
    assert reference in bob.text


@approval
def test_a_second_press_says_who_decided_already(person, desk):
    reference = person("101", "Ann").open_ticket()
    person("100", "Carla").press(f"org:approve:{reference}")
    other = person("U0LISA", "Lisa", platform="slack")

    other.press(f"org:decline:{reference}")

    assert other.text == f"{reference} was already approved by Carla. Nothing was changed."
    assert ticket(desk, reference).status == "new"
    assert len(cards(desk)) == 1


@approval
def test_decline_cancels_the_ticket_and_tells_the_requester(person, desk):
    ann = person("101", "Ann")
    reference = ann.open_ticket()
    contact = person("U0LISA", "Lisa", platform="slack")

    contact.press(f"org:decline:{reference}")

    assert contact.text == f"{reference} is declined and cancelled. I've told Ann."
    stored = ticket(desk, reference)
    assert (stored.approval, stored.status) == ("declined", "cancelled")
    assert cards(desk) == []
    (told,) = messages_to(desk, "telegram", "chat-101")
    assert f"Lisa, a contact person of Acme, declined your ticket {reference}" in told.text

    person("100", "Carla").press(f"org:approve:{reference}")
    assert ticket(desk, reference).status == "cancelled"
    assert cards(desk) == []


@approval
@pytest.mark.parametrize(
    "presser",
    [
        {"user": "102", "name": "Bob"},  # a colleague, not a contact person
        {"user": "301", "name": "Gina"},  # someone of another organization
        {"user": "999", "name": "Eve"},  # a stranger
    ],
    ids=["colleague", "other organization", "stranger"],
)
def test_a_press_by_someone_who_is_not_a_contact_person_changes_nothing(person, desk, presser):
    reference = person("101", "Ann").open_ticket()
    intruder = person(**presser)

    intruder.press(f"org:approve:{reference}")

    assert intruder.text == (
        f"Only a contact person of the ticket's organization can approve or decline {reference}."
        " Nothing was changed."
    )
    assert ticket(desk, reference).approval == "pending"
    assert cards(desk) == []
    intruder.press("org:approve:SD-99999")  # a made-up reference: the very same answer
    assert "SD-99999. Nothing was changed." in intruder.text


@approval
@pytest.mark.parametrize(
    "contact",
    [
        {"user": "100", "platform": "telegram"},
        {"user": "U0BOSS", "platform": "slack", "email": "BOSS@acme.example"},
    ],
    ids=["by platform id", "by e-mail"],
)
def test_a_contact_persons_own_ticket_goes_straight_to_the_agents(person, desk, contact):
    chat = person(name="Carla", **contact)
    reference = chat.open_ticket()

    assert f"Your ticket {reference} has been created" in chat.text
    assert [card.reference for card in cards(desk)] == [reference]
    assert ticket(desk, reference).approval is None


def test_without_the_approval_setting_tickets_go_straight_to_the_agents(person, desk):
    reference = person("101", "Ann").open_ticket()
    assert [card.reference for card in cards(desk)] == [reference]


@approval
def test_an_organization_without_contact_persons_needs_no_approval(person, desk):
    reference = person("201", "Ivo").open_ticket()
    assert [card.reference for card in cards(desk)] == [reference]


@approval
def test_approval_speaks_each_persons_language(person, desk):
    contact = person("100", "Carla", locale="nl")
    contact.say("hallo")  # the desk now knows Carla speaks Dutch
    ann = person("101", "Ann", locale="nl")
    ann.say("nieuw Exporteren naar Excel mislukt steeds")
    ann.press("continue")
    ann.say("De knop Exporteren draait en er wordt niets gedownload.")
    assert ann.choices == []  # no further article: the steps are asked
    ann.say("Rapportages openen, vorige maand kiezen, Exporteren naar Excel.")
    ann.press("skip")
    ann.press("confirm")
    reference = re.search(r"SD-\d+", ann.text).group(0)  # type: ignore[union-attr]

    assert "geeft een contactpersoon akkoord" in ann.text
    (request,) = messages_to(desk, "telegram", "100")
    assert "Geef je als contactpersoon van Acme akkoord?" in request.text
    assert [c.label for c in request.choices] == ["Akkoord", "Afwijzen"]
    (english,) = messages_to(desk, "slack", "U0LISA")  # Lisa never talked to the bot
    assert "do you approve it?" not in english.text  # so she gets the ticket's language

    contact.press(f"org:approve:{reference}")
    assert contact.text == f"Bedankt, {reference} is goedgekeurd en doorgezet naar de supportdesk."
    told = messages_to(desk, "telegram", "chat-101")[-1]
    assert told.text.startswith("Goed nieuws: Carla, contactpersoon van Acme")


@approval
def test_a_contact_person_in_the_middle_of_a_ticket_gets_their_question_back(person, desk):
    reference = person("101", "Ann").open_ticket()
    contact = person("100", "Carla")
    contact.say("new Printing labels fails")
    assert contact.choices == []  # no article fits: the description is asked
    question = contact.text

    contact.press(f"org:approve:{reference}")

    assert contact.text.splitlines()[0].startswith(f"Thanks, {reference} is approved")
    assert contact.text.endswith(question.splitlines()[-1])
    contact.say("The label printer prints empty pages since this morning.")
    assert "Which steps led to the problem?" in contact.text


# -- the file ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("organizations:\n  - name: Acme\n    telegram_users: [101\n", "not valid YAML (line 4"),
        ("just a sentence", "expected a list of organizations"),
        ("- telegram_users: [101]\n", "organization #1: needs a name"),
        ("- name: Acme\n  members: [101]\n", "unknown field 'members'"),
        ("- name: Acme\n  telegram_users: [ann]\n", "'ann' is not a Telegram user id"),
        ("- name: Acme\n  email_domains: [acme]\n", "'acme' is not an e-mail domain"),
        ("- name: Acme\n  slack_workspaces: [acme]\n", "'acme' is not a Slack workspace id"),
        ("- name: Acme\n  contacts: [lisa]\n", "contact 'lisa' must be telegram:<user id>"),
        ("- name: Acme\n  share: sometimes\n", "share must be true or false"),
        ("- name: Acme\n- name: acme\n", "organization 'acme' is listed twice"),
        (
            "- {name: Acme, email_domains: [acme.example]}\n"
            "- {name: Other, email_domains: [ACME.example]}\n",
            "e-mail domain 'acme.example' is listed for both 'Acme' and 'Other'",
        ),
    ],
)
def test_a_broken_file_stops_start_up_with_one_line(tmp_path, make_settings, content, problem):
    path = tmp_path / "orgs.yaml"
    path.write_text(content, encoding="utf-8")
    settings = make_settings(organizations_file=str(path))  # the settings hold only the path

    with pytest.raises(SettingsError) as error:
        open_database(settings)

    message = str(error.value)
    assert "\n" not in message
    assert message.startswith("CHATDESK_ORGANIZATIONS_FILE: ")
    assert problem in message and "orgs.yaml" in message


def test_the_cli_stops_on_a_broken_file_with_one_line(tmp_path):
    (tmp_path / "orgs.yaml").write_text("just a sentence", encoding="utf-8")
    env = {"CHATDESK_ORGANIZATIONS_FILE": "orgs.yaml", "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [sys.executable, "-m", "chatdesk", "db", "upgrade"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
    )
    assert (result.returncode, result.stdout) == (2, "")
    assert re.fullmatch(
        r"chatdesk: CHATDESK_ORGANIZATIONS_FILE: expected a list of organizations.*\n",
        result.stderr,
    )
    assert not (tmp_path / "chatdesk.db").exists()  # stopped before the database was made


def test_a_file_broken_while_running_keeps_the_last_good_one(organizations_file, caplog):
    settings = load_settings(organizations_file=str(organizations_file))
    assert organizations.directory(settings).get("Acme") is not None

    organizations_file.write_text("- name: [unclosed\n", encoding="utf-8")
    with caplog.at_level(logging.ERROR, logger="chatdesk.desk.organizations"):
        kept = organizations.directory(settings)

    assert kept.get("Acme") is not None
    assert "not valid YAML" in caplog.text


@pytest.mark.parametrize(
    "shape",
    [
        "- name: Acme\n  telegram_users: [101]\n",
        "Acme:\n  telegram_users: [101]\n",
        "organizations:\n  Acme:\n    telegram_users: 101\n",
    ],
    ids=["list", "mapping", "mapping under organizations"],
)
def test_the_file_may_be_a_list_or_a_mapping_of_organizations(tmp_path, shape):
    path = tmp_path / "orgs.yaml"
    path.write_text(shape, encoding="utf-8")
    found = organizations.load(path)
    assert found.member_of("telegram", "101", None, None) == found.get("Acme")


def test_the_documented_example_is_a_valid_file():
    example = organizations.load(DOCS / "organizations.example.yaml")
    acme = example.member_of("slack", "U0SOMEONE", "jan@eu.acme-logistics.example", None)
    assert acme is not None and acme.name == "Acme Logistics"
    assert acme.is_contact("slack", "U0ACMELISA", None)


def test_the_requester_hears_what_a_colleague_did_to_their_ticket(person, desk):
    ann, bob = person("201", "Ann"), person("202", "Bob")
    reference = ann.open_ticket()
    with desk.database.session() as session:
        tickets.set_status(tickets.by_reference(session, reference), "solved", "Pat", desk.clock())

    bob.say(f"{reference} still broken on my computer")
    assert "reopened" in bob.text
    bob.say(f"close {reference}")
    bob.press("yes")

    told = [m.text for m in messages_to(desk, "telegram", "chat-201")]
    assert any("Bob added to" in text and "still broken on my computer" in text for text in told)
    assert any("Bob set the status to Open" in text for text in told)
    assert any("Bob set the status to Closed" in text for text in told)
    assert messages_to(desk, "telegram", "chat-202") == []  # Bob was answered in his turn


@approval
def test_the_wait_for_approval_does_not_count_against_service_targets(person, desk, clock):
    """docs/agent-desk.md: tickets waiting for approval are not counted, the agents have not
    seen them. Opened Monday 10:00, approved Tuesday 16:00: the first-response clock starts
    at the approval, so a minute later nothing is late."""
    from chatdesk.desk import service

    reference = person("101", "Ann").open_ticket()  # the test clock: Monday 23 Nov, 10:00 UTC
    clock.advance(days=1, hours=6)
    person("100", "Carla").press(f"org:approve:{reference}")
    clock.advance(minutes=1)
    assert service.check_targets(desk, clock.now) == 0
    with desk.database.session() as session:
        stored = tickets.by_reference(session, reference)
        left = service.deadline(stored, service.FIRST_RESPONSE, desk.settings)
        assert left is not None and left > clock.now


@approval
def test_what_the_requester_added_while_waiting_reaches_the_thread_on_approval(person, desk):
    ann = person("101", "Ann")
    reference = ann.open_ticket()
    ann.say(f"{reference} Here is the exact error: E-4711 timeout")

    person("100", "Carla").press(f"org:approve:{reference}")

    notes = [r.text for r in outbox_replies(desk) if isinstance(r, ThreadNote)]
    assert notes == [
        "Approved by Carla, contact person of Acme.",
        "Ann: Here is the exact error: E-4711 timeout",
    ]


@approval
def test_tickets_approved_before_the_approval_moment_was_kept_get_it_from_the_comment(
    person, desk, clock
):
    """Migration 0003 fills ``approved_at`` from the contact person's comment."""
    from alembic import command
    from sqlalchemy import create_engine

    from chatdesk.store.db import alembic_config

    reference = person("101", "Ann").open_ticket()
    clock.advance(hours=5)
    person("100", "Carla").press(f"org:approve:{reference}")
    approved = ticket(desk, reference).approved_at
    assert approved == clock.now

    # Back to a desk of before the column, on a plain engine: SQLite drops a column by
    # copying the table, which with chatdesk's foreign keys on would take the comments along.
    plain = create_engine(desk.settings.database.url)
    with plain.begin() as connection:
        config = alembic_config(desk.settings.database.url)
        config.attributes["connection"] = connection
        command.downgrade(config, "0002")
    plain.dispose()
    desk.database.upgrade()  # what `chatdesk serve` does at start
    assert ticket(desk, reference).approved_at == approved
