"""The sections of :class:`chatdesk.config.Settings`: one pydantic model per part of chatdesk.

Each field holds its value parsed once (agent ids as pairs, service targets as hours, support
days as weekday numbers...), so no code parses a setting's text again where it uses it. The
variable a field is read from is in :data:`chatdesk.config.settings.VARIABLES`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, time
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, SecretStr

from chatdesk.core.hours import SupportHours, parse_days, parse_span

from .values import (
    BUNDLED_KNOWLEDGE_DIR,
    DEFAULT_CACHE_DIR,
    AgentIds,
    SearchModel,
    ServiceTargets,
    cache_dir_or_default,
    check_api_url,
    check_database_url,
    check_prefix,
    check_timezone,
    parse_agents,
    parse_holidays,
    parse_service_targets,
    web_origins,
)

Lang = Literal["en", "nl"]


def _unset_if_empty(value: object) -> object:
    """An empty variable (``CHATDESK_SLACK_APP_TOKEN=``) means the setting is not set."""
    return None if value == "" else value


def _parse_text(parse: Callable[[str], object]) -> BeforeValidator:
    """Parse a variable's text with ``parse``; a value already typed is checked as it is."""

    def before(value: object) -> object:
        return parse(value) if isinstance(value, str) else value

    return BeforeValidator(before)


def _knowledge_default(value: object) -> object:
    return BUNDLED_KNOWLEDGE_DIR if value in ("", None) else value


def _is_folder(value: Path) -> Path:
    if not value.is_dir():
        raise ValueError(f"{value} is not a folder")
    return value


def _is_file(value: Path | None) -> Path | None:
    if value is not None and not value.is_file():
        raise ValueError(f"{value} is not a file")
    return value


def _web_secret(value: object) -> object:
    if value == "":
        return None
    if isinstance(value, str) and len(value) < 16:
        raise ValueError("must be at least 16 characters (a long random string)")
    return value


Secret = Annotated[SecretStr | None, BeforeValidator(_unset_if_empty)]
OptionalText = Annotated[str | None, BeforeValidator(_unset_if_empty)]
ApiUrl = Annotated[str, AfterValidator(check_api_url)]
Seconds = Annotated[float, Field(allow_inf_nan=False)]
# CHATDESK_SUGGESTION_LIMIT, which `kb search --dir` also reads alone (chatdesk.cli.kb)
SuggestionLimit = Annotated[int, Field(ge=1, le=10)]
SUGGESTION_LIMIT = 3


class Section(BaseModel):
    """A part of the settings: defaults checked too, unknown fields refused (a typo in code)."""

    model_config = ConfigDict(extra="forbid", validate_default=True)


class DatabaseSettings(Section):
    url: Annotated[str, AfterValidator(check_database_url)] = "sqlite:///chatdesk.db"


class SearchSettings(Section):
    """Search by meaning (README "Search by meaning"): the embedding model, or none for the
    lexical search alone, and the folder of its cached article vectors."""

    model: SearchModel = "use-multilingual-v3"
    cache_dir: Annotated[Path, BeforeValidator(cache_dir_or_default)] = DEFAULT_CACHE_DIR


class KnowledgeSettings(Section):
    dir: Annotated[Path, BeforeValidator(_knowledge_default), AfterValidator(_is_folder)] = (
        BUNDLED_KNOWLEDGE_DIR
    )
    suggestion_limit: SuggestionLimit = SUGGESTION_LIMIT
    search: SearchSettings = Field(default_factory=SearchSettings)


class DeskSettings(Section):
    """How the desk talks and what it keeps: references, languages, limits, the agents."""

    ticket_prefix: Annotated[str, AfterValidator(check_prefix)] = "SD"
    default_lang: Lang = "en"
    agent_lang: Lang | Literal[""] = ""
    agent_reply_default: Literal["public", "internal"] = "internal"
    agents: Annotated[AgentIds, _parse_text(parse_agents)] = frozenset()
    draft_ttl_minutes: int = Field(default=1440, ge=1, le=525600)  # at most a year
    max_text_length: int = Field(default=4000, ge=100, le=40000)
    attachment_max_mb: Seconds = Field(default=10.0, gt=0, le=2000)
    auto_close_days: Seconds = Field(default=7.0, ge=0, le=3650)
    ask_rating: bool = True

    @property
    def agent_language(self) -> Lang:
        """The language of the agents' chat: CHATDESK_AGENT_LANG, else the default."""
        return self.agent_lang or self.default_lang

    @property
    def attachment_max_bytes(self) -> int:
        return int(self.attachment_max_mb * 1024 * 1024)


class HoursSettings(Section):
    """The time zone of every date shown, and the support hours counted in it."""

    timezone: Annotated[str, AfterValidator(check_timezone)] = "Europe/Amsterdam"
    days: Annotated[frozenset[int], _parse_text(parse_days)] = frozenset(range(5))
    span: Annotated[tuple[time, time], _parse_text(parse_span)] = (time(8, 30), time(17))
    holidays: Annotated[frozenset[date], _parse_text(parse_holidays)] = frozenset()

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def calendar(self) -> SupportHours:
        """The support hours as the service-target clock counts them."""
        start, end = self.span
        return SupportHours(
            zone=self.zone, days=self.days, start=start, end=end, holidays=self.holidays
        )


class ServiceSettings(Section):
    """Service targets per priority, in support hours (or around the clock when urgent)."""

    targets: Annotated[ServiceTargets, _parse_text(parse_service_targets)] = {
        "urgent": (1.0, 4.0),
        "high": (4.0, 16.0),
        "normal": (8.0, 40.0),
        "low": (16.0, 80.0),
    }
    urgent_around_the_clock: bool = True


class OrganizationsSettings(Section):
    """Where the organizations file is; :mod:`chatdesk.app` reads it once at start-up."""

    file: Annotated[Path | None, BeforeValidator(_unset_if_empty), AfterValidator(_is_file)] = None
    sharing: bool = False
    approval: bool = False


class DeliverySettings(Section):
    """The outbox worker and periodic work inside ``chatdesk serve``."""

    poll_seconds: Seconds = Field(default=1.0, gt=0, le=60)
    lease_seconds: Seconds = Field(default=120.0, ge=5, le=86400)
    max_backoff_seconds: Seconds = Field(default=600.0, ge=1, le=86400)
    periodic_seconds: Seconds = Field(default=60.0, gt=0, le=86400)


class HttpSettings(Section):
    """The one HTTP server of ``chatdesk serve``, and where /metrics is served."""

    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535)
    metrics_enabled: bool = False
    # unset: on the HTTP server
    metrics_port: Annotated[int | None, BeforeValidator(_unset_if_empty)] = Field(
        default=None, ge=1, le=65535
    )


class LoggingSettings(Section):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    format: Literal["text", "json"] = "text"


class TelegramSettings(Section):
    token: Secret = None
    api_url: ApiUrl = "https://api.telegram.org/bot"
    webhook_url: OptionalText = None
    webhook_secret: Secret = None
    agent_chat: OptionalText = None
    agent_topics: bool = False


class SlackSettings(Section):
    bot_token: Secret = None
    signing_secret: Secret = None
    app_token: Secret = None
    api_url: ApiUrl = "https://slack.com/api/"
    agent_channel: OptionalText = None
    urgent_mention: str = "<!here>"


class WebSettings(Section):
    """The web chat and customer portal (adapters/web, docs/web.md)."""

    enabled: bool = False
    identity_secret: Annotated[SecretStr | None, BeforeValidator(_web_secret)] = None
    require_identity: bool = False
    allowed_origins: Annotated[tuple[str, ...], _parse_text(web_origins)] = ()
    rate_per_minute: int = Field(default=30, ge=1, le=6000)
    poll_seconds: Seconds = Field(default=0.5, gt=0, le=60)
