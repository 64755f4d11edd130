"""Settings from the environment (prefix ``CHATDESK_``) and a ``.env`` file, read into sections.

The variables stay flat (``CHATDESK_TELEGRAM_TOKEN``: deployments set them so), the code reads
sections (``settings.telegram.token``). :data:`VARIABLES` is the one table between the two.
pydantic-settings could read nested sections itself (``CHATDESK_TELEGRAM__TOKEN``), and nested
``BaseSettings`` with a prefix of their own do not read ``.env``; so one source reads the flat
names from the environment and ``.env``, and :meth:`Settings._sections` puts each in its place.
Flat keyword arguments (``load_settings(database_url=...)``) take the same way.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

from dotenv import dotenv_values
from pydantic import BaseModel, Field, ValidationError, model_validator
from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from .sections import (
    DatabaseSettings,
    DeliverySettings,
    DeskSettings,
    HoursSettings,
    HttpSettings,
    KnowledgeSettings,
    LoggingSettings,
    OrganizationsSettings,
    ServiceSettings,
    SlackSettings,
    TelegramSettings,
    WebSettings,
)

ENV_PREFIX = "CHATDESK_"
ENV_FILE = ".env"
_Model = TypeVar("_Model", bound=BaseModel)
_PASSWORD = re.compile(r"(://[^:/@]*:)[^@]*@")

# CHATDESK_<NAME> -> where its value lives in Settings. Every variable of .env.example is here
# and every field of a section has one (tests/test_settings.py checks both).
VARIABLES: dict[str, str] = {
    "database_url": "database.url",
    "knowledge_dir": "knowledge.dir",
    "suggestion_limit": "knowledge.suggestion_limit",
    "search_model": "knowledge.search.model",
    "search_cache_dir": "knowledge.search.cache_dir",
    "ticket_prefix": "desk.ticket_prefix",
    "default_lang": "desk.default_lang",
    "agent_lang": "desk.agent_lang",
    "agent_reply_default": "desk.agent_reply_default",
    "agents": "desk.agents",
    "draft_ttl_minutes": "desk.draft_ttl_minutes",
    "max_text_length": "desk.max_text_length",
    "attachment_max_mb": "desk.attachment_max_mb",
    "auto_close_days": "desk.auto_close_days",
    "ask_rating": "desk.ask_rating",
    "timezone": "hours.timezone",
    "support_days": "hours.days",
    "support_time": "hours.span",
    "holidays": "hours.holidays",
    "service_targets": "service.targets",
    "urgent_around_the_clock": "service.urgent_around_the_clock",
    "organizations_file": "organizations.file",
    "organization_sharing": "organizations.sharing",
    "organization_approval": "organizations.approval",
    "outbox_poll_seconds": "delivery.poll_seconds",
    "outbox_lease_seconds": "delivery.lease_seconds",
    "outbox_max_backoff_seconds": "delivery.max_backoff_seconds",
    "periodic_seconds": "delivery.periodic_seconds",
    "http_host": "http.host",
    "http_port": "http.port",
    "metrics_enabled": "http.metrics_enabled",
    "metrics_port": "http.metrics_port",
    "log_level": "logging.level",
    "log_format": "logging.format",
    "telegram_token": "telegram.token",
    "telegram_api_url": "telegram.api_url",
    "telegram_webhook_url": "telegram.webhook_url",
    "telegram_webhook_secret": "telegram.webhook_secret",
    "telegram_agent_chat": "telegram.agent_chat",
    "telegram_agent_topics": "telegram.agent_topics",
    "slack_bot_token": "slack.bot_token",
    "slack_signing_secret": "slack.signing_secret",
    "slack_app_token": "slack.app_token",
    "slack_api_url": "slack.api_url",
    "slack_agent_channel": "slack.agent_channel",
    "slack_urgent_mention": "slack.urgent_mention",
    "web_enabled": "web.enabled",
    "web_identity_secret": "web.identity_secret",
    "web_require_identity": "web.require_identity",
    "web_allowed_origins": "web.allowed_origins",
    "web_rate_per_minute": "web.rate_per_minute",
    "web_poll_seconds": "web.poll_seconds",
}
_VARIABLE_OF = {path: ENV_PREFIX + name.upper() for name, path in VARIABLES.items()}


class SettingsError(Exception):
    """A setting has a bad value; the message is one line naming the variable."""


def flat_environment() -> dict[str, str]:
    """The CHATDESK_* variables of :data:`VARIABLES`, by flat name: the environment's over
    ``.env``'s, names in any case (as pydantic-settings reads them)."""
    found: dict[str, str | None] = {}
    if Path(ENV_FILE).is_file():
        found.update(
            (key.lower(), value) for key, value in dotenv_values(ENV_FILE, encoding="utf-8").items()
        )
    found.update((key.lower(), value) for key, value in os.environ.items())
    prefix = ENV_PREFIX.lower()
    return {
        key.removeprefix(prefix): value
        for key, value in found.items()
        if value is not None and key.startswith(prefix) and key.removeprefix(prefix) in VARIABLES
    }


def sections(values: Mapping[str, Any]) -> dict[str, Any]:
    """Flat names (``telegram_token``) into their sections (``{"telegram": {"token": ..}}``);
    a section or field given by its own name wins over a flat name for the same place."""
    nested: dict[str, Any] = {}
    for name, value in values.items():
        if name in VARIABLES:
            *parents, leaf = VARIABLES[name].split(".")
            place = nested
            for parent in parents:
                place = place.setdefault(parent, {})
            place[leaf] = value
    for name, value in values.items():
        if name not in VARIABLES:
            nested[name] = _merged(nested.get(name), value)
    return nested


def _merged(flat: object, given: object) -> object:
    if isinstance(flat, dict) and isinstance(given, Mapping):
        return {**flat, **{key: _merged(flat.get(key), value) for key, value in given.items()}}
    return given


class _FlatEnvironment(PydanticBaseSettingsSource):
    """The settings source of :func:`flat_environment`, in place of pydantic-settings' own
    environment and ``.env`` sources."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False  # unused: __call__ reads every variable at once

    def __call__(self) -> dict[str, Any]:
        return dict(flat_environment())


class Settings(BaseSettings):
    """Everything chatdesk can be told, in sections. Built once at the entry point."""

    # kept for small flat models that read one variable alone (chatdesk.cli.kb)
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_file=ENV_FILE,
        env_file_encoding="utf-8",
        extra="ignore",
        validate_default=True,
    )

    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    knowledge: KnowledgeSettings = Field(default_factory=KnowledgeSettings)
    desk: DeskSettings = Field(default_factory=DeskSettings)
    hours: HoursSettings = Field(default_factory=HoursSettings)
    service: ServiceSettings = Field(default_factory=ServiceSettings)
    organizations: OrganizationsSettings = Field(default_factory=OrganizationsSettings)
    delivery: DeliverySettings = Field(default_factory=DeliverySettings)
    http: HttpSettings = Field(default_factory=HttpSettings)
    logging: LoggingSettings = Field(default_factory=LoggingSettings)
    telegram: TelegramSettings = Field(default_factory=TelegramSettings)
    slack: SlackSettings = Field(default_factory=SlackSettings)
    web: WebSettings = Field(default_factory=WebSettings)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return init_settings, _FlatEnvironment(settings_cls)

    @model_validator(mode="before")
    @classmethod
    def _sections(cls, data: Any) -> Any:
        return sections(data) if isinstance(data, Mapping) else data


def load_settings(**overrides: object) -> Settings:
    """Build :class:`Settings`, turning a validation error into one readable line. Overrides
    use the flat names (``database_url=...``) or whole sections (``telegram=...``)."""
    return read_settings(Settings, **overrides)


def read_settings(model: type[_Model], **overrides: object) -> _Model:
    """Build ``model`` (:class:`Settings`, or a flat ``BaseSettings`` of the variables a command
    needs alone) from the environment and ``.env``, turning a validation error into one
    readable line."""
    try:
        return model(**overrides)
    except UnicodeDecodeError:
        raise SettingsError(".env: the file is not UTF-8 text; save it as UTF-8") from None
    except ValidationError as exc:
        raise one_line(exc) from None


def read_section(model: type[_Model], path: str) -> _Model:
    """The section at ``path`` (``knowledge.search``) alone from the environment and ``.env``,
    whatever the other settings hold: a command that needs no more is not stopped by them."""
    try:
        values: Any = sections(flat_environment())
        for part in path.split("."):
            values = values.get(part, {})
        return model.model_validate(values)
    except UnicodeDecodeError:
        raise SettingsError(".env: the file is not UTF-8 text; save it as UTF-8") from None
    except ValidationError as exc:
        raise one_line(exc, tuple(path.split("."))) from None


def variable_of(location: tuple[int | str, ...]) -> str:
    """The variable behind an error's location: ``("telegram", "token")`` is
    CHATDESK_TELEGRAM_TOKEN; a flat model's ``("suggestion_limit",)`` its own name."""
    for end in range(len(location), 0, -1):
        name = _VARIABLE_OF.get(".".join(str(part) for part in location[:end]))
        if name is not None:
            return name
    return ENV_PREFIX + str(location[0]).upper() if location else "settings"


def one_line(exc: ValidationError, within: tuple[str, ...] = ()) -> SettingsError:
    """The first error of ``exc`` as one line naming the variable; no secret shown."""
    error = exc.errors()[0]
    name = variable_of((*within, *error["loc"]))
    message = str(error["msg"]).removeprefix("Value error, ")
    raw = error.get("input")
    if isinstance(raw, str):
        raw = _PASSWORD.sub(r"\1***@", raw)  # a database URL's password stays unseen
    shown = (
        ""
        if raw is None or "token" in name.lower() or "secret" in name.lower()
        else f" (got {raw!r})"
    )
    return SettingsError(f"{name}: {message}{shown}")
