"""Every knob of the suggestion ranking in one frozen dataclass.

One place, so the benchmark can print the tuning it measured and vary any knob from the
command line (``benchmarks/suggest.py --set threshold=36``) without code changes.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Tuning:
    """The weights, limits and thresholds of selection, ranking and the gate."""

    title_weight: float = 3.0
    tags_weight: float = 2.5
    body_weight: float = 1.0
    k1: float = 2.0
    b: float = 0.75
    fuzzy_min_length: int = 4  # shorter words are never typo-matched: too many neighbours
    # Longer "words" (a pasted hash, a run of letters) are neither typo-matched nor split into
    # compounds: no real word is that long, and both cost time in proportion to the length.
    fuzzy_max_length: int = 40
    fuzzy_cutoff: float = 75.0  # rapidfuzz ratio a typo candidate needs
    fuzzy_per_word: int = 10  # at most this many vocabulary words stand in for one typo
    compound_min_part: int = 3  # an unknown word splits into two known words this long
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
    rank_passage_ratio: float = 0.4
    rank_passage_cover: float = 0.1
    rank_passage_jaccard: float = 0.4
    # An article scoring under this share of the best one's is not suggested beside it: a
    # half-as-good second suggestion is noise to read (on the dev split 0.5 costs no hit at
    # three; 0.6 loses one on curekart).
    relative_cutoff: float = 0.5
    # The "suggest anything at all?" gate (a weighted mean, 0..100), on the best of the top
    # three: the same kinds of signal, weighted for telling answerable questions apart from
    # out-of-scope ones rather than for ordering articles.
    gate_strength: float = 0.6
    gate_coverage: float = 0.1
    gate_passage_set: float = 0.1
    gate_passage_wratio: float = 0.5
    gate_passage_jaccard: float = 0.5
    threshold: float = 33.5  # gate below which nothing is suggested
    # The meaning signal (a sentence-embedding model; ignored without one). Cosines are
    # rescaled to 0..1 above meaning_floor; each article is embedded as its label and at
    # most meaning_passages lines or sentences of its body. Tuned on the dev split with a
    # grid over these weights and the threshold (benchmarks/README.md): the best cosine to
    # one line ranks and gates, the cosine to the article's mean vector only ranks (in the
    # gate it cost more answered questions than it silenced).
    meaning_passages: int = 24
    meaning_candidates: int = 20  # articles nearest in meaning joining the lexical ones
    # A unit cosine at which an article is a candidate without a shared word, and passes
    # the gate on meaning alone.
    meaning_alone: float = 0.55
    meaning_floor: float = 0.2
    rank_meaning_unit: float = 0.6
    rank_meaning_mean: float = 0.6
    gate_meaning_unit: float = 0.5
    gate_meaning_mean: float = 0.0
    meaning_threshold: float = 33.0  # the gate's threshold when the meaning signal is on
    # A second round (after the description) holds each article to its own gate value, and
    # to a stricter threshold: a description of a few sentences shares some words with
    # nearly every article, so on the bundled base unrelated ones score 35-39 against it,
    # while an article that answers it scores 42 and up.
    second_round_threshold: float = 41.0


DEFAULT_TUNING = Tuning()
