"""From a question to a ranked, gated list of articles.

1. The lexical pass (:mod:`chatdesk.search.index`): strong words select articles through
   their postings, the best ``pool`` are scored exactly, and an article that shares only stop
   words with the question is dropped.
2. The best ``candidates`` get passage signals (:mod:`chatdesk.search.passages`) and are
   ranked by a weighted mean of lexical strength, coverage and passage resemblance.
3. A separate gate, on the best of the top three, decides whether to suggest anything at
   all: small talk, nonsense and (some) out-of-scope questions stay silent. The gate's own
   character signals are computed for those three only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

from chatdesk.search.index import Searchable, TermIndex
from chatdesk.search.passages import Passages, best_similarity, overlap
from chatdesk.search.tuning import DEFAULT_TUNING, Tuning
from chatdesk.textnorm import words


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


class SearchIndex:
    """An immutable index over a sequence of articles; positions refer to that sequence."""

    def __init__(self, articles: Sequence[Searchable], tuning: Tuning = DEFAULT_TUNING) -> None:
        self.tuning = tuning
        self._terms = TermIndex(articles, tuning)
        self._passages = Passages(articles, self._terms.vocabulary, self._terms.idf)

    def __len__(self) -> int:
        return len(self._terms)

    def candidates(self, query: str, lang: str | None = None) -> list[Candidate]:
        """The best ``candidates`` articles of the lexical pass with their ranking signals,
        unranked and ungated (the benchmark uses it to calibrate)."""
        t = self.tuning
        question = self._terms.question(query, lang)
        strong_weight = question.strong_weight
        if strong_weight <= 0:
            return []
        scored = []
        for doc in self._terms.select(question, t.pool):
            lexical, covered = self._terms.score(doc, question)
            if covered:  # an article that shares only stop words is no suggestion
                scored.append((lexical, covered, doc))
        scored.sort(reverse=True)
        folded = " ".join(words(query))
        max_lexical = question.total * (t.k1 + 1)
        result = []
        for lexical, covered, doc in scored[: t.candidates]:
            cover, jaccard = overlap(question, self._passages.terms(doc))
            result.append(
                Candidate(
                    position=doc,
                    lexical=lexical,
                    coverage=covered / strong_weight,
                    strength=min(1.0, lexical / max_lexical),
                    passage_ratio=best_similarity(fuzz.ratio, folded, self._passages.texts(doc)),
                    passage_cover=cover,
                    passage_jaccard=jaccard,
                    same_lang=lang is None or self._terms.langs[doc] == lang,
                )
            )
        return result

    def rank_score(self, candidate: Candidate) -> float:
        """0..1: how good an answer this article is, relative to the other candidates."""
        t = self.tuning
        value = _weighted_mean(
            (t.rank_strength, candidate.strength),
            (t.rank_coverage, candidate.coverage),
            (t.rank_passage_ratio, candidate.passage_ratio),
            (t.rank_passage_cover, candidate.passage_cover),
            (t.rank_passage_jaccard, candidate.passage_jaccard),
        )
        return value if candidate.same_lang else value * t.other_lang_factor

    def gate_score(self, candidate: Candidate, query: str) -> float:
        """0..100: how sure we are that this article answers ``query`` at all."""
        t = self.tuning
        folded = " ".join(words(query))
        texts = self._passages.texts(candidate.position)
        value = 100 * _weighted_mean(
            (t.gate_strength, candidate.strength),
            (t.gate_coverage, candidate.coverage),
            (t.gate_passage_set, best_similarity(fuzz.token_set_ratio, folded, texts)),
            (t.gate_passage_wratio, best_similarity(fuzz.WRatio, folded, texts)),
            (t.gate_passage_jaccard, candidate.passage_jaccard),
        )
        return value if candidate.same_lang else value * t.other_lang_factor

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
        ranked = sorted(
            ((self.rank_score(c), c.lexical, c) for c in self.candidates(query, lang)),
            key=lambda item: (item[0], item[1]),
            reverse=True,
        )
        if not ranked:
            return [], 0.0
        gate = max(self.gate_score(c, query) for _, _, c in ranked[:3])
        floor = ranked[0][0] * self.tuning.relative_cutoff
        return [
            (c.position, round(100 * score, 1)) for score, _, c in ranked[:limit] if score >= floor
        ], gate

    def search(
        self, query: str, lang: str | None = None, limit: int = 3
    ) -> list[tuple[int, float]]:
        """Positions and scores (0..100) of the best articles, best first; ``[]`` when even
        the best of the top three does not pass the gate (small talk, out of scope)."""
        found, gate = self.ranked(query, lang, limit)
        return found if gate >= self.tuning.threshold else []

    def each_gated(
        self, query: str, lang: str | None, limit: int, exclude: frozenset[int] = frozenset()
    ) -> list[tuple[int, float]]:
        """The best articles not in ``exclude`` that each pass the (second round's) gate on
        their own.

        For a second round of suggestions: there the best candidates are usually the ones
        already shown, and under :meth:`search` a weak leftover rides on their gate value.
        """
        ranked = sorted(
            ((self.rank_score(c), c.lexical, c) for c in self.candidates(query, lang)),
            key=lambda item: (item[0], item[1]),
            reverse=True,
        )
        found: list[tuple[int, float]] = []
        for score, _, candidate in ranked:
            if len(found) == limit:
                break
            if candidate.position in exclude:
                continue
            if self.gate_score(candidate, query) >= self.tuning.second_round_threshold:
                found.append((candidate.position, round(100 * score, 1)))
        return found


def _weighted_mean(*pairs: tuple[float, float]) -> float:
    """The mean of the values, each counted with its weight (0 when no weight is set)."""
    total = sum(weight for weight, _ in pairs)
    return sum(weight * value for weight, value in pairs) / total if total > 0 else 0.0
