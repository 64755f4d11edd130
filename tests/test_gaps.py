"""Knowledge gaps (`chatdesk stats gaps`) and the HTML report (`chatdesk report --html`) on a
database seeded through real intakes, with clusters known in advance."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest

from chatdesk.cli.main import main
from chatdesk.ops import gaps

from conftest import Chat  # isort: skip

PRINTER = [  # no article on printers: no suggestion at all
    ("Label printer does not print", "The label printer in the warehouse prints nothing."),
    ("Printer prints blank labels", "Shipping labels come out of the printer blank."),
    ("Cannot print shipping labels", "The label printer says offline when I print labels."),
]
VAT = [
    ("Invoice shows the wrong VAT", "The VAT amount on the invoice PDF is wrong."),
    ("Wrong VAT amount on invoices", "Invoices calculate VAT on the discount too."),
]
EXPORT = [  # the export article is suggested, and still a ticket
    ("Export to Excel fails", "The export spinner keeps turning, no file is downloaded."),
    ("Excel export fails again", "Exporting the report to Excel fails with a spinner."),
]
DUTCH_VAT = [
    ("Factuur toont verkeerde btw", "Het btw-bedrag op de factuur klopt niet."),
    ("Btw op de factuur klopt niet", "De factuur rekent btw over de korting."),
]


@pytest.fixture(autouse=True)
def _commands_use_the_test_database(monkeypatch, database_url: str) -> None:
    monkeypatch.setenv("CHATDESK_DATABASE_URL", database_url)


def intake(chat: Chat, subject: str, description: str) -> str:
    """A whole intake: suggestions passed over, the ticket sent; the reference."""
    chat.say(f"new {subject}")
    while "continue" in chat.choices:
        chat.press("continue")
    chat.say(description)
    while "continue" in chat.choices:
        chat.press("continue")
    chat.say("Open the page, press the button, see the result.")
    chat.press("skip")
    chat.press("confirm")
    match = re.search(r"SD-\d+", chat.text)
    assert match, chat.text
    return match.group(0)


@pytest.fixture
def seeded(desk, clock):  # type: ignore[no-untyped-def]
    """Week 48 of 2026: 7 English and 2 Dutch tickets; week 47: one more printer ticket
    and a deflection (read the export article, "this solved it")."""
    clock.now -= timedelta(days=7)  # Monday 16 November 2026, week 47
    intake(Chat(desk, "old"), "Printer out of labels", "The label printer stopped printing.")
    deflected = Chat(desk, "happy")
    deflected.say("new Export to Excel fails")
    deflected.press("art1")
    deflected.press("solved")
    clock.now += timedelta(days=7)  # Monday 23 November 2026, week 48
    for n, (subject, description) in enumerate(PRINTER + VAT + EXPORT):
        intake(Chat(desk, f"en{n}"), subject, description)
        clock.now += timedelta(minutes=5)
    for n, (subject, description) in enumerate(DUTCH_VAT):
        intake(Chat(desk, f"nl{n}", locale="nl"), subject, description)
    return desk


def test_gaps_are_clustered_per_week_and_language_newest_first(seeded) -> None:
    with seeded.database.session() as session:
        groups = gaps.report(session, "week")
    assert [(g.period, g.lang, g.questions) for g in groups] == [
        ("2026-W48", "en", 7),
        ("2026-W48", "nl", 2),
        ("2026-W47", "en", 1),
    ]
    english = groups[0].clusters
    assert [c.count for c in english] == [3, 2, 2]
    assert {q.subject for q in english[0].questions} == {s for s, _ in PRINTER}
    subjects = [{q.subject for q in c.questions} for c in english[1:]]
    assert {s for s, _ in VAT} in subjects and {s for s, _ in EXPORT} in subjects
    printer = english[0]
    assert printer.unsuggested == 3 and printer.articles() == []
    assert printer.label() == "label print printer"  # its most telling stems
    export = next(c for c in english if "Export to Excel fails" in c.examples())
    assert export.unsuggested == 0
    assert export.articles()[0] == ("en/export-fails", 2)
    assert [c.count for c in groups[1].clusters] == [2]  # the Dutch VAT questions, apart


def test_stats_gaps_prints_clusters_with_examples_and_articles(seeded, capsys) -> None:
    assert main(["stats", "gaps", "--days", "3660"]) == 0
    out = capsys.readouterr().out
    assert out.index("2026-W48 [en]") < out.index("2026-W48 [nl]") < out.index("2026-W47 [en]")
    assert "e.g. Label printer does not print" in out
    assert "articles shown: en/export-fails (2x)" in out
    assert main(["stats", "gaps", "--days", "3660", "--json", "--period", "month"]) == 0
    data = json.loads(capsys.readouterr().out)
    first = data["periods"][0]
    assert (first["period"], first["lang"], first["questions"]) == ("2026-11", "en", 8)
    assert first["clusters"][0]["count"] == 4  # the printer questions of both weeks
    assert len(first["clusters"][0]["examples"]) == 3


def test_stats_without_a_view_still_prints_the_funnel(seeded, capsys) -> None:
    assert main(["stats"]) == 0
    assert "en/export-fails" in capsys.readouterr().out


def test_stats_gaps_on_an_empty_database_says_so(desk, capsys) -> None:
    assert main(["stats", "gaps"]) == 0
    assert "no gaps to show" in capsys.readouterr().out


def test_a_customer_subject_is_escaped_in_the_terminal(desk, capsys) -> None:
    intake(Chat(desk, "eve"), "Printer \x1b[31mred\u202e broken", "The printer is broken again.")
    assert main(["stats", "gaps", "--days", "3660"]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\u202e" not in out
    assert "red\\u202e broken" in out  # (the intake already dropped the ESC itself)


class Page(HTMLParser):
    """What a reader of the page sees: headings, table cells, inline SVGs, and any reference
    to something outside the file."""

    def __init__(self) -> None:
        super().__init__()
        self.headings: list[str] = []
        self.tables: dict[str, list[list[str]]] = {}
        self.svgs = 0
        self.outside: list[str] = []
        self._text: list[str] | None = None
        self._table: str | None = None
        self._row: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for name in ("src", "href"):
            if values.get(name) and not str(values[name]).startswith("#"):
                self.outside.append(str(values[name]))
        if tag in ("script", "link", "img", "iframe"):
            self.outside.append(tag)
        if tag == "svg":
            self.svgs += 1
        if tag in ("h1", "h2", "h3", "td", "th"):
            self._text = []
        if tag == "table":
            self._table = values.get("class") or ""
            self.tables.setdefault(self._table, [])
        if tag == "tr":
            self._row = []

    def handle_endtag(self, tag: str) -> None:
        text = "".join(self._text or [])
        if tag in ("h1", "h2", "h3"):
            self.headings.append(text)
        if tag in ("td", "th") and self._row is not None:
            self._row.append(text)
        if tag == "tr" and self._row is not None and self._table is not None:
            self.tables[self._table].append(self._row)
            self._row = None
        if tag in ("h1", "h2", "h3", "td", "th"):
            self._text = None

    def handle_data(self, data: str) -> None:
        if self._text is not None:
            self._text.append(data)


def test_the_html_report_is_one_self_contained_page_with_every_chart(
    seeded, tmp_path: Path, capsys
) -> None:
    intake(Chat(seeded, "mallory"), "Printer <script>alert(1)</script>", "Printer is broken.")
    reference = intake(Chat(seeded, "sam"), "Printer jams", "The printer jams on every page.")
    assert main(["tickets", "reply", reference, "Fixed: new rollers.", "--as", "Ann"]) == 0
    assert main(["tickets", "status", reference, "solved", "--as", "Ann"]) == 0
    page_file = tmp_path / "report.html"
    assert main(["report", "--html", str(page_file), "--days", "3660"]) == 0
    text = page_file.read_text(encoding="utf-8")
    page = Page()
    page.feed(text)
    assert page.outside == []  # nothing to fetch: opens without a network
    assert page.headings[:5] == [
        "chatdesk report",
        "Deflection funnel",
        "Tickets by status and priority",
        "First response and resolution against the targets",
        "Knowledge gaps",
    ]
    assert page.svgs == 4  # funnel, tickets, targets, gaps
    funnel = page.tables["funnel"]
    assert funnel[0][:2] == ["period", "shown"]
    assert {row[0] for row in funnel[1:]} == {"2026-W47", "2026-W48"}
    week47 = next(row for row in funnel if row[0] == "2026-W47")
    assert week47[1:4] == ["1", "1", "1"] and week47[-1] == "100%"  # shown, chosen, solved
    tickets = page.tables["tickets"]
    assert tickets[0] == ["status", "normal", "total"]
    assert tickets[1:] == [["new", "11", "11"], ["solved", "1", "1"]]
    targets = page.tables["targets"]
    assert targets[0][:3] == ["target", "priority", "tickets"]
    assert [row[:3] for row in targets[1:]] == [
        ["first response", "normal", "1"],
        ["resolution", "normal", "1"],
    ]
    assert [row[5] for row in targets[1:]] == ["8.0", "40.0"]  # the default targets
    assert "<script>alert(1)</script>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    gap_rows = page.tables["gaps"]
    assert gap_rows[0] == ["questions", "about", "no suggestion", "examples", "articles shown"]
    assert gap_rows[1][0] == "3" and "Label printer does not print" in gap_rows[1][3]
    assert gap_rows[2][0] == "2" and gap_rows[2][4].startswith("en/export-fails (2x)")
