"""The deflection funnel, measured from what customers did, printed by `chatdesk stats`."""

from __future__ import annotations

import json
import subprocess
import sys


def _stats(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "chatdesk", "stats", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={"CHATDESK_DATABASE_URL": database_url, "PATH": "/usr/bin:/bin"},
    )


def test_stats_counts_shown_chosen_solved_and_ticket_anyway(new_chat, database_url):
    solver = new_chat(user="sol")
    solver.say("forgot my password")
    solver.press("art1")
    solver.press("solved")
    new_chat(user="tic").open_ticket("Export to Excel fails")

    result = _stats(database_url, "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    rows = {row["article_id"]: row for row in data["articles"]}
    assert rows["en/password-reset"]["shown"] == 1
    assert rows["en/password-reset"]["chosen"] == 1
    assert rows["en/password-reset"]["solved"] == 1
    assert rows["en/password-reset"]["deflection_rate"] == 1.0
    assert rows["en/export-fails"]["ticket_anyway"] == 1
    assert data["total"]["solved"] == 1
    assert data["total"]["ticket_anyway"] == sum(r["ticket_anyway"] for r in rows.values())

    table = _stats(database_url).stdout
    assert "en/password-reset" in table and "deflection" in table and "(all)" in table


def test_stats_on_an_empty_desk(database_url):
    result = _stats(database_url)
    assert result.returncode == 0
    assert "No suggestions recorded yet." in result.stdout
