"""Message catalogues: every key in every language, with the same placeholders, each used.

The engine's catalogue is chatdesk/messages; each adapter holds its own beside it
(chatdesk/adapters/<platform>/messages), falling back to the engine's for shared keys.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from chatdesk.adapters.slack import catalogue as slack
from chatdesk.adapters.telegram import catalogue as telegram
from chatdesk.adapters.terminal import catalogue as terminal
from chatdesk.adapters.web import catalogue as web
from chatdesk.core import statuses
from chatdesk.core.i18n import ENGINE, LANGUAGES, Catalogue, normalize_lang, placeholders

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "chatdesk"

ADAPTERS: dict[str, Catalogue] = {
    "slack": slack.CATALOGUE,
    "telegram": telegram.CATALOGUE,
    "terminal": terminal.CATALOGUE,
    "web": web.CATALOGUE,
}
CATALOGUES: dict[str, Catalogue] = {"engine": ENGINE, **ADAPTERS}

KEY_FUNCTIONS = frozenset(
    {"t", "text", "texts", "say", "_say", "choice", "_notice", "_agent_text", "_note", "_named"}
    | {"Refused"}
)
"""Calls that take a message key as one of their positional arguments."""

KEY_SHAPE = re.compile(r"^[a-z][a-z_]*(\.[A-Za-z0-9_]+)+$")

FIELDS = ("subject", "description", "steps", "error_message")
DYNAMIC: dict[str, tuple[str, ...]] = {
    # Keys the code builds with an f-string ("{}" stands for the value), and every value it
    # can take there. A new f-string key fails the test until it is listed here.
    "status.{}.name": tuple(statuses.CATALOGUE),
    "status.{}.meaning": tuple(statuses.CATALOGUE),
    "field.{}": FIELDS,
    "field.the.{}": FIELDS,
    "field.The.{}": FIELDS,
    "intake.ask_{}": ("description", "steps"),
    "invalid.{}": ("empty", "no_words", "too_short"),  # too_long: the text is kept, split
    "agent.reply_default.{}": ("public", "internal"),
    "agent.kind.{}": ("customer", "public", "internal"),
    "lifecycle.rating.label_{}": ("1", "2", "3", "4", "5"),
    "service.weekday.{}": tuple(str(day) for day in range(7)),
    "service.month.{}": tuple(str(month) for month in range(1, 13)),
    "service.target.{}": ("first_response", "resolution"),
    "service.allowed.{}": ("around_the_clock", "support_hours"),
    "service.priority.{}": ("urgent", "high", "normal", "low"),
    "slack.note.{}": ("customer", "public", "internal", "event", "escalation"),
    "slack.priority.{}": ("normal", "urgent"),
    "telegram.note.{}": ("customer", "public", "internal", "event", "escalation"),
    "telegram.priority.{}": ("normal", "urgent"),
}


def _dynamic() -> dict[str, tuple[str, ...]]:
    from chatdesk.adapters.telegram.commands import COMMANDS
    from chatdesk.adapters.web.pages import PAGE_KEYS

    return {**DYNAMIC, "telegram.command.{}": tuple(COMMANDS), "web.{}": tuple(PAGE_KEYS)}


def _catalogue_of(path: Path) -> Catalogue:
    """The catalogue the code in ``path`` reads: its adapter's, else the engine's."""
    parts = path.relative_to(PACKAGE).parts
    if parts[0] == "adapters" and len(parts) > 1 and parts[1] in ADAPTERS:
        return ADAPTERS[parts[1]]
    return ENGINE


def _template(node: ast.JoinedStr) -> str:
    return "".join(
        str(part.value) if isinstance(part, ast.Constant) else "{}" for part in node.values
    )


def _strings(node: ast.expr) -> list[str]:
    """The texts an argument can be: a literal, or either branch of ``a if c else b``."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _strings(node.body) + _strings(node.orelse)
    return []


def _keys_in_code() -> tuple[dict[str, set[Path]], dict[str, set[Path]], set[str]]:
    """Keys the code passes to KEY_FUNCTIONS (literal, and f-string templates), with where.

    A literal is taken for a key when it is dotted ("intake.ask_subject"), or the first argument
    of ``say``/``t``/``text`` ("help"); so is a literal assigned to a ``key`` variable. Also
    returned: every string constant of the code, which counts a key held as data as used.
    """
    literal: dict[str, set[Path]] = {}
    built: dict[str, set[Path]] = {}
    constants: set[str] = set()
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                constants.add(node.value)
            if isinstance(node, ast.Assign) and any(
                isinstance(target, ast.Name) and target.id == "key" for target in node.targets
            ):
                for value in _strings(node.value):
                    literal.setdefault(value, set()).add(path)
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name not in KEY_FUNCTIONS:
                continue
            for position, arg in enumerate(node.args):
                for value in _strings(arg):
                    first = position == 0 and name in {"say", "t", "text"}
                    if KEY_SHAPE.match(value) or (first and re.fullmatch(r"[a-z_]+", value)):
                        literal.setdefault(value, set()).add(path)
                if isinstance(arg, ast.JoinedStr):
                    template = _template(arg)
                    if KEY_SHAPE.match(template.replace("{}", "x")):
                        built.setdefault(template, set()).add(path)
    return literal, built, constants


def test_every_language_has_the_same_keys_and_placeholders():
    for name, cat in CATALOGUES.items():
        english = cat.texts("en")
        assert english, name
        for lang in LANGUAGES:
            texts = cat.texts(lang)
            assert set(texts) == set(english), (name, lang, set(texts) ^ set(english))
            for key, text in texts.items():
                assert placeholders(text) == placeholders(english[key]), (name, lang, key)


def test_each_adapter_words_only_its_own_keys_and_never_shadows_the_engine():
    engine = set(ENGINE.texts("en"))
    for platform, cat in ADAPTERS.items():
        own = set(cat.texts("en"))
        assert all(key.startswith(f"{platform}.") for key in own), platform
        assert not own & engine, platform


def test_an_adapter_catalogue_falls_back_to_the_engine_for_shared_keys():
    assert telegram.t("error.apology", "nl") == ENGINE.t("error.apology", "nl")
    assert slack.t("status.open.name", "nl") == ENGINE.t("status.open.name", "nl")
    assert web.t("web.send", "nl") != web.t("web.send", "en")
    with pytest.raises(KeyError):
        ENGINE.t("web.send", "en")  # the engine never sees an adapter's wording
    with pytest.raises(KeyError):
        slack.t("telegram.card.title", "en", reference="SD-1")  # nor one adapter another's


def test_every_status_has_a_name_and_meaning_in_every_language():
    for lang in LANGUAGES:
        for status in statuses.CATALOGUE.values():
            assert status.name(lang) and status.meaning(lang)


def test_every_key_the_code_uses_exists_in_every_language():
    literal, built, _ = _keys_in_code()
    dynamic = _dynamic()
    assert len(literal) > 150  # the scan sees the code (adapters and search included)
    unlisted = {template: sorted(map(str, paths)) for template, paths in built.items()
                if template not in dynamic}  # fmt: skip
    assert not unlisted, "list these f-string keys and their values in DYNAMIC"
    wanted = [(key, path) for key, paths in literal.items() for path in paths]
    wanted += [
        (template.replace("{}", value), path)
        for template, paths in built.items()
        for value in dynamic[template]
        for path in paths
    ]
    missing = sorted(
        (key, lang, str(path.relative_to(ROOT)))
        for key, path in wanted
        for lang in LANGUAGES
        if key not in _catalogue_of(path).texts(lang) and key not in ENGINE.texts(lang)
    )
    assert not missing


def test_every_key_defined_is_used():
    literal, built, constants = _keys_in_code()
    dynamic = _dynamic()
    used = set(literal) | constants
    used |= {t.replace("{}", value) for t in built for value in dynamic.get(t, ())}
    for name, cat in CATALOGUES.items():
        unused = sorted(set(cat.texts("en")) - used)
        assert not unused, name


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
