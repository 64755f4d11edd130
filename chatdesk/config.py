"""Settings from the environment (prefix ``CHATDESK_``) and a ``.env`` file.

One flat :class:`Settings` class is built once at the entry point; every variable is
documented in ``.env.example`` (a test keeps the two in step). A bad value stops start-up with
one line naming the variable and what is wrong: :func:`load_settings` raises
:class:`SettingsError` with that line, and the CLI prints it without a traceback.
"""

from __future__ import annotations

import math
import os
import re
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Literal, TypeVar
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

if TYPE_CHECKING:
    from chatdesk.core.hours import SupportHours

_PACKAGE = Path(__file__).resolve().parent
# The starter knowledge base: knowledge/ beside the package in a checkout (and an editable
# install); a wheel carries the same files as chatdesk/bundled_knowledge (pyproject.toml).
BUNDLED_KNOWLEDGE_DIR = next(
    (
        folder
        for folder in (_PACKAGE / "bundled_knowledge", _PACKAGE.parent / "knowledge")
        if folder.is_dir()
    ),
    _PACKAGE.parent / "knowledge",
)
# Article vectors of the search by meaning: the user's cache folder (XDG), rebuilt if lost.
DEFAULT_CACHE_DIR = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "chatdesk"
SearchModel = Literal["use-multilingual-v3", "none"]  # chatdesk.search.embedding.MODELS


def cache_dir_or_default(value: object) -> object:
    """An empty CHATDESK_SEARCH_CACHE_DIR means the default cache folder."""
    return DEFAULT_CACHE_DIR if value in ("", None) else value


PREFIX_PATTERN = re.compile(r"[A-Z][A-Z0-9]{1,9}")
ENV_PREFIX = "CHATDESK_"
PRIORITIES = ("urgent", "high", "normal", "low")
_Model = TypeVar("_Model", bound=BaseSettings)
_PASSWORD = re.compile(r"(://[^:/@]*:)[^@]*@")
MAX_TARGET_HOURS = 10000  # a service target beyond a year of support hours is a typo


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
    draft_ttl_minutes: int = Field(default=1440, ge=1, le=525600)  # at most a year
    max_text_length: int = Field(default=4000, ge=100, le=40000)
    suggestion_limit: int = Field(default=3, ge=1, le=10)
    # Search by meaning (README: "Search by meaning"): the embedding model, or none for the
    # lexical search alone, and the folder of its cached article vectors.
    search_model: SearchModel = "use-multilingual-v3"
    search_cache_dir: Path = DEFAULT_CACHE_DIR
    attachment_max_mb: float = Field(default=10.0, gt=0, le=2000, allow_inf_nan=False)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    timezone: str = "Europe/Amsterdam"
    organization_sharing: bool = False

    # The agent desk (issue: agents in their channel; lifecycle from the manuals)
    agents: str = ""
    agent_lang: Literal["en", "nl", ""] = ""
    agent_reply_default: Literal["public", "internal"] = "internal"
    auto_close_days: float = Field(default=7.0, ge=0, le=3650, allow_inf_nan=False)
    ask_rating: bool = True
    support_days: str = "mon-fri"
    support_time: str = "08:30-17:00"
    holidays: str = ""
    service_targets: str = "urgent=1/4,high=4/16,normal=8/40,low=16/80"
    urgent_around_the_clock: bool = True
    organizations_file: Path | None = None
    organization_approval: bool = False

    # Delivery: the outbox worker and periodic work inside `chatdesk serve`
    outbox_poll_seconds: float = Field(default=1.0, gt=0, le=60, allow_inf_nan=False)
    outbox_lease_seconds: float = Field(default=120.0, ge=5, le=86400, allow_inf_nan=False)
    outbox_max_backoff_seconds: float = Field(default=600.0, ge=1, le=86400, allow_inf_nan=False)
    periodic_seconds: float = Field(default=60.0, gt=0, le=86400, allow_inf_nan=False)

    # The one HTTP server of `chatdesk serve` (webhooks, Slack events, /healthz)
    http_host: str = "127.0.0.1"
    http_port: int = Field(default=8080, ge=0, le=65535)

    # Operating it: metrics and log lines (README "Operating it")
    metrics_enabled: bool = False
    metrics_port: int | None = Field(default=None, ge=1, le=65535)  # unset: on the HTTP server
    log_format: Literal["text", "json"] = "text"

    @field_validator("metrics_port", mode="before")
    @classmethod
    def _metrics_port_unset(cls, value: object) -> object:
        return None if value == "" else value

    # Telegram
    telegram_token: SecretStr | None = None
    telegram_api_url: str = "https://api.telegram.org/bot"
    telegram_webhook_url: str | None = None
    telegram_webhook_secret: SecretStr | None = None
    telegram_agent_chat: str | None = None
    telegram_agent_topics: bool = False

    # Slack
    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_url: str = "https://slack.com/api/"
    slack_agent_channel: str | None = None
    slack_urgent_mention: str = "<!here>"

    # The web chat and customer portal (adapters/web, docs/web.md)
    web_enabled: bool = False
    web_identity_secret: SecretStr | None = None
    web_require_identity: bool = False
    web_allowed_origins: str = ""
    web_rate_per_minute: int = Field(default=30, ge=1, le=6000)
    web_poll_seconds: float = Field(default=0.5, gt=0, le=60, allow_inf_nan=False)

    @field_validator("web_identity_secret", mode="before")
    @classmethod
    def _web_secret(cls, value: object) -> object:
        if value == "":
            return None
        if isinstance(value, str) and len(value) < 16:
            raise ValueError("must be at least 16 characters (a long random string)")
        return value

    @field_validator("web_allowed_origins")
    @classmethod
    def _web_origins(cls, value: str) -> str:
        web_origins(value)
        return value

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

    @field_validator("search_cache_dir", mode="before")
    @classmethod
    def _cache_default(cls, value: object) -> object:
        return cache_dir_or_default(value)

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
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError, NoSuchModuleError

        try:
            url = make_url(value)
            url.get_dialect()  # an unknown driver ("sqlite+foo") fails here, not mid-start
            url.port  # noqa: B018 - a port that is no number ("host:abc") fails here
        except (ArgumentError, NoSuchModuleError, ValueError) as exc:
            reason = str(exc).splitlines()[0]
            raise ValueError(f"is not a database URL SQLAlchemy can use: {reason}") from None
        if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
            raise ValueError(
                "names no database file, so every ticket would be lost when chatdesk stops "
                "(for example sqlite:///chatdesk.db)"
            )
        return value

    @field_validator("telegram_api_url", "slack_api_url")
    @classmethod
    def _api_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("must be an http:// or https:// address")
        try:
            parts.port  # noqa: B018 - a port that is no number fails here
        except ValueError:
            raise ValueError("has a port that is not a number") from None
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

    @field_validator("support_days")
    @classmethod
    def _support_days(cls, value: str) -> str:
        from chatdesk.core.hours import parse_days

        parse_days(value)
        return value

    @field_validator("support_time")
    @classmethod
    def _support_time(cls, value: str) -> str:
        from chatdesk.core.hours import parse_span

        parse_span(value)
        return value

    @field_validator("holidays")
    @classmethod
    def _holidays(cls, value: str) -> str:
        for part in value.replace(" ", "").split(","):
            if part:
                try:
                    date.fromisoformat(part)
                except ValueError:
                    raise ValueError(f"{part!r} is not a date like 2026-12-25") from None
        return value

    @field_validator("service_targets")
    @classmethod
    def _service_targets(cls, value: str) -> str:
        parse_service_targets(value)
        return value

    @field_validator("agents")
    @classmethod
    def _agents(cls, value: str) -> str:
        parse_agents(value)
        return value

    @field_validator("organizations_file", mode="before")
    @classmethod
    def _organizations_unset(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator("organizations_file")
    @classmethod
    def _organizations_file(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_file():
            raise ValueError(f"{value} is not a file")
        if value is not None:  # a broken file stops start-up, with the problem in one line
            from chatdesk.desk.organizations import OrganizationsError, load

            try:
                load(value)
            except OrganizationsError as exc:
                raise ValueError(exc.problem) from None
        return value

    @property
    def agent_language(self) -> str:
        """The language of the agents' chat: CHATDESK_AGENT_LANG, else the default."""
        return self.agent_lang or self.default_lang

    @property
    def support_hours(self) -> SupportHours:
        from chatdesk.core.hours import SupportHours, parse_days, parse_span

        start, end = parse_span(self.support_time)
        holidays = frozenset(
            date.fromisoformat(p) for p in self.holidays.replace(" ", "").split(",") if p
        )
        return SupportHours(
            zone=ZoneInfo(self.timezone),
            days=parse_days(self.support_days),
            start=start,
            end=end,
            holidays=holidays,
        )

    @property
    def agent_ids(self) -> frozenset[tuple[str, str]]:
        """(platform, user id) pairs named in CHATDESK_AGENTS."""
        return parse_agents(self.agents)

    @property
    def attachment_max_bytes(self) -> int:
        return int(self.attachment_max_mb * 1024 * 1024)


def parse_agents(text: str) -> frozenset[tuple[str, str]]:
    """``telegram:123,slack:U0123`` to (platform, user id) pairs."""
    pairs: set[tuple[str, str]] = set()
    for part in text.replace(" ", "").split(","):
        if not part:
            continue
        platform, _, user = part.partition(":")
        if platform not in ("telegram", "slack", "terminal") or not user:
            raise ValueError(
                f"{part!r}: name each agent as platform:user id (telegram:123, slack:U0123)"
            )
        pairs.add((platform, user))
    return frozenset(pairs)


def web_origins(text: str) -> tuple[str, ...]:
    """``https://www.example.com, https://support.example.com`` to normalized origins."""
    origins: list[str] = []
    for part in text.replace(" ", "").split(","):
        if not part:
            continue
        parts = urlsplit(part)
        if (
            parts.scheme not in ("http", "https")
            or not parts.hostname
            or parts.path not in ("", "/")
            or parts.query
            or parts.fragment
        ):
            raise ValueError(f"{part!r}: name each origin as scheme://host[:port]")
        origins.append(f"{parts.scheme}://{parts.netloc.lower()}")
    return tuple(origins)


def parse_service_targets(text: str) -> dict[str, tuple[float, float]]:
    """``urgent=1/4,normal=8/40`` to {priority: (first response hours, resolution hours)}."""
    targets: dict[str, tuple[float, float]] = {}
    for part in text.replace(" ", "").split(","):
        if not part:
            continue
        priority, _, hours = part.partition("=")
        first, _, resolution = hours.partition("/")
        try:
            pair = (float(first), float(resolution))
        except ValueError:
            raise ValueError(
                f"{part!r}: use priority=first response/resolution in support hours, "
                "for example normal=8/40"
            ) from None
        if priority not in PRIORITIES or not all(
            math.isfinite(hours) and 0 < hours <= MAX_TARGET_HOURS for hours in pair
        ):
            raise ValueError(
                f"{part!r}: the priority must be one of {', '.join(PRIORITIES)} "
                f"and the hours above zero and at most {MAX_TARGET_HOURS}"
            )
        targets[priority] = pair
    return targets


def load_settings(**overrides: object) -> Settings:
    """Build :class:`Settings`, turning a validation error into one readable line."""
    return read_settings(Settings, **overrides)


def read_settings(model: type[_Model], **overrides: object) -> _Model:
    """Build ``model`` (:class:`Settings`, or a part of it a command needs alone) from the
    environment and ``.env``, turning a validation error into one readable line."""
    try:
        return model(**overrides)
    except UnicodeDecodeError:
        raise SettingsError(".env: the file is not UTF-8 text; save it as UTF-8") from None
    except ValidationError as exc:
        error = exc.errors()[0]
        name = ENV_PREFIX + str(error["loc"][0]).upper() if error["loc"] else "settings"
        message = str(error["msg"]).removeprefix("Value error, ")
        raw = error.get("input")
        if isinstance(raw, str):
            raw = _PASSWORD.sub(r"\1***@", raw)  # a database URL's password stays unseen
        shown = (
            ""
            if raw is None or "token" in name.lower() or "secret" in name.lower()
            else f" (got {raw!r})"
        )
        raise SettingsError(f"{name}: {message}{shown}") from None
