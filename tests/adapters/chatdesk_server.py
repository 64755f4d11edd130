"""chatdesk's own HTTP server (the app of ``chatdesk serve``) on a free loopback port, in a
thread, for the adapter tests of every platform. Its lifespan starts and stops the channels
exactly as ``chatdesk serve`` does; given the desk, it runs the outbox worker too."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Sequence

import uvicorn

from chatdesk.adapters.server import Channel, build_http_app
from chatdesk.engine import Desk


class ChatdeskServer:
    """uvicorn serving ``build_http_app(channels, desk)``; ``with``, or ``start()``/``stop()``."""

    def __init__(self, channels: Sequence[Channel], desk: Desk | None = None) -> None:
        self._sock = socket.create_server(("127.0.0.1", 0))
        self.port = int(self._sock.getsockname()[1])
        app = build_http_app(channels, desk)
        config = uvicorn.Config(app, lifespan="on", log_level="warning")
        self.server = uvicorn.Server(config)
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _run(self) -> None:
        try:
            asyncio.run(self.server.serve(sockets=[self._sock]))
        except BaseException as exc:  # reported by start()
            self.error = exc

    def start(self, timeout: float = 30.0) -> ChatdeskServer:
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"chatdesk's HTTP server did not start: {self.error!r}")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self._thread.join(timeout=30)
        self._sock.close()

    def __enter__(self) -> ChatdeskServer:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()
