"""Recognising typed commands, in English and Dutch, with or without a leading slash.

Commands without an argument (help, cancel, my tickets) must be the whole message, so that a
sentence such as "help, my export fails" is read as a problem, not a command. ``status``,
``close`` and ``reopen`` take a ticket reference, ``lang`` a language, and ``new`` may carry
the first words of the problem. A bare ticket reference asks for its status.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from chatdesk.lexicon import COMMANDS, normalise

REFERENCE = re.compile(r"(?<![\w-])([A-Za-z][A-Za-z0-9]{1,9}-\d{1,9})(?![\w-])")
_WITH_ARGUMENT = {"status", "close", "reopen", "lang", "new"}
_SLASH = re.compile(r"^/(\w+)(@\w+)?")


@dataclass(frozen=True)
class Command:
    name: str
    argument: str = ""

    @property
    def reference(self) -> str | None:
        return find_reference(self.argument)


def find_reference(text: str) -> str | None:
    """The first ticket reference in a text, upper-cased."""
    match = REFERENCE.search(text)
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
"""The organization's open tickets (chatdesk.organizations), in English and Dutch."""


def _phrases() -> list[tuple[str, str]]:
    commands = {**COMMANDS, "org_tickets": tuple(map(normalise, ORGANIZATION_TICKETS))}
    pairs = [(phrase, name) for name, phrases in commands.items() for phrase in phrases]
    return sorted(pairs, key=lambda pair: -len(pair[0]))


_PHRASES = _phrases()


def parse(text: str) -> Command | None:
    """The command in ``text``, or None when it is not one."""
    raw = _SLASH.sub(r"\1", text.strip())
    if not raw:
        return None
    if REFERENCE.fullmatch(raw):
        return Command("status", raw)
    normalised = normalise(raw)
    for phrase, name in _PHRASES:
        if normalised == phrase:
            return Command(name)
        if name in _WITH_ARGUMENT and normalised.startswith(phrase + " "):
            # the argument is the raw text after as many words as the phrase has
            words = raw.split(None, len(phrase.split()))
            argument = words[-1] if len(words) > len(phrase.split()) else ""
            return Command(name, argument.strip())
    return None
