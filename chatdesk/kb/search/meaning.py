"""The meaning signal: cosines between a question's vector and the articles' vectors.

Two numbers per article, because they answer different questions: the best cosine to one of
its units (the question says what one line of the article says) and the cosine to the
article's mean vector (the question is about what the article is about as a whole). The
mean vectors also find articles the lexical pass never reached ("my screen stays black" ->
an article that says "blank display"): :meth:`MeaningIndex.nearest` is one matrix-vector
product over every article.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from chatdesk.kb.search.embedding import Embedder
from chatdesk.kb.search.index import Searchable
from chatdesk.kb.search.vectors import ArticleVectors, Progress, VectorCache, embed_articles

FLOAT32_UNITS_MAX = 64 * 2**20  # bytes of unit vectors kept as float32 (else float16)


class MeaningIndex:
    """Immutable once built; positions refer to the article sequence it was built from."""

    def __init__(self, embedder: Embedder, vectors: ArticleVectors) -> None:
        self.embedder = embedder
        self.embedded = vectors.embedded
        self.embedded_ids = vectors.embedded_ids
        wide = vectors.units.astype(np.float32)
        # float32 while that is small (every search reads a few dozen articles' rows, and
        # converting them from float16 cost more than their product); float16 above, half the
        # memory of a large base. The values are the same either way (float16 -> float32 is
        # exact), and so are the cosines.
        self._units = wide if wide.nbytes <= FLOAT32_UNITS_MAX else vectors.units
        self._offsets = vectors.offsets
        counts = np.diff(vectors.offsets)
        if len(counts):
            sums = np.add.reduceat(wide, vectors.offsets[:-1], axis=0)
            norms = np.linalg.norm(sums, axis=1, keepdims=True)
            self._means = sums / np.maximum(norms, 1e-6)
        else:
            self._means = np.zeros((0, embedder.dim), dtype=np.float32)

    @classmethod
    def build(
        cls,
        articles: Sequence[Searchable],
        embedder: Embedder,
        cache: VectorCache,
        max_passages: int,
        progress: Progress | None = None,
    ) -> MeaningIndex:
        return cls(embedder, embed_articles(articles, embedder, cache, max_passages, progress))

    def __len__(self) -> int:
        return len(self._means)

    def encode(self, query: str) -> np.ndarray:
        """The question's unit vector."""
        return self.embedder.encode([query])[0]

    def mean_cosines(self, vector: np.ndarray) -> np.ndarray:
        """The cosine of ``vector`` to every article's mean vector."""
        return self._means @ vector

    def mean_cosine(self, doc: int, vector: np.ndarray) -> float:
        """The cosine of ``vector`` to ``doc``'s mean vector."""
        return float(self._means[doc] @ vector)

    def nearest(self, cosines: np.ndarray, count: int) -> list[int]:
        """The ``count`` articles with the highest of ``cosines``, best first."""
        if count <= 0 or not len(cosines):
            return []
        if count < len(cosines):
            top = np.argpartition(cosines, -count)[-count:]
        else:
            top = np.arange(len(cosines))
        return [int(i) for i in top[np.argsort(-cosines[top], kind="stable")]]

    def best_unit(self, doc: int, vector: np.ndarray) -> float:
        """The highest cosine of ``vector`` to one of ``doc``'s units."""
        return self.best_units([doc], vector)[doc]

    def best_units(self, docs: Sequence[int], vector: np.ndarray) -> dict[int, float]:
        """The highest cosine of ``vector`` to one unit, for each of ``docs``: their rows
        gathered (and converted, when kept as float16) once, one product for all (a query
        asks about ~30)."""
        docs = list(dict.fromkeys(docs))
        if not docs:
            return {}
        starts, ends = self._offsets[docs], self._offsets[np.asarray(docs) + 1]
        lengths = ends - starts
        bounds = np.zeros(len(docs), dtype=np.int64)
        np.cumsum(lengths[:-1], out=bounds[1:])
        # each doc's rows, start to end, one after the other: without a Python loop per doc
        rows = np.arange(int(lengths.sum()), dtype=np.int64) + np.repeat(starts - bounds, lengths)
        block = self._units[rows]
        if block.dtype != np.float32:
            block = block.astype(np.float32)
        cosines = block @ vector
        best = np.maximum.reduceat(cosines, bounds)
        return {doc: float(value) for doc, value in zip(docs, best, strict=True)}
