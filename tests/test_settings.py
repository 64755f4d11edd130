"""Settings: defaults, .env.example kept in step, and one-line errors for bad values."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import date, time
from pathlib import Path

import pytest
from pydantic import BaseModel, SecretStr

from chatdesk.config import (
    BUNDLED_KNOWLEDGE_DIR,
    VARIABLES,
    SearchSettings,
    Settings,
    SettingsError,
    TelegramSettings,
    load_settings,
    read_section,
)

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / ".env.example"


def _example_variables() -> dict[str, str]:
    pairs = {}
    for line in EXAMPLE.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            pairs[name.strip()] = value.strip()
    return pairs


def _places(model: type[BaseModel], within: str = "") -> set[str]:
    """Every value's place in the settings: ``telegram.token``, ``knowledge.search.model``."""
    places: set[str] = set()
    for name, field in model.model_fields.items():
        kind = field.annotation
        if isinstance(kind, type) and issubclass(kind, BaseModel):
            places |= _places(kind, f"{within}{name}.")
        else:
            places.add(within + name)
    return places


def test_every_setting_is_documented_in_env_example_and_nothing_else_is():
    documented = set(_example_variables())
    variables = {f"CHATDESK_{name.upper()}" for name in VARIABLES}
    assert documented == variables


def test_every_value_of_every_section_has_its_one_variable():
    assert sorted(VARIABLES.values()) == sorted(_places(Settings))


def test_env_example_values_are_the_defaults(monkeypatch):
    for name, value in _example_variables().items():
        monkeypatch.setenv(name, value)
    from_example = load_settings()
    assert from_example == Settings()
    assert from_example.knowledge.dir == BUNDLED_KNOWLEDGE_DIR


def test_settings_come_from_the_environment_and_dotenv(monkeypatch, tmp_path):
    (tmp_path / ".env").write_text("CHATDESK_TICKET_PREFIX=HELP\n", encoding="utf-8")
    monkeypatch.setenv("CHATDESK_DEFAULT_LANG", "nl")
    settings = load_settings()
    assert settings.desk.ticket_prefix == "HELP" and settings.desk.default_lang == "nl"


def test_a_section_reads_its_variables_from_dotenv_too(monkeypatch, tmp_path):
    """The pydantic-settings trap: nested settings with a prefix of their own skip .env."""
    (tmp_path / ".env").write_text(
        "CHATDESK_TELEGRAM_TOKEN=123:abc\nCHATDESK_HTTP_PORT=9090\nCHATDESK_SEARCH_MODEL=none\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("CHATDESK_HTTP_PORT", "9191")  # the environment wins over .env
    settings = load_settings()
    assert settings.telegram.token == SecretStr("123:abc")
    assert settings.http.port == 9191
    assert settings.knowledge.search.model == "none"


def test_each_value_is_parsed_once_into_its_type(monkeypatch):
    monkeypatch.setenv("CHATDESK_SERVICE_TARGETS", "urgent=0.5/2, normal=8/40")
    monkeypatch.setenv("CHATDESK_SUPPORT_DAYS", "mon,wed-thu")
    monkeypatch.setenv("CHATDESK_SUPPORT_TIME", "09:00-17:30")
    monkeypatch.setenv("CHATDESK_HOLIDAYS", "2026-12-25, 2026-12-26")
    monkeypatch.setenv("CHATDESK_AGENTS", "telegram:42, slack:U0123")
    monkeypatch.setenv("CHATDESK_WEB_ALLOWED_ORIGINS", "https://WWW.Example.com/")
    monkeypatch.setenv("CHATDESK_SLACK_BOT_TOKEN", "xoxb-1")
    settings = load_settings()
    assert settings.service.targets == {"urgent": (0.5, 2.0), "normal": (8.0, 40.0)}
    assert settings.hours.days == frozenset({0, 2, 3})
    assert settings.hours.span == (time(9), time(17, 30))
    assert settings.hours.holidays == frozenset({date(2026, 12, 25), date(2026, 12, 26)})
    assert settings.desk.agents == frozenset({("telegram", "42"), ("slack", "U0123")})
    assert settings.web.allowed_origins == ("https://www.example.com",)
    assert isinstance(settings.slack.bot_token, SecretStr)
    calendar = settings.hours.calendar
    assert (calendar.days, calendar.start, calendar.end) == (
        frozenset({0, 2, 3}),
        time(9),
        time(17, 30),
    )
    assert str(calendar.zone) == "Europe/Amsterdam"


def test_overrides_take_flat_names_or_whole_sections():
    by_name = load_settings(telegram_token="1:a", telegram_agent_chat="-100")
    by_section = load_settings(telegram=TelegramSettings(token=SecretStr("1:a"), agent_chat="-100"))
    assert by_name.telegram == by_section.telegram
    assert by_name.telegram.agent_chat == "-100" and by_name.slack.bot_token is None
    assert load_settings(desk={"default_lang": "nl"}, ticket_prefix="HELP").desk.ticket_prefix == (
        "HELP"
    )


def test_one_section_is_read_alone_whatever_the_others_hold(monkeypatch):
    monkeypatch.setenv("CHATDESK_DATABASE_URL", "mysql://x")
    monkeypatch.setenv("CHATDESK_SEARCH_MODEL", "none")
    assert read_section(SearchSettings, "knowledge.search").model == "none"
    monkeypatch.setenv("CHATDESK_SEARCH_MODEL", "bert")
    with pytest.raises(SettingsError, match=r"^CHATDESK_SEARCH_MODEL: "):
        read_section(SearchSettings, "knowledge.search")


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
        # parsed into typed values: the error still names the variable
        ("CHATDESK_SUPPORT_DAYS", "mon-frx", "unknown day"),
        ("CHATDESK_SUPPORT_TIME", "17:00-08:30", "close after it opens"),
        ("CHATDESK_HOLIDAYS", "2026-13-01", "not a date"),
        ("CHATDESK_AGENTS", "irc:bob", "platform:user id"),
        ("CHATDESK_SERVICE_TARGETS", "soon=1/4", "priority must be one of"),
        ("CHATDESK_WEB_ALLOWED_ORIGINS", "example.com", "scheme://host"),
        ("CHATDESK_METRICS_PORT", "0", "greater than or equal to 1"),
        ("CHATDESK_SEARCH_MODEL", "bert", "use-multilingual-v3"),
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
