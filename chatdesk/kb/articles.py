"""Knowledge base: articles from Markdown files with YAML front matter, and fuzzy search.

An article is one ``.md`` file under the knowledge folder. Its id is its path relative to
that folder without ``.md``, with ``/`` separators (``en/password-reset``), so ids are stable
across machines and readable in logs. The front matter (parsed with PyYAML) holds ``title``,
``lang`` (``en`` or ``nl``), ``tags`` (a list), and optionally ``url`` and ``summary``; when
there is no summary, the first paragraph of the body gives a one-line one.

Two ways to read a folder, for two audiences: :func:`scan` reports every broken file with
its reason (``chatdesk kb check``, which also lists the files that are not read at all, from
:func:`not_loaded`), while :meth:`KnowledgeBase.load` skips broken files with a logged warning
so one bad edit never takes the bot down. The search itself lives in
:mod:`chatdesk.kb.search`; this module only owns the articles.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from chatdesk.core.text import clip
from chatdesk.kb.search import DEFAULT_TUNING, SearchIndex, Tuning
from chatdesk.kb.search.embedding import Embedder
from chatdesk.kb.search.meaning import MeaningIndex
from chatdesk.kb.search.vectors import BATCH, Progress, VectorCache

log = logging.getLogger(__name__)

LANGUAGES = ("en", "nl")
SUMMARY_LENGTH = 160
_FENCE = "---"
_SKIPPED_NAMES = {"readme.md"}
_MARKDOWN_SUFFIXES = {".md", ".markdown", ".mdown", ".mkd", ".mkdn"}
_MD_MARKUP = re.compile(r"!?\[([^\]]*)\]\([^)]*\)|[*_`>#~|]+")
_SPACES = re.compile(r"\s+")


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


def topic_of(article_id: str) -> str:
    """The id without its language folder: ``en/password-reset`` -> ``password-reset``."""
    first, _, rest = article_id.partition("/")
    return rest if first in LANGUAGES and rest else article_id


class KnowledgeError(Exception):
    """The knowledge folder itself is unusable (missing, or not a folder)."""


class ArticleError(ValueError):
    """One article file is broken; the message says why, in one line."""


@dataclass(frozen=True)
class Problem:
    """A broken file (or a clash between files) found while scanning a folder."""

    path: str  # relative to the knowledge folder, with / separators
    reason: str
    warning: bool = False  # worth knowing, but not a broken article

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


@dataclass
class ScanResult:
    """Everything :func:`scan` found: the good articles and the problems."""

    articles: list[Article] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def article_id(path: Path, root: Path) -> str:
    """The id of the article at ``path``: relative to ``root``, ``/``-separated, no ``.md``."""
    return path.relative_to(root).with_suffix("").as_posix()


def split_front_matter(text: str) -> tuple[str, str]:
    """Split a file into its YAML front matter and its body, or raise :class:`ArticleError`."""
    text = text.removeprefix("\ufeff")
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != _FENCE:
        raise ArticleError("no front matter (the file must start with a '---' line)")
    for index in range(1, len(lines)):
        if lines[index].strip() == _FENCE:
            return "".join(lines[1:index]), "".join(lines[index + 1 :])
    raise ArticleError("front matter is not closed (no second '---' line)")


def derive_summary(body: str, length: int = SUMMARY_LENGTH) -> str:
    """A one-line summary: the first prose paragraph of the body, markup removed, shortened."""
    for paragraph in re.split(r"\n\s*\n", body):
        lines = [ln for ln in paragraph.strip().splitlines() if not ln.lstrip().startswith("#")]
        if not lines or lines[0].lstrip().startswith("```"):
            continue
        text = _SPACES.sub(" ", _MD_MARKUP.sub(r"\1", " ".join(lines))).strip(" -")
        if text:
            return clip(text, length, at_word=True)
    return ""


def _text_field(meta: dict[object, object], name: str, required: bool) -> str:
    value = meta.get(name)
    if value is None:
        if required:
            raise ArticleError(f"front matter has no {name!r}")
        return ""
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise ArticleError(f"{name!r} must be a text, not {type(value).__name__}")
    text = str(value).strip()
    if required and not text:
        raise ArticleError(f"{name!r} is empty")
    return text


def parse_article(text: str, article_id: str) -> Article:
    """Build an :class:`Article` from a file's text, or raise :class:`ArticleError`."""
    raw_meta, body = split_front_matter(text)
    try:
        meta = yaml.safe_load(raw_meta)
    except yaml.YAMLError as exc:
        detail = _SPACES.sub(" ", str(exc)).strip()
        raise ArticleError(f"front matter is not valid YAML: {detail}") from None
    if meta is None:
        raise ArticleError("front matter is empty")
    if not isinstance(meta, dict):
        raise ArticleError("front matter must be a mapping of fields (title: ..., lang: ...)")
    title = _text_field(meta, "title", required=True)
    lang = _text_field(meta, "lang", required=True)
    if lang not in LANGUAGES:
        raise ArticleError(f"unknown lang {lang!r} (expected one of: {', '.join(LANGUAGES)})")
    folder_lang = article_id.split("/", 1)[0] if "/" in article_id else ""
    if folder_lang in LANGUAGES and folder_lang != lang:
        raise ArticleError(f"lang {lang!r} does not match its folder {folder_lang}/")
    tags = meta.get("tags", [])
    if tags is None:
        tags = []
    if not isinstance(tags, list):
        raise ArticleError(f"'tags' must be a list, not {type(tags).__name__}")
    if not all(isinstance(tag, str | int | float) and not isinstance(tag, bool) for tag in tags):
        raise ArticleError("every tag must be a text")
    body = body.strip()
    if not body:
        raise ArticleError("the body is empty")
    summary = _text_field(meta, "summary", required=False) or derive_summary(body)
    return Article(
        id=article_id,
        title=title,
        lang=lang,
        tags=tuple(str(tag).strip() for tag in tags if str(tag).strip()),
        summary=summary,
        url=_text_field(meta, "url", required=False),
        body=body,
    )


def article_paths(folder: Path) -> list[Path]:
    """The article files under ``folder``, sorted; hidden files/folders and READMEs skipped."""
    paths = []
    for path in folder.rglob("*.md"):
        parts = path.relative_to(folder).parts
        if any(part.startswith((".", "_")) for part in parts):
            continue
        if path.name.lower() in _SKIPPED_NAMES or not path.is_file():
            continue
        paths.append(path)
    return sorted(paths)


def _hidden(path: Path, folder: Path) -> bool:
    return any(part.startswith((".", "_")) for part in path.relative_to(folder).parts)


def not_loaded(folder: Path) -> list[Problem]:
    """Every file under ``folder`` that is not read as an article, and why (for ``kb check``).

    Hidden files and folders and READMEs are left out on purpose and are not listed. A broken
    link and a Markdown file with the wrong suffix (``.MD``, ``.markdown``) were meant to be
    articles: those are errors. Any other file (``notes.txt``, an image) is a warning.
    """
    folder = check_folder(folder)
    loaded = set(article_paths(folder))
    problems = []
    for path in sorted(folder.rglob("*")):
        if path in loaded or _hidden(path, folder):
            continue
        relative = path.relative_to(folder).as_posix()
        name = path.name.lower()
        markdown = path.suffix.lower() in _MARKDOWN_SUFFIXES
        if path.is_symlink() and not path.exists():
            problems.append(Problem(relative, "not loaded: broken link"))
        elif path.is_dir() or name in _SKIPPED_NAMES or path.stem.lower() == "readme":
            continue
        elif not path.is_file():
            problems.append(Problem(relative, "not loaded: not a regular file", not markdown))
        elif path.suffix == ".md":  # pragma: no cover - article_paths reads every such file
            continue
        elif path.suffix.lower() == ".md":
            problems.append(Problem(relative, "not loaded: articles must end in .md (lower case)"))
        elif markdown:
            problems.append(Problem(relative, "not loaded: articles must end in .md"))
        else:
            problems.append(Problem(relative, "not loaded: articles must end in .md", warning=True))
    return problems


def check_folder(folder: Path) -> Path:
    """Resolve ``folder`` or raise :class:`KnowledgeError` if it is not a usable folder."""
    if not folder.exists():
        raise KnowledgeError(f"knowledge folder {folder} does not exist")
    if not folder.is_dir():
        raise KnowledgeError(f"knowledge folder {folder} is not a folder")
    return folder


def duplicate_titles(articles: Iterable[Article]) -> list[Problem]:
    """One problem per article whose title (case- and space-insensitive) repeats in its lang."""
    seen: dict[tuple[str, str], Article] = {}
    problems = []
    for article in articles:
        key = (article.lang, _SPACES.sub(" ", article.title.casefold()).strip())
        first = seen.setdefault(key, article)
        if first is not article:
            problems.append(
                Problem(
                    article.id + ".md",
                    f"duplicate title {article.title!r} ({article.lang}), also in {first.id}.md",
                )
            )
    return problems


def scan(folder: Path) -> ScanResult:
    """Read every article under ``folder``, collecting broken files and duplicate titles."""
    folder = check_folder(folder)
    result = ScanResult()
    for path in article_paths(folder):
        ident = article_id(path, folder)
        try:
            text = path.read_text(encoding="utf-8")
            result.articles.append(parse_article(text, ident))
        except UnicodeDecodeError:
            result.problems.append(Problem(ident + ".md", "not UTF-8 text"))
        except OSError as exc:
            result.problems.append(Problem(ident + ".md", f"cannot be read: {exc.strerror}"))
        except ArticleError as exc:
            result.problems.append(Problem(ident + ".md", str(exc)))
    return result


class KnowledgeBase:
    """The loaded articles and their search index (built once, at load).

    With an ``embedder`` the search also ranks by meaning: every article's vectors are read
    from the cache in ``cache_dir`` or computed (and written there), so a restart embeds only
    what changed. Without one, the search is the lexical one alone.
    """

    def __init__(
        self,
        articles: Iterable[Article],
        tuning: Tuning = DEFAULT_TUNING,
        embedder: Embedder | None = None,
        cache_dir: Path | None = None,
        progress: Progress | None = None,
    ) -> None:
        self.articles: tuple[Article, ...] = tuple(articles)
        self._by_id = {article.id: article for article in self.articles}
        self._by_topic: dict[str, list[int]] = {}
        for position, article in enumerate(self.articles):
            self._by_topic.setdefault(topic_of(article.id), []).append(position)
        meaning = None
        if embedder is not None:
            cache = VectorCache(cache_dir)
            try:
                meaning = MeaningIndex.build(
                    self.articles, embedder, cache, tuning.meaning_passages, progress or _logged
                )
            finally:
                cache.close()
        self.index = SearchIndex(self.articles, tuning, meaning)

    @classmethod
    def load(
        cls,
        folder: Path,
        embedder: Embedder | None = None,
        cache_dir: Path | None = None,
        progress: Progress | None = None,
    ) -> KnowledgeBase:
        """Load every valid article under ``folder``; broken files are skipped with a warning.

        Raises :class:`KnowledgeError` if the folder does not exist.
        """
        result = scan(Path(folder))
        for problem in result.problems:
            log.warning("knowledge article skipped: %s", problem)
        return cls(result.articles, embedder=embedder, cache_dir=cache_dir, progress=progress)

    def __len__(self) -> int:
        return len(self.articles)

    def get(self, article_id: str) -> Article | None:
        return self._by_id.get(article_id)

    def search_fresh(
        self, query: str, shown: list[str], lang: str | None = None, limit: int = 3
    ) -> list[Match]:
        """Articles for ``query`` that were not ``shown`` (nor their translations), each of
        which passes the no-suggestion gate on its own: a second round offers those or
        nothing."""
        topics = {topic_of(article_id) for article_id in shown}
        exclude = frozenset(p for topic in topics for p in self._by_topic.get(topic, ()))
        matches: list[Match] = []
        seen: set[str] = set()
        for position, score in self.index.each_gated(query, lang, limit * 2, exclude):
            article = self.articles[position]
            if topic_of(article.id) not in seen:
                seen.add(topic_of(article.id))
                matches.append(Match(article, score))
        return matches[:limit]

    def search(self, query: str, lang: str | None = None, limit: int = 3) -> list[Match]:
        """The best articles for ``query``, best first; ``[]`` when nothing is a good match.

        With ``lang``, articles in that language get a boost (a strong match in the other
        language may still appear). Translations of one topic (``en/x`` and ``nl/x``) count
        once: the better-ranked one, which is in the asker's language when both match.
        """
        matches: list[Match] = []
        seen: set[str] = set()
        for position, score in self.index.search(query, lang=lang, limit=limit * 2):
            article = self.articles[position]
            topic = topic_of(article.id)
            if topic in seen:
                continue
            seen.add(topic)
            matches.append(Match(article, score))
            if len(matches) == limit:
                break
        return matches


def _logged(done: int, total: int) -> None:
    """Progress of a first embedding as log lines: about every tenth, and the end."""
    step = max(total // 10, 1)
    if done == total or done // step != (done - BATCH) // step:
        log.info("search vectors: %d of %d articles embedded", done, total)
