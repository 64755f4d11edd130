"""The HTML report (`chatdesk report --html`) opened in a real browser: Debian's chromium,
as the web chat's tests drive it. test_gaps.py checks the page's content by parsing it; this
checks that a browser shows it with no network: every chart drawn with a size, no console
error, and a customer's markup shown as text."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from chatdesk.cli.main import main

from conftest import Chat  # isort: skip
from test_gaps import _commands_use_the_test_database, intake, seeded  # noqa: F401  # isort: skip
from web_harness import open_browsers  # isort: skip


@pytest.fixture
def browsers(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[..., Any]]:
    yield from open_browsers(request, tmp_path)


def test_the_report_opens_in_a_browser_with_every_chart_drawn(
    seeded,  # noqa: F811 (the fixture imported above)
    tmp_path,
    browsers,
) -> None:
    from selenium.webdriver.common.by import By

    intake(
        Chat(seeded, "mallory"),
        "Printer <b>bold</b> <script>x()</script>",
        "The label printer prints garbage instead of the labels.",
    )
    reference = intake(Chat(seeded, "sam"), "Printer jams", "The printer jams on every page.")
    assert main(["tickets", "reply", reference, "Fixed: new rollers.", "--as", "Ann"]) == 0
    assert main(["tickets", "status", reference, "solved", "--as", "Ann"]) == 0
    page_file = tmp_path / "report.html"
    assert main(["report", "--html", str(page_file), "--days", "3660"]) == 0

    driver = browsers()
    driver.get(page_file.as_uri())
    headings = [h.text for h in driver.find_elements(By.CSS_SELECTOR, "h2")]
    assert headings[:4] == [
        "Deflection funnel",
        "Tickets by status and priority",
        "First response and resolution against the targets",
        "Knowledge gaps",
    ]
    charts = driver.find_elements(By.CSS_SELECTOR, "svg")
    assert len(charts) == 4
    for chart in charts:  # drawn, not an empty box
        assert chart.size["width"] > 100 and chart.size["height"] > 100, chart.size
    body = driver.find_element(By.TAG_NAME, "body").text
    assert "<b>bold</b> <script>x()</script>" in body  # shown literally, not run
    assert driver.find_elements(By.CSS_SELECTOR, "table b") == []
    errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == []
