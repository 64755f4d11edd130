"""Which of our languages a customer writes in, when their words say so clearly.

The platform's locale is a guess about the person (their phone's language, their browser's);
their words are what they actually chose. A Dutch office on English phones writes Dutch, and
the desk should answer in Dutch.

The evidence is the little words of each language that the other does not have (``ik``,
``niet``, ``mijn``, ``een`` against ``the``, ``my``, ``not``, ``with``): content words do not
tell, because Dutch customers use English product words ("de export geeft een error") and
both write "Excel", "PDF", "login". A text is in one language only when it holds at least
:data:`MIN_WORDS` of that language's words and more than twice as many as of the other's;
short answers ("ok", "ja", "Export to Excel fails") say nothing, and the language stays what
it was.
"""

from __future__ import annotations

from chatdesk.core.stopwords import DUTCH, ENGLISH
from chatdesk.core.textnorm import words

MIN_WORDS = 2
_ONLY = {"en": ENGLISH - DUTCH, "nl": DUTCH - ENGLISH}
# Single letters other than "a" and "I" are pieces of "don't", "I'm" or Dutch "'s", "'t":
# no evidence either way.
_PIECES = frozenset("bcdefghjklmnopqrstuvwxyz")


def written_in(text: str) -> str | None:
    """``"en"`` or ``"nl"`` when ``text`` is clearly in that language, else None."""
    tokens = [word for word in words(text) if word not in _PIECES]
    counts = {lang: sum(word in only for word in tokens) for lang, only in _ONLY.items()}
    (best, most), (_, other) = sorted(counts.items(), key=lambda item: item[1], reverse=True)
    return best if most >= MIN_WORDS and most > 2 * other else None
