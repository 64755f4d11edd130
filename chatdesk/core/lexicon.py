"""Words the desk recognises in what customers type, per language.

These are inputs, not texts we show: command words, small talk that should not start a
ticket, and the words that mark an urgent "site down" report. Matching is done on
normalised text (lower case, accents folded, punctuation to spaces).
"""

from __future__ import annotations

import re
import unicodedata

COMMANDS: dict[str, tuple[str, ...]] = {
    "new": ("new", "nieuw", "new ticket", "nieuw ticket", "nieuwe melding", "start"),
    "status": ("status",),
    "my_tickets": ("my tickets", "mijn tickets", "tickets", "mijn meldingen"),
    "cancel": ("cancel", "annuleer", "annuleren", "stop"),
    "help": ("help", "hulp", "?", "menu"),
    "lang": ("lang", "language", "taal"),
    "close": ("close", "sluit", "sluiten"),
    "reopen": ("reopen", "heropen", "heropenen"),
}

SMALL_TALK = frozenset(
    """hi hello hey hiya yo thanks thank you thx ty ok okay cool great nice bye goodbye
    good morning afternoon evening night cheers please lol yes no sure fine
    hoi hallo hee dag dank je jij bedankt dankjewel dankuwel top prima oke doei tot ziens
    goedemorgen goedemiddag goedenavond fijn mooi ja nee graag alsjeblieft""".split()
)

COMMAND_FILLER = frozenset(
    """my the a this that it its of on for please pls ticket tickets one mijn het de een dit
    dat die van voor graag alsjeblieft ticket melding meldingen""".split()
)
"""Words that may follow status, close or reopen without making a sentence of it ("close my
ticket", "status van mijn melding"): the command then asks which ticket."""

STATUS_QUESTION = COMMAND_FILLER | frozenset(
    """what whats about how is and with any news update status hoe staat zit wat nieuws er al met
    over stand zaken""".split()
)
"""Words that, around a ticket reference and nothing else, ask how the ticket is doing
("what about SD-1042?", "hoe staat het met SD-1042?") rather than add to it."""

LANGUAGE_WORDS: dict[str, tuple[str, ...]] = {
    "en": ("en", "eng", "english", "engels", "engelse"),
    "nl": ("nl", "ned", "dutch", "nederlands", "nederlandse", "vlaams"),
}
"""What a customer may type after ``lang`` or ``taal`` for each language."""


def language_code(word: str) -> str | None:
    """The language a typed word names ("Nederlands", "english", "nl"), or None."""
    folded = normalise(word)
    return next((code for code, names in LANGUAGE_WORDS.items() if folded in names), None)


SOLVED_WORDS = frozenset("solved worked works fixed helped opgelost werkt werkte geholpen".split())
NEGATIONS = frozenset(
    "not no nope still didnt doesnt isnt dont niet nee nog geen steeds helaas but maar".split()
)


def says_solved(text: str) -> bool | None:
    """What a typed answer to "did this article solve it?" says: True when it did ("thanks,
    that solved it!", "het werkt weer"), False when it did not ("no, still not solved",
    "werkt nog steeds niet"), None when it speaks of something else (the description)."""
    words = set(normalise(text).replace("?", " ").replace("'", "").split())
    if not words & SOLVED_WORDS:
        return None
    return not words & NEGATIONS


URGENT_PHRASES = (
    "site down",
    "site is down",
    "website down",
    "app down",
    "application down",
    "system down",
    "everything is down",
    "nothing works",
    "outage",
    "storing",
    "alles ligt eruit",
    "alles ligt plat",
    "ligt eruit",
    "ligt plat",
    "site ligt eruit",
    "werkt helemaal niets",
    "nobody can work",
    "no one can work",
    "nobody can log in",
    "niemand kan werken",
    "niemand kan inloggen",
    "alles ligt stil",
)

_PUNCT = re.compile(r"[^\w?]+", re.UNICODE)


def normalise(text: str) -> str:
    """Lower case, accents folded, runs of punctuation and space to one space.

    Plain ASCII (most input, every choice label resolved at every turn) takes a short cut:
    it has no accents to fold, and its ``casefold`` is its ``lower``."""
    if text.isascii():
        return _PUNCT.sub(" ", text.lower()).strip()
    folded = unicodedata.normalize("NFKD", text.casefold())
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return _PUNCT.sub(" ", folded).strip()


PLEASANTRIES = frozenset(
    """how are you doing going is it all what whats s up anyone anybody someone there here
    everyone i am me we my friend bot hoe gaat het met je jou u alles goed er iemand daar
    wat ben jij hier who wie a an real human robot mens echt een can kun kan tell vertel
    joke grap mop time laat today vandaag""".split()
)
"""Words that, beside small talk, make a pleasantry ("good morning, how are you?", "hoe
gaat het?", "is anyone there?", "are you a bot?", "tell me a joke", "hoe laat is het?")
rather than a question: none of them names a problem, so a sentence made only of them
gets the help hint instead of an intake with articles about something else."""


def is_small_talk(text: str) -> bool:
    """Greetings, thanks and pleasantries: nothing to search for or to open a ticket with."""
    words = normalise(text).replace("?", " ").split()
    return all(word in SMALL_TALK or word in PLEASANTRIES for word in words)


DUTCH_ONLY = frozenset({"storing"})
"""Urgent in Dutch ("malfunction"), but an everyday English word ("storing the file")."""


def is_urgent(text: str) -> bool:
    """Whether ``text`` reports an outage.

    A Dutch-only word counts unless the words around it read as English (more English than
    Dutch function words within a few words), so "Storing bij het inloggen" is urgent and
    "Error while storing the file" is not, whatever the customer's language setting and
    whatever else the ticket says.
    """
    padded = f" {normalise(text)} "
    found = [phrase for phrase in URGENT_PHRASES if f" {phrase} " in padded]
    if any(phrase not in DUTCH_ONLY for phrase in found):
        return True
    words = padded.split()
    return any(
        not _reads_as_english(words[max(0, i - WINDOW) : i + WINDOW + 1])
        for i, word in enumerate(words)
        if word in DUTCH_ONLY
    )


WINDOW = 3


def _reads_as_english(words: list[str]) -> bool:
    from chatdesk.core.stopwords import DUTCH, ENGLISH

    english = sum(word in ENGLISH and word not in DUTCH for word in words)
    dutch = sum(word in DUTCH and word not in ENGLISH for word in words)
    return english > dutch
