"""t.me deep links that carry what a customer typed in a group into their private chat.

Telegram passes ``/start <payload>`` when the customer opens ``https://t.me/<bot>?start=<payload>``.
The payload is at most 64 characters of ``A-Z a-z 0-9 _ -``, so a short text rides along as
base64url; a longer one cannot, and the private chat then simply starts fresh (the group message
told the customer what to do). No state is kept anywhere for this. Since anyone can craft such
a link, the private chat reads the carried text as a new problem only, never as a command
(:func:`chatdesk.adapters.telegram.inbound.to_event`).
"""

from __future__ import annotations

import base64
import binascii

MAX_PAYLOAD = 64
_TEXT_MARK = "t"


def start_link(bot_username: str, text: str = "") -> str:
    """A deep link to the private chat with the bot, carrying ``text`` if it fits."""
    payload = encode_payload(text)
    link = f"https://t.me/{bot_username}"
    return f"{link}?start={payload}" if payload else f"{link}?start=help"


def encode_payload(text: str) -> str:
    """``text`` as a start payload, or "" when it does not fit in 64 characters."""
    text = text.strip()
    if not text:
        return ""
    encoded = base64.urlsafe_b64encode(text.encode("utf-8")).decode("ascii").rstrip("=")
    payload = _TEXT_MARK + encoded
    return payload if len(payload) <= MAX_PAYLOAD else ""


def decode_payload(payload: str) -> str | None:
    """The text carried by a start payload, or None if it carries none."""
    if not payload.startswith(_TEXT_MARK) or len(payload) > MAX_PAYLOAD:
        return None
    body = payload[len(_TEXT_MARK) :]
    try:
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        return raw.decode("utf-8").strip() or None
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
