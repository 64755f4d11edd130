"""Benchmark of article suggestions: ranking quality on labelled sets, and speed at scale.

Run from the repository root:

    .venv/bin/python benchmarks/suggest.py                 # everything
    .venv/bin/python benchmarks/suggest.py --skip-scale    # quality tables only
    .venv/bin/python benchmarks/suggest.py --sizes 1000,10000 --set threshold=35
    .venv/bin/python benchmarks/suggest.py --skip-scale --sweep   # + the gate's trade-off

Quality: every set in the eval folder (default ``../shared/eval`` beside the repository, or
``--eval-dir``) has ``articles/`` and ``queries.jsonl``; queries with an empty ``relevant``
list are out of scope, and the right answer is no suggestion at all. For each set it prints
recall@1, recall@3, MRR and the suggestions shown (of at most three) over the answerable
queries, and the share of out-of-scope queries that got no suggestion, for our search and,
in the same run, for BM25 (SQLite FTS5 with the Porter stemmer, stdlib sqlite3) and for
difflib over titles.

Speed: generated knowledge bases (seeded RNG, a support-desk vocabulary, unique product names
so every article can be told apart) of 1k, 10k and 100k articles; typo'd queries made from a
random article's title and tags, plus small talk and nonsense. It prints the index build time
and memory and the suggestion latency (median, p95) with the top-3 hit rate, beside the same
for difflib over titles, and the ratio. The difflib baseline times fewer queries at large
sizes (it is a full scan; the count is printed).

Numbers are from whatever machine runs this: compare ratios, not absolute times.
"""

from __future__ import annotations

import argparse
import dataclasses
import difflib
import gc
import json
import random
import sqlite3
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from chatdesk.kb.articles import Article, KnowledgeBase, scan
from chatdesk.kb.search import DEFAULT_TUNING, SearchIndex, Tuning
from chatdesk.kb.search.embedding import MODELS, USE_MULTILINGUAL, Embedder, load_embedder
from chatdesk.kb.search.meaning import MeaningIndex
from chatdesk.kb.search.vectors import VectorCache, embed_articles

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_EVAL_DIR = REPO_ROOT.parent / "shared" / "eval"
DEFAULT_CACHE_DIR = REPO_ROOT / ".cache" / "benchmark-vectors"
Ranker = Callable[[str], list[str]]

# -- quality --------------------------------------------------------------------------------


@dataclass
class Scores:
    recall1: float
    recall3: float
    mrr: float
    silenced: float | None  # share of out-of-scope queries with no suggestion
    shown: float  # suggestions a customer reads per answerable query (at most three)
    answerable: int
    out_of_scope: int


def evaluate(rank: Ranker, queries: Sequence[dict]) -> Scores:
    """Recall@1, recall@3, MRR@10 and suggestions shown over answerable queries; silence
    over out-of-scope ones."""
    hits1 = hits3 = shown = 0
    reciprocal = 0.0
    answerable = out_of_scope = silenced = 0
    for item in queries:
        ranked = rank(item["query"])
        relevant = set(item["relevant"])
        if not relevant:
            out_of_scope += 1
            silenced += not ranked
            continue
        answerable += 1
        shown += len(ranked[:3])
        positions = [i for i, ident in enumerate(ranked[:10]) if ident in relevant]
        if positions:
            first = positions[0]
            hits1 += first < 1
            hits3 += first < 3
            reciprocal += 1 / (first + 1)
    return Scores(
        recall1=hits1 / max(answerable, 1),
        recall3=hits3 / max(answerable, 1),
        mrr=reciprocal / max(answerable, 1),
        silenced=silenced / out_of_scope if out_of_scope else None,
        shown=shown / max(answerable, 1),
        answerable=answerable,
        out_of_scope=out_of_scope,
    )


class Bm25Baseline:
    """BM25 as SQLite's FTS5 computes it, over title, tags and body, any query word (OR)."""

    def __init__(self, articles: Sequence[Article]) -> None:
        self.db = sqlite3.connect(":memory:")
        self.db.execute(
            "CREATE VIRTUAL TABLE docs USING fts5(ident UNINDEXED, title, tags, body,"
            " tokenize='porter unicode61 remove_diacritics 2')"
        )
        self.db.executemany(
            "INSERT INTO docs VALUES (?, ?, ?, ?)",
            [(a.id, a.title, " ".join(a.tags), a.body) for a in articles],
        )

    def rank(self, query: str, limit: int = 10) -> list[str]:
        tokens = [t for t in "".join(c if c.isalnum() else " " for c in query).split() if t]
        if not tokens:
            return []
        match = " OR ".join('"' + t.replace('"', "") + '"' for t in tokens)
        rows = self.db.execute(
            "SELECT ident FROM docs WHERE docs MATCH ? ORDER BY bm25(docs) LIMIT ?",
            (match, limit),
        )
        return [row[0] for row in rows]


class DifflibBaseline:
    """difflib's get_close_matches over lower-cased titles (its default 0.6 cutoff is too
    strict for questions against short titles, so 0.3)."""

    def __init__(self, articles: Sequence[Article], cutoff: float = 0.3) -> None:
        self.cutoff = cutoff
        self.by_title: dict[str, str] = {}
        for article in articles:
            self.by_title.setdefault(article.title.lower(), article.id)
        self.titles = list(self.by_title)

    def rank(self, query: str, limit: int = 10) -> list[str]:
        found = difflib.get_close_matches(query.lower(), self.titles, n=limit, cutoff=self.cutoff)
        return [self.by_title[title] for title in found]


def load_sets(eval_dir: Path) -> list[tuple[str, list[Article], list[dict]]]:
    sets = []
    for folder in sorted(p for p in eval_dir.iterdir() if (p / "queries.jsonl").is_file()):
        result = scan(folder / "articles")
        if result.problems:
            print(f"warning: {folder.name}: {len(result.problems)} broken article(s)")
        lines = (folder / "queries.jsonl").read_text(encoding="utf-8").splitlines()
        queries = [json.loads(line) for line in lines if line.strip()]
        sets.append((folder.name, result.articles, queries))
    return sets


class StandIn:
    """Random unit vectors in place of the model's, for the article side of bases too large
    to embed within a benchmark run: their speed, memory and restart are real (same shapes,
    same cache), their ranking quality is meaningless. Questions still go through the model."""

    name = "stand-in-random"
    dim = 512

    def __init__(self) -> None:
        self._rng = np.random.default_rng(5)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        vectors = self._rng.standard_normal((len(texts), self.dim), dtype=np.float32)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)

    def warm(self) -> None:
        pass


@dataclass
class Meaning:
    """The model under test, where its article vectors are cached between runs, and the
    base size from which article vectors are stand-ins (``--stand-in-from``)."""

    embedder: Embedder | None
    cache_dir: Path
    stand_in_from: int = 0

    def index(self, articles: Sequence[Article], tuning: Tuning) -> MeaningIndex | None:
        if self.embedder is None:
            return None
        stand_in = 0 < self.stand_in_from <= len(articles)
        cache = VectorCache(self.cache_dir)
        try:
            vectors = embed_articles(
                articles,
                StandIn() if stand_in else self.embedder,
                cache,
                tuning.meaning_passages,
                progress=_progress if len(articles) >= 5000 else None,
            )
            return MeaningIndex(self.embedder, vectors)
        finally:
            cache.close()


def _progress(done: int, total: int) -> None:
    if done == total or done % 5120 < 64:
        print(f"(embedded {done} of {total} articles)", file=sys.stderr, flush=True)


def quality(eval_dir: Path, tuning: Tuning, meaning: Meaning) -> None:
    if not eval_dir.is_dir():
        print(f"no eval folder at {eval_dir.name} (use --eval-dir); quality skipped")
        return
    print(f"## Ranking quality (eval sets in {eval_dir.name}/, answerable queries)\n")
    header = "| set | method | recall@1 | recall@3 | MRR | shown | out-of-scope silenced |"
    print(header)
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
    for name, articles, queries in load_sets(eval_dir):
        kb = KnowledgeBase(articles, tuning)
        ungated = KnowledgeBase(articles, dataclasses.replace(tuning, threshold=0.0))
        bm25 = Bm25Baseline(articles)
        difl = DifflibBaseline(articles)
        methods: list[tuple[str, Ranker]] = [
            ("chatdesk, words", lambda q, kb=kb: [m.article.id for m in kb.search(q, limit=10)]),
            (
                "chatdesk, words, no gate",
                lambda q, kb=ungated: [m.article.id for m in kb.search(q, limit=10)],
            ),
        ]
        if meaning.embedder is not None:
            kb_m = KnowledgeBase(
                articles, tuning, embedder=meaning.embedder, cache_dir=meaning.cache_dir
            )
            ungated_m = KnowledgeBase(
                articles,
                dataclasses.replace(tuning, threshold=0.0, meaning_threshold=0.0),
                embedder=meaning.embedder,
                cache_dir=meaning.cache_dir,
            )
            methods += [
                (
                    f"chatdesk, words + {meaning.embedder.name}",
                    lambda q, kb=kb_m: [m.article.id for m in kb.search(q, limit=10)],
                ),
                (
                    "chatdesk, words + meaning, no gate",
                    lambda q, kb=ungated_m: [m.article.id for m in kb.search(q, limit=10)],
                ),
            ]
        methods += [
            ("BM25 (FTS5)", bm25.rank),
            ("difflib titles", difl.rank),
        ]
        for label, rank in methods:
            s = evaluate(rank, queries)
            silenced = "-" if s.silenced is None else f"{s.silenced:.2f} of {s.out_of_scope}"
            print(
                f"| {name} ({s.answerable} q) | {label} | {s.recall1:.2f} | {s.recall3:.2f}"
                f" | {s.mrr:.2f} | {s.shown:.2f} | {silenced} |"
            )
    print()


def gate_sweep(
    eval_dir: Path, tuning: Tuning, thresholds: Sequence[float], meaning: Meaning
) -> None:
    """What each gate threshold keeps and silences: recall@3 (against BM25's in the same
    run) and the share of out-of-scope questions silenced, per set, from one ungated
    ranking per question. A row marked "yes" meets both targets on every set."""
    if not eval_dir.is_dir():
        return
    print("## Gate trade-off (recall@3 / out-of-scope silenced per set; BM25 recall@3 first)\n")
    sets = []
    default = tuning.threshold if meaning.embedder is None else tuning.meaning_threshold
    for name, articles, queries in load_sets(eval_dir):
        index = SearchIndex(articles, tuning, meaning.index(articles, tuning))
        bm25 = evaluate(Bm25Baseline(articles).rank, queries)
        asked = []
        for item in queries:
            found, gate = index.ranked(item["query"], limit=3)
            hit = any(articles[position].id in item["relevant"] for position, _ in found)
            asked.append((bool(item["relevant"]), hit, gate))
        sets.append((name, bm25.recall3, asked))
    names = " | ".join(name for name, _, _ in sets)
    print(f"| threshold | {names} | every set at BM25 and over half silenced |")
    print("| ---: |" + " ---: |" * len(sets) + " --- |")
    print("| BM25 | " + " | ".join(f"{r3:.3f}" for _, r3, _ in sets) + " | |")
    for threshold in thresholds:
        cells, meets = [], True
        for _, bm25_recall3, asked in sets:
            answerable = [hit and gate >= threshold for known, hit, gate in asked if known]
            silent = [gate < threshold for known, _, gate in asked if not known]
            recall3 = sum(answerable) / max(len(answerable), 1)
            meets &= recall3 >= bm25_recall3 - 1e-9
            if silent:
                meets &= sum(silent) / len(silent) > 0.5
                cells.append(f"{recall3:.3f} / {sum(silent) / len(silent):.2f}")
            else:
                cells.append(f"{recall3:.3f}")
        mark = " (default)" if threshold == default else ""
        print(f"| {threshold:g}{mark} | " + " | ".join(cells) + f" | {'yes' if meets else 'no'} |")
    print()


# -- speed at scale -------------------------------------------------------------------------

ACTIONS = (
    "reset change update cancel activate deactivate connect configure install remove export "
    "import download upload share restore sync verify renew transfer schedule print merge "
    "archive enable disable block unlock recover migrate backup invite approve refund"
).split()
OBJECTS = (
    "password account invoice subscription printer router email address payment card license "
    "mailbox calendar report dashboard backup token badge laptop headset monitor phone wifi "
    "vpn firewall certificate database folder permission profile signature contract order "
    "shipment voucher refund ticket webhook integration notification language timezone "
    "keyboard scanner camera projector storage quota domain alias group team invoice"
).split()
CONTEXTS = (
    "after an update|on a new device|for the whole team|when travelling|from the mobile app|"
    "in the web portal|for a former employee|before the deadline|during onboarding|"
    "for a shared mailbox|with two-factor authentication|on macOS|on Windows|on Linux"
).split("|")
FILLER = (
    "open the settings page and choose the option that matches your situation; if the "
    "button is greyed out you may not have the right permission, so ask your administrator "
    "first. changes usually take a few minutes to appear everywhere. when you see an error "
    "message, write it down exactly and include a screenshot if you can. most problems are "
    "solved by signing out and in again, clearing the browser cache or restarting the device. "
    "our support team can help when the steps below do not work for you"
).split()
SYLLABLES = (
    "ka lo mi ne ra tu vo zi be da fe gu ho ji ku la mo nu pe qui ro sa te vi wa xo yu ze "
    "bra cle dri fro gla kri plo stu tra vex"
).split()
NONSENSE = ["hi", "thanks!", "asdfgh", "what's the weather", "ok bye", "lol", "qwerty uiop"]


def product_names(count: int, rng: random.Random) -> list[str]:
    names: set[str] = set()
    while len(names) < count:
        names.add("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize())
    return sorted(names)


def generate_articles(count: int, seed: int = 7) -> list[Article]:
    """Realistic-looking help articles: action + object + product (+ context), a body of
    instructions mixing topic words with common filler."""
    rng = random.Random(seed)
    products = product_names(max(count // 4, 10), rng)
    articles = []
    for number in range(count):
        action, thing = rng.choice(ACTIONS), rng.choice(OBJECTS)
        product = rng.choice(products)
        context = rng.choice(CONTEXTS) if rng.random() < 0.5 else ""
        title = f"How to {action} the {thing} in {product} {context}".strip()
        tags = [thing, action, product.lower()]
        sentences = []
        for _ in range(rng.randint(4, 9)):
            words = rng.sample(FILLER, rng.randint(6, 14))
            words.insert(rng.randrange(len(words)), rng.choice((thing, action, product)))
            if rng.random() < 0.4:
                words.insert(rng.randrange(len(words)), rng.choice(OBJECTS))
            sentences.append(" ".join(words).capitalize() + ".")
        body = f"To {action} the {thing} in {product}, follow these steps.\n\n" + " ".join(
            sentences
        )
        articles.append(
            Article(
                id=f"en/{number:06d}-{action}-{thing}",
                title=title,
                lang="en",
                tags=tuple(tags),
                body=body,
            )
        )
    return articles


def typo(word: str, rng: random.Random) -> str:
    if len(word) < 5:
        return word
    i = rng.randrange(1, len(word) - 1)
    kind = rng.choice(("drop", "double", "swap", "replace"))
    if kind == "drop":
        return word[:i] + word[i + 1 :]
    if kind == "double":
        return word[:i] + word[i] + word[i:]
    if kind == "swap":
        return word[: i - 1] + word[i] + word[i - 1] + word[i + 1 :]
    return word[:i] + rng.choice("aeiourstn") + word[i + 1 :]


def generate_queries(
    articles: Sequence[Article], count: int, seed: int = 11
) -> list[tuple[str, str | None]]:
    """(query, target id) pairs: an article's action, object and product in a customer's
    words, one word typo'd in most; every tenth query is small talk or nonsense (target None)."""
    rng = random.Random(seed)
    queries: list[tuple[str, str | None]] = []
    for number in range(count):
        if number % 10 == 9:
            queries.append((rng.choice(NONSENSE), None))
            continue
        article = rng.choice(articles)
        thing, action, product = article.tags
        words = [action, "my", thing, "in", product]
        if rng.random() < 0.8:
            k = rng.randrange(len(words))
            words[k] = typo(words[k], rng)
        template = rng.choice(("how do i {}", "{}", "i cannot {}", "need to {} asap"))
        queries.append((template.format(" ".join(words)), article.id))
    return queries


def timed_queries(
    rank: Ranker, queries: Sequence[tuple[str, str | None]]
) -> tuple[list[float], float]:
    """Per-query latencies (ms) and the top-3 hit rate over queries that have a target."""
    latencies, hits, targets = [], 0, 0
    for query, target in queries:
        start = time.perf_counter()
        ranked = rank(query)
        latencies.append((time.perf_counter() - start) * 1000)
        if target is not None:
            targets += 1
            hits += target in ranked[:3]
    return latencies, hits / max(targets, 1)


def p95(values: Sequence[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def measure_memory(build: Callable[[], object]) -> tuple[object, float]:
    """Build once under tracemalloc; the MiB the built structure keeps alive."""
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    built = build()
    gc.collect()
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    return built, (after - before) / 2**20


def print_rows(
    label: str,
    rows: Sequence[tuple[str, float, float | None, float, str]],
    timed: tuple[int, int, int],
) -> None:
    """One table row per measure: words alone, words + meaning, difflib's, and the ratios
    (difflib / words; words + meaning / words) for times and sizes; then how many queries
    each was timed on. A cell that does not apply is "-"."""
    for name, mine, fused, theirs, fmt in rows:
        plain = "hit" in name or "silenced" in name
        ratio = f"{theirs / mine:.1f}x" if mine > 0 and theirs > 0 and not plain else ""
        cost = f"{fused / mine:.1f}x" if fused and mine > 0 and not plain else ""
        shown = "-" if fused is None else fmt.format(fused)
        print(
            f"| {label} | {name} | {fmt.format(mine)} | {shown} | {fmt.format(theirs)}"
            f" | {ratio} | {cost} |"
        )
    print(f"| {label} | queries timed | {timed[0]} | {timed[1]} | {timed[2]} | | |", flush=True)


def build_meaning(
    articles: Sequence[Article], tuning: Tuning, meaning: Meaning
) -> tuple[MeaningIndex | None, float, int]:
    """The meaning index over ``articles``, its build time (s) and how many articles had to
    be embedded (0: every vector came from the cache, as at a restart)."""
    if meaning.embedder is None:
        return None, 0.0, 0
    gc.collect()
    start = time.perf_counter()
    built = meaning.index(articles, tuning)
    assert built is not None
    return built, time.perf_counter() - start, built.embedded


def model_cost(meaning: MeaningIndex | None, queries: Sequence[str]) -> list[float]:
    """Milliseconds the model alone takes to embed each question (the rest is numpy)."""
    if meaning is None:
        return []
    latencies = []
    for query in queries:
        start = time.perf_counter()
        meaning.encode(query)
        latencies.append((time.perf_counter() - start) * 1000)
    return latencies


def measure_size(size: int, queries_per_size: int, tuning: Tuning, meaning: Meaning) -> None:
    """Print the speed rows for one generated base of ``size`` articles."""
    articles = generate_articles(size)
    queries = generate_queries(articles, queries_per_size)
    ids = [a.id for a in articles]
    gc.collect()
    start = time.perf_counter()
    SearchIndex(articles, tuning)
    build_s = time.perf_counter() - start
    built, index_mib = measure_memory(lambda: SearchIndex(articles, tuning))
    assert isinstance(built, SearchIndex)
    index: SearchIndex = built
    vectors, vectors_s, embedded = build_meaning(articles, tuning, meaning)
    restart_s = vectors_mib = 0.0
    if vectors is not None:  # a second build reads every vector back: a restart
        _, restart_s, _ = build_meaning(articles, tuning, meaning)
        held, vectors_mib = measure_memory(lambda: meaning.index(articles, tuning))
        del held
    fused = SearchIndex(articles, tuning, vectors) if vectors is not None else None

    def ours(query: str) -> list[str]:
        return [ids[pos] for pos, _ in index.search(query, limit=3)]

    def ours_fused(query: str) -> list[str]:
        assert fused is not None
        return [ids[pos] for pos, _ in fused.search(query, limit=3)]

    ours(queries[0][0])  # warm up once
    our_ms, our_hits = timed_queries(ours, queries)
    fused_ms: list[float] = []
    fused_hits = 0.0
    if fused is not None:
        ours_fused(queries[0][0])
        fused_ms, fused_hits = timed_queries(ours_fused, queries)
    encode_ms = model_cost(vectors, [q for q, _ in queries])

    start = time.perf_counter()
    baseline = DifflibBaseline(articles, cutoff=0.0)
    base_build_s = time.perf_counter() - start
    _, base_mib = measure_memory(lambda: DifflibBaseline(articles, cutoff=0.0))
    few = queries[: max(5, min(len(queries), 50_000 // size))]
    base_ms, base_hits = timed_queries(lambda q: baseline.rank(q, 3), few)

    def with_fused(value: float) -> float | None:
        return value if fused is not None else None

    rows: list[tuple[str, float, float | None, float, str]] = [
        ("index build (s)", build_s, with_fused(build_s + vectors_s), base_build_s, "{:.3f}"),
        ("index memory (MiB)", index_mib, with_fused(index_mib + vectors_mib), base_mib, "{:.1f}"),
        (
            "latency median (ms)",
            statistics.median(our_ms),
            with_fused(statistics.median(fused_ms or [0])),
            statistics.median(base_ms),
            "{:.2f}",
        ),
        ("latency p95 (ms)", p95(our_ms), with_fused(p95(fused_ms or [0])), p95(base_ms), "{:.2f}"),
        ("top-3 hit rate", our_hits, with_fused(fused_hits), base_hits, "{:.2f}"),
    ]
    if vectors is not None:
        rows += [
            (
                "model: embed a question, median (ms)",
                0.0,
                statistics.median(encode_ms),
                0.0,
                "{:.2f}",
            ),
            ("model: embed a question, p95 (ms)", 0.0, p95(encode_ms), 0.0, "{:.2f}"),
            (f"vectors: articles embedded (of {size:,})", 0.0, float(embedded), 0.0, "{:.0f}"),
            ("vectors: restart, all from the cache (s)", 0.0, restart_s, 0.0, "{:.2f}"),
        ]
    stand_in = fused is not None and 0 < meaning.stand_in_from <= size
    label = f"{size:,} (random article vectors)" if stand_in else f"{size:,}"
    print_rows(label, rows, (len(queries), len(queries) if fused else 0, len(few)))


BUNDLED_QUESTIONS = [
    ("I forgot my password and cannot log in", "en", "password-reset"),
    ("Export to Excel fails on the monthly report", "en", "export-import"),
    ("The export spinner keeps turning and no file is ever downloaded", "en", "export-import"),
    ("my account is locked after too many attempts", "en", "account-locked"),
    ("the app is very slow today", "en", "slow-application"),
    ("how do I reopen a solved ticket", "en", "reopen-solved-ticket"),
    ("can I attach a screenshot bigger than 10 MB", "en", "attachments"),
    ("the whole site is down for everyone", "en", "urgent-site-down"),
    ("wachtwoord vergeten, ik kan niet inloggen", "nl", "password-reset"),
    ("export naar Excel mislukt", "nl", "export-import"),
    ("mijn account is geblokkeerd", "nl", "account-locked"),
    ("wanneer is de servicedesk bereikbaar", "nl", "support-hours"),
    ("ik wil een afgesloten ticket heropenen", "nl", "follow-up-closed-ticket"),
    ("printen naar pdf geeft een lege pagina", "nl", "printing-pdf"),
    # Dutch glues words together: compounds the base does not know as one word
    ("accountblokkade na drie pogingen", "nl", "account-locked"),
    ("exportfout bij het maandrapport", "nl", "export-import"),
    ("bijlagelimiet", "nl", "attachments"),
    # off topic: the right answer is no suggestion at all
    ("good morning", "en", None),
    ("asdf qwerty", "en", None),
    ("tell me a joke", "en", None),
    ("who won the football match", "en", None),
    ("can you book me a flight to Rome", "en", None),
    ("wat voor weer wordt het morgen", "nl", None),
    ("mijn kat is ziek", "nl", None),
    ("ik hou van pizza", "nl", None),
]


def measure_bundled(folder: Path, tuning: Tuning, meaning: Meaning, rounds: int = 25) -> None:
    """Speed rows for the bundled knowledge base: what the bot searches by default, with
    questions in English and Dutch, each asked in its language as the bot asks; a hit is the
    right topic in either language, and an off-topic question should get no suggestion
    (difflib with cutoff 0 never stays silent)."""
    articles = scan(folder).articles
    gc.collect()
    start = time.perf_counter()
    kb = KnowledgeBase(articles, tuning)
    build_s = time.perf_counter() - start
    start = time.perf_counter()
    kb_m = (
        KnowledgeBase(articles, tuning, embedder=meaning.embedder, cache_dir=meaning.cache_dir)
        if meaning.embedder is not None
        else None
    )
    build_m = time.perf_counter() - start
    baseline = DifflibBaseline(articles, cutoff=0.0)
    lang_of = {question: lang for question, lang, _ in BUNDLED_QUESTIONS}
    questions = [(question, target) for question, _, target in BUNDLED_QUESTIONS] * rounds

    def topics(ranked: list[str]) -> list[str]:
        return [ident.partition("/")[2] for ident in ranked]

    def searcher(base: KnowledgeBase) -> Ranker:
        def ours(query: str) -> list[str]:
            return topics([m.article.id for m in base.search(query, lang=lang_of[query], limit=3)])

        ours(questions[0][0])  # warm up once
        return ours

    ours = searcher(kb)
    our_ms, our_hits = timed_queries(ours, questions)
    base_ms, base_hits = timed_queries(lambda q: topics(baseline.rank(q, 3)), questions)
    off_topic = [question for question, _, target in BUNDLED_QUESTIONS if target is None]
    our_silent = sum(not ours(q) for q in off_topic) / len(off_topic)
    base_silent = sum(not baseline.rank(q, 3) for q in off_topic) / len(off_topic)
    fused: tuple[list[float], float, float] | None = None
    if kb_m is not None:
        fused_search = searcher(kb_m)
        fused_ms, fused_hits = timed_queries(fused_search, questions)
        fused = (fused_ms, fused_hits, sum(not fused_search(q) for q in off_topic) / len(off_topic))

    def pick(index: int, measure: Callable[[list[float]], float] | None = None) -> float | None:
        if fused is None:
            return None
        value = fused[index]
        return measure(value) if measure is not None else value  # type: ignore[arg-type]

    label = f"{len(articles)} (bundled)"
    rows: list[tuple[str, float, float | None, float, str]] = [
        ("index build (s)", build_s, build_m if fused else None, 0.0, "{:.3f}"),
        (
            "latency median (ms)",
            statistics.median(our_ms),
            pick(0, statistics.median),
            statistics.median(base_ms),
            "{:.2f}",
        ),
        ("latency p95 (ms)", p95(our_ms), pick(0, p95), p95(base_ms), "{:.2f}"),
        ("top-3 hit rate", our_hits, pick(1), base_hits, "{:.2f}"),
        (f"off-topic silenced (of {len(off_topic)})", our_silent, pick(2), base_silent, "{:.2f}"),
    ]
    print_rows(label, rows, (len(questions), len(questions) if fused else 0, len(questions)))


def scale(sizes: Sequence[int], queries_per_size: int, tuning: Tuning, meaning: Meaning) -> None:
    print("## Speed at scale (generated English bases, one core)\n")
    model = meaning.embedder.name if meaning.embedder is not None else "none"
    print(
        f"| articles | measure | chatdesk, words | chatdesk, words + {model} | difflib titles"
        " | ratio (difflib / words) | ratio (words + meaning / words) |\n"
        "| ---: | --- | ---: | ---: | ---: | ---: | ---: |"
    )
    bundled = REPO_ROOT / "knowledge"
    if bundled.is_dir():
        measure_bundled(bundled, tuning, meaning)
    for size in sizes:
        measure_size(size, queries_per_size, tuning, meaning)
    print()


def parse_tuning(pairs: Sequence[str]) -> Tuning:
    values: dict[str, object] = {}
    fields = {f.name: f for f in dataclasses.fields(Tuning)}
    for pair in pairs:
        name, _, raw = pair.partition("=")
        if name not in fields:
            raise SystemExit(f"unknown tuning knob {name!r}; known: {', '.join(fields)}")
        values[name] = type(getattr(DEFAULT_TUNING, name))(raw)
    return dataclasses.replace(DEFAULT_TUNING, **values)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eval-dir", type=Path, default=DEFAULT_EVAL_DIR)
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--queries", type=int, default=300, help="queries timed per size")
    parser.add_argument("--skip-quality", action="store_true")
    parser.add_argument("--skip-scale", action="store_true")
    parser.add_argument("--set", action="append", default=[], metavar="KNOB=VALUE")
    parser.add_argument(
        "--model",
        choices=MODELS,
        default=USE_MULTILINGUAL,
        help="the meaning model measured beside the lexical search (none: words alone)",
    )
    parser.add_argument(
        "--stand-in-from",
        type=int,
        default=100_000,
        metavar="N",
        help="bases of N articles or more get random article vectors (speed only; 0: never)",
    )
    parser.add_argument(
        "--cache-dir",
        type=Path,
        default=DEFAULT_CACHE_DIR,
        help="where article vectors are cached between runs (the 100k base's too)",
    )
    parser.add_argument(
        "--sweep",
        action="store_true",
        help="also print the gate trade-off: recall@3 and silence per threshold",
    )
    args = parser.parse_args(argv)
    tuning = parse_tuning(args.set)
    print(f"python {sys.version.split()[0]}; tuning: {tuning}\n")
    start = time.perf_counter()
    embedder = load_embedder(args.model)
    if embedder is not None:
        print(f"model {embedder.name} loaded in {time.perf_counter() - start:.1f} s\n")
    meaning = Meaning(embedder, args.cache_dir, args.stand_in_from)
    if not args.skip_quality:
        quality(args.eval_dir, tuning, meaning)
        if args.sweep:
            center = tuning.threshold if embedder is None else tuning.meaning_threshold
            steps = [round(center) - 4 + 0.5 * i for i in range(21)]
            gate_sweep(args.eval_dir, tuning, sorted({*steps, center}), meaning)
    if not args.skip_scale:
        scale([int(s) for s in args.sizes.split(",")], args.queries, tuning, meaning)
    return 0


if __name__ == "__main__":
    sys.exit(main())
