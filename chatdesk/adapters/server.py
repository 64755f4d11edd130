"""The one HTTP server of ``chatdesk serve`` and the channels that plug into it.

A channel is one platform connection (Telegram, Slack). It contributes HTTP routes (webhooks,
Slack events) and may run background work (long polling, Socket Mode) between ``start`` and
``stop``. The server always answers ``GET /healthz`` (liveness) and ``GET /readyz`` (readiness:
:mod:`chatdesk.ops.readiness`), and ``GET /metrics`` when CHATDESK_METRICS_ENABLED is on.
Platform libraries are imported only when their channel is configured, so a bot without
Slack never imports slack-bolt.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import socket
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Protocol

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from chatdesk.adapters import metrics_server
from chatdesk.app import build_worker
from chatdesk.config import Settings, SettingsError
from chatdesk.engine import Desk
from chatdesk.events import CardLocation, Posted, Reply
from chatdesk.ops import exposition, readiness
from chatdesk.store.db import first_line
from chatdesk.store.outbox import Progress

if TYPE_CHECKING:
    from chatdesk.adapters.slack import SlackChannel
    from chatdesk.adapters.telegram import TelegramChannel
    from chatdesk.adapters.web import WebChannel

log = logging.getLogger(__name__)


class Channel(Protocol):
    """One platform connection served by ``chatdesk serve``.

    ``deliver`` is the outbox's way out (see :class:`chatdesk.worker.Sender`): notifications
    for this platform are sent through it by the worker, never straight from a turn.
    """

    name: str

    def routes(self) -> Sequence[BaseRoute]: ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def deliver(
        self, reply: Reply, card: CardLocation | None, progress: Progress
    ) -> Posted | None: ...


def build_http_app(channels: Sequence[Channel], desk: Desk | None = None) -> Starlette:
    """A Starlette app with ``/healthz`` and every channel's routes; channels start with it.

    With ``desk`` given, the outbox worker and the periodic jobs (:mod:`chatdesk.worker`)
    run from start to stop too, sending through the channels. A channel that cannot start
    because of a setting (a token the platform refuses) raises :class:`SettingsError`; it is
    kept in ``app.state.startup_error`` for :func:`run_server` to report in one line.
    """
    states = {channel.name: "not started" for channel in channels}
    return Starlette(
        routes=_routes(channels, desk, states), lifespan=_lifespan(channels, desk, states)
    )


def _routes(
    channels: Sequence[Channel], desk: Desk | None, states: dict[str, str]
) -> list[BaseRoute]:
    """``/healthz``, ``/readyz``, ``/metrics`` when it is served on this port, the channels'."""

    async def healthz(_: Request) -> JSONResponse:
        return JSONResponse({"status": "ok", "channels": [c.name for c in channels]})

    async def readyz(_: Request) -> JSONResponse:
        if desk is None:  # no database to ask: ready once every channel started
            ready = all(state == "started" for state in states.values())
            body = {"status": "ready" if ready else "not ready", "channels": states}
            return JSONResponse(body, status_code=200 if ready else 503)
        result = await readiness.check(desk.database, states)
        return JSONResponse(result.as_dict(), status_code=200 if result.ready else 503)

    routes: list[BaseRoute] = [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
    ]
    if (
        desk is not None
        and desk.settings.http.metrics_enabled
        and desk.settings.http.metrics_port is None
    ):
        scrape = exposition.Exposition(desk.database)

        async def metrics_page(_: Request) -> Response:
            body = await asyncio.to_thread(scrape.render)  # reads the outbox
            return Response(body, media_type=scrape.content_type)

        routes.append(Route("/metrics", metrics_page, methods=["GET"]))
    for channel in channels:
        routes.extend(channel.routes())
    return routes


def _lifespan(
    channels: Sequence[Channel], desk: Desk | None, states: dict[str, str]
) -> Callable[[Starlette], contextlib.AbstractAsyncContextManager[None]]:
    """Start the channels in order, then the worker and the metrics port; stop in reverse."""

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        started: list[Channel] = []
        own_port: metrics_server.MetricsServer | None = None
        worker = build_worker(desk, {c.name: c for c in channels}) if desk is not None else None
        try:
            for channel in channels:
                await _start(channel, app)
                started.append(channel)
                states[channel.name] = "started"
                log.info("channel %s started", channel.name)
            if worker is not None:
                await worker.start()
            try:
                own_port = metrics_server.start(desk.settings.http, desk.database) if desk else None
            except SettingsError as exc:
                app.state.startup_error = exc
                raise
            yield
        finally:
            if own_port is not None:
                own_port.stop()
            for name in states:
                states[name] = "stopping"
            if worker is not None:
                await worker.stop()
            for channel in reversed(started):
                try:
                    await channel.stop()
                except Exception:
                    log.exception("channel %s did not stop cleanly", channel.name)

    return lifespan


async def _start(channel: Channel, app: Starlette) -> None:
    """Start one channel; any failure becomes a :class:`SettingsError` kept on the app."""
    try:
        await channel.start()
    except SettingsError as exc:
        app.state.startup_error = exc
        raise
    except Exception as exc:  # the platform's API could not be reached or used
        log.debug("channel %s did not start", channel.name, exc_info=True)
        error = SettingsError(
            f"{API_URL_SETTING.get(channel.name, 'settings')}: {channel.name} "
            f"could not start: {type(exc).__name__}: {first_line(exc)}"
        )
        app.state.startup_error = error
        raise error from None


API_URL_SETTING = {"telegram": "CHATDESK_TELEGRAM_API_URL", "slack": "CHATDESK_SLACK_API_URL"}
"""What to check when a platform's API could not be reached at start-up."""


def configured_channels(settings: Settings, desk: Desk) -> list[Channel]:
    """The channels whose credentials are set, imported lazily. Slack needs its bot token
    and signing secret together: one without the other is a mistake, not "no Slack"."""
    slack = {
        "CHATDESK_SLACK_BOT_TOKEN": settings.slack.bot_token,
        "CHATDESK_SLACK_SIGNING_SECRET": settings.slack.signing_secret,
    }
    given = [name for name, value in slack.items() if value is not None]
    if settings.slack.app_token is not None and not given:
        given = ["CHATDESK_SLACK_APP_TOKEN"]
    missing = [name for name in slack if slack[name] is None]
    if given and missing:
        raise SettingsError(
            f"{missing[0]}: must be set for Slack, since {given[0]} is set "
            "(unset both to run without Slack)"
        )
    channels: list[Channel] = []
    if settings.telegram.token is not None:
        channels.append(telegram_channel(settings, desk))
    if settings.slack.bot_token is not None and settings.slack.signing_secret is not None:
        channels.append(slack_channel(settings, desk))
    if settings.web.enabled:
        channels.append(web_channel(settings, desk))
    return channels


def telegram_channel(settings: Settings, desk: Desk) -> TelegramChannel:
    """The Telegram channel, handed its section and the few desk-wide values it needs."""
    from chatdesk.adapters.telegram import TelegramChannel

    return TelegramChannel(
        settings.telegram,
        desk,
        lang=settings.desk.default_lang,
        agent_lang=settings.desk.agent_language,
        lease=timedelta(seconds=settings.delivery.lease_seconds),
    )


def slack_channel(settings: Settings, desk: Desk) -> SlackChannel:
    """The Slack channel, handed its section and the few desk-wide values it needs."""
    from chatdesk.adapters.slack import SlackChannel

    return SlackChannel(
        settings.slack,
        desk,
        lang=settings.desk.default_lang,
        agent_lang=settings.desk.agent_language,
        lease=timedelta(seconds=settings.delivery.lease_seconds),
    )


def web_channel(settings: Settings, desk: Desk) -> WebChannel:
    """The web chat's channel, handed its section and the desk's default language."""
    from chatdesk.adapters.web import WebChannel

    return WebChannel(settings.web, desk, lang=settings.desk.default_lang)


async def run_server(settings: Settings, channels: Sequence[Channel], desk: Desk) -> None:
    """Serve until SIGINT/SIGTERM, then stop every channel.

    A channel's :class:`SettingsError` at start-up ends the server; it is raised from here
    so that the command prints its one line, and uvicorn's traceback of it is left out.
    """
    _check_address(settings.http.host, settings.http.port)
    app = build_http_app(channels, desk)
    config = uvicorn.Config(
        app,
        host=settings.http.host,
        port=settings.http.port,
        log_level=settings.logging.level.lower(),
        lifespan="on",
        # JSON lines: uvicorn's loggers go through ours instead of its own text handlers
        log_config=None if settings.logging.format == "json" else uvicorn.config.LOGGING_CONFIG,
    )
    server = uvicorn.Server(config)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, lambda: setattr(server, "should_exit", True))
    quiet = _StartupErrorFilter(app)
    logging.getLogger("uvicorn.error").addFilter(quiet)
    try:
        await server.serve()
    except SystemExit:  # uvicorn's way out of a failed start-up
        error = getattr(app.state, "startup_error", None)
        if error is None:
            raise
        raise error from None
    finally:
        logging.getLogger("uvicorn.error").removeFilter(quiet)


def _check_address(host: str, port: int) -> None:
    """Fail with one line, before any channel starts, when the HTTP server cannot listen
    there (a port in use, a host name that does not resolve); uvicorn would only find out
    after the channels started, and say so in a traceback."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except OSError as exc:
        raise SettingsError(f"CHATDESK_HTTP_HOST: cannot listen on {host!r}: {exc}") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            raise SettingsError(
                f"CHATDESK_HTTP_PORT: cannot listen on {host}:{port}: {exc.strerror or exc}"
            ) from None


class _StartupErrorFilter(logging.Filter):
    """Drops uvicorn's traceback of a channel's :class:`SettingsError` at start-up: that error
    is expected, and :func:`run_server` hands it to the command, which prints it in one line."""

    def __init__(self, app: Starlette) -> None:
        super().__init__()
        self.app = app

    def filter(self, record: logging.LogRecord) -> bool:
        error = getattr(self.app.state, "startup_error", None)
        return error is None or str(error) not in record.getMessage()
