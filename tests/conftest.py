"""Shared fixtures: a real database per test (SQLite file, or PostgreSQL when
CHATDESK_TEST_DATABASE_URL names a server), settings built from it, and a desk.

A guard refuses any connection outside the loopback range, so no test can reach the real
Slack or Telegram by mistake.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from chatdesk.config import Settings, load_settings
from chatdesk.events import TicketCard

PG_URL = os.environ.get("CHATDESK_TEST_DATABASE_URL", "")

_real_connect = socket.socket.connect


def _loopback_only(self: socket.socket, address: object) -> object:
    if isinstance(address, tuple) and self.family in (socket.AF_INET, socket.AF_INET6):
        host = str(address[0])
        try:
            ok = ipaddress.ip_address(host).is_loopback
        except ValueError:
            ok = host == "localhost"
        if not ok:
            raise OSError(f"tests may only connect to loopback, not {host}")
    return _real_connect(self, address)  # type: ignore[arg-type]


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket.socket, "connect", _loopback_only)


@pytest.fixture(autouse=True)
def _clean_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Tests see no CHATDESK_ variable and no .env of the developer's. The search's article
    vectors are cached in one folder for the whole run (never the developer's cache, also
    for a child process that is given no CHATDESK_ variable), so a knowledge base that many
    tests load is embedded once."""
    for name in list(os.environ):
        if name.startswith("CHATDESK_") and name != "CHATDESK_TEST_DATABASE_URL":
            monkeypatch.delenv(name)
    cache = tmp_path_factory.getbasetemp() / "cache"
    monkeypatch.setenv("CHATDESK_SEARCH_CACHE_DIR", str(cache / "chatdesk"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))  # the default, in child processes
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database: a SQLite file, or a new database on the test PostgreSQL."""
    if not PG_URL:
        yield f"sqlite:///{tmp_path / 'chatdesk.db'}"
        return
    name = f"t_{uuid.uuid4().hex[:16]}"
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.engine.make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def make_settings(database_url: str) -> Callable[..., Settings]:
    """Settings on the test database; keyword arguments override fields."""

    def make(**overrides: object) -> Settings:
        values: dict[str, object] = {"database_url": database_url}
        values.update(overrides)
        return load_settings(**values)

    return make


@pytest.fixture
def settings(make_settings: Callable[..., Settings]) -> Settings:
    return make_settings()


# -- the desk and a customer talking to it ----------------------------------------------
SMALL_KB = {
    "en/password-reset.md": (
        "Reset your password",
        "en",
        ["password", "reset", "forgot password", "login"],
        "Request a reset link and choose a new password.",
    ),
    "en/attachments.md": (
        "Adding attachments to a ticket",
        "en",
        ["attachment", "screenshot", "file", "upload"],
        "Send screenshots and log files of up to 10 MB with your ticket.",
    ),
    "en/export-fails.md": (
        "Export to Excel fails",
        "en",
        ["export", "excel", "csv", "download"],
        "What to check when an export to Excel or CSV fails.",
    ),
    "nl/password-reset.md": (
        "Wachtwoord opnieuw instellen",
        "nl",
        ["wachtwoord", "vergeten", "inloggen", "resetten"],
        "Vraag een resetlink aan en kies een nieuw wachtwoord.",
    ),
    "nl/export-fails.md": (
        "Exporteren naar Excel mislukt",
        "nl",
        ["exporteren", "excel", "csv", "downloaden"],
        "Wat je controleert als exporteren naar Excel of CSV mislukt.",
    ),
}


@pytest.fixture
def kb_dir(tmp_path: Path) -> Path:
    """A small knowledge base of real Markdown files, so suggestion tests are exact."""
    root = tmp_path / "kb"
    for rel, (title, lang, tags, summary) in SMALL_KB.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            f"---\ntitle: {title}\nlang: {lang}\ntags: [{', '.join(tags)}]\n"
            f"summary: {summary}\nurl: https://help.example.com/{rel[:-3]}\n---\n"
            f"{summary} Follow the steps below.\n\n1. Open the page.\n2. Try again.\n",
            encoding="utf-8",
        )
    return root


class Clock:
    """A clock the tests move by hand."""

    def __init__(self) -> None:
        from datetime import UTC, datetime

        self.now = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)

    def __call__(self):  # type: ignore[no-untyped-def]
        return self.now

    def advance(self, **delta: float) -> None:
        from datetime import timedelta

        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def desk(make_settings: Callable[..., Settings], kb_dir: Path, clock: Clock):  # type: ignore[no-untyped-def]
    from chatdesk.app import open_desk

    desk = open_desk(make_settings(knowledge_dir=kb_dir), clock=clock)
    yield desk
    desk.database.dispose()


ENGLISH_DESCRIPTION = "The export button shows a spinner and then nothing is downloaded."
DUTCH_DESCRIPTION = "De exportknop laat een draaiend wieltje zien en er wordt niets gedownload."
"""The description :meth:`Chat.open_ticket` gives, in the customer's language: the desk
answers in the language a customer writes in, whatever their locale says."""


class Chat:
    """One customer in one chat: ``say`` types, ``press`` pushes a button."""

    def __init__(
        self,
        desk,
        user: str = "ann",
        locale: str | None = None,
        platform: str = "test",
        name: str = "Ann",
        private: bool = True,
    ) -> None:  # type: ignore[no-untyped-def]
        self.desk, self.user, self.locale, self.platform = desk, user, locale, platform
        self.name, self.private = name, private
        self.replies: list = []

    def send(self, **fields: object) -> list:
        from chatdesk.events import InboundEvent

        values: dict[str, object] = {
            "platform": self.platform,
            "user_id": self.user,
            "chat_id": f"chat-{self.user}",
            "display_name": self.name,
            "locale": self.locale,
            "private": self.private,
        }
        values.update(fields)
        self.replies = self.desk.handle(InboundEvent(**values))  # type: ignore[arg-type]
        return self.replies

    def say(self, text: str, **fields: object) -> list:
        return self.send(text=text, **fields)

    def press(self, choice_id: str) -> list:
        return self.send(choice=choice_id)

    @property
    def text(self) -> str:
        """All reply texts of the last turn, joined."""
        return "\n".join(getattr(r, "text", "") for r in self.replies)

    @property
    def choices(self) -> list[str]:
        """The choice ids offered in the last turn."""
        return [c.id for r in self.replies for c in getattr(r, "choices", ())]

    def cards(self) -> list:
        """Ticket cards waiting in the outbox for the agents' chat, oldest first."""
        return [r for r in outbox_replies(self.desk) if isinstance(r, TicketCard)]

    def open_ticket(self, subject: str = "Export to Excel fails every time") -> str:
        """A full intake by buttons; returns the new reference."""
        import re

        dutch = (self.locale or "").lower().startswith("nl")
        self.say(f"new {subject}")
        if "continue" in self.choices:
            self.press("continue")
        self.say(DUTCH_DESCRIPTION if dutch else ENGLISH_DESCRIPTION)
        if "continue" in self.choices:
            self.press("continue")
        self.say("Open Reports, choose last month, press Export to Excel.")
        self.press("skip")
        self.press("confirm")
        match = re.search(r"[A-Z][A-Z0-9]{1,9}-\d+", self.text)
        assert match, self.text
        return match.group(0)


def outbox_replies(desk) -> list:  # type: ignore[no-untyped-def]
    """Every reply waiting in the outbox (not yet sent), oldest first."""
    from sqlalchemy import select

    from chatdesk.store import outbox
    from chatdesk.store.models import OutboxItem

    with desk.database.session() as session:
        rows = session.scalars(
            select(OutboxItem).where(OutboxItem.sent_at.is_(None)).order_by(OutboxItem.id)
        )
        return [outbox.decode(row.kind, row.payload) for row in rows]


@pytest.fixture
def make_desk(make_settings, kb_dir, clock):  # type: ignore[no-untyped-def]
    """Desks with other settings (holidays, targets, rating off) on the test database."""
    from chatdesk.app import open_desk

    desks = []

    def make(**overrides: object):  # type: ignore[no-untyped-def]
        desk = open_desk(make_settings(knowledge_dir=kb_dir, **overrides), clock=clock)
        desks.append(desk)
        return desk

    yield make
    for desk in desks:
        desk.database.dispose()


@pytest.fixture
def room(desk):  # type: ignore[no-untyped-def]
    """The agents' chat and its stand-in platform (tests/agent_room.py)."""
    from agent_room import Room

    return Room(desk)


@pytest.fixture
def bob(desk):  # type: ignore[no-untyped-def]
    """Bob, an agent in the agents' chat."""
    from agent_room import AgentChat

    return AgentChat(desk)


@pytest.fixture
def chat(desk):  # type: ignore[no-untyped-def]
    return Chat(desk)


@pytest.fixture
def new_chat(desk):  # type: ignore[no-untyped-def]
    def make(**kwargs: object) -> Chat:
        return Chat(desk, **kwargs)  # type: ignore[arg-type]

    return make
