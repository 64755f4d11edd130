"""Text normalisation shared by indexing and querying, so both sides see the same words.

Lower-casing, accent folding ("café" and "cafe" match), splitting into word tokens, and
light stemming with the Snowball stemmers for English and Dutch ("passwords" and "password",
"bestellingen" and "bestelling" meet). Stems are cached per word: a knowledge base has far
fewer distinct words than word occurrences. ``snowballstemmer`` hands out PyStemmer's C
stemmers when that is installed (it is a dependency): the same stems, about a hundred times
faster than the pure-Python ones, which cut the build of a 100k-article index by an eighth.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import snowballstemmer

_WORD = re.compile(r"[^\W_]+")
_ASCII_WORD = re.compile(r"[a-z0-9]+")  # the same tokens as _WORD on lower-cased ASCII text
_MARKDOWN_LINK = re.compile(r"\]\([^)\s]*\)")
_URL = re.compile(r"\b(?:https?://|www\.)\S+", re.IGNORECASE)
_STEMMER_NAMES = {"en": "english", "nl": "dutch"}


def fold(text: str) -> str:
    """Lower-case and strip accents (NFKD, combining marks dropped)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def strip_urls(text: str) -> str:
    """Drop link targets and bare URLs: their fragments are noise for matching words."""
    if "](" not in text and "://" not in text and "www." not in text.lower():
        return text  # the common case, checked without running the two expressions
    return _URL.sub(" ", _MARKDOWN_LINK.sub("] ", text))


def words(text: str) -> list[str]:
    """The folded word tokens of ``text``, in order (stop words still included).

    Splits first and folds only the tokens that need it: folding character by character is
    the slowest step of indexing, and most tokens are plain ASCII. Plain ASCII text takes an
    ASCII-only expression, which gives the same tokens faster.
    """
    if text.isascii():
        return _ASCII_WORD.findall(text.lower())
    tokens = _WORD.findall(text.casefold())
    return [token if token.isascii() else _fold_token(token) for token in tokens]


@lru_cache(maxsize=65536)
def _fold_token(token: str) -> str:
    return fold(token)


class Stemmers:
    """Per-language Snowball stemmers with a per-word cache."""

    def __init__(self) -> None:
        self._stemmers = {
            lang: snowballstemmer.stemmer(name) for lang, name in _STEMMER_NAMES.items()
        }
        self._cache: dict[str, dict[str, str]] = {lang: {} for lang in _STEMMER_NAMES}

    def stem(self, word: str, lang: str, remember: bool = True) -> str:
        """The stem of a folded ``word`` in ``lang`` (unknown languages: the word itself).

        Index-time words are remembered; query words are not (``remember=False``), so a
        stream of typos cannot grow the cache without bound.
        """
        cache = self._cache.get(lang)
        if cache is None:
            return word
        stem = cache.get(word)
        if stem is None:
            stem = self._stemmers[lang].stemWord(word) if len(word) > 3 else word
            if remember:
                cache[word] = stem
        return stem

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(_STEMMER_NAMES)
