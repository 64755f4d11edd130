"""The app manifest, the docs and the code agree: a manifest that subscribes to an event we
have no listener for makes Slack retry it; a missing scope fails only in production."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from chatdesk.adapters.slack.channel import EVENTS_PATH, SLASH_COMMAND
from chatdesk.config import VARIABLES

ROOT = Path(__file__).resolve().parents[2]
MANIFEST = ROOT / "docs" / "slack-manifest.yaml"
DOCS = ROOT / "docs" / "slack.md"

# The Web API methods the adapter calls, and the bot scope each needs.
SCOPES_NEEDED = {
    "chat.postMessage": "chat:write",
    "chat.update": "chat:write",
    "users.info": "users:read",
    "users.info profile.email": "users:read.email",
    "conversations.members (public agents' channel)": "channels:read",
    "conversations.members (private agents' channel)": "groups:read",
    "conversations.open": "im:write",
    "files.info": "files:read",
    "app_mention": "app_mentions:read",
    "message.im": "im:history",
    "message.channels": "channels:history",
    "message.groups": "groups:history",
    "/support": "commands",
}


def _manifest() -> dict[str, Any]:
    return yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))


def test_manifest_subscribes_to_exactly_the_events_we_listen_to() -> None:
    settings = _manifest()["settings"]
    assert sorted(settings["event_subscriptions"]["bot_events"]) == [
        "app_mention",
        "message.channels",
        "message.groups",
        "message.im",
    ]
    assert settings["interactivity"]["is_enabled"] is True


def test_manifest_points_every_url_at_our_events_path() -> None:
    manifest = _manifest()
    urls = [
        manifest["settings"]["event_subscriptions"]["request_url"],
        manifest["settings"]["interactivity"]["request_url"],
        *[c["url"] for c in manifest["features"]["slash_commands"]],
    ]
    assert all(url.startswith("https://") and url.endswith(EVENTS_PATH) for url in urls)


def test_manifest_declares_our_slash_command_and_the_scopes_we_use() -> None:
    manifest = _manifest()
    assert [c["command"] for c in manifest["features"]["slash_commands"]] == [SLASH_COMMAND]
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    assert set(SCOPES_NEEDED.values()) <= scopes


def test_manifest_lets_users_write_to_the_app() -> None:
    home = _manifest()["features"]["app_home"]
    assert home["messages_tab_enabled"] is True
    assert home["messages_tab_read_only_enabled"] is False


def test_docs_name_every_slack_setting() -> None:
    text = DOCS.read_text(encoding="utf-8")
    names = [
        f"CHATDESK_{n.upper()}" for n, place in VARIABLES.items() if place.startswith("slack.")
    ]
    assert names, "the Slack settings exist"
    for name in names:
        assert name in text, name
    assert "slack-manifest.yaml" in text
