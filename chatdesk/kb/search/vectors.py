"""Article vectors, persisted so that a restart embeds only the articles that changed.

An article is embedded as *units*: its label (title and tags) and its body's lines and
sentences, up to ``max_passages`` of them. A question usually resembles one line of its
answer (HINT3's articles are lists of the phrasings customers use), so each unit keeps its
own vector; their normalised mean stands for the whole article.

The cache is a SQLite file of its own under the cache folder (``CHATDESK_SEARCH_CACHE_DIR``),
never the ticket database: the search must work without it. A row's key is the SHA-256 of
the model's name and the article's units, so an edited article misses and is embedded
again, an unchanged one is read back, and two models never share a row. Vectors are stored
as float16 (half the size; cosines move by less than 0.001). A cache that cannot be opened
or written is only a slower start: the vectors are then computed and kept in memory.
"""

from __future__ import annotations

import hashlib
import logging
import re
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from chatdesk.kb.search.embedding import Embedder
from chatdesk.kb.search.index import Searchable

log = logging.getLogger(__name__)

CACHE_FILE = "vectors.sqlite3"
BATCH = 64  # articles embedded per model call, and written per transaction
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_MARKUP = re.compile(r"^[\s>#*+\-|]+|[*_`|]+|!?\[([^\]]*)\]\([^)]*\)")
Progress = Callable[[int, int], None]  # (articles embedded so far, articles to embed)


def article_units(article: Searchable, max_passages: int) -> list[str]:
    """The texts one article is embedded as: its label, then its body's first passages."""
    label = " ".join([article.title, *article.tags]).strip()
    units = [label] if label else []
    for line in article.body.splitlines():
        text = _MARKUP.sub(lambda m: m.group(1) or " ", line).strip()
        for sentence in _SENTENCE_END.split(text):
            if len(units) > max_passages:
                return units
            if sentence.strip():
                units.append(sentence.strip())
    return units or [article.title or "-"]


def units_key(model: str, units: Sequence[str]) -> str:
    """The cache key of an article's units under ``model``."""
    digest = hashlib.sha256(model.encode())
    for unit in units:
        digest.update(b"\x1f" + unit.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


class VectorCache:
    """Vectors by key in a SQLite file; a cache that cannot be used is a cache that misses."""

    def __init__(self, folder: Path | None) -> None:
        self._db: sqlite3.Connection | None = None
        if folder is None:
            return
        try:
            folder.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(folder / CACHE_FILE, timeout=30, check_same_thread=False)
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, rows INTEGER NOT NULL,"
                " dim INTEGER NOT NULL, data BLOB NOT NULL)"
            )
            self._db.commit()
        except (OSError, sqlite3.Error) as exc:
            log.warning(
                "search vector cache in %s not usable (%s); vectors kept in memory", folder, exc
            )
            self._db = None

    def get_many(self, keys: Iterable[str]) -> dict[str, np.ndarray]:
        """The cached matrices (float16, one row per unit) of those ``keys`` that are known."""
        found: dict[str, np.ndarray] = {}
        if self._db is None:
            return found
        wanted = list(dict.fromkeys(keys))
        try:
            for start in range(0, len(wanted), 500):
                chunk = wanted[start : start + 500]
                marks = ",".join("?" * len(chunk))
                rows = self._db.execute(
                    f"SELECT key, rows, dim, data FROM vectors WHERE key IN ({marks})", chunk
                )
                for key, count, dim, data in rows:
                    found[key] = np.frombuffer(data, dtype=np.float16).reshape(count, dim)
        except sqlite3.Error as exc:
            log.warning("search vector cache not readable (%s); embedding again", exc)
        return found

    def put_many(self, items: Sequence[tuple[str, np.ndarray]]) -> None:
        if self._db is None or not items:
            return
        try:
            with self._db:
                self._db.executemany(
                    "INSERT OR REPLACE INTO vectors VALUES (?, ?, ?, ?)",
                    [(k, m.shape[0], m.shape[1], m.astype(np.float16).tobytes()) for k, m in items],
                )
        except sqlite3.Error as exc:
            log.warning("search vector cache not writable (%s); vectors kept in memory", exc)

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None


@dataclass
class ArticleVectors:
    """Every unit's vector (float16, articles' units one after the other), where each
    article's units start, and how many articles had to be embedded (the rest were cached)."""

    units: np.ndarray
    offsets: np.ndarray  # article i owns units[offsets[i]:offsets[i + 1]]
    embedded: int
    embedded_ids: list[int]  # positions of the articles that were embedded


def embed_articles(
    articles: Sequence[Searchable],
    embedder: Embedder,
    cache: VectorCache,
    max_passages: int,
    progress: Progress | None = None,
) -> ArticleVectors:
    """Vectors for every article: read from ``cache`` where its units are known, embedded
    (and written back) otherwise, ``BATCH`` articles per model call."""
    all_units = [article_units(article, max_passages) for article in articles]
    keys = [units_key(embedder.name, units) for units in all_units]
    found = cache.get_many(keys)
    missing = [i for i, key in enumerate(keys) if key not in found]
    for done in range(0, len(missing), BATCH):
        batch = missing[done : done + BATCH]
        texts = [text for i in batch for text in all_units[i]]
        matrix = embedder.encode(texts).astype(np.float16)
        fresh, start = [], 0
        for i in batch:
            count = len(all_units[i])
            found[keys[i]] = matrix[start : start + count]
            fresh.append((keys[i], found[keys[i]]))
            start += count
        cache.put_many(fresh)
        if progress is not None:
            progress(min(done + BATCH, len(missing)), len(missing))
    counts = np.fromiter((found[key].shape[0] for key in keys), dtype=np.int64, count=len(keys))
    offsets = np.zeros(len(keys) + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    units = (
        np.concatenate([found[key] for key in keys])
        if keys
        else np.zeros((0, embedder.dim), dtype=np.float16)
    )
    return ArticleVectors(units, offsets, len(missing), missing)
