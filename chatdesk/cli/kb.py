"""The ``chatdesk kb`` commands: check a knowledge folder, and try searches against it.

``kb check`` is where broken articles are reported (loading only skips them with a warning,
so the bot keeps running); ``kb search`` shows what the bot would suggest for a question,
which is how an editor tunes titles and tags; ``kb index`` computes the search's article
vectors ahead of time, with progress, so that a large base starts quickly. All are for
operators, in English, on the terminal; nothing here is shown to customers.

:func:`register` adds the commands to the main parser; each sets ``func(args) -> int``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

from chatdesk.cli.common import positive_count
from chatdesk.config import (
    SUGGESTION_LIMIT,
    SearchSettings,
    Settings,
    SuggestionLimit,
    load_settings,
    read_section,
    read_settings,
)
from chatdesk.kb.articles import LANGUAGES, KnowledgeBase, duplicate_titles, not_loaded, scan
from chatdesk.kb.search.embedding import NO_MODEL, load_embedder
from chatdesk.kb.search.vectors import BATCH, Progress


def register(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add ``kb check`` and ``kb search`` to the ``chatdesk`` command's subparsers."""
    kb = subparsers.add_parser("kb", help="check or search the knowledge base")
    kb_sub = kb.add_subparsers(dest="kb_command", metavar="{check,index,search}", required=True)

    check = kb_sub.add_parser("check", help="validate every article in a knowledge folder")
    check.add_argument(
        "dir", nargs="?", type=Path, help="folder to check (default: CHATDESK_KNOWLEDGE_DIR)"
    )
    check.set_defaults(func=cmd_check)

    index = kb_sub.add_parser(
        "index", help="compute the search's article vectors ahead of time (with progress)"
    )
    index.add_argument(
        "dir", nargs="?", type=Path, help="folder to index (default: CHATDESK_KNOWLEDGE_DIR)"
    )
    index.set_defaults(func=cmd_index)

    search = kb_sub.add_parser("search", help="show the suggestions for one or more questions")
    search.add_argument("queries", nargs="+", metavar="QUERY", help="each argument is a query")
    search.add_argument("--json", action="store_true", help="one JSON object per query a line")
    search.add_argument("--limit", type=positive_count, help="results per query (default: setting)")
    search.add_argument("--lang", choices=LANGUAGES, help="the asker's language")
    search.add_argument(
        "--dir", type=Path, help="knowledge folder (default: CHATDESK_KNOWLEDGE_DIR)"
    )
    search.set_defaults(func=cmd_search)
    return kb


def cmd_check(args: argparse.Namespace) -> int:
    """Report every broken file, duplicate title and file not loaded; exit 1 on any error.

    Files that are not read at all are named too: a broken link or a Markdown file with the
    wrong suffix is an error, any other file (``notes.txt``) a warning that leaves the exit
    code alone.
    """
    folder = args.dir if args.dir is not None else load_settings().knowledge.dir
    result = scan(folder)
    unread = not_loaded(folder)
    problems = [
        *result.problems,
        *duplicate_titles(result.articles),
        *(p for p in unread if not p.warning),
    ]
    warnings = [p for p in unread if p.warning]
    for problem in sorted([*problems, *warnings], key=lambda p: p.path):
        print(f"{'warning' if problem.warning else 'error'}: {problem}")
    per_lang = Counter(article.lang for article in result.articles)
    languages = ", ".join(f"{lang} {per_lang[lang]}" for lang in LANGUAGES if per_lang[lang])
    noted = f"; {len(warnings)} warning(s)" if warnings else ""
    if problems:
        print(
            f"{len(problems)} problem(s){noted}; {len(result.articles)} valid article(s) "
            f"in {folder}"
        )
        return 1
    if not result.articles:
        print(f"error: no articles in {folder}{noted}")
        return 1
    print(f"ok: {len(result.articles)} articles ({languages}) in {folder}{noted}")
    return 0


class _SuggestionLimit(BaseSettings):
    """CHATDESK_SUGGESTION_LIMIT alone, read and checked exactly as :class:`Settings` does."""

    model_config = SettingsConfigDict(**Settings.model_config)
    suggestion_limit: SuggestionLimit = SUGGESTION_LIMIT


def suggestion_limit() -> int:
    """The configured suggestion limit, whatever the other settings hold.

    ``kb search --dir`` needs no other setting, so a bad database URL (say) must not stop it.
    """
    return read_settings(_SuggestionLimit).suggestion_limit


def search_settings() -> SearchSettings:
    """The search settings, whatever the other settings hold (the kb commands with ``--dir``)."""
    return read_section(SearchSettings, "knowledge.search")


def load_kb(
    folder: Path, search: SearchSettings, progress: Progress | None = None
) -> KnowledgeBase:
    """The knowledge base in ``folder`` with the configured search model and vector cache."""
    return KnowledgeBase.load(
        folder,
        embedder=load_embedder(search.model),
        cache_dir=search.cache_dir,
        progress=progress,
    )


def cmd_index(args: argparse.Namespace) -> int:
    """Embed every article whose vectors are not cached yet, showing progress: a bar on a
    terminal, a line about every tenth otherwise. Run before a start with a large base, so
    that ``chatdesk serve`` reads the vectors instead of computing them."""
    search: SearchSettings
    if args.dir is None:
        knowledge = load_settings().knowledge
        search, folder = knowledge.search, knowledge.dir
    else:
        search, folder = search_settings(), args.dir
    if search.model == NO_MODEL:
        print("CHATDESK_SEARCH_MODEL is none: the search uses words alone, nothing to index")
        return 0
    start = time.perf_counter()
    kb = load_kb(folder, search, progress=_bar if sys.stderr.isatty() else _lines)
    meaning = kb.index.meaning
    embedded = meaning.embedded if meaning is not None else 0
    print(
        f"ok: {len(kb)} articles in {folder}, {embedded} embedded, {len(kb) - embedded} from "
        f"the cache in {search.cache_dir} ({search.model}, "
        f"{time.perf_counter() - start:.1f} s)"
    )
    return 0


def _bar(done: int, total: int) -> None:
    """A progress bar on the terminal (standard error, so the summary stays clean)."""
    filled = 30 * done // max(total, 1)
    end = "\n" if done >= total else ""
    sys.stderr.write(f"\rembedding [{'#' * filled}{'.' * (30 - filled)}] {done}/{total}{end}")
    sys.stderr.flush()


def _lines(done: int, total: int) -> None:
    """Progress for a log or a pipe: a line about every tenth of the way, and the last."""
    step = max(total // 10, 1)
    if done >= total or done // step != (done - BATCH) // step:
        print(f"embedded {done} of {total} articles", flush=True)


def cmd_search(args: argparse.Namespace) -> int:
    """Print the ranked suggestions for each query, as a table or as JSON lines."""
    search: SearchSettings
    if args.dir is None:
        knowledge = load_settings().knowledge
        folder, default_limit, search = knowledge.dir, knowledge.suggestion_limit, knowledge.search
    else:
        folder, default_limit, search = args.dir, None, search_settings()
    limit = args.limit or default_limit or suggestion_limit()
    kb = load_kb(folder, search)
    for query in args.queries:
        matches = kb.search(query, lang=args.lang, limit=limit)
        if args.json:
            results = [
                {"id": m.article.id, "title": m.article.title, "score": m.score} for m in matches
            ]
            print(json.dumps({"query": query, "results": results}, ensure_ascii=False))
            continue
        print(f"query: {query}")
        if not matches:
            print("  (no suggestion)")
        width = max((len(m.article.id) for m in matches), default=0)
        for rank, match in enumerate(matches, 1):
            print(
                f"  {rank}. {match.score:5.1f}  {match.article.id:<{width}}  {match.article.title}"
            )
    sys.stdout.flush()
    return 0
