"""Settings from the environment (prefix ``CHATDESK_``) and a ``.env`` file.

One flat :class:`Settings` class is built once at the entry point; every variable is
documented in ``.env.example`` (a test keeps the two in step). A bad value stops start-up with
one line naming the variable and what is wrong: :func:`load_settings` raises
:class:`SettingsError` with that line, and the CLI prints it without a traceback.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

BUNDLED_KNOWLEDGE_DIR = Path(__file__).resolve().parent.parent / "knowledge"
PREFIX_PATTERN = re.compile(r"[A-Z][A-Z0-9]{1,9}")
ENV_PREFIX = "CHATDESK_"


class SettingsError(Exception):
    """A setting has a bad value; the message is one line naming the variable."""


class Settings(BaseSettings):
    """Everything chatdesk can be told. Field ``foo`` is read from ``CHATDESK_FOO``."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        validate_default=True,
    )

    # Core
    database_url: str = "sqlite:///chatdesk.db"
    knowledge_dir: Path = BUNDLED_KNOWLEDGE_DIR
    ticket_prefix: str = "SD"
    default_lang: Literal["en", "nl"] = "en"
    draft_ttl_minutes: int = Field(default=1440, ge=1)
    max_text_length: int = Field(default=4000, ge=100, le=40000)
    suggestion_limit: int = Field(default=3, ge=1, le=10)
    attachment_max_mb: float = Field(default=10.0, gt=0, le=2000)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    timezone: str = "Europe/Amsterdam"
    organization_sharing: bool = False

    # The one HTTP server of `chatdesk serve` (webhooks, Slack events, /healthz)
    http_host: str = "127.0.0.1"
    http_port: int = Field(default=8080, ge=0, le=65535)

    # Telegram
    telegram_token: SecretStr | None = None
    telegram_api_url: str = "https://api.telegram.org/bot"
    telegram_webhook_url: str | None = None
    telegram_webhook_secret: SecretStr | None = None
    telegram_agent_chat: str | None = None

    # Slack
    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_url: str = "https://slack.com/api/"
    slack_agent_channel: str | None = None
    slack_urgent_mention: str = "<!here>"

    @field_validator("ticket_prefix")
    @classmethod
    def _prefix(cls, value: str) -> str:
        if not PREFIX_PATTERN.fullmatch(value):
            raise ValueError(
                "must be 2-10 characters, an upper-case letter followed by upper-case letters "
                "or digits (for example SD)"
            )
        return value

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("is not a known time zone (for example Europe/Amsterdam)") from None
        return value

    @field_validator("knowledge_dir", mode="before")
    @classmethod
    def _knowledge_default(cls, value: object) -> object:
        return BUNDLED_KNOWLEDGE_DIR if value in ("", None) else value

    @field_validator("knowledge_dir")
    @classmethod
    def _knowledge_dir(cls, value: Path) -> Path:
        if not value.is_dir():
            raise ValueError(f"{value} is not a folder")
        return value

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        if not re.match(r"^(sqlite|postgresql)(\+\w+)?://", value):
            raise ValueError(
                "must start with sqlite:// or postgresql:// (for example sqlite:///chatdesk.db)"
            )
        return value

    @field_validator(
        "telegram_token",
        "slack_bot_token",
        "slack_signing_secret",
        "slack_app_token",
        "telegram_webhook_secret",
        mode="before",
    )
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator(
        "telegram_webhook_url", "telegram_agent_chat", "slack_agent_channel", mode="before"
    )
    @classmethod
    def _empty_str_is_unset(cls, value: object) -> object:
        return None if value == "" else value

    @property
    def attachment_max_bytes(self) -> int:
        return int(self.attachment_max_mb * 1024 * 1024)


def load_settings(**overrides: object) -> Settings:
    """Build :class:`Settings`, turning a validation error into one readable line."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        error = exc.errors()[0]
        name = ENV_PREFIX + str(error["loc"][0]).upper() if error["loc"] else "settings"
        message = str(error["msg"]).removeprefix("Value error, ")
        raw = error.get("input")
        shown = (
            ""
            if raw is None or "token" in name.lower() or "secret" in name.lower()
            else f" (got {raw!r})"
        )
        raise SettingsError(f"{name}: {message}{shown}") from None
