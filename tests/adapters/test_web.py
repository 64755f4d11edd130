"""The web chat in a real browser (chromium, selenium) against ``chatdesk serve``'s own app.

A visitor goes through an intake with buttons and typed answers, follows an article
suggestion, sends a file and has an 11 MB one refused, sees an agent's reply appear live,
works their tickets, and sees hostile text literally. Identity: a valid hash makes the visitor
the site's user, a forged one is refused when identity is required.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from chatdesk.adapters.web import WebChannel
from chatdesk.app import open_desk
from chatdesk.models import Ticket

from chatdesk_server import ChatdeskServer  # isort: skip
from web_harness import ChatPage, open_browsers  # isort: skip

REFERENCE = re.compile(r"SD-\d+")


class Served:
    """chatdesk's HTTP server with the web channel and the outbox worker, on loopback."""

    def __init__(self, settings: Any) -> None:
        self.desk = open_desk(settings)
        self.channel = WebChannel(settings, self.desk)
        self.server = ChatdeskServer([self.channel], self.desk).start()
        self.url = self.server.url

    def close(self) -> None:
        self.server.stop()
        self.desk.database.dispose()


@pytest.fixture
def serve(make_settings: Callable[..., Any], kb_dir: Path) -> Iterator[Callable[..., Served]]:
    started: list[Served] = []

    def start(**overrides: object) -> Served:
        values: dict[str, object] = {
            "knowledge_dir": kb_dir,
            "web_enabled": True,
            "outbox_poll_seconds": 0.2,
            "web_poll_seconds": 0.2,
        }
        values.update(overrides)
        served = Served(make_settings(**values))
        started.append(served)
        return served

    yield start
    for served in started:
        served.close()


@pytest.fixture
def browsers(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[..., Any]]:
    yield from open_browsers(request, tmp_path)


def intake(page: ChatPage, subject: str) -> str:
    """A whole intake with buttons and typed answers; returns the new reference."""
    page.type("new")
    page.wait_text("What is the problem about?")
    page.type(subject)
    page.wait_text("These articles might help")
    page.press("None of these: continue")
    page.wait_text("Please describe the problem")
    page.type("Clicking export shows a spinner forever and no file arrives.")
    page.wait_text("Which steps led to the problem?")
    page.type("Reports > last month > Export to Excel")
    page.wait_text("Did you see an error message?")
    page.press("Skip")
    page.wait_text("Please check your ticket")
    page.type("send ticket")  # typed, not pressed: the label works as well
    text = page.wait_text("has been created")
    match = REFERENCE.search(text)
    assert match, text
    return match.group(0)


def test_a_whole_intake_with_buttons_and_typed_answers(serve, browsers) -> None:
    served = serve()
    page = ChatPage(browsers(), served.url).open().wait_ready()
    reference = intake(page, "Export to Excel fails")
    with served.desk.database.session() as session:
        ticket = session.scalar(select(Ticket).where(Ticket.reference == reference))
        assert ticket is not None and ticket.platform == "web"
        assert ticket.subject == "Export to Excel fails"
        assert ticket.steps == "Reports > last month > Export to Excel"
    # the visitor's own words are lines of the chat too, and the reference is visible
    assert ("visitor", "Reports > last month > Export to Excel") in page.lines()
    page.driver.refresh()  # coming back: the conversation is still there
    page.wait_ready()
    page.wait_text(f"Your ticket {reference} has been created")


def test_an_article_suggestion_is_a_link_and_can_be_followed(serve, browsers) -> None:
    from selenium.webdriver.common.by import By

    served = serve()
    page = ChatPage(browsers(), served.url).open().wait_ready()
    page.type("I forgot my password and cannot log in")
    page.wait_text("These articles might help")
    links = page.wait(lambda d: d.find_elements(By.CSS_SELECTOR, "#log a[href]") or False)
    hrefs = [link.get_attribute("href") for link in links]
    assert "https://help.example.com/en/password-reset" in hrefs
    assert {link.get_attribute("rel") for link in links} == {"noopener noreferrer"}
    page.press("Read: Reset your password")
    page.wait_text("Request a reset link")
    page.press("This solved it")
    page.wait_text("glad that solved it")


def test_hostile_text_is_shown_literally(serve, browsers) -> None:
    from selenium.webdriver.common.by import By

    served = serve()
    driver = browsers()
    page = ChatPage(driver, served.url).open().wait_ready()
    hostile = "<img src=x onerror=\"document.title='pwned'\"><b>bold</b> https://evil.example/x"
    page.type(f"new {hostile}")
    page.wait_text(hostile, sender="visitor")
    page.wait(lambda d: len(page.lines()) >= 2)
    assert driver.title != "pwned"
    assert driver.find_elements(By.CSS_SELECTOR, "#log img, #log b") == []
    # a URL typed by anyone stays text: the only links are the knowledge base's articles
    assert [a.get_attribute("href") for a in driver.find_elements(By.CSS_SELECTOR, "#log a")] == []
    # the page forbids inline script outright
    policy = driver.execute_script(
        "return fetch('chat').then(r => r.headers.get('content-security-policy'))"
    )
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
