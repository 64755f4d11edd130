"""Who is this Slack user, and where is our DM with them? (Web API look-ups, cached.)

``users.info`` gives the locale (only with ``include_locale``), a name for the ticket card and,
with the ``users:read.email`` scope, the e-mail address organizations are matched on;
``conversations.open`` gives the ``D...`` id of the DM, which is the chat the engine keys the
conversation on. Both are asked once per user and kept for a while, so a busy conversation does
not cost two extra API calls per message. A failed look-up is logged and the turn goes on
without a locale (the engine then uses the default language).

``conversations.members`` of the agents' channel says who is an agent: the member list is read
page by page, kept a few minutes, and read again early when someone not on it acts (a new
colleague should not wait minutes), but at most every :data:`MEMBERS_RECHECK_SECONDS`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from chatdesk.adapters.slack.inbound import Speaker

log = logging.getLogger(__name__)

PROFILE_TTL_SECONDS = 600.0
MEMBERS_TTL_SECONDS = 300.0
MEMBERS_RECHECK_SECONDS = 30.0
MEMBERS_PAGE = 200


class SlackDirectory:
    """Cached ``users.info``, ``conversations.open``, ``conversations.members`` and
    ``files.info`` calls."""

    def __init__(
        self,
        client: WebClient,
        ttl_seconds: float = PROFILE_TTL_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
        members_ttl_seconds: float = MEMBERS_TTL_SECONDS,
    ) -> None:
        self._client = client
        self._ttl = ttl_seconds
        self._members_ttl = members_ttl_seconds
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._speakers: dict[str, tuple[float, Speaker]] = {}
        self._dms: dict[str, str] = {}
        self._members: dict[str, tuple[float, frozenset[str]]] = {}

    def speaker(self, user_id: str) -> Speaker:
        """Locale and display name of ``user_id`` (empty if Slack would not tell us)."""
        now = self._monotonic()
        with self._lock:
            cached = self._speakers.get(user_id)
        if cached is not None and now - cached[0] < self._ttl:
            return cached[1]
        try:
            response = self._client.users_info(user=user_id, include_locale=True)
        except SlackApiError as exc:
            log.warning("slack users.info failed for %s: %s", user_id, exc.response.get("error"))
            return Speaker()
        user: Mapping[str, Any] = response.get("user") or {}
        profile: Mapping[str, Any] = user.get("profile") or {}
        found = Speaker(
            locale=user.get("locale") or None,
            display_name=str(
                profile.get("display_name")
                or profile.get("real_name")
                or user.get("real_name")
                or user.get("name")
                or ""
            ),
            email=str(profile.get("email") or "") or None,
            team=str(user.get("team_id") or "") or None,
        )
        with self._lock:
            self._speakers[user_id] = (now, found)
        return found

    def dm_channel(self, user_id: str) -> str:
        """The id of our DM with ``user_id`` (``conversations.open`` is idempotent)."""
        with self._lock:
            known = self._dms.get(user_id)
        if known:
            return known
        response = self._client.conversations_open(users=user_id)
        channel = str(response["channel"]["id"])
        with self._lock:
            self._dms[user_id] = channel
        return channel

    def is_member(self, channel_id: str, user_id: str) -> bool:
        """Is ``user_id`` a member of ``channel_id`` (the agents' channel)?"""
        now = self._monotonic()
        with self._lock:
            cached = self._members.get(channel_id)
        if cached is not None:
            age = now - cached[0]
            if user_id in cached[1] and age < self._members_ttl:
                return True
            if user_id not in cached[1] and age < min(MEMBERS_RECHECK_SECONDS, self._members_ttl):
                return False
        members = self._read_members(channel_id)
        if members is None:  # Slack did not answer: the last list we had, or nobody
            return cached is not None and user_id in cached[1]
        with self._lock:
            self._members[channel_id] = (now, members)
        return user_id in members

    def _read_members(self, channel_id: str) -> frozenset[str] | None:
        found: set[str] = set()
        cursor = ""
        try:
            while True:
                response = self._client.conversations_members(
                    channel=channel_id, limit=MEMBERS_PAGE, cursor=cursor or None
                )
                found.update(str(m) for m in response.get("members") or ())
                cursor = str((response.get("response_metadata") or {}).get("next_cursor") or "")
                if not cursor:
                    return frozenset(found)
        except (SlackApiError, OSError) as exc:
            reason = exc.response.get("error") if isinstance(exc, SlackApiError) else exc
            log.warning("slack conversations.members failed for %s: %s", channel_id, reason)
            return None

    def remember_dm(self, user_id: str, channel_id: str) -> None:
        """A DM we have seen the user write in saves a ``conversations.open`` later."""
        with self._lock:
            self._dms.setdefault(user_id, channel_id)

    def complete_files(self, files: list[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
        """Fill in file objects that Slack sent as stubs (``file_access: check_file_info``)."""
        completed: list[Mapping[str, Any]] = []
        for item in files:
            if item.get("file_access") == "check_file_info" and item.get("id"):
                try:
                    item = self._client.files_info(file=item["id"]).get("file") or item
                except SlackApiError as exc:
                    log.warning("slack files.info failed: %s", exc.response.get("error"))
            completed.append(item)
        return completed
