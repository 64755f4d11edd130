"""The pages of the web chat: ``/chat``, the loader ``/widget.js`` and the static files.

The page is a template (``static/chat.html``) filled here with every text escaped; it, the
JavaScript and the CSS ship in the package (``static/``), so there is no build step and no
CDN. No page carries inline script or style: the Content-Security-Policy allows scripts and
styles from this server only, and ``frame-ancestors`` names the sites that may embed the chat
(CHATDESK_WEB_ALLOWED_ORIGINS).
"""

from __future__ import annotations

import html
import json
import string
from functools import cache
from pathlib import Path

from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response

from chatdesk.core.i18n import LANGUAGES, normalize_lang

from . import identity
from .catalogue import t

STATIC = Path(__file__).resolve().parent / "static"
STATIC_TYPES = {"chat.js": "text/javascript", "chat.css": "text/css", "icon.svg": "image/svg+xml"}
PAGE_KEYS = (
    "title",
    "welcome",
    "launcher",
    "close",
    "log_label",
    "input_label",
    "placeholder",
    "send",
    "attach",
    "my_tickets",
    "connecting",
    "reconnecting",
    "offline",
    "you",
    "desk",
    "back",
    "all_tickets",
    "no_tickets",
    "description",
    "files",
    "no_replies",
    "comment_label",
    "comment_send",
    "close_ticket",
    "reopen_ticket",
)
COMMON_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


@cache
def page_texts(lang: str) -> dict[str, str]:
    """The page's own words (buttons, labels) in ``lang``, from the ``web.*`` catalogue keys."""
    return {key: t(f"web.{key}", lang) for key in PAGE_KEYS}


def page_lang(request: Request, default: str) -> str:
    """``?lang=`` first, then the browser's Accept-Language, then the desk's default."""
    asked = request.query_params.get("lang")
    if asked in LANGUAGES:
        return asked
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate(request.headers.get("accept-language", "").split(",")):
        tag, _, quality = part.strip().partition(";q=")
        try:
            weight = float(quality) if quality else 1.0
        except ValueError:
            continue
        ranked.append((-weight, index, tag))
    for _, _, tag in sorted(ranked):
        if tag and normalize_lang(tag, "") in LANGUAGES:
            return normalize_lang(tag, default)
    return default


def csp(origins: tuple[str, ...]) -> str:
    ancestors = " ".join(("'self'", *origins))
    return (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
        f"connect-src 'self'; frame-ancestors {ancestors}; base-uri 'none'; form-action 'none'"
    )


def chat_page(request: Request, default_lang: str, origins: tuple[str, ...]) -> Response:
    """The chat, as a page of its own or inside the widget's frame (``?embed=1``)."""
    lang = page_lang(request, default_lang)
    texts = page_texts(lang)
    e = {key: html.escape(value, quote=True) for key, value in texts.items()}
    embedded = request.query_params.get("embed") == "1"
    body = string.Template(_read("chat.html")).substitute(
        e,
        lang=lang,
        texts_json=html.escape(json.dumps(texts), quote=True),
        embed=' data-embed="1"' if embedded else "",
        close_hidden="" if embedded else " hidden",
    )
    response = HTMLResponse(
        body, headers={**COMMON_HEADERS, "Content-Security-Policy": csp(origins)}
    )
    cookie = request.cookies.get(identity.COOKIE)
    if cookie is None or not identity.COOKIE_PATTERN.fullmatch(cookie):
        response.set_cookie(
            identity.COOKIE,
            identity.new_cookie(),
            max_age=identity.COOKIE_MAX_AGE,
            path="/",
            httponly=True,
            samesite="lax",
            secure=request.url.scheme == "https",
        )
    return response


def static_file(name: str) -> Response:
    kind = STATIC_TYPES.get(name)
    if kind is None:
        return PlainTextResponse("not found", status_code=404)
    return Response(
        _read(name), media_type=kind, headers={**COMMON_HEADERS, "Cache-Control": "max-age=300"}
    )


def widget_script() -> Response:
    """The loader a site embeds: the launcher's texts in both languages, then ``widget.js``."""
    texts = {lang: page_texts(lang) for lang in LANGUAGES}
    data = json.dumps(texts).replace("<", "\\u003c")
    source = f"(function (TEXTS) {{\n{_read('widget.js')}\n}})({data});\n"
    return Response(
        source,
        media_type="text/javascript",
        headers={**COMMON_HEADERS, "Cache-Control": "max-age=300"},
    )


@cache
def _read(name: str) -> str:
    return (STATIC / name).read_text(encoding="utf-8")
