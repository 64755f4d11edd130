"""Message catalogues: every customer-facing text, per language, as data.

Catalogues live in ``chatdesk/messages/<lang>/*.yaml`` (one file per part of the product:
core, telegram, slack...), each a flat mapping of dotted keys to texts with ``{name}``
placeholders. All files of a language are merged; a key defined twice is an error. A test checks
that every key exists in every language with the same placeholders.
"""

from __future__ import annotations

import string
from functools import cache
from pathlib import Path

import yaml

MESSAGES_DIR = Path(__file__).resolve().parent.parent / "messages"
LANGUAGES = ("en", "nl")


class CatalogueError(Exception):
    """A catalogue file is broken or two files define the same key."""


@cache
def catalogue(lang: str) -> dict[str, str]:
    """All texts of one language, merged from its files."""
    texts: dict[str, str] = {}
    folder = MESSAGES_DIR / lang
    for path in sorted(folder.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if not isinstance(data, dict):
            raise CatalogueError(f"{path}: expected a mapping of keys to texts")
        for key, value in data.items():
            if key in texts:
                raise CatalogueError(f"{path}: key {key!r} is defined twice for {lang}")
            if not isinstance(value, str):
                raise CatalogueError(f"{path}: {key!r} must be a text")
            texts[str(key)] = value
    return texts


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def normalize_lang(locale: str | None, default: str = "en") -> str:
    """Map a platform locale (``nl``, ``nl-NL``, ``nl_BE``) to a language we speak."""
    if locale:
        code = locale.replace("_", "-").split("-")[0].lower()
        if code in LANGUAGES:
            return code
    return default


def t(key: str, lang: str, **values: object) -> str:
    """The text for ``key`` in ``lang`` (falling back to English), filled with ``values``."""
    texts = catalogue(lang if lang in LANGUAGES else "en")
    template = texts.get(key)
    if template is None:
        template = catalogue("en").get(key)
    if template is None:
        raise KeyError(f"no message {key!r}")
    return template.format(**values)
