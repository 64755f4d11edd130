"""Public or internal: the marker word that leads an agent's reply in a ticket's thread.

"internal: checked the logs" stays among the agents; "public: it works again" reaches the
customer; without a marker the desk's default applies. Every front end an agent writes in
(Slack's and Telegram's threads, ``chatdesk tickets reply``) reads the marker here, in either
language, so an internal note never leaks because it was typed in another way.
"""

from __future__ import annotations

import re
import string
import unicodedata
from functools import cache

from chatdesk.core.i18n import LANGUAGES, catalogue

INTERNAL_MARKERS = frozenset(
    {"internal", "intern", "interne", "note", "notitie", "private", "prive", "privé"}
)
PUBLIC_MARKERS = frozenset({"public", "publiek", "reply", "klant", "customer", "antwoord"})
_DECORATION = " \t\r\n*_~`>#!([{<|"
"""What may stand before a *public* marker: spacing, markdown, brackets. Anything at all may
stand before an internal one (an emoji, a bullet, quotes, numbering)."""
_AFTER = " \t\r\n*_~`:;.,!?-–—)]}>|"
_QUOTES = "'\"‘’‚‛“”„‟«»‹›"
_APOSTROPHES = "'’ʼ"
_WORD = re.compile(r"[^\W\d_]+")
_LETTER = re.compile(r"[^\W\d_]")
_NEXT_WORD = re.compile(r"[ \t]+([^\W\d_]+)")
_BOT_NOTE_KEYS = ("slack.note.internal", "telegram.note.internal")


def _folded(text: str) -> tuple[str, list[int]]:
    """``text`` NFKC- and case-folded, and where in ``text`` each folded character comes from.

    Full-width letters become plain ones ("ｉｎｔｅｒｎａｌ"), an accent typed as a combining mark
    joins its letter, and invisible format characters (zero-width spaces, joiners) are dropped.
    The positions let the caller cut the original text, so the words kept are the words typed.
    """
    pieces: list[str] = []
    origin: list[int] = []
    i = 0
    while i < len(text):
        j = i + 1
        while j < len(text) and unicodedata.combining(text[j]):
            j += 1
        if unicodedata.category(text[i]) != "Cf":
            piece = unicodedata.normalize("NFKC", text[i:j]).casefold()
            pieces.append(piece)
            origin.extend([i] * len(piece))
        i = j
    origin.append(len(text))
    return "".join(pieces), origin


def _letters_from(text: str) -> int:
    """Where the first letter of ``text`` is (its length when it has none)."""
    letter = _LETTER.search(text)
    return len(text) if letter is None else letter.start()


@cache
def _bot_note_prefixes() -> tuple[re.Pattern[str], ...]:
    """The bot's own internal-note lines ("🔒 Internal note on SD-1042 (the customer does not see
    it):"), folded and without their emoji, in every language: an agent who copies one in
    front of a reply means it to stay internal, and none of it belongs in the stored text."""
    patterns = []
    for lang in LANGUAGES:
        for key in _BOT_NOTE_KEYS:
            template, _ = _folded(catalogue(lang)[key])
            template = template[_letters_from(template) :].rstrip(_AFTER)
            regex = ""
            for literal, field, _spec, _conv in string.Formatter().parse(template):
                for part in re.split(r"(\s+)", literal):
                    regex += r"\s+" if part.isspace() else re.escape(part)
                if field is not None:
                    regex += r"[^\s()]+"
            patterns.append(re.compile(regex))
    return tuple(patterns)


def _bot_note_end(folded: str, start: int) -> int | None:
    """Where the bot's own internal-note line, copied at ``start`` of ``folded``, ends."""
    for pattern in _bot_note_prefixes():
        copied = pattern.match(folded, start)
        if copied is not None and not folded[copied.end() : copied.end() + 1].isalnum():
            return copied.end()
    return None


def _leading_marker(text: str) -> tuple[str, str] | None:
    """``(word, rest)`` when ``text`` starts with a marker word, folded; else None.

    The comparison is on the NFKC- and case-folded text; ``rest`` is cut from ``text`` as typed.
    Internal words count behind anything that is not a letter ("🔒 internal:", "- note:",
    "1. intern:", '"internal":') and on any word boundary ("Internal note ..."), so an internal
    note never leaks; "internal note" and the bot's own internal-note line are one marker.
    Public words count only behind spacing, markdown or brackets and with punctuation or
    brackets after them ("reply:", "[public]"), so that a note that merely begins with
    "Customer says..." or "- Customer: ..." stays internal.
    """
    folded, origin = _folded(text)
    start = _letters_from(folded)
    prefix = folded[:start]
    # "!internal", "# note", "(intern)", "🔒internal": the marker word is decoration, not text
    decorated = prefix.strip() != "" and (
        prefix[-1:] not in " \t\r\n" or any(c in _DECORATION for c in prefix.strip())
    )

    def cut(position: int) -> str:
        return text[origin[position] :]

    copied = _bot_note_end(folded, start)
    if copied is not None:
        return "internal", cut(len(folded) - len(folded[copied:].lstrip(_AFTER)))

    match = _WORD.match(folded, start)
    if match is None:
        return None
    word = match.group(0)
    end = match.end()
    after = folded[end:]
    if after[:1].isalnum():
        return None
    if after[:1] in _APOSTROPHES and after[1:2].isalpha():  # "customer's", "internal's"
        return (word, text.strip()) if word in INTERNAL_MARKERS else None
    if word in INTERNAL_MARKERS:
        second = _NEXT_WORD.match(folded, end)  # "internal note", "interne notitie"
        if (
            second is not None
            and second.group(1) in INTERNAL_MARKERS
            and not folded[second.end() : second.end() + 1].isalnum()
        ):
            end = second.end()
    after = folded[end:]
    quoted = after.lstrip(_QUOTES)  # '"internal": ...', "'note' ..."
    rest = len(folded) - len(quoted.lstrip(_AFTER))
    following = quoted.lstrip(" \t")[:1]
    punctuated = (
        len(quoted) < len(after)
        or following == ""
        or (following in _AFTER and not following.isspace())
    )
    if word in INTERNAL_MARKERS:
        # "Note that the export..." is internal, but its first word is part of the text
        return word, cut(rest) if punctuated or decorated else text.strip()
    unquoted = len(quoted) == len(after)
    if word in PUBLIC_MARKERS and punctuated and unquoted and not prefix.strip(_DECORATION):
        return word, cut(rest)
    return None


def parse_marker(text: str, default_public: bool) -> tuple[bool, str]:
    """Whether an agent's thread reply is public, and its text without the leading marker.

    ``"internal: checked the logs"`` -> ``(False, "checked the logs")``. Without a marker the
    default applies. Should a public marker be followed by an internal one, internal wins. An
    empty text after the marker means the agent sent only a marker: the caller refuses it.
    """
    found = _leading_marker(text)
    if found is None:
        return default_public, text.strip()
    word, rest = found
    if word in INTERNAL_MARKERS:
        return False, rest.strip()
    again = _leading_marker(rest)
    if again is not None and again[0] in INTERNAL_MARKERS:
        return False, again[1].strip()
    return True, rest.strip()
