"""What ``POST /slack/events`` refuses before bolt sees it: anything bolt would crash on.

bolt assumes a well-formed request: it decodes the body as UTF-8, reads the timestamp header
with ``int()`` and parses the body as JSON (or a form whose ``payload`` is JSON) as soon as the
request object is built, before and after checking the signature. Any of those failing raises
out of ``App.dispatch`` and became a 500 with a traceback in the log. Slack itself never sends
such a request, so whoever did gets a 400 and one log line, whether or not it was signed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from urllib.parse import parse_qsl

TIMESTAMP_HEADER = "x-slack-request-timestamp"


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
