"""At start-up: can the app post in the agents' channel (CHATDESK_SLACK_AGENT_CHANNEL)?

Without this, a channel id that does not exist, or a channel the app was never invited to,
was noticed only when the first card failed, in a log line that names no setting, while the
agents never saw a ticket. ``conversations.info`` answers without posting anything: whether
the channel exists for this workspace, whether it is archived, and whether the app is a member
(``chat.postMessage`` into a channel needs that).
"""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from chatdesk.config import SettingsError

log = logging.getLogger(__name__)

SETTING = "CHATDESK_SLACK_AGENT_CHANNEL"
UNCHECKABLE = {"missing_scope", "not_allowed_token_type", "method_deprecated"}
"""Answers that say nothing about the channel: the check is skipped with a warning."""


def check_agent_channel(client: WebClient, channel: str) -> None:
    """Raise :class:`SettingsError` (one line naming the setting) unless the app can post in
    ``channel``. Network trouble is not caught: that is the API URL's business."""
    try:
        response = client.conversations_info(channel=channel)
    except SlackApiError as exc:
        error = str(exc.response.get("error") or "error")
        if error in UNCHECKABLE:
            log.warning(
                "slack: %s could not be checked (conversations.info: %s); give the app the "
                "channels:read and groups:read scopes",
                SETTING,
                error,
            )
            return
        raise SettingsError(
            f"{SETTING}: Slack does not know the channel {channel!r} (conversations.info: "
            f"{error}); give the channel ID (C..., from the channel's details) and invite the app"
        ) from None
    info = response.get("channel") or {}
    if info.get("is_archived"):
        raise SettingsError(
            f"{SETTING}: the channel {channel!r} is archived; nothing can be posted"
        )
    if info.get("is_member") is False:
        raise SettingsError(
            f"{SETTING}: the app is not a member of {channel!r}; invite it there (/invite @app)"
        )
