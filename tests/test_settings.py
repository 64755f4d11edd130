"""Settings: defaults, .env.example kept in step, and one-line errors for bad values."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from chatdesk.config import BUNDLED_KNOWLEDGE_DIR, Settings, SettingsError, load_settings

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / ".env.example"


def _example_variables() -> dict[str, str]:
    pairs = {}
    for line in EXAMPLE.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            pairs[name.strip()] = value.strip()
    return pairs


def test_every_setting_is_documented_in_env_example_and_nothing_else_is():
    documented = set(_example_variables())
    fields = {f"CHATDESK_{name.upper()}" for name in Settings.model_fields}
    assert documented == fields


def test_env_example_values_are_the_defaults(monkeypatch):
    for name, value in _example_variables().items():
        monkeypatch.setenv(name, value)
    from_example = load_settings()
    assert from_example == Settings()
    assert from_example.knowledge_dir == BUNDLED_KNOWLEDGE_DIR


def test_settings_come_from_the_environment_and_dotenv(monkeypatch, tmp_path):
    (tmp_path / ".env").write_text("CHATDESK_TICKET_PREFIX=HELP\n", encoding="utf-8")
    monkeypatch.setenv("CHATDESK_DEFAULT_LANG", "nl")
    settings = load_settings()
    assert settings.ticket_prefix == "HELP" and settings.default_lang == "nl"


@pytest.mark.parametrize(
    ("variable", "value", "words"),
    [
        ("CHATDESK_TICKET_PREFIX", "sd", "upper-case"),
        ("CHATDESK_TICKET_PREFIX", "S", "2-10"),
        ("CHATDESK_DEFAULT_LANG", "fr", "'en' or 'nl'"),
        ("CHATDESK_DATABASE_URL", "mysql://x", "sqlite://"),
        ("CHATDESK_KNOWLEDGE_DIR", "/nonexistent/kb", "not a folder"),
        ("CHATDESK_DRAFT_TTL_MINUTES", "soon", "integer"),
        ("CHATDESK_TIMEZONE", "Mars/Olympus", "time zone"),
        ("CHATDESK_HTTP_PORT", "70000", "65535"),
        # accepted once, and then the running bot failed every round or every turn
        ("CHATDESK_OUTBOX_LEASE_SECONDS", "inf", "finite"),
        ("CHATDESK_AUTO_CLOSE_DAYS", "nan", "finite"),
        ("CHATDESK_DRAFT_TTL_MINUTES", "99999999999999", "525600"),
        ("CHATDESK_SERVICE_TARGETS", "normal=nan/40", "at most"),
        ("CHATDESK_SERVICE_TARGETS", "normal=inf/inf", "at most"),
        # database URLs that passed the prefix check and failed later, or lost everything
        ("CHATDESK_DATABASE_URL", "sqlite+foo:///x.db", "SQLAlchemy"),
        ("CHATDESK_DATABASE_URL", "postgresql://u@127.0.0.1:abc/db", "SQLAlchemy"),
        ("CHATDESK_DATABASE_URL", "sqlite://", "no database file"),
        ("CHATDESK_DATABASE_URL", "sqlite:///:memory:", "no database file"),
        ("CHATDESK_TELEGRAM_API_URL", "notaurl", "http"),
        ("CHATDESK_SLACK_API_URL", "ftp://slack.example/api/", "http"),
    ],
)
def test_a_bad_value_is_one_line_naming_the_variable(monkeypatch, variable, value, words):
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    message = str(caught.value)
    assert message.startswith(variable + ":")
    assert words in message and "\n" not in message


def test_a_secret_is_never_echoed_in_an_error(monkeypatch):
    monkeypatch.setenv("CHATDESK_SLACK_SIGNING_SECRET", "x" * 10)
    monkeypatch.setenv("CHATDESK_HTTP_PORT", "-1")
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert "xxxxxxxxxx" not in str(caught.value)


def test_a_database_password_is_never_echoed_in_an_error(monkeypatch):
    monkeypatch.setenv("CHATDESK_DATABASE_URL", "postgresql://desk:hunter2@127.0.0.1:abc/db")
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert "hunter2" not in str(caught.value) and "desk:***@" in str(caught.value)


def test_a_dotenv_that_is_not_utf8_is_one_line(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_bytes(b"CHATDESK_TICKET_PREFIX=CAF\xe9\n")
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert str(caught.value).startswith(".env:") and "UTF-8" in str(caught.value)


def test_the_cli_stops_with_one_line_and_no_traceback(tmp_path):
    env = {"CHATDESK_TICKET_PREFIX": "bad prefix", "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [sys.executable, "-m", "chatdesk", "db", "upgrade"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert re.fullmatch(r"chatdesk: CHATDESK_TICKET_PREFIX: .+\n", result.stderr)
