"""The search index behind article suggestions: typo-tolerant, field-weighted, fast at scale.

Why not just rapidfuzz over titles: one WRatio pass over 100k titles takes ~0.3 s, and it
ties almost every article that shares a word with the query. Why not just BM25: it has no
typo tolerance. So the index combines them, built once when the knowledge base loads:

1. Words are folded (lower case, no accents), stop words and chat filler dropped, and
   stemmed with the article's language stemmer. Each term keeps a posting list of
   (article, impact), where the impact is a BM25F term weight: title and tags count more
   than the body, and long fields are length-normalised.
2. A query word that is not in the vocabulary is matched to vocabulary words through a
   symmetric-deletion table (every word with one letter removed), which finds
   one-edit typos (a missing, extra, wrong or swapped letter) in a few dictionary look-ups
   instead of a scan; rapidfuzz then grades each candidate and weak ones are dropped.
3. Each query word adds IDF x similarity x impact to the articles that hold it (its best
   form only), so rare, specific words dominate and "my"/"the" do not; very common terms
   only contribute through their highest-impact postings, which keeps a query's cost
   bounded however large the base grows.
4. The best few candidates are re-scored with rapidfuzz against their passages (each line
   and sentence of the body, and the title with its tags): a question usually resembles one
   passage, not the whole article. Ranking blends lexical strength with that resemblance.
5. A separate, calibrated gate decides whether to suggest anything at all: how much of the
   question's weight the best of the top three explains (coverage), plus lexical strength
   and passage resemblance. Below the threshold the answer is "no suggestion": small talk,
   nonsense and out-of-scope questions stay silent.
"""

from __future__ import annotations

import math
import re
from array import array
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

from rapidfuzz import fuzz, process

from chatdesk.stopwords import stop_words
from chatdesk.textnorm import Stemmers, strip_urls, words


class Searchable(Protocol):
    """What the index reads from an article (``chatdesk.knowledge.Article`` fits)."""

    title: str
    lang: str
    tags: tuple[str, ...]
    summary: str
    body: str


@dataclass(frozen=True)
class Tuning:
    """Every knob of the ranking in one place, so the benchmark can report and vary them."""

    title_weight: float = 3.0
    tags_weight: float = 2.5
    body_weight: float = 1.0
    k1: float = 1.2
    b: float = 0.6
    fuzzy_min_length: int = 4  # shorter words are never typo-matched: too many neighbours
    fuzzy_cutoff: float = 75.0  # rapidfuzz ratio a typo candidate needs
    fuzzy_per_word: int = 3  # at most this many vocabulary words stand in for one typo
    posting_cap: int = 4000  # postings read per term (highest impact first)
    candidates: int = 15  # articles re-scored after the lexical pass
    other_lang_factor: float = 0.8  # score factor for articles not in the asker's language
    # Ranking: lexical strength, plus how closely one passage (a line or sentence of the
    # body, or the title with its tags) resembles the whole question.
    rank_strength: float = 0.6
    rank_passage_set: float = 0.2
    rank_passage_ratio: float = 0.2
    # The "suggest anything at all?" gate, on the best of the top three: how much of the
    # question is explained, and how closely a passage matches it.
    gate_coverage: float = 0.3
    gate_strength: float = 0.2
    gate_passage_set: float = 0.3
    gate_passage_wratio: float = 0.2
    threshold: float = 46.0  # gate (0..100) below which nothing is suggested


DEFAULT_TUNING = Tuning()


@dataclass(frozen=True)
class Candidate:
    """One article after the lexical pass, with the signals its ranking and gate use."""

    position: int  # index into the article sequence the index was built from
    lexical: float  # sum of IDF x similarity x BM25F impact over the query words
    coverage: float  # 0..1: share of the query's IDF weight this article matches
    strength: float  # 0..1: lexical score relative to what the query could reach
    passage_set: float  # 0..1: best rapidfuzz token_set_ratio of the query to a passage
    passage_ratio: float  # 0..1: best plain rapidfuzz ratio to a passage
    passage_wratio: float  # 0..1: best rapidfuzz WRatio to a passage
    same_lang: bool  # in the asker's language (or no language was given)


@dataclass(frozen=True)
class _QueryWord:
    weight: float  # the word's IDF (its best form's), or the unknown-word IDF
    forms: dict[int, float]  # term id -> similarity (1.0 exact, less for typo matches)


class SearchIndex:
    """An immutable index over a sequence of articles; positions refer to that sequence."""

    def __init__(self, articles: Sequence[Searchable], tuning: Tuning = DEFAULT_TUNING) -> None:
        self.tuning = tuning
        self._stemmers = Stemmers()
        self._langs = [article.lang for article in articles]
        self._labels = [
            " ".join(words(" ".join([article.title, *article.tags]))) for article in articles
        ]
        self._bodies = [article.body for article in articles]  # shared, not copied
        self._terms: dict[str, int] = {}
        self._surface: dict[str, set[int]] = {}  # folded word -> term ids it stems to
        self._deletes: dict[str, list[str]] = {}  # word minus one letter -> words
        self._postings: list[tuple[array, array]] = []
        self._idf: list[float] = []
        self._build(articles)

    def __len__(self) -> int:
        return len(self._langs)

    # -- building -------------------------------------------------------------------------

    def _term_of(self, word: str, lang: str) -> int:
        """The term id of a folded index word in ``lang``, registering it on first sight."""
        term = self._terms.setdefault(self._stemmers.stem(word, lang), len(self._terms))
        self._surface.setdefault(word, set()).add(term)
        return term

    def _field_terms(self, text: str, lang: str, stops: frozenset[str]) -> dict[int, int]:
        known = self._word_terms.setdefault(lang, {})
        terms: dict[int, int] = {}
        for word, count in Counter(words(text)).items():
            if word in stops:
                continue
            term = known.get(word)
            if term is None:
                term = known[word] = self._term_of(word, lang)
            terms[term] = terms.get(term, 0) + count
        return terms

    def _build(self, articles: Sequence[Searchable]) -> None:
        t = self.tuning
        weights = (t.title_weight, t.tags_weight, t.body_weight)
        self._word_terms: dict[str, dict[str, int]] = {}
        # First pass: term counts per field, kept compactly until the average field
        # lengths (needed for BM25 length normalisation) are known.
        per_article: list[list[tuple[array, array, int]]] = []
        totals = [0, 0, 0]
        for article in articles:
            stops = stop_words(article.lang)
            body = strip_urls(f"{article.summary}\n{article.body}")
            fields = []
            for number, text in enumerate((article.title, " ".join(article.tags), body)):
                terms = self._field_terms(text, article.lang, stops)
                length = sum(terms.values())
                totals[number] += length
                fields.append((array("I", terms.keys()), array("I", terms.values()), length))
            per_article.append(fields)
        self._word_terms.clear()

        n = max(len(articles), 1)
        averages = [max(total / n, 1.0) for total in totals]
        docs: list[array] = [array("I") for _ in self._terms]
        impacts: list[array] = [array("f") for _ in self._terms]
        k1, k1_plus_1 = t.k1, t.k1 + 1
        for position, fields in enumerate(per_article):
            tf: dict[int, float] = {}
            for number, (ids, counts, length) in enumerate(fields):
                if not length:
                    continue
                norm = weights[number] / (1 - t.b + t.b * length / averages[number])
                for term, count in zip(ids, counts, strict=True):
                    tf[term] = tf.get(term, 0.0) + count * norm
            for term, value in tf.items():
                docs[term].append(position)
                impacts[term].append(value * k1_plus_1 / (value + k1))
        per_article.clear()

        for term in range(len(self._terms)):
            d, imp = docs[term], impacts[term]
            df = len(d)
            self._idf.append(math.log(1 + (n - df + 0.5) / (df + 0.5)))
            if df > t.posting_cap:  # only the highest-impact postings are ever read
                ranked = sorted(zip(imp, d, strict=True), reverse=True)[: t.posting_cap]
                d = array("I", (doc for _, doc in ranked))
                imp = array("f", (value for value, _ in ranked))
            self._postings.append((d, imp))
        self._unknown_idf = math.log(1 + (n + 0.5) / 0.5)

        for word in self._surface:
            if len(word) >= t.fuzzy_min_length:
                for variant in _deletions(word):
                    self._deletes.setdefault(variant, []).append(word)

    # -- querying -------------------------------------------------------------------------

    def _typo_forms(self, word: str) -> dict[int, float]:
        """Vocabulary words one edit away from ``word``, graded by rapidfuzz."""
        t = self.tuning
        candidates: set[str] = set()
        for variant in (word, *_deletions(word)):
            candidates.update(self._deletes.get(variant, ()))
            if variant in self._surface and variant != word:
                candidates.add(variant)
        graded = sorted(
            ((fuzz.ratio(word, c), c) for c in candidates),
            reverse=True,
        )
        forms: dict[int, float] = {}
        for score, candidate in graded[: t.fuzzy_per_word]:
            if score < t.fuzzy_cutoff:
                break
            for term in self._surface[candidate]:
                forms[term] = max(forms.get(term, 0.0), score / 100)
        return forms

    def _query_words(self, query: str, lang: str | None) -> list[_QueryWord]:
        stops = stop_words(lang)
        known = self._stemmers.languages
        stem_langs = (lang,) if lang in known else known
        result = []
        seen = set()
        for word in words(strip_urls(query)):
            if word in stops or word in seen:
                continue
            seen.add(word)
            forms: dict[int, float] = {}
            for term in self._surface.get(word, ()):
                forms[term] = 1.0
            for stem_lang in stem_langs:
                term = self._terms.get(self._stemmers.stem(word, stem_lang, remember=False))
                if term is not None:
                    forms[term] = 1.0
            if not forms and len(word) >= self.tuning.fuzzy_min_length:
                forms = self._typo_forms(word)
            weight = max((self._idf[term] for term in forms), default=self._unknown_idf)
            result.append(_QueryWord(weight, forms))
        return result

    def candidates(self, query: str, lang: str | None = None) -> list[Candidate]:
        """The lexical pass: the best-scoring articles with their ranking signals, unfiltered.

        :meth:`search` ranks and gates these; the benchmark uses them to calibrate.
        """
        t = self.tuning
        qwords = self._query_words(query, lang)
        total_weight = sum(q.weight for q in qwords)
        if not qwords or total_weight <= 0:
            return []
        lexical: dict[int, float] = {}
        covered: dict[int, float] = {}
        for qword in qwords:
            best: dict[int, tuple[float, float]] = {}  # doc -> (value, similarity)
            for term, similarity in qword.forms.items():
                factor = similarity * self._idf[term]
                docs, impacts = self._postings[term]
                for doc, impact in zip(docs, impacts, strict=True):
                    value = factor * impact
                    if value > best.get(doc, _NOTHING)[0]:
                        best[doc] = (value, similarity)
            for doc, (value, similarity) in best.items():
                lexical[doc] = lexical.get(doc, 0.0) + value
                covered[doc] = covered.get(doc, 0.0) + qword.weight * similarity
        pool = sorted(lexical, key=lexical.__getitem__, reverse=True)[: t.candidates]
        folded_query = " ".join(words(query))
        max_lexical = total_weight * (t.k1 + 1)
        result = []
        for doc in pool:
            passages = [self._labels[doc], *_passages(self._bodies[doc])]
            result.append(
                Candidate(
                    position=doc,
                    lexical=lexical[doc],
                    coverage=covered[doc] / total_weight,
                    strength=min(1.0, lexical[doc] / max_lexical),
                    passage_set=_best(fuzz.token_set_ratio, folded_query, passages),
                    passage_ratio=_best(fuzz.ratio, folded_query, passages),
                    passage_wratio=_best(fuzz.WRatio, folded_query, passages),
                    same_lang=lang is None or self._langs[doc] == lang,
                )
            )
        return result

    def rank_score(self, candidate: Candidate) -> float:
        """0..1: how good an answer this article is, relative to the other candidates."""
        t = self.tuning
        value = (
            t.rank_strength * candidate.strength
            + t.rank_passage_set * candidate.passage_set
            + t.rank_passage_ratio * candidate.passage_ratio
        )
        return value if candidate.same_lang else value * t.other_lang_factor

    def gate_score(self, candidate: Candidate) -> float:
        """0..100: how sure we are the question is answered at all by this article."""
        t = self.tuning
        value = 100 * (
            t.gate_coverage * candidate.coverage
            + t.gate_strength * candidate.strength
            + t.gate_passage_set * candidate.passage_set
            + t.gate_passage_wratio * candidate.passage_wratio
        )
        return value if candidate.same_lang else value * t.other_lang_factor

    def search(
        self, query: str, lang: str | None = None, limit: int = 3
    ) -> list[tuple[int, float]]:
        """Positions and scores (0..100) of the best articles, best first; ``[]`` when even
        the best of the top three does not pass the gate (small talk, out of scope)."""
        if limit <= 0:
            return []
        ranked = sorted(
            ((self.rank_score(c), c.lexical, c) for c in self.candidates(query, lang)),
            key=lambda item: (item[0], item[1]),
            reverse=True,
        )
        if not ranked or max(self.gate_score(c) for _, _, c in ranked[:3]) < self.tuning.threshold:
            return []
        return [(c.position, round(100 * score, 1)) for score, _, c in ranked[:limit]]


_NOTHING = (0.0, 0.0)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


@lru_cache(maxsize=4096)
def _passages(body: str) -> tuple[str, ...]:
    """The body's lines and sentences, folded: the units a question is compared with."""
    found = []
    for line in body.splitlines():
        for sentence in _SENTENCE_END.split(line):
            folded = " ".join(words(sentence))
            if folded:
                found.append(folded)
    return tuple(found)


def _best(scorer: Callable[..., float], query: str, passages: Sequence[str]) -> float:
    """The best 0..1 score of ``scorer`` between ``query`` and any passage."""
    found = process.extractOne(query, passages, scorer=scorer)
    return found[1] / 100 if found else 0.0


def _deletions(word: str) -> list[str]:
    """``word`` with each one of its letters removed."""
    return [word[:i] + word[i + 1 :] for i in range(len(word))]
