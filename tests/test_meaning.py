"""Search by meaning: the model loads offline, article vectors persist and are re-embedded
only where an article changed, and questions that share no word with their article are
answered, in English and in Dutch. Everything runs the real model (loaded once per process)."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from chatdesk.app import load_knowledge
from chatdesk.cli.main import main
from chatdesk.config import SettingsError, load_settings
from chatdesk.kb.articles import Article, KnowledgeBase
from chatdesk.kb.search import meaning as meaning_module
from chatdesk.kb.search.embedding import (
    USE_MULTILINGUAL,
    Embedder,
    EmbeddingError,
    load_embedder,
)
from chatdesk.kb.search.vectors import CACHE_FILE

# Each question shares no content word with its article: words alone find nothing.
ARTICLES = [
    Article(
        "en/black-screen",
        "Black screen after starting",
        "en",
        ("screen", "black", "startup"),
        body="My screen stays black after starting.\nUnplug the monitor cable and plug it in.",
    ),
    Article(
        "en/password-reset",
        "Reset your password",
        "en",
        ("password", "login"),
        body="Request a reset link and choose a new password.",
    ),
    Article(
        "nl/login",
        "Problemen met inloggen",
        "nl",
        ("inloggen", "account"),
        body="Ik kan niet inloggen op mijn account.\nVraag een nieuwe inloglink aan.",
    ),
    Article(
        "nl/printing",
        "Problemen met printen",
        "nl",
        ("printer", "printen"),
        body="De printer drukt geen pagina af.",
    ),
]


def write_base(folder: Path, articles: list[Article]) -> Path:
    for article in articles:
        path = folder / f"{article.id}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        tags = ", ".join(article.tags)
        path.write_text(
            f"---\ntitle: {article.title}\nlang: {article.lang}\ntags: [{tags}]\n---\n\n"
            f"{article.body}\n",
            encoding="utf-8",
        )
    return folder


@pytest.fixture(scope="module")
def model():  # type: ignore[no-untyped-def]
    return load_embedder(USE_MULTILINGUAL)


def test_the_model_loads_and_embeds_with_the_network_refused(tmp_path: Path) -> None:
    """In a fresh process whose every socket connection and name look-up raises, the model
    loads from the files its package installed and embeds English and Dutch alike."""
    script = (
        "import sys\n"
        "def refuse(event, args):\n"
        "    if event.startswith(('socket.connect', 'socket.getaddrinfo', 'socket.gethostbyname',"
        " 'urllib.Request')):\n"
        "        raise RuntimeError('network touched: ' + event)\n"
        "sys.addaudithook(refuse)\n"
        "from chatdesk.kb.search.embedding import load_embedder\n"
        "model = load_embedder('use-multilingual-v3')\n"
        "v = model.encode(['I forgot my password', 'Ik ben mijn wachtwoord vergeten', 'pizza'])\n"
        "print(v.shape, round(float(v[0] @ v[1]), 2), round(float(v[0] @ v[2]), 2))\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.endswith("_PROXY")}
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=110,
        cwd=tmp_path,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    shape, same, other = done.stdout.rsplit(" ", 2)
    assert shape == "(3, 512)"
    assert float(same) > 0.6 > float(other)  # a translation is near, pizza is not


def test_vectors_persist_and_only_a_changed_article_is_embedded_again(
    tmp_path: Path, model
) -> None:  # type: ignore[no-untyped-def]
    base = write_base(tmp_path / "kb", ARTICLES)
    cache = tmp_path / "cache"
    first = KnowledgeBase.load(base, embedder=model, cache_dir=cache)
    assert first.index.meaning is not None and first.index.meaning.embedded == 4
    assert (cache / CACHE_FILE).is_file()

    again = KnowledgeBase.load(base, embedder=model, cache_dir=cache)
    assert again.index.meaning is not None and again.index.meaning.embedded == 0

    changed = tmp_path / "kb" / "nl" / "printing.md"
    changed.write_text(changed.read_text().replace("geen pagina", "geen enkele pagina"))
    edited = KnowledgeBase.load(base, embedder=model, cache_dir=cache)
    assert edited.index.meaning is not None
    assert edited.index.meaning.embedded == 1
    assert [edited.articles[i].id for i in edited.index.meaning.embedded_ids] == ["nl/printing"]
    assert edited.search("display remains dark on boot", "en")[0].article.id == "en/black-screen"


def test_a_cache_folder_that_cannot_be_used_only_costs_time(
    tmp_path: Path, model, caplog: pytest.LogCaptureFixture
) -> None:  # type: ignore[no-untyped-def]
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be")
    with caplog.at_level(logging.WARNING):
        kb = KnowledgeBase(ARTICLES, embedder=model, cache_dir=blocker)
    assert "vectors kept in memory" in caplog.text
    assert kb.search("display remains dark on boot", "en")[0].article.id == "en/black-screen"


@pytest.mark.parametrize(
    ("question", "lang", "expected"),
    [
        ("display remains dark on boot", "en", "en/black-screen"),
        ("ik kan mij niet aanmelden op mijn profiel", "nl", "nl/login"),
    ],
)
def test_a_question_only_the_meaning_answers(
    tmp_path: Path, model, question: str, lang: str, expected: str
) -> None:  # type: ignore[no-untyped-def]
    words_only = KnowledgeBase(ARTICLES)
    assert words_only.search(question, lang) == []
    with_meaning = KnowledgeBase(ARTICLES, embedder=model, cache_dir=tmp_path)
    assert [m.article.id for m in with_meaning.search(question, lang)][:1] == [expected]


@pytest.mark.parametrize(
    ("question", "lang"),
    [("tell me a joke", "en"), ("who won the football match", "en"), ("mijn kat is ziek", "nl")],
)
def test_off_topic_questions_stay_silent_with_the_meaning_signal(
    tmp_path: Path, model, question: str, lang: str
) -> None:  # type: ignore[no-untyped-def]
    kb = KnowledgeBase(ARTICLES, embedder=model, cache_dir=tmp_path)
    assert kb.search(question, lang) == []


def test_search_model_none_is_the_lexical_search_exactly(tmp_path: Path) -> None:
    base = write_base(tmp_path / "kb", ARTICLES)
    kb = load_knowledge(load_settings(knowledge_dir=base, search_model="none"))
    assert kb.index.meaning is None
    lexical = KnowledgeBase(kb.articles)
    for question in ("reset password", "printer drukt niet", "black screen", "hello"):
        assert kb.index.ranked(question) == lexical.index.ranked(question)


def test_an_unknown_search_model_stops_start_up_with_one_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CHATDESK_SEARCH_MODEL", "gpt-9")
    with pytest.raises(SettingsError, match=r"^CHATDESK_SEARCH_MODEL: .*'gpt-9'"):
        load_settings()
    with pytest.raises(EmbeddingError, match="unknown search model 'gpt-9'"):
        load_embedder("gpt-9")


def test_kb_index_embeds_ahead_of_time_with_progress_then_reads_the_cache(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = write_base(tmp_path / "kb", ARTICLES)
    assert main(["kb", "index", str(base)]) == 0
    first = capsys.readouterr().out
    assert "embedded 4 of 4 articles" in first  # not a terminal: progress as lines
    assert "ok: 4 articles" in first and "4 embedded, 0 from the cache" in first
    assert main(["kb", "index", str(base)]) == 0
    assert "0 embedded, 4 from the cache" in capsys.readouterr().out


def test_kb_index_with_search_model_none_says_there_is_nothing_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CHATDESK_SEARCH_MODEL", "none")
    assert main(["kb", "index", str(write_base(tmp_path / "kb", ARTICLES))]) == 0
    assert "nothing to index" in capsys.readouterr().out


@pytest.mark.parametrize(
    "question",
    ["\ud800 screen black", "\x00\x01", "<script>alert(1)</script>", "zwart scherm " * 400],
)
def test_hostile_questions_get_an_answer_not_a_traceback(
    tmp_path: Path, model, question: str
) -> None:  # type: ignore[no-untyped-def]
    kb = KnowledgeBase(ARTICLES, embedder=model, cache_dir=tmp_path)
    found = kb.search(question, "nl")
    assert all(match.article.id in {a.id for a in ARTICLES} for match in found)


def test_a_small_base_keeps_its_unit_vectors_as_float32_with_the_same_cosines(
    tmp_path: Path, model: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Vectors are cached as float16. A small base keeps them as float32 in memory, so no
    search converts the rows it reads; a large one keeps float16 (half the memory) and
    converts them. Both give the same cosines, to the bit."""
    small = KnowledgeBase(ARTICLES, embedder=model, cache_dir=tmp_path).index.meaning
    monkeypatch.setattr(meaning_module, "FLOAT32_UNITS_MAX", 0)
    large = KnowledgeBase(ARTICLES, embedder=model, cache_dir=tmp_path).index.meaning
    assert small is not None and large is not None
    assert small._units.dtype == np.float32 and large._units.dtype == np.float16
    docs = [3, 0, 2, 1]
    for question in ("display remains dark on boot", "printer drukt niet", "hello"):
        vector = small.encode(question)
        assert small.best_units(docs, vector) == large.best_units(docs, vector)
        assert small.best_units(docs[1:2], vector) == large.best_units(docs[1:2], vector)
