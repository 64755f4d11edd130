"""What a wheel of chatdesk carries: built for real with pip, then read as a zip.

The README runs chatdesk from an editable install, where every file is read from the
checkout; a wheel (``pip install .``) only has what pyproject.toml lists. A catalogue, a
migration or the bundled knowledge base left out would only show up on a user's machine.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_the_wheel_carries_catalogues_migrations_adapters_and_the_knowledge_base(
    tmp_path: Path,
) -> None:
    # From a copy without build/ and *.egg-info: setuptools reuses what an earlier build left
    # there, which would hide a file that pyproject.toml no longer lists.
    source = tmp_path / "source"
    shutil.copytree(
        REPO,
        source,
        ignore=shutil.ignore_patterns(
            ".git",
            ".venv",
            ".pgdata",
            "build",
            "dist",
            "*.egg-info",
            "__pycache__",
            ".*_cache",
            "*.db*",
        ),
    )
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(tmp_path), "."],
        cwd=source,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stderr
    assert "BuildBackendWarning" not in built.stderr, built.stderr
    [wheel] = tmp_path.glob("chatdesk-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())

    def expected(folder: str, pattern: str, inside: str) -> set[str]:
        return {
            f"{inside}/{path.relative_to(REPO / folder).as_posix()}"
            for path in (REPO / folder).glob(pattern)
        }

    wanted = (
        expected("chatdesk", "**/*.py", "chatdesk")
        | expected("chatdesk/messages", "*/*.yaml", "chatdesk/messages")
        | expected("chatdesk/store/migrations", "*.mako", "chatdesk/store/migrations")
        | expected("chatdesk/adapters", "web/static/*", "chatdesk/adapters")
        | expected("chatdesk/adapters", "*/messages/*.yaml", "chatdesk/adapters")
        | expected("knowledge", "*/*.md", "chatdesk/bundled_knowledge")
    )
    assert len(expected("knowledge", "*/*.md", "chatdesk/bundled_knowledge")) >= 30
    assert len(expected("chatdesk/adapters", "*/messages/*.yaml", "chatdesk/adapters")) == 8
    assert sorted(wanted - names) == []
