"""The lexical index: BM25F postings and a forward index, built in one pass.

Why both: postings find the articles that share the question's rare words without looking
at the others; the forward index (each article's terms with their counts per field) then
scores a few hundred of those exactly, every query word and every field, title and tags
weighted above the body.

Why it stays fast at 100k articles: the per-article work is C-level (tokenising, mapping
words to term ids, counting), and a term keeps a full posting list only while it is
selective (in at most ``posting_cap`` articles). Past that it is *common*: it keeps only its
title and tag postings, its best ones, and its body occurrences count through the forward
index for the articles that rarer words selected. Stop words (weak terms) have no postings:
they re-rank and never select, so a question made only of them gets no suggestion.
"""

from __future__ import annotations

import gc
import math
from array import array
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from chatdesk.core.stopwords import CHAT_FILLER, stop_words
from chatdesk.core.textnorm import strip_urls, words
from chatdesk.kb.search.tuning import Tuning
from chatdesk.kb.search.vocabulary import COMPOUNDING, FILLER, Vocabulary

_TITLE = 1 << 32  # packed field counts: one title occurrence (body in the low 32 bits)
_TAGS = 1 << 48  # one tag occurrence
_NOTHING = (0.0, 0.0)
_FORWARD_CACHE = 4096  # articles whose forward index is kept as a dict (as passages.py keeps)


class Searchable(Protocol):
    """What the index reads from an article (``chatdesk.kb.articles.Article`` fits). Read-only
    properties, so a frozen dataclass fits as well as a plain class."""

    @property
    def title(self) -> str: ...
    @property
    def lang(self) -> str: ...
    @property
    def tags(self) -> tuple[str, ...]: ...
    @property
    def summary(self) -> str: ...
    @property
    def body(self) -> str: ...


@dataclass(frozen=True)
class QueryWord:
    """One distinct word of a question, resolved against the vocabulary."""

    weight: float  # the word's IDF (its best form's), or the unknown-word IDF
    forms: dict[int, float]  # term id -> similarity (1.0 exact, less for typo matches)
    weak: bool  # a stop word: it re-ranks candidates but never selects one


class Question:
    """A question's words arranged for scoring many articles and passages: one set
    intersection finds the terms an article or passage shares with the question, and only
    those are looked at."""

    def __init__(self, qwords: list[QueryWord]) -> None:
        self.words = qwords
        self.weights = [q.weight for q in qwords]
        self.total = sum(self.weights)
        self.strong_weight = sum(q.weight for q in qwords if not q.weak)
        self.every: frozenset[int] = frozenset().union(*(q.forms for q in qwords))
        self.lookup: dict[int, list[tuple[int, float]]] = {}  # term -> (word, similarity)
        for index, qword in enumerate(qwords):
            for term, similarity in qword.forms.items():
                self.lookup.setdefault(term, []).append((index, similarity))
        # The question's weight a passage holds depends only on which of the question's
        # terms it holds (a term, or a set of them), and passages of every candidate share
        # the same few: worked out once per set for this question (``passages.overlap``).
        self.held: dict[int | frozenset[int], float] = {}


class _Scan:
    """What :meth:`TermIndex._scan` gathers for the postings, by term id."""

    def __init__(self) -> None:
        self.docs: list[list[int]] = []  # term -> articles (while not common)
        self.packs: list[list[int]] = []  # term -> packed counts beside those articles
        self.skip: set[int] = set()  # weak and common terms: no more body postings
        self.common: set[int] = set()
        self.heads: dict[int, tuple[list[int], list[int]]] = {}  # common term -> title/tag posts
        # per field (title, tags, body): each article's length in words
        self.lengths = (array("I"), array("I"), array("I"))


class TermIndex:
    """Immutable once built; article positions refer to the sequence it was built from."""

    def __init__(self, articles: Sequence[Searchable], tuning: Tuning) -> None:
        self.tuning = tuning
        self.vocabulary = Vocabulary()
        self.langs = [article.lang for article in articles]
        self.idf: list[float] = []
        self.unknown_idf = 0.0
        self._postings: dict[int, tuple[array[int], array[float]]] = {}  # term -> (docs, impacts)
        self._fwd_terms = array("I")
        self._fwd_counts = array("Q")  # packed: body low 32 bits, title from 32, tags from 48
        self._fwd_offsets = array("I", [0])
        self._forward: dict[int, dict[int, int]] = {}  # doc -> term -> packed counts (cache)
        self._norms: list[array[float]] = []  # per field: BM25F weight / length normalisation
        paused = gc.isenabled()
        gc.disable()  # millions of small objects and no cycles: collection only costs time
        try:
            self._build(articles)
        finally:
            if paused:
                gc.enable()

    def __len__(self) -> int:
        return len(self.langs)

    # -- building -------------------------------------------------------------------------

    def _build(self, articles: Sequence[Searchable]) -> None:
        """One pass over the articles, then the BM25F numbers once the averages are known,
        then the postings (their impacts need those numbers)."""
        gathered = self._scan(articles)
        self._weigh(len(articles), gathered.lengths)
        self._post(gathered)
        self.vocabulary.seal(self.tuning.fuzzy_min_length)

    def _scan(self, articles: Sequence[Searchable]) -> _Scan:
        """The one pass: the forward index, field lengths, and the postings to be."""
        cap = self.tuning.posting_cap
        vocabulary = self.vocabulary
        ids, weak = vocabulary.ids, vocabulary.weak
        gathered = _Scan()
        docs, packs, skip = gathered.docs, gathered.packs, gathered.skip
        common, heads, lengths = gathered.common, gathered.heads, gathered.lengths
        fwd_terms, fwd_counts, offsets = self._fwd_terms, self._fwd_counts, self._fwd_offsets
        for position, article in enumerate(articles):
            lang = article.lang
            title = ids(words(article.title), lang)
            tags = ids(words(" ".join(article.tags)), lang)
            body = ids(words(strip_urls(f"{article.summary}\n{article.body}")), lang)
            if len(docs) < len(vocabulary):
                grown = len(vocabulary) - len(docs)
                docs.extend([] for _ in range(grown))
                packs.extend([] for _ in range(grown))
            packed = Counter(body)
            for term in title:
                packed[term] = packed.get(term, 0) + _TITLE
            for term in tags:
                packed[term] = packed.get(term, 0) + _TAGS
            packed.pop(FILLER, None)
            lengths[0].append(len(title) - title.count(FILLER))
            lengths[1].append(len(tags) - tags.count(FILLER))
            lengths[2].append(len(body) - body.count(FILLER))
            keys = packed.keys()
            fwd_terms.extend(keys)
            fwd_counts.extend(packed.values())
            offsets.append(len(fwd_terms))
            for term in keys - skip:
                found = docs[term]
                found.append(position)
                packs[term].append(packed[term])
                if len(found) > cap:
                    skip.add(term)
                    if term not in weak:
                        common.add(term)
            if common and (title or tags):
                for term in common.intersection(title + tags):
                    head = heads.setdefault(term, ([], []))
                    head[0].append(position)
                    head[1].append(packed[term])
        return gathered

    def _weigh(self, n: int, lengths: tuple[array[int], array[int], array[int]]) -> None:
        """The BM25F length normalisation per field and article, and the terms' IDF."""
        t = self.tuning
        df = Counter(self._fwd_terms)  # articles per term, counted in one C-level pass
        weights = (t.title_weight, t.tags_weight, t.body_weight)
        for field in range(3):
            average = max(sum(lengths[field]) / max(n, 1), 1.0)
            weight, b = weights[field], t.b
            self._norms.append(
                array("f", [weight / (1 - b + b * length / average) for length in lengths[field]])
            )
        self.idf = [
            math.log(1 + (n - df[term] + 0.5) / (df[term] + 0.5))
            for term in range(len(self.vocabulary))
        ]
        self.unknown_idf = math.log(1 + (n + 0.5) / 0.5)

    def _post(self, gathered: _Scan) -> None:
        """Each term's postings with their impacts: all of a selective term's, only the best
        title and tag postings of a common one, none for a stop word in many articles."""
        skip, common, packs = gathered.skip, gathered.common, gathered.packs
        for term, found in enumerate(gathered.docs):
            if not found or (term in skip and term not in common):
                continue  # no postings for a stop word once it is in many articles
            if term in common:
                self._post_common(term, found, packs[term], gathered.heads.get(term, ([], [])))
                continue
            found_ids = array("I", found)
            self._postings[term] = (found_ids, array("f", map(self.impact, found_ids, packs[term])))

    def _post_common(
        self, term: int, found: list[int], packs: list[int], head: tuple[list[int], list[int]]
    ) -> None:
        """A common term keeps only its title and tag postings, the best ones first."""
        pairs = [(d, p) for d, p in zip(found, packs, strict=True) if p >> 32]
        pairs += zip(*head, strict=True)
        cap = self.tuning.posting_cap
        scored = sorted(((self.impact(d, p), d) for d, p in pairs), reverse=True)[:cap]
        if scored:
            scored.sort(key=lambda item: item[1])
            impacts = array("f", (impact for impact, _ in scored))
            self._postings[term] = (array("I", (doc for _, doc in scored)), impacts)

    # -- reading --------------------------------------------------------------------------

    def impact(self, doc: int, packed: int) -> float:
        """The BM25F impact (0..k1+1) of a term with ``packed`` field counts in ``doc``."""
        title, body_, tags_ = self._norms[0], self._norms[2], self._norms[1]
        value = (
            (packed >> 32 & 0xFFFF) * title[doc]
            + (packed >> 48) * tags_[doc]
            + (packed & 0xFFFFFFFF) * body_[doc]
        )
        return value * (self.tuning.k1 + 1) / (value + self.tuning.k1)

    def question(self, query: str, lang: str | None) -> Question:
        """The question's distinct words (chat filler dropped) with their terms and weights."""
        t = self.tuning
        vocabulary = self.vocabulary
        stops = stop_words(lang)
        known = vocabulary.stemmers.languages
        stem_langs = (lang,) if lang in known else known
        compounds = lang in COMPOUNDING
        result = []
        seen = set()
        pending = words(strip_urls(query))
        pending.reverse()  # popped from the end: question order, compound parts in place
        while pending:
            word = pending.pop()
            if word in CHAT_FILLER or word in seen:
                continue
            seen.add(word)
            weak = word in stops
            forms = vocabulary.exact_forms(word, weak, stem_langs)
            if not forms and not weak and t.fuzzy_min_length <= len(word) <= t.fuzzy_max_length:
                forms = vocabulary.typo_forms(word, t)
                if not forms and compounds and len(word) >= 2 * t.compound_min_part:
                    parts = vocabulary.compound_parts(word, stops, stem_langs, t.compound_min_part)
                    if parts is not None:  # read as its two words instead
                        pending.extend(reversed(parts))
                        continue
            # An unknown content word counts fully against the match (it may be what the
            # question is about); an unknown stop word is no evidence either way.
            unknown = 0.0 if weak else self.unknown_idf
            weight = max((self.idf[term] for term in forms), default=unknown)
            result.append(QueryWord(weight, forms, weak))
        return Question(result)

    def select(self, question: Question, pool: int) -> list[int]:
        """The ``pool`` articles the question's words reach through postings, best first:
        per word its best form's IDF x similarity x BM25F impact, summed over the words."""
        selected: dict[int, float] = {}
        for qword in question.words:
            if len(qword.forms) == 1:  # the common case: one form, no best-of to keep
                [(term, similarity)] = qword.forms.items()
                posting = self._postings.get(term)
                if posting is not None:
                    factor = similarity * self.idf[term]
                    get = selected.get
                    for doc, impact in zip(*posting, strict=True):
                        selected[doc] = get(doc, 0.0) + factor * impact
                continue
            best: dict[int, float] = {}
            for term, similarity in qword.forms.items():
                posting = self._postings.get(term)
                if posting is None:
                    continue
                factor = similarity * self.idf[term]
                docs, impacts = posting
                for doc, impact in zip(docs, impacts, strict=True):
                    value = factor * impact
                    if value > best.get(doc, 0.0):
                        best[doc] = value
            for doc, value in best.items():
                selected[doc] = selected.get(doc, 0.0) + value
        return sorted(selected, key=selected.__getitem__, reverse=True)[:pool]

    def _forward_of(self, doc: int) -> dict[int, int]:
        """``doc``'s terms and packed field counts as a dict, remembered for the last few
        thousand articles scored: building it was half the cost of :meth:`score`, and
        questions re-score the same popular articles (as :class:`Passages` remembers their
        passages). A race between threads only builds one twice."""
        if len(self._forward) >= _FORWARD_CACHE:
            self._forward.clear()
        start, end = self._fwd_offsets[doc], self._fwd_offsets[doc + 1]
        forward = dict(zip(self._fwd_terms[start:end], self._fwd_counts[start:end], strict=True))
        self._forward[doc] = forward
        return forward

    def score(self, doc: int, question: Question) -> tuple[float, float]:
        """``doc``'s exact BM25F score over every query word and field, and the IDF weight
        of the strong query words it contains (typo matches counted by similarity)."""
        forward = self._forward.get(doc)
        if forward is None:
            forward = self._forward_of(doc)
        idf, lookup = self.idf, question.lookup
        # :meth:`impact` inlined, the same expression (this loop is most of a score)
        title, tags, body = self._norms[0][doc], self._norms[1][doc], self._norms[2][doc]
        k1 = self.tuning.k1
        k1_plus = k1 + 1
        best: dict[int, tuple[float, float]] = {}  # query word -> (value, similarity)
        for term in question.every:  # (a few dozen; an article has hundreds of terms)
            packed = forward.get(term)
            if packed is None:
                continue
            fields = (packed >> 32 & 0xFFFF) * title + (packed >> 48) * tags
            fields += (packed & 0xFFFFFFFF) * body
            impact = fields * k1_plus / (fields + k1)
            for index, similarity in lookup[term]:
                value = similarity * idf[term] * impact
                if value > best.get(index, _NOTHING)[0]:
                    best[index] = (value, similarity)
        lexical = covered = 0.0
        words, weights = question.words, question.weights
        for index in sorted(best):  # in question order: the same sums every time
            value, similarity = best[index]
            lexical += value
            if not words[index].weak:
                covered += weights[index] * similarity
        return lexical, covered
