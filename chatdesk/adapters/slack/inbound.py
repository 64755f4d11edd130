"""Slack payloads -> :class:`InboundEvent`: pure functions, no network, no dialogue rules.

Slack hands us text in its own markup: ``&``, ``<`` and ``>`` arrive escaped, and mentions,
channels and links arrive as ``<@U123>``, ``<#C123|general>``, ``<https://x|label>``. The
engine works on plain text, so we turn all of that into what the user saw; the renderer escapes
it again on the way out, which is why echoing a user's ``<!channel>`` can never ping anyone.

The delivery id that the engine dedupes on: ``event_id`` for Events API deliveries (the same
on Slack's retries), the click's ``action_ts`` for buttons, the ``trigger_id`` for a slash
command.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from chatdesk.events import Attachment, InboundEvent

PLATFORM = "slack"

Payload = Mapping[str, Any]

HANDLED_SUBTYPES = frozenset({"file_share", "thread_broadcast"})
"""Message subtypes a person produces by writing; edits, deletions, joins... are ignored."""

_ANGLE = re.compile(r"<([^<>]*)>")


@dataclass(frozen=True)
class Speaker:
    """What ``users.info`` told us about the person who acted."""

    locale: str | None = None
    display_name: str = ""
    email: str | None = None
    """The profile's e-mail address (``users:read.email``), for organizations by domain."""
    team: str | None = None
    """The user's own workspace (``user.team_id``): in Slack Connect, not the app's."""


Names = Callable[[str], str | None]
"""A Slack user id to the name people see for it (the directory's look-up)."""


def plain_text(slack_text: str | None, names: Names | None = None) -> str:
    """Slack's message markup as the plain text the user saw. ``names`` turns a mention
    without a label (``<@U123>``, what Slack sends today) into the name Slack shows for it,
    so a customer reading an agent's reply sees "@Bob", not "@U123"."""
    if not slack_text:
        return ""
    text = _ANGLE.sub(lambda match: _unwrap(match, names), slack_text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&").strip()


def _unwrap(match: re.Match[str], names: Names | None = None) -> str:
    inner = match.group(1)
    target, _, label = inner.partition("|")
    if target.startswith("@"):
        if not label and names is not None:
            label = names(target[1:]) or ""
        return label if label.startswith("@") else "@" + (label or target[1:])
    if target.startswith("#"):
        return "#" + (label or target[1:])
    if target.startswith("!"):
        if label:
            return label
        return "@" + target[1:].split("^")[0]
    url = target.removeprefix("mailto:")
    if label and label != url and label != target:
        return f"{label} ({url})"
    return url


def without_mention(
    slack_text: str | None, bot_user_id: str | None, names: Names | None = None
) -> str:
    """The text of an ``app_mention`` without the mention of our app."""
    text = slack_text or ""
    if bot_user_id:
        text = re.sub(rf"<@{re.escape(bot_user_id)}(\|[^>]*)?>", " ", text)
    return plain_text(text, names)


def is_person_message(event: Payload) -> bool:
    """True for a message a person wrote; False for bots, edits, deletions and the like."""
    subtype = event.get("subtype")
    if subtype is not None and subtype not in HANDLED_SUBTYPES:
        return False
    if event.get("bot_id") or event.get("bot_profile"):
        return False
    return bool(event.get("user"))


def attachments(files: Iterable[Payload] | None) -> tuple[Attachment, ...]:
    """File metadata only: the engine checks the size, and we never download here."""
    found: list[Attachment] = []
    for item in files or ():
        file_id = str(item.get("id") or "")
        if not file_id:
            continue
        found.append(
            Attachment(
                name=str(item.get("name") or item.get("title") or file_id),
                content_type=str(item.get("mimetype") or "application/octet-stream"),
                size=int(item.get("size") or 0),
                file_ref=file_id,
            )
        )
    return tuple(found)


def user_team(body: Payload, speaker: Speaker) -> str | None:
    """The workspace the person who acted belongs to: their organization by Slack workspace.

    Not the envelope's ``team_id``: that is the workspace that installed the app, and in a
    Slack Connect channel (``is_ext_shared_channel``) a customer from another company writes
    through it. Slack names the author's own team in the event (``user_team``, else ``team``,
    as bolt's ``extract_actor_team_id`` reads it), a button press in ``user.team_id``, and
    ``users.info`` in ``user.team_id`` for anyone (the speaker). Only when none of those is
    known, and the request is not from a shared channel, is the envelope's team the user's.
    A workspace id (``T...``) is preferred to an Enterprise Grid id (``E...``) when Slack gives
    both, since the organizations file lists workspaces.
    """
    event = body.get("event")
    event = event if isinstance(event, dict) else {}
    user = body.get("user")
    user = user if isinstance(user, dict) else {}
    own = [
        str(found)
        for found in (event.get("user_team"), user.get("team_id"), speaker.team, event.get("team"))
        if found
    ]
    if own:  # a workspace (T...) over an Enterprise Grid org (E...), as the organizations file
        return next((team for team in own if team.startswith("T")), own[0])
    if body.get("is_ext_shared_channel") is True:
        return None
    team = body.get("team")
    team = body.get("team_id") or (team.get("id") if isinstance(team, dict) else team)
    return str(team) if team else None


def from_message(
    body: Payload, speaker: Speaker, files: Iterable[Payload] | None = None
) -> InboundEvent:
    """A ``message`` event in the DM with our app (``message.im``).

    ``files`` replaces the event's own file objects when some had to be looked up.
    """
    event = body["event"]
    return InboundEvent(
        platform=PLATFORM,
        user_id=str(event["user"]),
        chat_id=str(event["channel"]),
        text=plain_text(event.get("text")),
        event_id=str(body["event_id"]),
        display_name=speaker.display_name,
        locale=speaker.locale,
        email=speaker.email,
        thread_id=event.get("thread_ts"),
        private=event.get("channel_type", "im") == "im",
        organization=user_team(body, speaker),
        attachments=attachments(event.get("files") if files is None else files),
    )


def from_mention(
    body: Payload,
    speaker: Speaker,
    bot_user_id: str | None,
    files: Iterable[Payload] | None = None,
) -> InboundEvent:
    """An ``app_mention`` in a channel: answered in its thread; intake moves to the DM, with
    the files shared beside the words (``files`` replaces the event's own when some had to be
    looked up)."""
    event = body["event"]
    return InboundEvent(
        platform=PLATFORM,
        user_id=str(event["user"]),
        chat_id=str(event["channel"]),
        text=without_mention(event.get("text"), bot_user_id),
        event_id=str(body["event_id"]),
        display_name=speaker.display_name,
        locale=speaker.locale,
        email=speaker.email,
        thread_id=str(event.get("thread_ts") or event["ts"]),
        private=False,
        organization=user_team(body, speaker),
        attachments=attachments(files if files is not None else event.get("files")),
    )


def is_direct_channel(channel_id: str) -> bool:
    """Slack's direct-message conversation ids start with ``D``."""
    return channel_id.startswith("D")


def from_action(body: Payload, action: Payload, speaker: Speaker) -> InboundEvent:
    """A button press (``block_actions``): the button's value is the choice id."""
    container = body.get("container") or {}
    message = body.get("message") or {}
    channel = str((body.get("channel") or {}).get("id") or container.get("channel_id"))
    user = str(body["user"]["id"])
    message_ts = str(container.get("message_ts") or message.get("ts") or "")
    return InboundEvent(
        platform=PLATFORM,
        user_id=user,
        chat_id=channel,
        choice=str(action.get("value") or ""),
        event_id=f"action:{channel}:{message_ts}:{action.get('action_ts')}:{user}",
        display_name=speaker.display_name,
        locale=speaker.locale,
        email=speaker.email,
        thread_id=container.get("thread_ts") or message.get("thread_ts"),
        private=is_direct_channel(channel),
        organization=user_team(body, speaker),
    )


def from_agent_action(
    body: Payload, action: Payload, speaker: Speaker, *, agent: bool
) -> InboundEvent:
    """A button pressed in the agents' channel: on a card, a thread note or a status menu.

    The thread is the card's: a card is the parent of its thread (its own ``ts``), and
    everything else we post about a ticket sits in that thread (``thread_ts``).
    """
    base = from_action(body, action, speaker)
    message = body.get("message") or {}
    container = body.get("container") or {}
    thread = (
        container.get("thread_ts")
        or message.get("thread_ts")
        or container.get("message_ts")
        or message.get("ts")
    )
    return replace(
        base,
        thread_id=str(thread) if thread else None,
        private=False,
        agent_chat=True,
        agent=agent,
    )


def from_agent_message(
    body: Payload,
    speaker: Speaker,
    bot_user_id: str | None,
    *,
    agent: bool,
    names: Names | None = None,
) -> InboundEvent:
    """Words in the agents' channel: a reply in a ticket's thread, or a mention of the app
    (``@chatdesk open tickets``). Our own mention is taken out of the text; other mentions
    become the names Slack shows (a public reply reaches the customer); the answer goes to
    the thread (a mention outside a thread opens one under itself)."""
    event = body["event"]
    return InboundEvent(
        platform=PLATFORM,
        user_id=str(event["user"]),
        chat_id=str(event["channel"]),
        text=without_mention(event.get("text"), bot_user_id, names),
        event_id=str(body["event_id"]),
        display_name=speaker.display_name,
        locale=speaker.locale,
        email=speaker.email,
        thread_id=str(event.get("thread_ts") or event["ts"]),
        private=False,
        organization=user_team(body, speaker),
        attachments=attachments(event.get("files")),
        agent_chat=True,
        agent=agent,
    )


def from_command(command: Payload, speaker: Speaker, dm_channel: str) -> InboundEvent:
    """A slash command, typed anywhere, carried on in the user's DM with our app.

    Whatever the user asks with ``/support`` concerns their own tickets, so the answer goes to
    the DM (the channel they typed in only gets a pointer only they can see).
    """
    return InboundEvent(
        platform=PLATFORM,
        user_id=str(command["user_id"]),
        chat_id=dm_channel,
        text=plain_text(command.get("text")),
        event_id=f"command:{command['trigger_id']}",
        display_name=speaker.display_name,
        locale=speaker.locale,
        email=speaker.email,
        private=True,
        organization=user_team(command, speaker),
    )
