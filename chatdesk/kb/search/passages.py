"""Passage signals: how closely one passage of an article resembles the whole question.

A passage is a line or sentence of the body, or the title with its tags. Whole-article
BM25 rewards an article that mentions the question's words anywhere; a good answer usually
has one passage that *is* the question in other words. Two kinds of resemblance:

- by characters (rapidfuzz ratio, token-set ratio, WRatio of the folded texts): robust to
  typos and word order;
- by IDF-weighted words: the share of the question's weight one passage holds (*cover*),
  and that overlap relative to both sides (a weighted Jaccard, so a short passage that is
  the question beats a long one that merely contains it).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import lru_cache

from rapidfuzz import process

from chatdesk.core.textnorm import words
from chatdesk.kb.search.index import Question, Searchable
from chatdesk.kb.search.vocabulary import Vocabulary

_CACHE = 4096  # articles whose passages and passage terms are remembered
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")

PassageTerms = list[tuple[frozenset[int], float]]  # per passage: its terms, their summed IDF
Where = tuple[frozenset[int], dict[int, list[int]]]  # an article's terms; term -> its passages


class Passages:
    """The folded passages of each article and their terms, remembered for the last few
    thousand articles asked about (questions re-score the same popular articles)."""

    def __init__(self, articles: Sequence[Searchable], vocabulary: Vocabulary, idf: list[float]):
        self._articles = articles
        self._vocabulary = vocabulary
        self._idf = idf
        self._texts: dict[int, list[str]] = {}
        self._terms: dict[int, PassageTerms] = {}
        self._where: dict[int, Where] = {}

    def texts(self, doc: int) -> list[str]:
        """The article's label (title and tags) and its body's lines and sentences, folded."""
        found = self._texts.get(doc)
        if found is None:
            if len(self._texts) >= _CACHE:
                self._texts.clear()
            article = self._articles[doc]
            label = " ".join(words(" ".join([article.title, *article.tags])))
            found = self._texts[doc] = [label, *body_passages(article.body)]
        return found

    def terms(self, doc: int) -> PassageTerms:
        """Each passage's terms and their summed IDF (passages without known words left out)."""
        found = self._terms.get(doc)
        if found is None:
            if len(self._terms) >= _CACHE:
                self._terms.clear()
            surface, idf = self._vocabulary.surface, self._idf
            found = []
            for passage in self.texts(doc):
                terms: set[int] = set()
                for word in passage.split():
                    terms.update(surface.get(word, ()))
                if terms:
                    found.append((frozenset(terms), sum(idf[t] for t in terms)))
            self._terms[doc] = found
        return found

    def where(self, doc: int) -> Where:
        """Which passages hold each term of the article (see :func:`overlap`)."""
        found = self._where.get(doc)
        if found is None:
            if len(self._where) >= _CACHE:
                self._where.clear()
            found = self._where[doc] = where(self.terms(doc))
        return found


def where(passages: PassageTerms) -> Where:
    """The terms of all the passages, and for each term the passages that hold it, in order:
    :func:`overlap` then looks only at the passages that share a term with the question."""
    found: dict[int, list[int]] = {}
    for position, (terms, _) in enumerate(passages):
        for term in terms:
            found.setdefault(term, []).append(position)
    return frozenset(found), found


def overlap(
    question: Question, passages: PassageTerms, located: Where | None = None
) -> tuple[float, float]:
    """The most of the question's weight one passage holds (0..1), and the best weighted
    Jaccard of question and passage (0..1). ``located``: :func:`where` of ``passages``
    (computed here when not given); through it only the passages that share a term with
    the question are looked at, with the terms they share."""
    best_cover = best_jaccard = 0.0
    total, held = question.total, question.held
    known, holders = located if located is not None else where(passages)
    sharing: dict[int, list[int]] = {}  # passage -> the question's terms it holds
    for term in question.every & known:
        for position in holders[term]:
            sharing.setdefault(position, []).append(term)
    for position in sorted(sharing):  # in passage order, as a scan of them would go
        shared = sharing[position]
        key = shared[0] if len(shared) == 1 else frozenset(shared)
        matched = held.get(key)
        if matched is None:
            matched = held[key] = _held(question, shared)
        if matched:
            weight = passages[position][1]
            best_cover = max(best_cover, matched / total)
            best_jaccard = max(best_jaccard, matched / (total + weight - matched))
    return min(best_cover, 1.0), min(best_jaccard, 1.0)


def _held(question: Question, shared: list[int]) -> float:
    """The question's weight that the terms ``shared`` hold: each word's weight times its
    best similarity among them, summed in question order (the same sum, whatever the order of
    ``shared``)."""
    lookup, weights = question.lookup, question.weights
    similar: dict[int, float] = {}
    for term in shared:
        for index, similarity in lookup[term]:
            if similarity > similar.get(index, 0.0):
                similar[index] = similarity
    matched = 0.0
    for index in sorted(similar):
        matched += weights[index] * similar[index]
    return matched


@lru_cache(maxsize=_CACHE)
def body_passages(body: str) -> tuple[str, ...]:
    """The body's lines and sentences, folded: the units a question is compared with."""
    found = []
    for line in body.splitlines():
        for sentence in _SENTENCE_END.split(line):
            folded = " ".join(words(sentence))
            if folded:
                found.append(folded)
    return tuple(found)


def best_similarity(
    scorer: Callable[..., float], query: str, passages: Sequence[str], cutoff: float = 0.0
) -> float:
    """The best 0..1 score of the rapidfuzz ``scorer`` between ``query`` and any passage.

    With a ``cutoff`` (0..1) the answer is exact when it reaches the cutoff and 0.0 when it
    does not: rapidfuzz then skips the work that could only lead to a lower score (a length
    bound, the parts of WRatio that cannot reach it), for a caller that only needs to know
    whether some passage passes.
    """
    found = process.extractOne(
        query, passages, scorer=scorer, score_cutoff=100 * cutoff if cutoff > 0 else None
    )
    return found[1] / 100 if found else 0.0
