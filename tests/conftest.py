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

from chatdesk.settings import Settings, load_settings

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
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Tests see no CHATDESK_ variable and no .env of the developer's."""
    for name in list(os.environ):
        if name.startswith("CHATDESK_") and name != "CHATDESK_TEST_DATABASE_URL":
            monkeypatch.delenv(name)
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
