"""``GET /metrics`` on a port of its own (CHATDESK_METRICS_PORT), beside the HTTP server.

Useful when the webhooks' port faces the internet and the metrics must not: the metrics port
can stay on an internal interface or behind a firewall rule. prometheus-client's own small
HTTP server serves it from a thread.
"""

from __future__ import annotations

import logging
import threading
from wsgiref.simple_server import WSGIServer

from prometheus_client import start_http_server

from chatdesk.config import HttpSettings, SettingsError
from chatdesk.ops import exposition
from chatdesk.store.db import Database

log = logging.getLogger(__name__)


class MetricsServer:
    def __init__(self, server: WSGIServer, thread: threading.Thread) -> None:
        self.server = server
        self.thread = thread

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


def start(http: HttpSettings, database: Database) -> MetricsServer | None:
    """Serve the metrics on CHATDESK_METRICS_PORT when it and CHATDESK_METRICS_ENABLED are set."""
    if not http.metrics_enabled or http.metrics_port is None:
        return None
    registry = exposition.Exposition(database).registry
    try:
        server, thread = start_http_server(http.metrics_port, addr=http.host, registry=registry)
    except OSError as exc:
        raise SettingsError(
            f"CHATDESK_METRICS_PORT: cannot listen on {http.host}:"
            f"{http.metrics_port}: {exc.strerror or exc}"
        ) from None
    log.info("metrics on http://%s:%s/metrics", http.host, http.metrics_port)
    return MetricsServer(server, thread)
