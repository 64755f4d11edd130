"""The Slack channel of ``chatdesk serve``: a slack-bolt app wired to the desk.

HTTP mode (the default): Slack posts events, button presses and the slash command to
``POST /slack/events`` on the one HTTP server; bolt checks the signature and its 5-minute
window (401 otherwise); our listener stores the delivery in the inbox and acknowledges, well
inside Slack's 3 seconds, and the work runs afterwards on a thread pool
(:mod:`chatdesk.adapters.slack.durable`). Socket Mode (when
``CHATDESK_SLACK_APP_TOKEN`` is set): the same listeners, fed over a WebSocket that bolt's
built-in client opens, and no HTTP route at all.

bolt holds no dialogue: every listener turns the payload into one ``InboundEvent`` and hands it
to :class:`~chatdesk.adapters.slack.turns.SlackTurns`. Slack's retried deliveries carry the same
``event_id``, which the engine records with the turn, so a retry is acknowledged and answered
once. The turn's answers are outbox rows, sent by the worker like the notifications.

Where people speak:

- the DM with the app (``message.im``): customers, and anyone using ``/support``;
- the agents' channel (``CHATDESK_SLACK_AGENT_CHANNEL``): card buttons, replies in a card's
  thread (``message.channels``, filtered to that channel, to threaded messages of people) and
  mentions of the app (``@chatdesk open tickets``), all as ``agent_chat`` events with
  ``agent`` set for the channel's members;
- any other channel: a mention, answered in its thread, with intake moving to the DM.

With ``message.channels`` subscribed, a mention in a thread arrives twice (``app_mention`` and
``message``, with different event ids): in the agents' channel the ``message`` copy is the one
handled; outside it only ``app_mention`` counts, since other channels' messages are ignored.

Answers and notifications (cards, thread notes, messages to customers) come from the outbox
worker through :meth:`SlackChannel.deliver` (:mod:`chatdesk.adapters.slack.outbound`), on a
client of their own whose retries are few and short: the outbox does the long waiting.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.context.respond import Respond
from slack_sdk.errors import SlackApiError
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from chatdesk.adapters.slack.catalogue import t
from chatdesk.adapters.slack.check import check_agent_channel
from chatdesk.adapters.slack.client import outbox_client, web_client
from chatdesk.adapters.slack.directory import SlackDirectory
from chatdesk.adapters.slack.durable import DurableDeliveries
from chatdesk.adapters.slack.http import endpoint
from chatdesk.adapters.slack.inbound import (
    Speaker,
    from_action,
    from_agent_action,
    from_agent_message,
    from_command,
    from_mention,
    from_message,
    is_direct_channel,
    is_person_message,
)
from chatdesk.adapters.slack.outbound import SlackOutbound, failure
from chatdesk.adapters.slack.render import (
    CARD_ACTION_PREFIX,
    CHOICE_ACTION_PREFIX,
    chosen_blocks,
    mrkdwn,
)
from chatdesk.adapters.slack.turns import SlackTurns
from chatdesk.config import SlackSettings
from chatdesk.engine import Desk
from chatdesk.events import CardLocation, InboundEvent, MoveToPrivate, Posted, Reply
from chatdesk.store.inbox import Inbox
from chatdesk.store.outbox import DeliveryFailed, Progress
from chatdesk.worker import worker_name

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
WORKERS = 8
SLASH_COMMAND = "/support"
"""The slash command of the app manifest (docs/slack-manifest.yaml)."""


class SlackChannel:
    """Slack for ``chatdesk serve`` (see the module docstring for the two modes)."""

    name = "slack"

    def __init__(
        self, config: SlackSettings, desk: Desk, *, lang: str, agent_lang: str, lease: timedelta
    ) -> None:
        if config.bot_token is None or config.signing_secret is None:
            raise ValueError(
                "CHATDESK_SLACK_BOT_TOKEN and CHATDESK_SLACK_SIGNING_SECRET are needed"
            )
        self.config = config
        self.default_lang = lang
        self.desk = desk
        self.socket_mode = config.app_token is not None
        self.client = web_client(config)
        self.directory = SlackDirectory(self.client)
        self.turns = SlackTurns(config, desk, self.client, self.directory, lang=lang)
        self.outbound = SlackOutbound(
            config, outbox_client(config), t, lang=lang, agent_lang=agent_lang
        )
        self.app: App | None = None
        self._executor: ThreadPoolExecutor | None = None
        self.durable = DurableDeliveries(
            Inbox(desk.database, "slack", worker_name(), lease),
            desk.clock,
            {
                "message": self._on_message,
                "app_mention": self._on_mention,
                "action": self._on_choice,
                "command": self._on_command,
            },
            lambda: self._executor,
        )
        self._socket: SocketModeHandler | None = None

    # -- Channel protocol ---------------------------------------------------------------------

    def routes(self) -> Sequence[BaseRoute]:
        if self.socket_mode:
            return []
        return [Route(EVENTS_PATH, self._http_endpoint, methods=["POST"])]

    async def start(self) -> None:
        """Build the bolt app (bolt checks the token with ``auth.test``), check that the agents'
        channel can be posted in (``conversations.info``), then connect."""
        self._executor = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="slack")
        self.app = await asyncio.to_thread(self._build_app, self._executor)
        if self.agent_channel is not None:
            await asyncio.to_thread(check_agent_channel, self.client, self.agent_channel)
        if self.socket_mode:
            assert self.config.app_token is not None
            self._socket = SocketModeHandler(
                self.app,
                app_token=self.config.app_token.get_secret_value(),
                web_client=self.client,
            )
            await asyncio.to_thread(self._socket.connect)
        log.info("slack channel ready (%s)", "Socket Mode" if self.socket_mode else "HTTP")

    async def stop(self) -> None:
        """Disconnect, then let the turns in progress finish posting their replies."""
        if self._socket is not None:
            await asyncio.to_thread(self._socket.close)
            self._socket = None
        if self._executor is not None:
            await asyncio.to_thread(self._executor.shutdown, True)
            self._executor = None
        self.app = None

    async def deliver(
        self, reply: Reply, card: CardLocation | None, progress: Progress | None = None
    ) -> Posted | None:
        """Send one outbox item (see :mod:`chatdesk.adapters.slack.outbound`); a move to the
        DM is a turn there and a notice in the thread (:meth:`SlackTurns.move_to_private`)."""
        if isinstance(reply, MoveToPrivate):
            await asyncio.to_thread(self._move_to_private, reply)
            return None
        return await asyncio.to_thread(self.outbound.deliver, reply, card, progress)

    def _move_to_private(self, move: MoveToPrivate) -> None:
        """The move, its notice posted by the outbox's client; Slack's refusals as the outbox
        reads them (see :func:`chatdesk.adapters.slack.outbound.failure`)."""
        try:
            self.turns.move_to_private(move, self.outbound.client)
        except SlackApiError as exc:
            raise failure(exc) from exc
        except (OSError, TimeoutError) as exc:  # URLError, refused or reset connections
            raise DeliveryFailed(f"slack unreachable: {exc}") from exc

    async def replay(self, payload: dict[str, Any]) -> None:
        """Handle a stored delivery again whose process died (see :mod:`.durable`)."""
        self.durable.replay(payload)

    # -- HTTP mode ----------------------------------------------------------------------------

    async def _http_endpoint(self, request: Request) -> Response:
        """``POST /slack/events``: see :func:`chatdesk.adapters.slack.http.endpoint`."""
        return await endpoint(self.app, request)

    # -- bolt wiring --------------------------------------------------------------------------

    def _build_app(self, executor: ThreadPoolExecutor) -> App:
        assert self.config.signing_secret is not None
        app = App(
            client=self.client,
            signing_secret=self.config.signing_secret.get_secret_value(),
            listener_executor=executor,
            logger=logging.getLogger("chatdesk.adapters.slack.bolt"),
            name="chatdesk",
            # Acknowledge only once the listener stored the delivery (see durable.py).
            process_before_response=True,
        )
        app.event("message")(self.durable.listener("message"))
        app.event("app_mention")(self.durable.listener("app_mention"))
        buttons = "|".join(re.escape(p) for p in (CHOICE_ACTION_PREFIX, CARD_ACTION_PREFIX))
        app.action(re.compile(f"^({buttons})"))(self.durable.listener("action"))
        app.command(SLASH_COMMAND)(self.durable.listener("command"))
        # Bolt answers 404 to an event without a listener and Slack then retries it: any other
        # subscribed event is acknowledged and ignored.
        app.event(re.compile(".*"))(self._on_other_event)
        app.error(self._on_error)
        return app

    def _guarded(
        self, delivery: str, where: tuple[str, str | None], build: Callable[[], InboundEvent | None]
    ) -> None:
        """Translate (network look-ups included) and run one turn; any failure -> apology."""
        try:
            event = build()
        except Exception:
            log.exception("slack delivery %s could not be read", delivery)
            self.turns.apologise(where[0], where[1], self.default_lang)
            return
        if event is not None:
            # The delivery leaves the inbox once its turn ran, which may be on another thread.
            self.turns.run(event, after=self.durable.hand_off())

    @property
    def agent_channel(self) -> str | None:
        return self.config.agent_channel or None

    def _is_agent(self, user: str) -> bool:
        channel = self.agent_channel
        return channel is not None and self.directory.is_member(channel, user)

    def _name_of(self, user: str) -> str | None:
        """The name Slack shows for ``user`` (cached by the directory), or None."""
        return self.directory.speaker(user).display_name or None

    def _skip(self, body: Mapping[str, Any], why: str) -> None:
        delivery = body.get("event_id")
        log.debug("slack delivery %s skipped: %s", delivery, why, extra={"delivery": delivery})

    def _on_message(self, body: Mapping[str, Any], bot_user_id: str | None) -> None:
        event = body["event"]
        if not is_person_message(event):
            self._skip(body, "not a person's message")
            return
        if event.get("channel_type") == "im":
            self._on_direct_message(body, event)
        elif self._is_agent_thread_reply(event):
            self._on_agent_message(body, event, bot_user_id)
        else:
            self._skip(body, "not a DM, nor a reply in a thread of the agents' channel")

    def _is_agent_thread_reply(self, event: Mapping[str, Any]) -> bool:
        thread = event.get("thread_ts")
        return (
            self.agent_channel is not None
            and event.get("channel") == self.agent_channel
            and bool(thread)
            and thread != event.get("ts")
        )

    def _on_direct_message(self, body: Mapping[str, Any], event: Mapping[str, Any]) -> None:
        channel, user = str(event["channel"]), str(event["user"])

        def build() -> InboundEvent:
            self.directory.remember_dm(user, channel)
            files = self.directory.complete_files(list(event.get("files") or ()))
            return from_message(body, self.directory.speaker(user), files=files)

        self._guarded(str(body.get("event_id")), (channel, event.get("thread_ts")), build)

    def _on_agent_message(
        self, body: Mapping[str, Any], event: Mapping[str, Any], bot_user_id: str | None
    ) -> None:
        """A reply in a thread of the agents' channel, or a mention of the app there."""
        user = str(event["user"])
        thread = str(event.get("thread_ts") or event.get("ts"))

        def build() -> InboundEvent:
            speaker = self.directory.speaker(user)
            agent = self._is_agent(user)
            return from_agent_message(body, speaker, bot_user_id, agent=agent, names=self._name_of)

        self._guarded(str(body.get("event_id")), (str(event["channel"]), thread), build)

    def _on_mention(self, body: Mapping[str, Any], bot_user_id: str | None) -> None:
        event = body["event"]
        if not is_person_message(event):
            self._skip(body, "not a person")
            return
        if self.agent_channel is not None and event.get("channel") == self.agent_channel:
            if event.get("thread_ts"):
                # Its copy as a ``message`` event (message.channels) is the one handled.
                self._skip(body, "a mention in a thread of the agents' channel")
                return
            self._on_agent_message(body, event, bot_user_id)
            return
        user = str(event["user"])
        thread = str(event.get("thread_ts") or event.get("ts"))

        def build() -> InboundEvent:
            files = self.directory.complete_files(list(event.get("files") or ()))
            return from_mention(body, self.directory.speaker(user), bot_user_id, files)

        self._guarded(str(body.get("event_id")), (str(event["channel"]), thread), build)

    def _on_choice(self, body: Mapping[str, Any], _: str | None) -> None:
        action = (body.get("actions") or [{}])[0]
        user = str(body["user"]["id"])
        channel = str((body.get("channel") or {}).get("id") or "")
        container = body.get("container") or {}
        for_agents = channel == self.agent_channel or str(action.get("action_id") or "").startswith(
            CARD_ACTION_PREFIX
        )

        def build() -> InboundEvent:
            speaker = self.directory.speaker(user)
            if for_agents:
                # A card keeps its buttons after a press: every agent goes on using them.
                return from_agent_action(body, action, speaker, agent=self._is_agent(user))
            if is_direct_channel(channel):
                self._mark_chosen(body, action, speaker)
            return from_action(body, action, speaker)

        thread = container.get("thread_ts") or (container.get("message_ts") if for_agents else None)
        self._guarded(str(action.get("action_ts")), (channel, thread), build)

    def _mark_chosen(
        self, body: Mapping[str, Any], action: Mapping[str, Any], speaker: Speaker
    ) -> None:
        """Replace the pressed message's buttons by what was chosen, so nobody presses twice."""
        container = body.get("container") or {}
        message = body.get("message")
        if container.get("is_ephemeral") or not message:
            return
        label = str((action.get("text") or {}).get("text") or action.get("value") or "")
        lang = self.turns.language(str(body["user"]["id"]), speaker.locale)
        try:
            self.client.chat_update(
                channel=str(body["channel"]["id"]),
                ts=str(message["ts"]),
                text=str(message.get("text") or ""),
                blocks=chosen_blocks(message.get("blocks") or [], label, t, lang),
            )
        except Exception:
            log.warning("slack could not mark the choice on message %s", message.get("ts"))

    def _on_command(self, command: Mapping[str, Any], _: str | None) -> None:
        respond = Respond(response_url=command.get("response_url"))
        user = str(command["user_id"])
        state: dict[str, str] = {}

        def build() -> InboundEvent:
            speaker = self.directory.speaker(user)
            state["dm"] = self.directory.dm_channel(user)
            state["locale"] = speaker.locale or ""
            return from_command(command, speaker, state["dm"])

        self._guarded(f"command:{command.get('trigger_id')}", (user, None), build)
        if state.get("dm") and command.get("channel_id") != state["dm"]:
            lang = self.turns.language(user, state.get("locale") or None)  # after a `lang` command
            try:
                respond(
                    text=mrkdwn(t("slack.command.answered_in_dm", lang)),
                    response_type="ephemeral",
                )
            except Exception:
                log.warning("slack could not answer the slash command where it was typed")

    def _on_other_event(self) -> None:
        return None

    def _on_error(self, error: Exception, body: Mapping[str, Any]) -> None:
        log.error(
            "slack listener error for %s: %s", body.get("event_id") or body.get("type"), error
        )
