"""The web channel's small checks: the identity hash, file names and types, the rate limit."""

from __future__ import annotations

import hashlib
import hmac

from chatdesk.adapters.web import files, identity
from chatdesk.adapters.web.limiter import RateLimiter

SECRET = "site-secret-0123456789abcdef"


def test_the_hash_is_hmac_sha256_of_the_user_id_as_the_docs_compute_it() -> None:
    expected = hmac.new(SECRET.encode(), b"42", hashlib.sha256).hexdigest()
    assert identity.identity_hash(SECRET, "42") == expected
    visitor = identity.verified(
        SECRET, {"id": "42", "name": "Ann", "email": "ann@example.com", "hash": expected.upper()}
    )
    assert visitor == identity.Visitor("u:42", "Ann", "ann@example.com", verified=True)


def test_anything_but_a_valid_hash_is_no_identity() -> None:
    good = identity.identity_hash(SECRET, "42")
    for claim in (
        None,
        "42",
        {"id": "42"},
        {"id": "42", "hash": good[:-1] + "0"},
        {"id": "43", "hash": good},
        {"id": 42, "hash": good},
        {"id": "x" * 91, "hash": identity.identity_hash(SECRET, "x" * 91)},
    ):
        assert identity.verified(SECRET, claim) is None, claim
    assert identity.verified(None, {"id": "42", "hash": good}) is None  # no secret: no one


def test_an_e_mail_that_is_no_address_is_dropped_not_trusted() -> None:
    claim = {"id": "9", "email": "not an address", "hash": identity.identity_hash(SECRET, "9")}
    assert identity.verified(SECRET, claim).email is None  # type: ignore[union-attr]


def test_an_anonymous_visitor_is_their_cookie_or_a_fresh_id() -> None:
    cookie = identity.new_cookie()
    visitor = identity.anonymous(cookie)
    assert visitor == identity.anonymous(cookie)  # the same browser, the same requester
    assert visitor.user_id.startswith("a:") and cookie not in visitor.user_id  # not the secret
    forged = identity.anonymous("u:42-as-a-cookie")
    assert forged.user_id.startswith("a:") and forged != identity.anonymous("u:42-as-a-cookie")


def test_file_names_and_types() -> None:
    assert files.content_type("screenshot.PNG", "image/png") == "image/png"
    assert files.content_type("app.log", "") == "text/plain"
    assert files.content_type("report.pdf", "application/octet-stream") == "application/pdf"
    assert files.content_type("page.html", "text/html") is None
    assert files.content_type("image.svg", "image/svg+xml") is None
    assert files.content_type("setup.exe", "application/octet-stream") is None
    assert files.content_type("photo.png", "text/html") is None  # the type must agree
    assert files.content_type(".png", "image/png") is None
    assert files.clean_name("..\\..\\etc/passwd\x00.txt") == "passwd.txt"


def test_the_rate_limit_refills_over_time() -> None:
    now = [0.0]
    limiter = RateLimiter(2, clock=lambda: now[0])
    assert [limiter.allow("a"), limiter.allow("a"), limiter.allow("a")] == [True, True, False]
    assert limiter.allow("b")  # per visitor
    now[0] += 30  # one token back after half a minute at two a minute
    assert [limiter.allow("a"), limiter.allow("a")] == [True, False]
