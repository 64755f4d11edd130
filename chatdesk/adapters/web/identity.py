"""Who a web visitor is: a site's verified user, or an anonymous browser.

A site with logged-in users passes the user's id, name and e-mail with an HMAC-SHA256 of the
id under CHATDESK_WEB_IDENTITY_SECRET, computed on the site's server (the secret never reaches
a browser). A valid hash makes the visitor that requester on every device. Anything else is an
anonymous visitor, known only by a random id in an HttpOnly, SameSite cookie: they can open
tickets and follow those in that browser, nothing more. The hash is compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from typing import Any

COOKIE = "chatdesk_visitor"
COOKIE_PATTERN = re.compile(r"[A-Za-z0-9_-]{32}")
COOKIE_MAX_AGE = 400 * 24 * 3600  # the longest browsers keep a cookie
USER_ID_LIMIT = 90  # the requester column keeps 100 characters; "u:" goes in front
NAME_LIMIT = 200
EMAIL_LIMIT = 254
_EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]+\.[^@\s]+")


@dataclass(frozen=True)
class Visitor:
    """The requester a connection speaks for. ``chat_id`` is where its lines are kept."""

    user_id: str
    name: str = ""
    email: str | None = None
    verified: bool = False

    @property
    def chat_id(self) -> str:
        return self.user_id


def new_cookie() -> str:
    return secrets.token_urlsafe(24)  # 32 characters, 192 random bits


def identity_hash(secret: str, user_id: str) -> str:
    """What a site's backend computes: hex HMAC-SHA256 of the user id under the secret."""
    return hmac.new(secret.encode(), user_id.encode(), hashlib.sha256).hexdigest()


def verified(secret: str | None, claim: Any) -> Visitor | None:
    """The visitor a site vouches for, or None when ``claim`` carries no valid hash."""
    if secret is None or not isinstance(claim, dict):
        return None
    user_id, given = claim.get("id"), claim.get("hash")
    if not isinstance(user_id, str) or not isinstance(given, str):
        return None
    if not user_id or len(user_id) > USER_ID_LIMIT or not user_id.isprintable():
        return None
    if not hmac.compare_digest(identity_hash(secret, user_id), given.strip().lower()):
        return None
    name = claim.get("name")
    email = claim.get("email")
    return Visitor(
        user_id=f"u:{user_id}",
        name=name[:NAME_LIMIT] if isinstance(name, str) else "",
        email=email if isinstance(email, str) and _EMAIL.fullmatch(email[:EMAIL_LIMIT]) else None,
        verified=True,
    )


def claimed(claim: Any) -> bool:
    """Whether the page passed an identity at all (a hash that failed is worth telling)."""
    return isinstance(claim, dict) and bool(claim.get("id") or claim.get("hash"))


def anonymous(cookie: str | None) -> Visitor:
    """The visitor of this browser's cookie; without one (cookies blocked), of this tab only.

    The requester id is a digest of the cookie, not the cookie: whoever reads the database, a
    ticket's card or ``chatdesk tickets`` cannot chat as that browser.
    """
    token = cookie if cookie is not None and COOKIE_PATTERN.fullmatch(cookie) else new_cookie()
    return Visitor(user_id="a:" + hashlib.sha256(token.encode()).hexdigest()[:32])
