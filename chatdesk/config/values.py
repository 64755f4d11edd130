"""The text forms of settings, parsed once into typed values.

Each function turns one variable's text into what the code uses (agent ids, service targets,
origins, days, times, holidays) and raises :class:`ValueError` with a message that reads after
the variable's name: ``CHATDESK_AGENTS: 'x': name each agent as platform:user id``.
"""

from __future__ import annotations

import math
import os
import re
from datetime import date, time
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_PACKAGE = Path(__file__).resolve().parent.parent
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
SearchModel = Literal["use-multilingual-v3", "none"]  # chatdesk.kb.search.embedding.MODELS
PREFIX_PATTERN = re.compile(r"[A-Z][A-Z0-9]{1,9}")
PRIORITIES = ("urgent", "high", "normal", "low")
MAX_TARGET_HOURS = 10000  # a service target beyond a year of support hours is a typo
AGENT_PLATFORMS = ("telegram", "slack", "terminal")

# {priority: (first response hours, resolution hours)}, in support hours
ServiceTargets = dict[str, tuple[float, float]]
AgentIds = frozenset[tuple[str, str]]


def cache_dir_or_default(value: object) -> object:
    """An empty CHATDESK_SEARCH_CACHE_DIR means the default cache folder."""
    return DEFAULT_CACHE_DIR if value in ("", None) else value


def _parts(text: str) -> list[str]:
    """The non-empty items of a comma-separated list, spaces dropped."""
    return [part for part in text.replace(" ", "").split(",") if part]


def parse_agents(text: str) -> AgentIds:
    """``telegram:123,slack:U0123`` to (platform, user id) pairs."""
    pairs: set[tuple[str, str]] = set()
    for part in _parts(text):
        platform, _, user = part.partition(":")
        if platform not in AGENT_PLATFORMS or not user:
            raise ValueError(
                f"{part!r}: name each agent as platform:user id (telegram:123, slack:U0123)"
            )
        pairs.add((platform, user))
    return frozenset(pairs)


def web_origins(text: str) -> tuple[str, ...]:
    """``https://www.example.com, https://support.example.com`` to normalized origins."""
    origins: list[str] = []
    for part in _parts(text):
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


def parse_service_targets(text: str) -> ServiceTargets:
    """``urgent=1/4,normal=8/40`` to {priority: (first response hours, resolution hours)}."""
    targets: ServiceTargets = {}
    for part in _parts(text):
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


def parse_holidays(text: str) -> frozenset[date]:
    """``2026-12-25,2026-12-26`` to dates."""
    days: set[date] = set()
    for part in _parts(text):
        try:
            days.add(date.fromisoformat(part))
        except ValueError:
            raise ValueError(f"{part!r} is not a date like 2026-12-25") from None
    return frozenset(days)


def check_timezone(name: str) -> str:
    """``name`` if it is a time zone this machine knows."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError("is not a known time zone (for example Europe/Amsterdam)") from None
    return name


def check_prefix(prefix: str) -> str:
    """``prefix`` if it can start a ticket reference (SD-1042)."""
    if not PREFIX_PATTERN.fullmatch(prefix):
        raise ValueError(
            "must be 2-10 characters, an upper-case letter followed by upper-case letters "
            "or digits (for example SD)"
        )
    return prefix


def check_api_url(value: str) -> str:
    """``value`` if it is an http(s) address with a host and a numeric port, if any."""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("must be an http:// or https:// address")
    try:
        parts.port  # noqa: B018 - a port that is no number fails here
    except ValueError:
        raise ValueError("has a port that is not a number") from None
    return value


def check_database_url(value: str) -> str:
    """``value`` if SQLAlchemy can open it and it keeps the tickets in a file or a server."""
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


def clock_text(moment: time) -> str:
    """A support-hours time as written in CHATDESK_SUPPORT_TIME: ``08:30``."""
    return moment.isoformat("minutes" if not (moment.second or moment.microsecond) else "auto")
