"""Message catalogues: every key in every language, with the same placeholders."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from chatdesk.core import statuses
from chatdesk.core.i18n import LANGUAGES, catalogue, normalize_lang, placeholders

ROOT = Path(__file__).resolve().parent.parent


def test_every_language_has_the_same_keys_and_placeholders():
    english = catalogue("en")
    for lang in LANGUAGES:
        texts = catalogue(lang)
        assert set(texts) == set(english), lang
        for key, text in texts.items():
            assert placeholders(text) == placeholders(english[key]), (lang, key)


def test_every_status_has_a_name_and_meaning_in_every_language():
    for lang in LANGUAGES:
        for status in statuses.CATALOGUE.values():
            assert status.name(lang) and status.meaning(lang)


def test_every_key_the_code_uses_exists():
    used = set()
    for path in (ROOT / "chatdesk").glob("*.py"):
        source = path.read_text(encoding="utf-8")
        used |= set(
            re.findall(
                r"""(?:say|text|choice)\(\s*(?:f?"[^"]*",\s*)?"([a-z_]+\.[a-z_.]+)\"""", source
            )
        )
        used |= set(re.findall(r"""turn\.say\(\s*"([a-z_.]+)\"""", source))
    missing = {key for key in used if key not in catalogue("en")}
    assert not missing


@pytest.mark.parametrize(
    ("locale", "lang"),
    [("nl", "nl"), ("nl-NL", "nl"), ("nl_BE", "nl"), ("en-GB", "en"), ("de", "en"), (None, "en")],
)
def test_platform_locales_map_to_our_languages(locale, lang):
    assert normalize_lang(locale) == lang


def test_status_transitions_follow_the_manuals():
    assert statuses.can_move("solved", "open")  # a comment reopens a solved ticket
    assert not statuses.can_move("closed", "open")  # a closed one takes a follow-up instead
    assert not statuses.TRANSITIONS["cancelled"]
    assert statuses.get("waiting_customer").paused
