"""Message catalogues: every customer-facing text, per language, as data.

The engine's catalogue lives in ``chatdesk/messages/<lang>/*.yaml`` (one file per part of the
product: core, agents, lifecycle...). Each adapter words its own few texts (its card, its command
menu, its page) in ``chatdesk/adapters/<platform>/messages/<lang>.yaml`` and holds a
:class:`Catalogue` of them whose fallback is the engine's, so that a key both need (a status
name, the apology after an error) is written once. This module never imports an adapter: an
adapter hands its folder in. Each file is a flat mapping of dotted keys to texts with
``{name}`` placeholders; all files of a language are merged, and a key defined twice is an
error. A test checks that every key exists in every language with the same placeholders.
"""

from __future__ import annotations

import string
from pathlib import Path

import yaml

MESSAGES_DIR = Path(__file__).resolve().parent.parent / "messages"
LANGUAGES = ("en", "nl")


class CatalogueError(Exception):
    """A catalogue file is broken or two files define the same key."""


class Catalogue:
    """The texts of one folder, per language, with another catalogue for the keys it lacks.

    A language's texts come from ``<folder>/<lang>.yaml`` and ``<folder>/<lang>/*.yaml``, read
    once. A key missing in a language is taken from English, then from ``fallback``.
    """

    def __init__(self, folder: Path, fallback: Catalogue | None = None) -> None:
        self.folder = folder
        self.fallback = fallback
        self._texts: dict[str, dict[str, str]] = {}

    def texts(self, lang: str) -> dict[str, str]:
        """This catalogue's own texts of one language (not its fallback's), from its files."""
        if lang not in self._texts:
            self._texts[lang] = _read(self.folder, lang)
        return self._texts[lang]

    def template(self, key: str, lang: str) -> str | None:
        """The unfilled text for ``key``: ``lang``, then English, then the fallback's."""
        lang = lang if lang in LANGUAGES else "en"
        found = self.texts(lang).get(key)
        if found is None:
            found = self.texts("en").get(key)
        if found is None and self.fallback is not None:
            return self.fallback.template(key, lang)
        return found

    def t(self, key: str, lang: str, **values: object) -> str:
        """The text for ``key`` in ``lang`` (falling back to English), filled with ``values``."""
        template = self.template(key, lang)
        if template is None:
            raise KeyError(f"no message {key!r}")
        return template.format(**values)


def _read(folder: Path, lang: str) -> dict[str, str]:
    texts: dict[str, str] = {}
    paths = [folder / f"{lang}.yaml", *sorted((folder / lang).glob("*.yaml"))]
    for path in paths:
        if not path.is_file():
            continue
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


ENGINE = Catalogue(MESSAGES_DIR)
"""The engine's catalogue: the dialogue's, the desk's and the shared texts."""


def catalogue(lang: str) -> dict[str, str]:
    """All texts of the engine's catalogue in one language."""
    return ENGINE.texts(lang)


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
    """The engine's text for ``key`` in ``lang`` (else English), filled with ``values``."""
    return ENGINE.t(key, lang, **values)
