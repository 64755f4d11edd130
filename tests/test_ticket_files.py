"""`chatdesk tickets file REF N`: an agent saves a file a customer sent on the web.

The file is stored the way the web chat stores it (:class:`WebStore`, the table
``web_files``) and sent to the real desk with the reference the web chat gives it; the
command runs in-process on the same database, as in tests/test_ticketcli.py.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import pytest

from chatdesk.adapters.web.store import WebStore
from chatdesk.cli import main as cli
from chatdesk.cli.ticket_files import MAX_NAME, safe_name
from chatdesk.events import Attachment

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


class Run(NamedTuple):
    code: int
    out: str
    err: str


@pytest.fixture
def tickets_cli(
    desk, database_url: str, clock, monkeypatch: pytest.MonkeyPatch, capsys, tmp_path: Path
) -> Callable[..., Run]:  # type: ignore[no-untyped-def]
    """``chatdesk tickets ...`` on the desk's database, run in a folder of its own."""
    monkeypatch.setenv("CHATDESK_DATABASE_URL", database_url)
    monkeypatch.chdir(tmp_path)

    def run(*argv: str) -> Run:
        capsys.readouterr()
        code = cli.main(["tickets", *argv], clock=clock)
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    return run


def web_ticket(desk, new_chat, name: str = "error.png", data: bytes = PNG) -> str:  # type: ignore[no-untyped-def]
    """A ticket opened on the web, then a file sent with its reference, as the web chat does."""
    visitor = new_chat(user="a:visitor", name="Visitor", platform="web")
    reference = visitor.open_ticket("The invoice page shows an error")
    stored = WebStore(desk.database).save_file(visitor_chat(visitor), name, "image/png", data)
    attachment = Attachment(name, "image/png", len(data), f"web:{stored}")
    visitor.say(f"{reference} here is the screen", attachments=[attachment])
    return reference


def visitor_chat(visitor) -> str:  # type: ignore[no-untyped-def]
    return f"chat-{visitor.user}"


def test_show_numbers_the_files_and_says_how_to_save_a_web_one(desk, new_chat, tickets_cli) -> None:
    reference = web_ticket(desk, new_chat)
    out = tickets_cli("show", reference).out
    assert "  1. error.png  image/png, 1 KB, web web:" in out
    assert "chatdesk tickets file REF N" in out


def test_a_web_file_is_saved_under_its_name_with_the_same_bytes(
    desk, new_chat, tickets_cli, tmp_path: Path
) -> None:
    reference = web_ticket(desk, new_chat)
    result = tickets_cli("file", reference, "1")
    assert result.code == 0, result.err
    assert (tmp_path / "error.png").read_bytes() == PNG
    assert f"saved error.png ({len(PNG)} bytes) to error.png" in result.out


def test_an_existing_file_is_kept_unless_forced(desk, new_chat, tickets_cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    reference = web_ticket(desk, new_chat)
    (tmp_path / "error.png").write_bytes(b"mine")
    refused = tickets_cli("file", reference, "1")
    assert refused.code == 1 and "exists" in refused.err and "--force" in refused.err
    assert (tmp_path / "error.png").read_bytes() == b"mine"
    assert tickets_cli("file", reference, "1", "--force").code == 0
    assert (tmp_path / "error.png").read_bytes() == PNG


def test_output_to_a_folder_or_a_path(desk, new_chat, tickets_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    reference = web_ticket(desk, new_chat)
    (tmp_path / "saved").mkdir()
    assert tickets_cli("file", reference, "1", "-o", "saved").code == 0
    assert (tmp_path / "saved" / "error.png").read_bytes() == PNG
    assert tickets_cli("file", reference, "1", "-o", "copy.bin").code == 0
    assert (tmp_path / "copy.bin").read_bytes() == PNG


def test_output_to_standard_output_is_the_bytes_alone(
    desk, new_chat, database_url: str, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    reference = web_ticket(desk, new_chat)
    env = {**os.environ, "CHATDESK_DATABASE_URL": database_url}
    command = [sys.executable, "-m", "chatdesk", "tickets", "file", reference, "1", "-o", "-"]
    folder = tmp_path / "here"
    folder.mkdir()
    done = subprocess.run(command, capture_output=True, env=env, cwd=folder, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout == PNG
    assert list(folder.iterdir()) == []


def test_a_hostile_name_is_saved_inside_the_folder(desk, new_chat, tickets_cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    reference = web_ticket(desk, new_chat, name="../../.bashrc")
    result = tickets_cli("file", reference, "1")
    assert result.code == 0, result.err
    assert (tmp_path / "bashrc").read_bytes() == PNG
    assert not (tmp_path.parent / ".bashrc").exists()


@pytest.mark.parametrize(
    ("name", "saved"),
    [
        ("screen shot.png", "screen shot.png"),
        ("C:\\Users\\ann\\log.txt", "log.txt"),
        ("a/b/../c.pdf", "c.pdf"),
        (".hidden", "hidden"),
        ("..", "file"),
        ("", "file"),
        ("rm -rf $(x);.txt", "rm -rf _(x)_.txt"),
        ("report (1).pdf", "report (1).pdf"),
        ("tab\there\n.log", "tab_here_.log"),
        ("x" * 300 + ".png", "x" * (MAX_NAME - 4) + ".png"),
    ],
)
def test_safe_name(name: str, saved: str) -> None:
    assert safe_name(name) == saved


def test_what_cannot_be_saved_is_one_line_and_exit_1(desk, new_chat, tickets_cli) -> None:  # type: ignore[no-untyped-def]
    reference = web_ticket(desk, new_chat)
    ann = new_chat(user="201", name="Ann", platform="telegram")
    telegram = ann.open_ticket("Export to Excel fails every time")
    ann.say(f"{telegram} a photo", attachments=[Attachment("photo.jpg", "image/jpeg", 10, "AgAD")])
    bare = new_chat(user="202", name="Bo", platform="telegram").open_ticket("Printing is slow")
    for argv, words in [
        (("SD-999999", "1"), "no ticket 'SD-999999'"),
        ((reference, "2"), "has files 1 to 1, not 2"),
        ((reference, "0"), "has files 1 to 1, not 0"),
        ((bare, "1"), "has no files"),
        ((telegram, "1"), "telegram keeps its bytes (file id AgAD)"),
    ]:
        result = tickets_cli("file", *argv)
        assert result.code == 1 and words in result.err, (argv, result.err)
        assert result.err.count("\n") == 1 and "Traceback" not in result.err
