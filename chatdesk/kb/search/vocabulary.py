"""The words a search index knows, and how a customer's word finds them.

Index words are folded (lower case, no accents) and stemmed with the article's language
stemmer; each stem is one *term*. Stop words become *weak* terms (their own id space, keyed
``"~" + stem``): they re-rank candidates but never select one. Chat filler ("hi", "thanks")
is not indexed at all.

A query word finds its terms three ways: its folded surface form, its stem in the asker's
language (or every language when none is given), and, for a content word the index has
never seen, the vocabulary words one edit away (a typo), or, failing that and in a
language that writes compounds as one word, the two known words it is glued from
("accountblokkade" is "account" + "blokkade"). Typos are found through a
symmetric-deletion table (every strong word with one letter removed), so a misspelling
costs a few dictionary look-ups instead of a scan of the vocabulary; rapidfuzz then grades
the few candidates.
"""

from __future__ import annotations

from collections.abc import Iterable

from rapidfuzz import fuzz

from chatdesk.core.stopwords import CHAT_FILLER, stop_words
from chatdesk.core.textnorm import Stemmers
from chatdesk.kb.search.tuning import Tuning

FILLER = -1  # the term id of chat filler: counted nowhere
# Languages that write compounds as one word. English mostly does not, and there splitting
# unknown words does more harm than good ("divide" is not "div" + "ide").
COMPOUNDING = frozenset({"nl"})


class Vocabulary:
    """Term ids for folded words, grown while indexing and sealed before the first query."""

    def __init__(self) -> None:
        self.stemmers = Stemmers()
        self.terms: dict[str, int] = {}  # stem (weak terms: "~" + stem) -> term id
        self.weak: set[int] = set()  # terms of stop words: they re-rank, never select
        self.surface: dict[str, set[int]] = {}  # folded word -> term ids it stems to
        self._deletes: dict[str, list[str]] = {}  # word minus one letter -> words
        self._strong_words: set[str] = set()  # build-time only: the typo table's source
        self._tables: dict[str, dict[str, int]] = {}  # build-time only: lang -> word -> id

    def __len__(self) -> int:
        return len(self.terms)

    # -- building -------------------------------------------------------------------------

    def ids(self, tokens: list[str], lang: str) -> list[int]:
        """Term ids of ``tokens`` in ``lang`` (``FILLER`` for chat filler), registering
        words seen the first time. Mostly one C-level ``map`` over a dictionary."""
        table = self._tables.get(lang)
        if table is None:
            table = self._tables[lang] = {}
        try:
            return list(map(table.__getitem__, tokens))
        except KeyError:  # rare once the vocabulary has been seen
            stops = stop_words(lang)
            for word in set(tokens).difference(table):
                table[word] = self._register(word, lang, stops)
            return list(map(table.__getitem__, tokens))

    def _register(self, word: str, lang: str, stops: frozenset[str]) -> int:
        if word in CHAT_FILLER:
            return FILLER
        stem = self.stemmers.stem(word, lang)
        weak = word in stops
        key = "~" + stem if weak else stem
        term = self.terms.get(key)
        if term is None:
            term = self.terms[key] = len(self.terms)
            if weak:
                self.weak.add(term)
        if not weak:
            self._strong_words.add(word)
        self.surface.setdefault(word, set()).add(term)
        return term

    def seal(self, fuzzy_min_length: int) -> None:
        """Build the typo table and drop what only indexing needed."""
        for word in self._strong_words:
            if len(word) >= fuzzy_min_length:
                for variant in deletions(word):
                    self._deletes.setdefault(variant, []).append(word)
        self._strong_words = set()
        self._tables = {}

    # -- querying -------------------------------------------------------------------------

    def exact_forms(self, word: str, weak: bool, langs: Iterable[str]) -> dict[int, float]:
        """The terms ``word`` is, as written or stemmed in ``langs``, each with similarity 1."""
        forms = dict.fromkeys(self.surface.get(word, ()), 1.0)
        for lang in langs:
            stem = self.stemmers.stem(word, lang, remember=False)
            term = self.terms.get("~" + stem if weak else stem)
            if term is not None:
                forms[term] = 1.0
        return forms

    def typo_forms(self, word: str, tuning: Tuning) -> dict[int, float]:
        """Strong vocabulary words one edit away from ``word``, graded 0..1 by rapidfuzz."""
        candidates: set[str] = set()
        for variant in (word, *deletions(word)):
            candidates.update(self._deletes.get(variant, ()))
            if variant in self.surface and variant != word:
                candidates.add(variant)
        graded = sorted(((fuzz.ratio(word, c), c) for c in candidates), reverse=True)
        forms: dict[int, float] = {}
        for score, candidate in graded[: tuning.fuzzy_per_word]:
            if score < tuning.fuzzy_cutoff:
                break
            for term in self.surface[candidate]:
                if term not in self.weak:
                    forms[term] = max(forms.get(term, 0.0), score / 100)
        return forms

    def compound_parts(
        self, word: str, stops: frozenset[str], langs: Iterable[str], min_part: int
    ) -> tuple[str, str] | None:
        """The two words ``word`` is glued from, each at least ``min_part`` letters, or
        ``None``. The head must be a content word the index has seen as written (compounds
        put their head in its plain form), optionally followed by a Dutch linking "s"
        ("aanmeldingsformulier"); best is a tail known as written or stemmed in ``langs``.
        Failing that, a known head with an unknown tail ("wachtwoordherstel" when the base
        only says "herstellink"): the head is evidence and the tail still counts as an
        unknown word. Of several splits the longest head wins, so "wachtwoordherstel" is not
        read as "wacht" + "woordherstel". Only the tails of known heads are stemmed: the
        stemmer is the costly step.
        """
        langs = tuple(langs)
        fallback = None
        for cut in range(len(word) - min_part, min_part - 1, -1):
            head, tail = word[:cut], word[cut:]
            if not self._seen_strong(head, stops):
                head = word[: cut - 1]  # a linking "s"?
                if not (word[cut - 1] == "s" and cut > min_part and self._seen_strong(head, stops)):
                    continue
            if self._seen_strong(tail, stops) or self._stems_strong(tail, stops, langs):
                return head, tail
            fallback = fallback or (head, tail)
        return fallback

    def _seen_strong(self, word: str, stops: frozenset[str]) -> bool:
        """Whether the index has seen ``word``, as written, as a content word."""
        terms = self.surface.get(word)
        return terms is not None and bool(terms) and word not in stops and not terms <= self.weak

    def _stems_strong(self, word: str, stops: frozenset[str], langs: tuple[str, ...]) -> bool:
        """Whether ``word`` stems, in one of ``langs``, to a content word of the index."""
        if word in stops or word in CHAT_FILLER:
            return False
        return any(term not in self.weak for term in self.exact_forms(word, False, langs))


def deletions(word: str) -> list[str]:
    """``word`` with each one of its letters removed."""
    return [word[:i] + word[i + 1 :] for i in range(len(word))]
