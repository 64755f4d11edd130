"""The search index behind article suggestions: typo-tolerant, field-weighted, fast at scale.

Why not just rapidfuzz over titles: one WRatio pass over 100k titles takes ~0.3 s, and it
ties almost every article that shares a word with the query. Why not just BM25: it has no
typo tolerance. So the index combines them, built once when the knowledge base loads:

1. Words are folded (lower case, no accents), chat filler ("hi", "thanks") dropped, and
   stemmed with the article's language stemmer. Stop words are kept as *weak* terms: they
   re-rank ("where is my order" against "cancel my order") but a question made only of
   them, or an article that shares only them with the question, is never a suggestion.
2. One pass over the articles builds a forward index (each article's terms with their
   counts per field, in flat arrays) and posting lists. A term keeps a full posting list
   only while it is selective (in at most ``posting_cap`` articles); past that it keeps its
   title and tag postings, the highest-impact ones. Most per-article work is C-level
   (tokenising, mapping words to term ids, counting), which keeps the build fast at 100k.
3. A query word that is not in the vocabulary is matched to vocabulary words through a
   symmetric-deletion table (every word with one letter removed), which finds one-edit
   typos in a few dictionary look-ups instead of a scan; rapidfuzz grades each candidate.
4. Query words select articles through their postings (IDF x similarity x BM25F impact);
   the best ``pool`` of those are scored exactly (every query word, every field, title and
   tags weighted above the body) from the forward index.
5. The best few are re-scored against their passages (each line and sentence of the body,
   and the title with its tags): by characters (rapidfuzz) and by IDF-weighted words (how
   much of the question one passage holds). Ranking is a weighted mean of these signals.
6. A separate, calibrated gate decides whether to suggest anything at all. Below its
   threshold the answer is "no suggestion": small talk, nonsense and (some) out-of-scope
   questions stay silent.
"""

from __future__ import annotations

import gc
import math
import re
from array import array
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

from rapidfuzz import fuzz, process

from chatdesk.stopwords import CHAT_FILLER, stop_words
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
    k1: float = 2.0
    b: float = 0.75
    fuzzy_min_length: int = 4  # shorter words are never typo-matched: too many neighbours
    fuzzy_cutoff: float = 75.0  # rapidfuzz ratio a typo candidate needs
    fuzzy_per_word: int = 10  # at most this many vocabulary words stand in for one typo
    posting_cap: int = 2000  # postings kept per term (highest impact first)
    pool: int = 100  # articles scored exactly after selection by their strong words
    candidates: int = 10  # articles re-scored with rapidfuzz after the lexical pass
    other_lang_factor: float = 0.8  # score factor for articles not in the asker's language
    # Ranking (a weighted mean): lexical strength (BM25F over the whole article), the share
    # of the question's weight the article matches, and how closely one passage (a line or
    # sentence of the body, or the title with its tags) resembles the whole question, by
    # characters (rapidfuzz) and by IDF-weighted words.
    rank_strength: float = 0.4
    rank_coverage: float = 0.2
    rank_passage_set: float = 0.0
    rank_passage_ratio: float = 0.4
    rank_passage_cover: float = 0.1
    rank_passage_jaccard: float = 0.4
    # The "suggest anything at all?" gate (a weighted mean, 0..100), on the best of the top
    # three: the same kinds of signal, weighted for telling answerable questions apart from
    # out-of-scope ones rather than for ordering articles.
    gate_strength: float = 0.6
    gate_coverage: float = 0.1
    gate_passage_set: float = 0.1
    gate_passage_ratio: float = 0.0
    gate_passage_wratio: float = 0.5
    gate_passage_jaccard: float = 0.5
    threshold: float = 33.5  # gate below which nothing is suggested


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
    passage_cover: float  # 0..1: most of the query's IDF weight one passage holds
    passage_jaccard: float  # 0..1: best IDF-weighted overlap of query and one passage
    same_lang: bool  # in the asker's language (or no language was given)


@dataclass(frozen=True)
class _QueryWord:
    weight: float  # the word's IDF (its best form's), or the unknown-word IDF
    forms: dict[int, float]  # term id -> similarity (1.0 exact, less for typo matches)
    weak: bool  # a stop word: it re-ranks candidates but never selects one


class SearchIndex:
    """An immutable index over a sequence of articles; positions refer to that sequence."""

    def __init__(self, articles: Sequence[Searchable], tuning: Tuning = DEFAULT_TUNING) -> None:
        self.tuning = tuning
        self._stemmers = Stemmers()
        self._articles = articles  # shared, not copied: titles, tags and bodies for passages
        self._langs = [article.lang for article in articles]
        self._terms: dict[str, int] = {}  # stem (weak terms: "~" + stem) -> term id
        self._weak: set[int] = set()  # terms of stop words: they re-rank, never select
        self._surface: dict[str, set[int]] = {}  # folded word -> term ids it stems to
        self._deletes: dict[str, list[str]] = {}  # word minus one letter -> words
        self._postings: dict[int, tuple[array, array]] = {}  # strong term -> (docs, impacts)
        self._idf: list[float] = []
        self._passage_cache: dict[tuple[str, ...], list[tuple[frozenset[int], float]]] = {}
        # Forward index: each article's terms with their counts per field, packed in one
        # integer (body in the low 32 bits, title from bit 32, tags from bit 48).
        self._fwd_terms = array("I")
        self._fwd_counts = array("Q")
        self._fwd_offsets = array("I", [0])
        self._norms: list[array] = []  # per field: BM25F weight / length normalisation
        paused = gc.isenabled()
        gc.disable()  # millions of small objects and no cycles: collection only costs time
        try:
            self._build(articles)
        finally:
            if paused:
                gc.enable()

    def __len__(self) -> int:
        return len(self._langs)

    # -- building -------------------------------------------------------------------------

    def _register(self, word: str, lang: str, stops: frozenset[str]) -> int:
        """The term id of a new folded index word in ``lang`` (-1: chat filler, not indexed)."""
        if word in CHAT_FILLER:
            return -1
        stem = self._stemmers.stem(word, lang)
        weak = word in stops
        key = "~" + stem if weak else stem
        term = self._terms.get(key)
        if term is None:
            term = self._terms[key] = len(self._terms)
            self._docs.append([])
            self._packs.append([])
            if weak:
                self._weak.add(term)
        if not weak:
            self._strong_words.add(word)
        self._surface.setdefault(word, set()).add(term)
        return term

    def _ids(self, tokens: list[str], table: dict[str, int | None], lang: str) -> list[int]:
        """Term ids of ``tokens`` (-1 for chat filler), registering words seen the first time."""
        ids = list(map(table.get, tokens))
        if None in ids:  # rare once the vocabulary has been seen
            stops = stop_words(lang)
            for word in set(tokens).difference(table):
                table[word] = self._register(word, lang, stops)
            ids = list(map(table.__getitem__, tokens))
        return ids

    def _build(self, articles: Sequence[Searchable]) -> None:
        """One pass over the articles, then the BM25F numbers once the averages are known.

        Per article the work is mostly C-level (tokenising, mapping words to term ids,
        counting): the per-posting Python work is limited to selective terms. A strong term
        keeps a full posting list only while it is in at most ``posting_cap`` articles; past
        that it is *common* and keeps only its title and tag postings (its best ones), and
        its body occurrences count through the forward index for the candidates that rarer
        words (or those postings) selected. Stop words (*weak* terms) have no postings: they
        re-rank candidates ("has it been shipped" against "where is my order") and never
        select one, so a question made only of them gets no suggestion.
        """
        t = self.tuning
        cap = t.posting_cap
        self._docs: list[list[int]] = []  # term -> articles (while not common)
        self._packs: list[list[int]] = []  # term -> packed counts beside those articles
        self._skip: set[int] = set()  # weak and common terms: no more body postings
        self._strong_words: set[str] = set()
        common: set[int] = set()
        heads: dict[int, tuple[list[int], list[int]]] = {}  # common term -> title/tag postings
        tables: dict[str, dict[str, int]] = {}
        lengths = (array("I"), array("I"), array("I"))
        fwd_terms, fwd_counts, offsets = self._fwd_terms, self._fwd_counts, self._fwd_offsets
        docs, packs, skip = self._docs, self._packs, self._skip
        for position, article in enumerate(articles):
            lang = article.lang
            table = tables.setdefault(lang, {})
            title = self._ids(words(article.title), table, lang)
            tags = self._ids(words(" ".join(article.tags)), table, lang)
            body = self._ids(words(strip_urls(f"{article.summary}\n{article.body}")), table, lang)
            packed = Counter(body)
            for term in title:
                packed[term] = packed.get(term, 0) + _TITLE
            for term in tags:
                packed[term] = packed.get(term, 0) + _TAGS
            packed.pop(-1, None)
            lengths[0].append(len(title) - title.count(-1))
            lengths[1].append(len(tags) - tags.count(-1))
            lengths[2].append(len(body) - body.count(-1))
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
                    if term not in self._weak:
                        common.add(term)
            if common and (title or tags):
                for term in common.intersection(title + tags):
                    head = heads.setdefault(term, ([], []))
                    head[0].append(position)
                    head[1].append(packed[term])

        n = len(articles)
        df = Counter(fwd_terms)  # articles per term, counted in one C-level pass
        weights = (t.title_weight, t.tags_weight, t.body_weight)
        for field in range(3):
            average = max(sum(lengths[field]) / max(n, 1), 1.0)
            weight, b = weights[field], t.b
            self._norms.append(
                array("f", [weight / (1 - b + b * length / average) for length in lengths[field]])
            )
        self._idf = [
            math.log(1 + (n - df[term] + 0.5) / (df[term] + 0.5))
            for term in range(len(self._terms))
        ]
        self._unknown_idf = math.log(1 + (n + 0.5) / 0.5)

        for term, found in enumerate(docs):
            if not found or (term in skip and term not in common):
                continue  # no postings for a stop word once it is in many articles
            pairs = zip(found, packs[term], strict=True)
            if term in common:  # only its title and tag postings, the best ones first
                head = heads.get(term, ([], []))
                pairs = [(d, p) for d, p in pairs if p >> 32]
                pairs += zip(*head, strict=True)
                scored = sorted(((self._impact(d, p), d) for d, p in pairs), reverse=True)[:cap]
                if scored:
                    scored.sort(key=lambda item: item[1])
                    impacts, ids = zip(*scored, strict=True)
                    self._postings[term] = (array("I", ids), array("f", impacts))
                continue
            ids = array("I", found)
            self._postings[term] = (ids, array("f", map(self._impact, ids, packs[term])))
        del self._docs, self._packs, self._skip

        for word in self._strong_words:
            if len(word) >= t.fuzzy_min_length:
                for variant in _deletions(word):
                    self._deletes.setdefault(variant, []).append(word)
        del self._strong_words

    def _impact(self, doc: int, packed: int) -> float:
        """The BM25F impact (0..k1+1) of a term with ``packed`` field counts in ``doc``."""
        title, body_, tags_ = self._norms[0], self._norms[2], self._norms[1]
        value = (
            (packed >> 32 & 0xFFFF) * title[doc]
            + (packed >> 48) * tags_[doc]
            + (packed & 0xFFFFFFFF) * body_[doc]
        )
        return value * (self.tuning.k1 + 1) / (value + self.tuning.k1)

    def _forward(self, doc: int) -> dict[int, int]:
        """``doc``'s terms and their packed field counts."""
        start, end = self._fwd_offsets[doc], self._fwd_offsets[doc + 1]
        return dict(zip(self._fwd_terms[start:end], self._fwd_counts[start:end], strict=True))

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
                if term not in self._weak:
                    forms[term] = max(forms.get(term, 0.0), score / 100)
        return forms

    def _query_words(self, query: str, lang: str | None) -> list[_QueryWord]:
        stops = stop_words(lang)
        known = self._stemmers.languages
        stem_langs = (lang,) if lang in known else known
        result = []
        seen = set()
        for word in words(strip_urls(query)):
            if word in CHAT_FILLER or word in seen:
                continue
            seen.add(word)
            weak = word in stops
            forms: dict[int, float] = {}
            for term in self._surface.get(word, ()):
                forms[term] = 1.0
            for stem_lang in stem_langs:
                stem = self._stemmers.stem(word, stem_lang, remember=False)
                term = self._terms.get("~" + stem if weak else stem)
                if term is not None:
                    forms[term] = 1.0
            if not forms and not weak and len(word) >= self.tuning.fuzzy_min_length:
                forms = self._typo_forms(word)
            # An unknown content word counts fully against the match (it may be what the
            # question is about); an unknown stop word is no evidence either way.
            unknown = 0.0 if weak else self._unknown_idf
            weight = max((self._idf[term] for term in forms), default=unknown)
            result.append(_QueryWord(weight, forms, weak))
        return result

    def candidates(self, query: str, lang: str | None = None) -> list[Candidate]:
        """The lexical pass: the best-scoring articles with their ranking signals, unfiltered.

        Strong query words select articles through their postings; the best ``pool`` of
        those are then scored exactly (every query word, every field) from the forward
        index. :meth:`search` ranks and gates the result; the benchmark uses it to calibrate.
        """
        t = self.tuning
        qwords = self._query_words(query, lang)
        strong = [q for q in qwords if not q.weak]
        total_weight = sum(q.weight for q in qwords)
        strong_weight = sum(q.weight for q in strong)
        if not strong or strong_weight <= 0:
            return []
        selected: dict[int, float] = {}
        for qword in qwords:
            best: dict[int, float] = {}
            for term, similarity in qword.forms.items():
                posting = self._postings.get(term)
                if posting is None:
                    continue
                factor = similarity * self._idf[term]
                docs, impacts = posting
                for doc, impact in zip(docs, impacts, strict=True):
                    value = factor * impact
                    if value > best.get(doc, 0.0):
                        best[doc] = value
            for doc, value in best.items():
                selected[doc] = selected.get(doc, 0.0) + value
        pool = sorted(selected, key=selected.__getitem__, reverse=True)[: t.pool]
        scored = []
        for doc in pool:
            forward = self._forward(doc)
            lexical = covered = 0.0
            for qword in qwords:
                best_value = best_similarity = 0.0
                for term, similarity in qword.forms.items():
                    packed = forward.get(term)
                    if packed is not None:
                        value = similarity * self._idf[term] * self._impact(doc, packed)
                        if value > best_value:
                            best_value, best_similarity = value, similarity
                lexical += best_value
                if not qword.weak:
                    covered += qword.weight * best_similarity
            if covered:  # an article that shares only stop words is no suggestion
                scored.append((lexical, covered, doc))
        scored.sort(reverse=True)
        folded_query = " ".join(words(query))
        max_lexical = total_weight * (t.k1 + 1)
        result = []
        for lexical, covered, doc in scored[: t.candidates]:
            passages = [self._label(doc), *_passages(self._articles[doc].body)]
            cover, jaccard = self._passage_overlap(qwords, total_weight, passages)
            result.append(
                Candidate(
                    position=doc,
                    lexical=lexical,
                    coverage=covered / strong_weight,
                    strength=min(1.0, lexical / max_lexical),
                    passage_set=_best(fuzz.token_set_ratio, folded_query, passages),
                    passage_ratio=_best(fuzz.ratio, folded_query, passages),
                    passage_wratio=_best(fuzz.WRatio, folded_query, passages),
                    passage_cover=cover,
                    passage_jaccard=jaccard,
                    same_lang=lang is None or self._langs[doc] == lang,
                )
            )
        return result

    def _passage_overlap(
        self, qwords: list[_QueryWord], total_weight: float, passages: Sequence[str]
    ) -> tuple[float, float]:
        """IDF-weighted overlap of the query with its best passage: the share of the query's
        weight one passage holds, and the overlap relative to both sides (a weighted
        Jaccard, so a short passage that is the question scores higher than a long one
        that merely contains it)."""
        best_cover = best_jaccard = 0.0
        for terms, weight in self._passage_terms(passages):
            matched = 0.0
            for qword in qwords:
                shared = qword.forms.keys() & terms
                if shared:
                    matched += qword.weight * max(qword.forms[t] for t in shared)
            if matched:
                best_cover = max(best_cover, matched / total_weight)
                best_jaccard = max(best_jaccard, matched / (total_weight + weight - matched))
        return min(best_cover, 1.0), min(best_jaccard, 1.0)

    def _passage_terms(self, passages: Sequence[str]) -> list[tuple[frozenset[int], float]]:
        """Each passage's terms and their summed IDF, remembered for the last few thousand
        articles asked about (a question re-scores the same popular articles again)."""
        key = tuple(passages)
        found = self._passage_cache.get(key)
        if found is None:
            if len(self._passage_cache) >= _PASSAGE_CACHE:
                self._passage_cache.clear()
            found = []
            for passage in passages:
                terms: set[int] = set()
                for word in passage.split():
                    terms.update(self._surface.get(word, ()))
                if terms:
                    found.append((frozenset(terms), sum(self._idf[t] for t in terms)))
            self._passage_cache[key] = found
        return found

    def _label(self, doc: int) -> str:
        article = self._articles[doc]
        return " ".join(words(" ".join([article.title, *article.tags])))

    def rank_score(self, candidate: Candidate) -> float:
        """0..1: how good an answer this article is, relative to the other candidates."""
        t = self.tuning
        value = _weighted_mean(
            (t.rank_strength, candidate.strength),
            (t.rank_coverage, candidate.coverage),
            (t.rank_passage_set, candidate.passage_set),
            (t.rank_passage_ratio, candidate.passage_ratio),
            (t.rank_passage_cover, candidate.passage_cover),
            (t.rank_passage_jaccard, candidate.passage_jaccard),
        )
        return value if candidate.same_lang else value * t.other_lang_factor

    def gate_score(self, candidate: Candidate) -> float:
        """0..100: how sure we are the question is answered at all by this article."""
        t = self.tuning
        value = 100 * _weighted_mean(
            (t.gate_strength, candidate.strength),
            (t.gate_coverage, candidate.coverage),
            (t.gate_passage_set, candidate.passage_set),
            (t.gate_passage_ratio, candidate.passage_ratio),
            (t.gate_passage_wratio, candidate.passage_wratio),
            (t.gate_passage_jaccard, candidate.passage_jaccard),
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


_PASSAGE_CACHE = 4096  # articles whose passage terms are remembered
_TITLE = 1 << 32  # packed field counts: one title occurrence
_TAGS = 1 << 48  # one tag occurrence
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


def _weighted_mean(*pairs: tuple[float, float]) -> float:
    """The mean of the values, each counted with its weight (0 when no weight is set)."""
    total = sum(weight for weight, _ in pairs)
    return sum(weight * value for weight, value in pairs) / total if total > 0 else 0.0


def _deletions(word: str) -> list[str]:
    """``word`` with each one of its letters removed."""
    return [word[:i] + word[i + 1 :] for i in range(len(word))]
