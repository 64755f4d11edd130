"""Knowledge base: articles from Markdown files with YAML front matter, and fuzzy search.

(Skeleton: being written. The public API below is fixed.)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Article:
    id: str  # path relative to the knowledge folder, without .md
    title: str
    lang: str
    tags: tuple[str, ...] = ()
    summary: str = ""
    url: str = ""
    body: str = ""


@dataclass(frozen=True)
class Match:
    article: Article
    score: float  # 0..100, higher is better


class KnowledgeBase:
    @classmethod
    def load(cls, folder: Path) -> KnowledgeBase:
        raise NotImplementedError

    def get(self, article_id: str) -> Article | None:
        raise NotImplementedError

    def search(self, query: str, lang: str | None = None, limit: int = 3) -> list[Match]:
        raise NotImplementedError
