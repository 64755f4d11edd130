"""`chatdesk kb check` and `chatdesk kb search`: exit codes, reported problems, output shape."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import pytest

from chatdesk.cli import kb as kbcli
from chatdesk.config import SettingsError


def write(root: Path, relative: str, text: str) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def good(title: str, lang: str = "en", body: str = "Some helpful text.", tags: str = "[]") -> str:
    return f'---\ntitle: "{title}"\nlang: {lang}\ntags: {tags}\n---\n{body}\n'


def run(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="chatdesk")
    kbcli.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "kb"
    write(
        root,
        "en/password-reset.md",
        good("Reset your password", body="Use the reset link.", tags="[password]"),
    )
    write(root, "en/printer.md", good("Printer does not print", body="Check the paper."))
    write(root, "nl/password-reset.md", good("Wachtwoord vergeten", "nl", "Gebruik de link."))
    return root


def test_check_passes_a_good_folder_with_a_summary_line(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run("kb", "check", str(folder)) == 0
    out = capsys.readouterr().out
    assert out.startswith("ok: 3 articles (en 2, nl 1)")
    assert "error" not in out


def test_check_names_every_broken_file_with_its_reason(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = {
        "en/no-front-matter.md": ("Just text.\n", "no front matter"),
        "en/unclosed.md": ("---\ntitle: T\nlang: en\n", "front matter is not closed"),
        "en/bad-yaml.md": ("---\ntitle: [oops\nlang: en\n---\nx\n", "not valid YAML"),
        "en/no-title.md": ("---\nlang: en\n---\nx\n", "front matter has no 'title'"),
        "en/no-lang.md": ("---\ntitle: No lang\n---\nx\n", "front matter has no 'lang'"),
        "en/klingon.md": ("---\ntitle: K\nlang: tlh\n---\nx\n", "unknown lang 'tlh'"),
        "en/tags.md": ("---\ntitle: Tags\nlang: en\ntags: a, b\n---\nx\n", "'tags' must be a list"),
        "en/empty-body.md": ("---\ntitle: Empty\nlang: en\n---\n\n", "the body is empty"),
        "nl/wrong-folder.md": (good("Verkeerd", "en"), "does not match its folder nl/"),
    }
    for path, (text, _) in broken.items():
        write(folder, path, text)
    assert run("kb", "check", str(folder)) == 1
    lines = capsys.readouterr().out.splitlines()
    for path, (_, reason) in broken.items():
        assert any(line.startswith(f"error: {path}: ") and reason in line for line in lines), path
    assert lines[-1].startswith(f"{len(broken)} problem(s); 3 valid article(s)")


def test_check_flags_duplicate_titles_in_the_same_language_only(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(folder, "en/password-again.md", good("reset  your PASSWORD"))
    write(folder, "nl/printer.md", good("Printer does not print", "nl"))  # other language: fine
    assert run("kb", "check", str(folder)) == 1
    out = capsys.readouterr().out
    # Files are read in path order, so the later one is named and the first one cited.
    assert "error: en/password-reset.md: duplicate title 'Reset your password' (en)" in out
    assert "also in en/password-again.md" in out
    assert out.count("duplicate title") == 1
    assert "nl/printer.md" not in out


def test_check_names_every_file_that_is_not_loaded(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(folder, "notes.txt", "remember the VPN article\n")
    assert run("kb", "check", str(folder)) == 0  # a stray file is a warning only
    out = capsys.readouterr().out
    assert out.splitlines() == [
        "warning: notes.txt: not loaded: articles must end in .md",
        f"ok: 3 articles (en 2, nl 1) in {folder}; 1 warning(s)",
    ]

    write(folder, "en/upper.MD", good("Upper"))
    write(folder, "en/long.markdown", good("Long"))
    (folder / "broken-link.md").symlink_to(folder / "gone.md")
    assert run("kb", "check", str(folder)) == 1  # files meant as articles: errors
    assert capsys.readouterr().out.splitlines() == [
        "error: broken-link.md: not loaded: broken link",
        "error: en/long.markdown: not loaded: articles must end in .md",
        "error: en/upper.MD: not loaded: articles must end in .md (lower case)",
        "warning: notes.txt: not loaded: articles must end in .md",
        f"3 problem(s); 1 warning(s); 3 valid article(s) in {folder}",
    ]


def test_check_defaults_to_the_configured_folder(
    folder: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CHATDESK_KNOWLEDGE_DIR", str(folder))
    assert run("kb", "check") == 0
    assert "ok: 3 articles" in capsys.readouterr().out


def test_search_json_gives_one_object_per_query(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = run("kb", "search", "--json", "--dir", str(folder), "pasword resset", "hi", "printer")
    assert code == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3
    first, second, third = (json.loads(line) for line in lines)
    assert first["query"] == "pasword resset"
    assert first["results"][0]["id"] == "en/password-reset"
    assert set(first["results"][0]) == {"id", "title", "score"}
    assert first["results"][0]["title"] == "Reset your password"
    assert isinstance(first["results"][0]["score"], float)
    assert second == {"query": "hi", "results": []}
    assert third["results"][0]["id"] == "en/printer"


def test_search_limit_and_lang(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run(
        "kb", "search", "--json", "--dir", str(folder), "--lang", "nl", "--limit", "1", "wachtwoord"
    )
    result = json.loads(capsys.readouterr().out)
    assert [r["id"] for r in result["results"]] == ["nl/password-reset"]


def test_search_limit_must_be_a_whole_number(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stopped:
        run("kb", "search", "--dir", str(folder), "--limit", "abc", "printer")
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert "argument --limit: 'abc' is not a whole number" in err
    assert "_positive" not in err


@pytest.fixture
def passwords(folder: Path) -> Path:
    """Three English articles about passwords, so a search finds more than two."""
    write(folder, "en/password-expired.md", good("Password expired", tags="[password]"))
    write(folder, "en/password-change.md", good("Change your password", tags="[password]"))
    return folder


def found(capsys: pytest.CaptureFixture[str]) -> int:
    return len(json.loads(capsys.readouterr().out)["results"])


def test_search_uses_the_configured_limit_with_and_without_dir(
    passwords: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run("kb", "search", "--json", "--dir", str(passwords), "password") == 0
    assert found(capsys) == 3  # the default setting
    monkeypatch.setenv("CHATDESK_SUGGESTION_LIMIT", "2")
    assert run("kb", "search", "--json", "--dir", str(passwords), "password") == 0
    assert found(capsys) == 2
    monkeypatch.setenv("CHATDESK_KNOWLEDGE_DIR", str(passwords))
    assert run("kb", "search", "--json", "password") == 0
    assert found(capsys) == 2
    assert run("kb", "search", "--json", "--limit", "1", "password") == 0
    assert found(capsys) == 1


def test_search_with_dir_needs_no_other_setting(
    passwords: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CHATDESK_DRAFT_TTL_MINUTES", "soon")  # broken, but not needed here
    monkeypatch.setenv("CHATDESK_SUGGESTION_LIMIT", "2")
    assert run("kb", "search", "--json", "--dir", str(passwords), "password") == 0
    assert found(capsys) == 2
    with pytest.raises(SettingsError, match="CHATDESK_DRAFT_TTL_MINUTES"):
        run("kb", "search", "--json", "password")  # without --dir the settings are read
    monkeypatch.setenv("CHATDESK_SUGGESTION_LIMIT", "50")
    with pytest.raises(SettingsError, match=r"^CHATDESK_SUGGESTION_LIMIT: .*10 \(got '50'\)$"):
        run("kb", "search", "--json", "--dir", str(passwords), "password")
    assert run("kb", "search", "--json", "--dir", str(passwords), "--limit", "1", "password") == 0
    assert found(capsys) == 1


def test_search_table_is_readable(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run("kb", "search", "--dir", str(folder), "printer paper", "asdfgh") == 0
    out = capsys.readouterr().out
    assert "query: printer paper\n  1. " in out
    assert "en/printer" in out and "Printer does not print" in out
    assert "query: asdfgh\n  (no suggestion)" in out


def test_the_chatdesk_command_runs_kb_end_to_end(folder: Path, tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "chatdesk", "kb", "search", "--json", "--dir", str(folder), "vpn"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"query": "vpn", "results": []}
    missing = subprocess.run(
        [sys.executable, "-m", "chatdesk", "kb", "check", str(tmp_path / "nowhere")],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert missing.returncode != 0
    assert "does not exist" in missing.stderr
    assert "Traceback" not in missing.stderr


def test_a_reader_that_stops_early_ends_the_command_quietly(folder: Path, tmp_path: Path) -> None:
    """``chatdesk kb search ... | head -c 300``: no "Broken pipe" line, exit code 141."""
    process = subprocess.Popen(
        [sys.executable, "-m", "chatdesk", "kb", "search", "--dir", str(folder), "printer"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()  # the reader is gone before the command writes anything
    err = process.stderr.read()
    assert process.wait(timeout=60) == 141
    assert err == b""
