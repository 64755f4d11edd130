"""The pages of the web chat: ``/chat``, the loader ``/widget.js`` and the static files.

The HTML is built here with every text escaped; the JavaScript and CSS are files shipped in
the package (``static/``), so there is no build step and no CDN. No page carries inline script
or style: the Content-Security-Policy allows scripts and styles from this server only, and
``frame-ancestors`` names the sites that may embed the chat (CHATDESK_WEB_ALLOWED_ORIGINS).
"""

from __future__ import annotations

import html
import json
from functools import cache
from pathlib import Path

from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response

from chatdesk.i18n import LANGUAGES, normalize_lang, t

from . import identity

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
    embed = ' data-embed="1"' if embedded else ""
    body = f"""<!doctype html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e["title"]}</title>
<link rel="stylesheet" href="web/static/chat.css">
<link rel="icon" href="web/static/icon.svg" type="image/svg+xml">
</head>
<body data-texts="{html.escape(json.dumps(texts), quote=True)}"{embed}>
<main class="chat" aria-labelledby="chat-title">
<header class="bar">
<h1 id="chat-title">{e["title"]}</h1>
<button type="button" id="mine" aria-controls="panel" aria-expanded="false"
 data-text="my_tickets">{e["my_tickets"]}</button>
<button type="button" id="close" aria-label="{e["close"]}"{"" if embedded else " hidden"}>×</button>
</header>
<p id="status" class="status" role="status">{e["connecting"]}</p>
<ol id="log" class="log" role="log" aria-live="polite" aria-label="{e["log_label"]}">
<li class="line desk intro"><p class="text" id="welcome">{e["welcome"]}</p></li>
</ol>
<section id="panel" class="panel" aria-labelledby="panel-title" hidden>
<div class="panel-head">
<h2 id="panel-title" tabindex="-1">{e["my_tickets"]}</h2>
<button type="button" id="panel-back" data-text="back">{e["back"]}</button>
</div>
<ul id="panel-list" class="panel-list"></ul>
<div id="panel-ticket" class="panel-ticket" hidden>
<p id="ticket-status" class="ticket-status"></p>
<h3 data-text="description">{e["description"]}</h3>
<p id="ticket-description" class="ticket-text"></p>
<ol id="ticket-thread" class="ticket-thread"></ol>
<p id="ticket-files" class="ticket-files"></p>
<label for="ticket-comment" data-text="comment_label">{e["comment_label"]}</label>
<textarea id="ticket-comment" rows="2"></textarea>
<div class="ticket-actions">
<button type="button" id="ticket-send" data-text="comment_send">{e["comment_send"]}</button>
<button type="button" id="ticket-attach" data-text="attach">{e["attach"]}</button>
<button type="button" id="ticket-close" data-text="close_ticket">{e["close_ticket"]}</button>
<button type="button" id="ticket-reopen" data-text="reopen_ticket">{e["reopen_ticket"]}</button>
</div>
</div>
</section>
<form id="composer" class="composer">
<label for="text" class="visually-hidden" id="text-label">{e["input_label"]}</label>
<textarea id="text" rows="2" placeholder="{e["placeholder"]}"></textarea>
<button type="button" id="attach">{e["attach"]}</button>
<input type="file" id="file" class="visually-hidden" tabindex="-1" aria-hidden="true">
<button type="submit" id="send">{e["send"]}</button>
</form>
</main>
<script src="web/static/chat.js"></script>
</body>
</html>
"""
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
