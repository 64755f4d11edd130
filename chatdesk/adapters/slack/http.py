"""What ``POST /slack/events`` refuses before bolt sees it: anything bolt would crash on.

bolt assumes a well-formed request: it decodes the body as UTF-8, reads the timestamp header
with ``int()`` and parses the body as JSON (or a form whose ``payload`` is JSON) as soon as the
request object is built, before and after checking the signature. Any of those failing raises
out of ``App.dispatch`` and became a 500 with a traceback in the log. Slack itself never sends
such a request, so whoever did gets a 400 and one log line, whether or not it was signed.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Mapping
from urllib.parse import parse_qsl

from slack_bolt import App
from slack_bolt.adapter.starlette.handler import to_bolt_request, to_starlette_response
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from chatdesk.adapters.http_body import MAX_BODY_BYTES, BodyTooLarge, BodyUnreadable, read_body
from chatdesk.store.db import first_line

log = logging.getLogger(__name__)

TIMESTAMP_HEADER = "x-slack-request-timestamp"


async def endpoint(app: App | None, request: Request) -> Response:
    """Refuse what is too large (413) or malformed (400, :func:`malformed`) with one log line,
    then let bolt check the signature and acknowledge; 503 before the channel started."""
    if app is None:
        return PlainTextResponse("slack channel not started", status_code=503)
    try:
        body = await read_body(request, MAX_BODY_BYTES)
    except BodyTooLarge as exc:
        log.warning("slack: request refused (413): %s", exc)
        return PlainTextResponse("payload too large", status_code=413)
    except BodyUnreadable as exc:
        log.warning("slack: request refused (400): %s", exc)
        return PlainTextResponse("bad request", status_code=400)
    problem = malformed(body, request.headers)
    if problem is None:
        try:
            # dispatch verifies the signature and waits for the listener's ack; it may call
            # auth.test once, so it runs off the event loop.
            bolt_response = await asyncio.to_thread(app.dispatch, to_bolt_request(request, body))
            return to_starlette_response(bolt_response)
        except Exception as exc:  # a shape bolt cannot read that the checks let through
            problem = f"bolt could not read it ({type(exc).__name__}: {first_line(exc)})"
    log.warning("slack: request refused (400): %s", problem)
    return PlainTextResponse("bad request", status_code=400)


def malformed(body: bytes, headers: Mapping[str, str]) -> str | None:
    """Why this request cannot be one of Slack's, in a few words, or None when it can."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        return f"the body is not UTF-8 (byte {exc.start})"
    timestamp = headers.get(TIMESTAMP_HEADER)
    if timestamp is not None and not _is_integer(timestamp):
        return f"the timestamp header is not a number: {timestamp[:40]!r}"
    return _unparsable(text, headers.get("content-type"))


def _is_integer(value: str) -> bool:
    """What the signature verifier's ``int(timestamp)`` accepts."""
    try:
        int(value)
    except ValueError:
        return False
    return True


def _unparsable(text: str, content_type: str | None) -> str | None:
    """What bolt's ``parse_body`` would choke on: the same rules, without the exception."""
    media = (content_type or "").split(";")[0].strip().lower()
    if media == "application/json" or text.startswith("{"):
        return _not_an_object(text, "the JSON body")
    if "payload" in (params := dict(parse_qsl(text, keep_blank_values=True))):
        return _not_an_object(params["payload"], "the form's payload")
    return None


def _not_an_object(text: str, what: str) -> str | None:
    try:
        value = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        return f"{what} is not JSON ({exc.__class__.__name__})"
    if not isinstance(value, dict):
        return f"{what} is not a JSON object"
    return None
