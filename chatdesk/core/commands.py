"""Recognising typed commands, in English and Dutch, with or without a leading slash.

Commands without an argument (help, cancel, my tickets) must be the whole message, so that a
sentence such as "help, my export fails" is read as a problem, not a command. ``status``,
``close`` and ``reopen`` take a ticket reference, ``lang`` a language, and ``new`` may carry
the first words of the problem. A sentence that only starts with one of those words ("Close
button does nothing", "Status page shows an error", "Language settings are lost") is a
problem too: without a reference (or a language) it is a command only when the rest is a
word or two such as "my ticket". A bare ticket reference, even with punctuation around it
("SD-1042?", "(SD-1042)"), asks for its status.

A reference is the desk's prefix, a dash and a number: with prefix ``SD``, "SD-1042" is one
and "Windows-11" or "UTF-8" in a sentence are not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from chatdesk.core.lexicon import COMMAND_FILLER, COMMANDS, language_code, normalise

REFERENCE = re.compile(r"(?<![\w-])([A-Za-z][A-Za-z0-9]{1,9}-\d{1,9})(?![\w-])")
"""Any desk's reference shape (the agents' chat reads references with this)."""
_WITH_ARGUMENT = {"status", "close", "reopen", "lang", "new"}
_NEEDS_REFERENCE = {"status", "close", "reopen"}
_SLASH = re.compile(r"^/(\w+)(@\w+)?")
_AROUND = " \t\n?!.,:;#()[]{}<>\"'`*_~"  # punctuation around a bare reference


@dataclass(frozen=True)
class Command:
    name: str
    argument: str = ""
    reference: str | None = None  # the ticket reference in the argument, upper-cased


@lru_cache(maxsize=8)
def reference_pattern(prefix: str) -> re.Pattern[str]:
    """References of the desk whose tickets are numbered ``prefix``-n, any letter case."""
    return re.compile(rf"(?<![\w-])({re.escape(prefix)}-\d{{1,9}})(?![\w-])", re.IGNORECASE)


def find_reference(text: str, prefix: str) -> str | None:
    """The first ticket reference of this desk in a text, upper-cased."""
    match = reference_pattern(prefix).search(text)
    return match.group(1).upper() if match else None


ORGANIZATION_TICKETS = (
    "organization tickets",
    "organisation tickets",
    "org tickets",
    "org_tickets",
    "our tickets",
    "my organization's tickets",
    "tickets of my organization",
    "organisatie tickets",
    "organisatietickets",
    "tickets van mijn organisatie",
    "tickets van onze organisatie",
    "onze tickets",
)
"""The organization's open tickets (chatdesk.desk.organizations), in English and Dutch."""


def _phrases() -> list[tuple[str, str]]:
    commands = {**COMMANDS, "org_tickets": tuple(map(normalise, ORGANIZATION_TICKETS))}
    pairs = [(phrase, name) for name, phrases in commands.items() for phrase in phrases]
    return sorted(pairs, key=lambda pair: -len(pair[0]))


_PHRASES = _phrases()
_SIZED = [(phrase, phrase + " ", name, len(phrase.split())) for phrase, name in _PHRASES]
"""(phrase, phrase and a space, command, number of words): computed once, not per turn."""


def bare_reference(text: str, prefix: str) -> str | None:
    """The reference when ``text`` is nothing else ("SD-1042", "sd-1042?"), upper-cased."""
    bare = _SLASH.sub(r"\1", text.strip()).strip(_AROUND)
    return bare.upper() if reference_pattern(prefix).fullmatch(bare) else None


def parse(text: str, prefix: str) -> Command | None:
    """The command in ``text`` (references with ``prefix``), or None when it is not one."""
    raw = _SLASH.sub(r"\1", text.strip())
    if not raw:
        return None
    reference = bare_reference(raw, prefix)
    if reference is not None:
        return Command("status", raw.strip(_AROUND), reference)
    normalised = normalise(raw)
    for phrase, phrase_space, name, size in _SIZED:
        if normalised != phrase and not normalised.startswith(phrase_space):
            continue
        words = raw.split(None, size) if name in _WITH_ARGUMENT else []
        if len(words) > size:
            # the argument is the raw text after as many words as the phrase has (it may be
            # only symbols, which normalising drops: "new 🙂🙂" is new with an argument)
            argument = words[-1].strip()
            reference = find_reference(argument, prefix)
            if not _is_argument(name, argument, reference):
                return None  # a sentence that starts with a command word
            return Command(name, argument, reference)
        if normalised == phrase:
            return Command(name)
    return None


def _is_argument(name: str, argument: str, reference: str | None) -> bool:
    """Whether ``argument`` is what command ``name`` takes, rather than the rest of a
    sentence that happens to start with the command's word."""
    if name in _NEEDS_REFERENCE:
        return reference is not None or all(
            word in COMMAND_FILLER for word in normalise(argument).split()
        )
    if name == "lang":
        words = normalise(argument).split()
        return len(words) <= 1 or language_code(words[0]) is not None
    return True
