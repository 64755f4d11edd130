"""Reading a webhook's body without trusting its sender: bounded, and a hang-up is no crash.

Starlette's ``request.body()`` reads whatever arrives into memory, however large, and raises
:class:`~starlette.requests.ClientDisconnect` when a client promises more bytes than it sends.
Both webhooks (Slack's events, Telegram's updates) read through :func:`read_body` instead: it
refuses a declared ``Content-Length`` over the limit before reading a byte, stops reading as
soon as the bytes received pass the limit (a chunked or lying client), and turns a hang-up
into :class:`BodyUnreadable`, so the endpoint answers with a status and one log line.
"""

from __future__ import annotations

from starlette.requests import ClientDisconnect, Request

MAX_BODY_BYTES = 1024 * 1024
"""Neither platform sends anything near this: Slack's payloads and Telegram's updates are a few
kilobytes (a Telegram message holds at most 4096 characters)."""


class BodyTooLarge(Exception):
    """The body is over the limit (answer 413); nothing past the limit was read."""


class BodyUnreadable(Exception):
    """The client hung up before the body was complete, or sent a bad Content-Length."""


async def read_body(request: Request, limit: int = MAX_BODY_BYTES) -> bytes:
    """The request's body, at most ``limit`` bytes, read chunk by chunk."""
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.strip().isdigit():
            raise BodyUnreadable(f"Content-Length is not a number: {declared[:40]!r}")
        if int(declared) > limit:
            raise BodyTooLarge(f"Content-Length {int(declared)} is over {limit} bytes")
    received = bytearray()
    try:
        async for chunk in request.stream():
            received.extend(chunk)
            if len(received) > limit:
                raise BodyTooLarge(f"the body passed {limit} bytes")
    except ClientDisconnect:
        raise BodyUnreadable(
            f"the client hung up after {len(received)} of {declared or 'an unknown number of'} "
            "bytes"
        ) from None
    return bytes(received)
