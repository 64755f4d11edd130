"""Settings from the environment (prefix ``CHATDESK_``) and a ``.env`` file.

One :class:`Settings` is built once at the entry point, in sections (``settings.telegram``,
``settings.desk``...; :mod:`.sections`), each value parsed once into a typed value
(:mod:`.values`). The variables keep their flat names, every one documented in
``.env.example`` (a test keeps the two in step). A bad value stops start-up with one line naming
the variable and what is wrong: :func:`load_settings` raises :class:`SettingsError` with that
line, and the CLI prints it without a traceback. This package imports no domain module: what a
setting names (the organizations file) is read where the desk is built (:mod:`chatdesk.app`).

To add a setting: a field in its section (:mod:`.sections`, parsed there into its type), a line
in :data:`.settings.VARIABLES` naming its variable, and the variable in ``.env.example`` with its
default; tests/test_settings.py checks that the three agree.
"""

from __future__ import annotations

from .sections import (
    SUGGESTION_LIMIT,
    DatabaseSettings,
    DeliverySettings,
    DeskSettings,
    HoursSettings,
    HttpSettings,
    KnowledgeSettings,
    LoggingSettings,
    OrganizationsSettings,
    SearchSettings,
    ServiceSettings,
    SlackSettings,
    SuggestionLimit,
    TelegramSettings,
    WebSettings,
)
from .settings import (
    ENV_PREFIX,
    VARIABLES,
    Settings,
    SettingsError,
    load_settings,
    read_section,
    read_settings,
)
from .values import (
    BUNDLED_KNOWLEDGE_DIR,
    DEFAULT_CACHE_DIR,
    PRIORITIES,
    AgentIds,
    SearchModel,
    ServiceTargets,
    cache_dir_or_default,
    clock_text,
    parse_agents,
    parse_service_targets,
    web_origins,
)

__all__ = [
    "BUNDLED_KNOWLEDGE_DIR",
    "DEFAULT_CACHE_DIR",
    "ENV_PREFIX",
    "PRIORITIES",
    "SUGGESTION_LIMIT",
    "VARIABLES",
    "AgentIds",
    "DatabaseSettings",
    "DeliverySettings",
    "DeskSettings",
    "HoursSettings",
    "HttpSettings",
    "KnowledgeSettings",
    "LoggingSettings",
    "OrganizationsSettings",
    "SearchModel",
    "SearchSettings",
    "ServiceSettings",
    "ServiceTargets",
    "Settings",
    "SettingsError",
    "SlackSettings",
    "SuggestionLimit",
    "TelegramSettings",
    "WebSettings",
    "cache_dir_or_default",
    "clock_text",
    "load_settings",
    "parse_agents",
    "parse_service_targets",
    "read_section",
    "read_settings",
    "web_origins",
]
