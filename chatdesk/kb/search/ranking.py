"""From a question to a ranked, gated list of articles.

1. The lexical pass (:mod:`chatdesk.kb.search.index`): strong words select articles through
   their postings, the best ``pool`` are scored exactly, and an article that shares only stop
   words with the question is dropped.
2. The best ``candidates`` get passage signals (:mod:`chatdesk.kb.search.passages`) and are
   ranked by a weighted mean of lexical strength, coverage and passage resemblance.
3. A separate gate, on the best of the top three, decides whether to suggest anything at
   all: small talk, nonsense and (some) out-of-scope questions stay silent. The gate's own
   character signals are computed for those three only.

With a :class:`~chatdesk.kb.search.meaning.MeaningIndex` (a sentence-embedding model), the
question's vector also brings in the articles nearest in meaning that the words missed, and
two cosines join both weighted means: words and meaning are fused, not chained. Without one
(``CHATDESK_SEARCH_MODEL=none``) the meaning weights are left out of the means, so the
lexical scores are exactly what they were.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz

from chatdesk.core.textnorm import words
from chatdesk.kb.search.index import Question, Searchable, TermIndex
from chatdesk.kb.search.meaning import MeaningIndex
from chatdesk.kb.search.passages import Passages, best_similarity, overlap
from chatdesk.kb.search.tuning import DEFAULT_TUNING, Tuning

# How far below what the gate needs a character signal's cutoff is set (of a 0..1 signal).
# rapidfuzz's extractOne may miss a best score that lies within about 1e-8 above its cutoff
# (measured over the eval sets and random strings); a score that close to a cutoff this far
# below the need fails the gate either way, and one above it is returned exact.
_MARGIN = 1e-4


@dataclass(frozen=True)
class Candidate:
    """One article after the lexical pass, with the signals its ranking uses."""

    position: int  # index into the article sequence the index was built from
    lexical: float  # sum of IDF x similarity x BM25F impact over the query words
    coverage: float  # 0..1: share of the query's strong IDF weight this article matches
    strength: float  # 0..1: lexical score relative to what the query could reach
    passage_ratio: float  # 0..1: best plain rapidfuzz ratio to a passage
    passage_cover: float  # 0..1: most of the query's IDF weight one passage holds
    passage_jaccard: float  # 0..1: best IDF-weighted overlap of query and one passage
    same_lang: bool  # in the asker's language (or no language was given)
    meaning_unit: float = 0.0  # 0..1: best cosine to one unit (label, line), rescaled
    meaning_mean: float = 0.0  # 0..1: cosine to the article's mean vector, rescaled
    meaning_cosine: float = 0.0  # the best cosine to one unit as it is (-1..1)


class SearchIndex:
    """An immutable index over a sequence of articles; positions refer to that sequence."""

    def __init__(
        self,
        articles: Sequence[Searchable],
        tuning: Tuning = DEFAULT_TUNING,
        meaning: MeaningIndex | None = None,
    ) -> None:
        self.tuning = tuning
        self.meaning = meaning
        self._terms = TermIndex(articles, tuning)
        self._passages = Passages(articles, self._terms.vocabulary, self._terms.idf)

    def __len__(self) -> int:
        return len(self._terms)

    def candidates(self, query: str, lang: str | None = None) -> list[Candidate]:
        """The best ``candidates`` articles of the lexical pass (and, with a model, the
        ``meaning_candidates`` nearest in meaning) with their ranking signals, unranked and
        ungated (the benchmark uses it to calibrate)."""
        t = self.tuning
        question = self._terms.question(query, lang)
        strong_weight = question.strong_weight
        vector, near = self._near(query, question)
        if strong_weight <= 0 and not near:
            return []
        scored = []
        if strong_weight > 0:
            for doc in self._terms.select(question, t.pool):
                lexical, covered = self._terms.score(doc, question)
                if covered:  # an article that shares only stop words is no suggestion
                    scored.append((lexical, covered, doc))
        scored.sort(reverse=True)
        chosen = [(lexical, covered, doc) for lexical, covered, doc in scored[: t.candidates]]
        best: dict[int, float] = {}
        if self.meaning is not None and vector is not None:
            best = self.meaning.best_units([doc for *_, doc in chosen] + near, vector)
            chosen += self._meaning_only(question, near, {doc for *_, doc in chosen}, best)
        folded = " ".join(words(query))
        max_lexical = max(question.total * (t.k1 + 1), 1e-9)
        result = []
        for lexical, covered, doc in chosen:
            cover, jaccard = overlap(question, self._passages.terms(doc), self._passages.where(doc))
            cosine = best.get(doc, 0.0)
            mean = (
                self.meaning.mean_cosine(doc, vector)
                if best and self.meaning is not None and vector is not None
                else 0.0
            )
            result.append(
                Candidate(
                    position=doc,
                    lexical=lexical,
                    coverage=covered / strong_weight if strong_weight > 0 else 0.0,
                    strength=min(1.0, lexical / max_lexical),
                    passage_ratio=best_similarity(fuzz.ratio, folded, self._passages.texts(doc)),
                    passage_cover=cover,
                    passage_jaccard=jaccard,
                    same_lang=lang is None or self._terms.langs[doc] == lang,
                    meaning_unit=_rescale(cosine, t.meaning_floor),
                    meaning_mean=_rescale(mean, t.meaning_floor),
                    meaning_cosine=cosine,
                )
            )
        return result

    def _near(self, query: str, question: Question) -> tuple[np.ndarray | None, list[int]]:
        """The question's vector and the articles nearest to it in meaning (by their mean
        vectors); nothing without a model or for a question without words."""
        if self.meaning is None or not question.words:
            return None, []
        vector = self.meaning.encode(query)
        cosines = self.meaning.mean_cosines(vector)
        return vector, self.meaning.nearest(cosines, self.tuning.meaning_candidates)

    def _meaning_only(
        self, question: Question, near: list[int], chosen: set[int], best: dict[int, float]
    ) -> list[tuple[float, float, int]]:
        """Articles near in meaning that the lexical pass did not choose: each with its
        exact lexical score, kept when it shares a content word with the question or when
        one of its units (``best``: the highest cosine per article) is close enough in
        meaning to stand alone."""
        found = []
        for doc in near:
            if doc in chosen:
                continue
            lexical, covered = (
                self._terms.score(doc, question) if question.strong_weight > 0 else (0.0, 0.0)
            )
            if covered or best[doc] >= self.tuning.meaning_alone:
                found.append((lexical, covered, doc))
        return found

    def rank_score(self, candidate: Candidate) -> float:
        """0..1: how good an answer this article is, relative to the other candidates."""
        t = self.tuning
        value = _weighted_mean(
            (t.rank_strength, candidate.strength),
            (t.rank_coverage, candidate.coverage),
            (t.rank_passage_ratio, candidate.passage_ratio),
            (t.rank_passage_cover, candidate.passage_cover),
            (t.rank_passage_jaccard, candidate.passage_jaccard),
            *self._meaning_pairs(candidate, t.rank_meaning_unit, t.rank_meaning_mean),
        )
        return value if candidate.same_lang else value * t.other_lang_factor

    def gate_score(self, candidate: Candidate, query: str) -> float:
        """0..100: how sure we are that this article answers ``query`` at all."""
        folded = " ".join(words(query))
        texts = self._passages.texts(candidate.position)
        return self._gate(
            candidate,
            best_similarity(fuzz.token_set_ratio, folded, texts),
            best_similarity(fuzz.WRatio, folded, texts),
        )

    def _gate(self, candidate: Candidate, passage_set: float, passage_wratio: float) -> float:
        """The gate's value from the candidate's signals and its two character signals (the
        dear ones, computed by :meth:`gate_score`). It only grows with each signal: with both
        at their best (1.0) it is a bound that no computed value exceeds."""
        t = self.tuning
        value = 100 * _weighted_mean(
            (t.gate_strength, candidate.strength),
            (t.gate_coverage, candidate.coverage),
            (t.gate_passage_set, passage_set),
            (t.gate_passage_wratio, passage_wratio),
            (t.gate_passage_jaccard, candidate.passage_jaccard),
            *self._meaning_pairs(candidate, t.gate_meaning_unit, t.gate_meaning_mean),
        )
        if self.meaning is not None and t.meaning_alone > 0:
            # One line that says what the question says passes on its own, shared words
            # or not: the value reaches the threshold where the cosine reaches meaning_alone.
            value = max(value, t.meaning_threshold * candidate.meaning_cosine / t.meaning_alone)
        return value if candidate.same_lang else value * t.other_lang_factor

    def _meaning_pairs(
        self, candidate: Candidate, unit_weight: float, mean_weight: float
    ) -> tuple[tuple[float, float], ...]:
        """The meaning terms of a weighted mean; none without a model, so that the lexical
        search's scores stay exactly what they were."""
        if self.meaning is None:
            return ()
        return ((unit_weight, candidate.meaning_unit), (mean_weight, candidate.meaning_mean))

    def ranked(
        self, query: str, lang: str | None = None, limit: int = 3
    ) -> tuple[list[tuple[int, float]], float]:
        """The best articles ungated (positions and 0..100 scores, best first; none below
        ``relative_cutoff`` of the best one's score) and the gate value of the best of the
        top three (0 when nothing matched).

        :meth:`search` is this with the gate applied; the benchmark uses it to show what
        each gate threshold would cost and gain, from one ranking per question.
        """
        if limit <= 0:
            return [], 0.0
        ranked = self._ranking(query, lang)
        if not ranked:
            return [], 0.0
        gate = max(self.gate_score(c, query) for _, _, c in ranked[:3])
        return self._shown(ranked, limit), gate

    def search(
        self, query: str, lang: str | None = None, limit: int = 3
    ) -> list[tuple[int, float]]:
        """Positions and scores (0..100) of the best articles, best first; ``[]`` when even
        the best of the top three does not pass the gate (small talk, out of scope).

        :meth:`ranked` with its gate applied, but the gate's value is not needed, only
        whether one of the three passes: the first that does ends the look, and one whose
        bound (:meth:`_gate` with the best character signals) is below the threshold is
        passed over without computing them.
        """
        if limit <= 0:
            return []
        ranked = self._ranking(query, lang)
        folded = " ".join(words(query))
        for _, _, candidate in ranked[:3]:
            if self._passes(candidate, folded, self.threshold):
                return self._shown(ranked, limit)
        return []

    def _ranking(self, query: str, lang: str | None) -> list[tuple[float, float, Candidate]]:
        """The candidates with their rank scores, best first (ties: the stronger lexically)."""
        return sorted(
            ((self.rank_score(c), c.lexical, c) for c in self.candidates(query, lang)),
            key=lambda item: (item[0], item[1]),
            reverse=True,
        )

    def _shown(
        self, ranked: list[tuple[float, float, Candidate]], limit: int
    ) -> list[tuple[int, float]]:
        """The first ``limit`` of a ranking as positions and 0..100 scores, none below
        ``relative_cutoff`` of the best one's score."""
        floor = ranked[0][0] * self.tuning.relative_cutoff
        return [
            (c.position, round(100 * score, 1)) for score, _, c in ranked[:limit] if score >= floor
        ]

    @property
    def threshold(self) -> float:
        """The gate's threshold: the meaning signal moves the gate's scale, so it has its own."""
        t = self.tuning
        return t.threshold if self.meaning is None else t.meaning_threshold

    def each_gated(
        self, query: str, lang: str | None, limit: int, exclude: frozenset[int] = frozenset()
    ) -> list[tuple[int, float]]:
        """The best articles not in ``exclude`` that each pass the (second round's) gate on
        their own.

        For a second round of suggestions: there the best candidates are usually the ones
        already shown, and under :meth:`search` a weak leftover rides on their gate value.
        """
        ranked = self._ranking(query, lang)
        folded = " ".join(words(query))
        found: list[tuple[int, float]] = []
        threshold = self.tuning.second_round_threshold
        for score, _, candidate in ranked:
            if len(found) == limit:
                break
            if candidate.position in exclude:
                continue
            if self._passes(candidate, folded, threshold):
                found.append((candidate.position, round(100 * score, 1)))
        return found

    def _passes(self, candidate: Candidate, folded: str, threshold: float) -> bool:
        """Whether ``gate_score`` reaches ``threshold``, computing as little of it as that
        needs. The gate only grows with its two character signals (WRatio and the token-set
        ratio; each a best over the article's passages, the dear part), so: with both at
        their best it is a bound; with both at nothing, a floor. Past those, WRatio (the one
        the gate weighs most) is computed, then the token-set ratio only if the gate is still
        open, each with the score below which the gate cannot pass as rapidfuzz's cutoff
        (which lets it skip most of the work). The decision is the exact gate's, on the
        exact signals: a signal cut off is below what passing needs.
        """
        gate = self._gate
        if gate(candidate, 1.0, 1.0) < threshold:
            return False
        if gate(candidate, 0.0, 0.0) >= threshold:
            return True
        texts = self._passages.texts(candidate.position)
        need = _needed(gate(candidate, 1.0, 0.0), gate(candidate, 1.0, 1.0), threshold)
        passage_wratio = best_similarity(fuzz.WRatio, folded, texts, need)
        if passage_wratio < need or gate(candidate, 1.0, passage_wratio) < threshold:
            return False
        low = gate(candidate, 0.0, passage_wratio)
        if low >= threshold:
            return True
        need = _needed(low, gate(candidate, 1.0, passage_wratio), threshold)
        passage_set = best_similarity(fuzz.token_set_ratio, folded, texts, need)
        return passage_set >= need and gate(candidate, passage_set, passage_wratio) >= threshold


def _needed(low: float, high: float, threshold: float) -> float:
    """A lower bound (0..1) of the signal the gate needs to reach ``threshold``, given its
    values ``low`` and ``high`` with that signal at 0 and at 1 (``threshold <= high``).

    The gate is linear in the signal, or the larger of that and a constant (the meaning
    alone): the line through ``low`` and ``high`` is at least the gate, so where it meets the
    threshold is at most where the gate does. ``_MARGIN`` below that keeps rounding (ours and
    rapidfuzz's) on the safe side: a cutoff a little low only costs an exact computation.
    """
    if low >= threshold:  # (the signal may weigh nothing: then low == high)
        return 0.0
    return max(0.0, (threshold - low) / (high - low) - _MARGIN)


def _weighted_mean(*pairs: tuple[float, float]) -> float:
    """The mean of the values, each counted with its weight (0 when no weight is set)."""
    total = sum(weight for weight, _ in pairs)
    return sum(weight * value for weight, value in pairs) / total if total > 0 else 0.0


def _rescale(cosine: float, floor: float) -> float:
    """A cosine as 0..1 above ``floor`` (unrelated sentences still score 0.1-0.3)."""
    return min(1.0, max(0.0, (cosine - floor) / (1.0 - floor)))
