"""The web chat in a real browser (chromium, selenium) against ``chatdesk serve``'s own app.

A visitor goes through an intake with buttons and typed answers, follows an article
suggestion, sends a file and has an 11 MB one refused, sees an agent's reply appear live,
works their tickets, and sees hostile text literally. Identity: a valid hash makes the visitor
the site's user, a forged one is refused when identity is required.
"""

from __future__ import annotations

import http.server
import json
import os
import re
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from chatdesk.adapters.server import web_channel
from chatdesk.app import open_desk
from chatdesk.store.models import Requester, Ticket, WebFile

from chatdesk_server import ChatdeskServer  # isort: skip
from web_harness import SECRET, ChatPage, open_browsers, sign  # isort: skip

REFERENCE = re.compile(r"SD-\d+")


class Served:
    """chatdesk's HTTP server with the web channel and the outbox worker, on loopback."""

    def __init__(self, settings: Any) -> None:
        self.desk = open_desk(settings)
        self.channel = web_channel(settings, self.desk)
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
    assert page.console_errors() == []  # no script error, nothing the CSP had to block


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


def test_hostile_text_is_shown_literally(serve, browsers, kb_dir) -> None:
    from selenium.webdriver.common.by import By

    hostile = "<img src=x onerror=\"document.title='pwned'\"><b>bold</b> https://evil.example/x"
    article = kb_dir / "en" / "printer.md"
    article.write_text(
        f"---\ntitle: {json.dumps('Printer ' + hostile)}\nlang: en\ntags: [printer, blank, pages]\n"
        "url: https://help.example.com/en/printer\n---\nCheck the toner.\n",
        encoding="utf-8",
    )
    served = serve(web_identity_secret=SECRET)
    reference = ticket_for(served, "u:9")
    driver = browsers()
    page = ChatPage(driver, served.url).open({"id": "9", "hash": sign("9")}).wait_ready()
    page.type(f"new {hostile}")  # a customer's words
    page.wait_text(hostile, sender="visitor")
    page.wait_text(f"Printer {hostile}", sender="desk")  # an article's title
    tickets_cli(served, "reply", reference, f"Agent says {hostile}")  # an agent's words
    page.wait_text(f"Agent says {hostile}", sender="desk")
    assert driver.title != "pwned"
    assert driver.find_elements(By.CSS_SELECTOR, "#log img, #log b") == []
    # a URL typed by anyone stays text: the only links are the knowledge base's articles
    hrefs = {a.get_attribute("href") for a in driver.find_elements(By.CSS_SELECTOR, "#log a")}
    assert "https://help.example.com/en/printer" in hrefs
    assert all(href.startswith("https://help.example.com/en/") for href in hrefs), hrefs
    # the page forbids inline script outright
    policy = driver.execute_script(
        "return fetch('chat').then(r => r.headers.get('content-security-policy'))"
    )
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy


def ticket_for(served: Served, user_id: str, subject: str = "Export to Excel fails") -> str:
    """A ticket of a web visitor, opened through the desk as the chat would (no browser)."""
    from chatdesk.events import InboundEvent

    def say(text: str = "", choice: str | None = None) -> str:
        event = InboundEvent("web", user_id, user_id, text=text, choice=choice)
        return "\n".join(getattr(r, "text", "") for r in served.desk.handle(event))

    say(f"new {subject}")
    say(choice="continue")
    answer = say("The export button shows a spinner and then nothing is downloaded.")
    if "continue" in answer or "None of these" in answer:
        say(choice="continue")
    say("Open Reports, choose last month, press Export to Excel.")
    say(choice="skip")
    say(choice="confirm")  # the answer may come through the outbox: read the ticket itself
    with served.desk.database.session() as session:
        reference = session.scalar(
            select(Ticket.reference)
            .join(Requester, Ticket.requester_id == Requester.id)
            .where(Requester.platform_user_id == user_id)
            .order_by(Ticket.id.desc())
        )
    assert reference, "no ticket was opened"
    return str(reference)


def tickets_cli(served: Served, *args: str) -> subprocess.CompletedProcess[str]:
    """``chatdesk tickets ...`` as an agent runs it, in a process of its own."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHATDESK_")}
    env["CHATDESK_DATABASE_URL"] = served.desk.settings.database.url
    env["CHATDESK_KNOWLEDGE_DIR"] = str(served.desk.settings.knowledge.dir)
    return subprocess.run(
        [sys.executable, "-m", "chatdesk", "tickets", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )


def test_a_file_is_attached_and_an_11_mb_one_is_refused(serve, browsers, tmp_path) -> None:
    served = serve()
    page = ChatPage(browsers(), served.url).open().wait_ready()
    page.type("new Export to Excel fails")
    page.press("None of these: continue")
    page.wait_text("Please describe the problem")
    screenshot = tmp_path / "export error.png"
    screenshot.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40)
    page.attach(screenshot)
    page.wait_text("📎 export error.png", sender="visitor")
    huge = tmp_path / "huge.zip"
    with huge.open("wb") as out:
        out.truncate(11 * 1024 * 1024)
    page.attach(huge)
    page.wait_text("huge.zip is 11.0 MB; files can be at most 10 MB")
    program = tmp_path / "setup.exe"
    program.write_bytes(b"MZ")
    page.attach(program)
    page.wait_text("setup.exe cannot be attached")
    page.type("Clicking export shows a spinner forever and no file arrives.")
    page.type("Reports > last month > Export to Excel")
    page.press("Skip")
    summary = page.wait_text("Please check your ticket")
    assert "export error.png" in summary and "huge.zip" not in summary
    page.press("Send ticket")
    reference = REFERENCE.search(page.wait_text("has been created")).group(0)  # type: ignore[union-attr]
    with served.desk.database.session() as session:
        ticket = session.scalar(select(Ticket).where(Ticket.reference == reference))
        names = [a.name for a in ticket.attachments]  # type: ignore[union-attr]
        kept = session.scalars(select(WebFile)).all()
    assert names == ["export error.png"]
    assert [(f.name, f.content_type, f.data) for f in kept] == [
        ("export error.png", "image/png", screenshot.read_bytes())
    ]


def test_an_agents_reply_appears_live_and_stays(serve, browsers) -> None:
    from selenium.webdriver.common.by import By

    served = serve(web_identity_secret=SECRET)
    reference = ticket_for(served, "u:42")
    page = ChatPage(browsers(), served.url)
    page.open({"id": "42", "name": "Ann", "email": "ann@example.com", "hash": sign("42")})
    page.wait_ready()
    page.type("my tickets")  # the site's user 42 is the same requester on every device
    page.wait_text(f"{reference}: Export to Excel fails")
    tickets_cli(served, "reply", reference, "The fix is live; please try again.", "--as", "Dana")
    page.wait_text("The fix is live; please try again.")
    tickets_cli(served, "status", reference, "solved", "--as", "Dana")
    page.wait_text("Solved")
    page.press("5 – excellent")  # the rating question came live too, with its buttons
    page.wait_text(f"Thank you for rating {reference} 5 out of 5")
    page.driver.find_element(By.ID, "mine").click()  # reopened from My tickets
    page.wait(lambda d: d.find_elements(By.CSS_SELECTOR, "button.ticket-open"))[0].click()
    page.wait(lambda d: d.find_element(By.ID, "ticket-reopen").is_displayed())
    page.driver.find_element(By.ID, "ticket-reopen").click()
    page.wait_text(f"{reference} is open again")
    page.driver.refresh()
    page.wait_ready()
    page.wait_text("The fix is live; please try again.")
    assert page.count("The fix is live; please try again.") == 1


def test_my_tickets_with_the_public_thread_a_comment_and_a_close(serve, browsers) -> None:
    from selenium.webdriver.common.by import By

    served = serve(web_identity_secret=SECRET)
    reference = ticket_for(served, "u:7")
    tickets_cli(served, "reply", reference, "Which browser do you use?", "--as", "Dana")
    tickets_cli(served, "reply", reference, "internal: customer on old plan", "--as", "Dana")
    page = ChatPage(browsers(), served.url)
    page.open({"id": "7", "name": "Bob", "hash": sign("7")}).wait_ready()
    page.wait_text("Which browser do you use?")  # the reply reached the chat as well

    def panel() -> str:
        return str(page.driver.find_element(By.ID, "panel").text)

    def open_ticket() -> None:
        page.driver.find_element(By.ID, "mine").click()
        page.wait(lambda _: f"{reference} · Export to Excel fails" in panel())
        assert "New – " in panel() or "Open – " in panel()  # status and its meaning
        page.driver.find_element(By.CSS_SELECTOR, f"button[data-reference='{reference}']").click()
        page.wait(lambda _: "Add comment" in panel())

    open_ticket()
    assert "Which browser do you use?" in panel() and "Support desk" in panel()
    assert "old plan" not in panel()  # an internal note is not the customer's thread
    assert "Dana" not in panel()  # nor is an agent's name
    page.driver.find_element(By.ID, "ticket-comment").send_keys("Chromium 120 on Debian.")
    page.driver.find_element(By.ID, "ticket-send").click()
    page.wait_text(f"Added your message to {reference}")
    open_ticket()
    assert "Chromium 120 on Debian." in panel()
    page.driver.find_element(By.ID, "ticket-close").click()
    page.wait_text(f"Close {reference}?")
    page.press("Yes, close it")
    page.wait_text(f"{reference} is closed")
    with served.desk.database.session() as session:
        ticket = session.scalar(select(Ticket).where(Ticket.reference == reference))
        assert ticket is not None and ticket.status == "closed"
        customer = [c.body for c in ticket.comments if c.author_kind == "customer"]
        assert customer == ["Chromium 120 on Debian."]


def test_a_forged_hash_reaches_nothing_when_identity_is_required(serve, browsers) -> None:
    from selenium.webdriver.common.by import By

    served = serve(web_identity_secret=SECRET, web_require_identity=True)
    page = ChatPage(browsers(), served.url)
    page.open({"id": "42", "name": "Mallory", "hash": sign("42", "not-the-site-secret-at-all")})
    page.wait_text("This chat is only for signed-in customers")
    assert not page.driver.find_element(By.ID, "text").is_enabled()
    page.driver.execute_script("document.getElementById('text').disabled = false")
    page.type("new my export fails")  # the socket is closed: nothing can reach the desk
    with served.desk.database.session() as session:
        assert session.scalars(select(Requester)).all() == []
    # the real user, with the site's hash, gets in
    page.open({"id": "42", "name": "Ann", "hash": sign("42")}).wait_ready()
    page.type("help")
    page.wait_text("help", sender="visitor")
    page.wait(lambda _: len(page.lines()) >= 2)
    with served.desk.database.session() as session:
        assert [r.platform_user_id for r in session.scalars(select(Requester))] == ["u:42"]


def test_dutch_by_the_browsers_language(serve, browsers) -> None:
    from selenium.webdriver.common.by import By

    served = serve()
    page = ChatPage(browsers(locale="nl-NL"), served.url).open().wait_ready()
    assert page.driver.find_element(By.ID, "send").text == "Versturen"
    page.type("nieuw")
    page.wait_text("Waar gaat het probleem over?")
    page.type("lang en")  # the `lang` command still overrides
    page.wait(lambda d: d.find_element(By.ID, "send").text == "Send")


class Site:
    """A customer's web site on another port (so another origin) that embeds the widget."""

    def __init__(self, widget_url: str, attributes: str) -> None:
        page = (
            "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
            "<meta name='viewport' content='width=device-width, initial-scale=1'>"
            "<title>Example Corp support</title></head><body>"
            "<h1>Example Corp support</h1><p>Manuals, downloads and your requests.</p>"
            f"<script src='{widget_url}' async {attributes}></script></body></html>"
        ).encode()

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.end_headers()
                self.wfile.write(page)

            def log_message(self, *_: object) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.mark.parametrize(
    ("locale", "subject", "suggestion"),
    [
        ("en-US", "Export to Excel fails", "These articles might help"),
        ("nl-NL", "Exporteren naar Excel mislukt", "Deze artikelen kunnen je misschien helpen"),
    ],
)
def test_the_widget_opens_the_chat_in_a_frame_on_the_site(
    serve, browsers, locale: str, subject: str, suggestion: str
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    served = serve(web_identity_secret=SECRET)
    attributes = f"data-user-id='42' data-user-name='Ann' data-user-hash='{sign('42')}'"
    site = Site(f"{served.url}/widget.js", attributes)
    served.channel.origins = (site.url,)  # the site may embed the chat
    driver = browsers(locale=locale)
    try:
        driver.get(site.url)
        page = ChatPage(driver, served.url)
        launcher = page.wait(lambda d: d.find_elements(By.ID, "chatdesk-launcher") or False)[0]
        launcher.send_keys(Keys.ENTER)  # the keyboard alone opens it
        frame = page.wait(lambda d: d.find_elements(By.ID, "chatdesk-frame") or False)[0]
        driver.switch_to.frame(frame)
        page.wait_ready()
        page.type(subject)
        page.wait_text(suggestion)
        page.wait(lambda d: d.find_elements(By.CSS_SELECTOR, "#log button.choice"))
        driver.switch_to.default_content()
        target = os.environ.get("DOCS_SCREENSHOTS_TO")  # docs: regenerate the PNGs
        if target:
            driver.save_screenshot(str(Path(target) / f"web-widget-{locale[:2]}.png"))
        driver.switch_to.frame(frame)
        if locale == "en-US":
            driver.find_element(By.ID, "close").click()
        else:  # the keyboard alone closes it too
            driver.find_element(By.ID, "text").send_keys(Keys.ESCAPE)
        driver.switch_to.default_content()
        page.wait(lambda d: not frame.is_displayed())
        assert driver.switch_to.active_element == launcher  # focus back where it was
        assert page.console_errors() == []  # the frame was allowed, nothing was blocked
        with served.desk.database.session() as session:
            users = [r.platform_user_id for r in session.scalars(select(Requester))]
        assert users == ["u:42"]
    finally:
        site.close()


def test_keyboard_only_on_a_phone_sized_screen_with_a_live_region(serve, browsers) -> None:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    served = serve()
    driver = browsers()
    driver.set_window_size(360, 640)
    page = ChatPage(driver, served.url).open().wait_ready()
    log = driver.find_element(By.ID, "log")
    assert (log.get_attribute("role"), log.get_attribute("aria-live")) == ("log", "polite")
    keys = ActionChains(driver)
    for _ in range(6):  # Tab from the top of the page to the message box
        if driver.switch_to.active_element.get_attribute("id") == "text":
            break
        keys.send_keys(Keys.TAB).perform()
    assert driver.switch_to.active_element.get_attribute("id") == "text"
    driver.switch_to.active_element.send_keys("new Export to Excel fails", Keys.ENTER)
    page.wait_text("These articles might help")
    # Shift+Tab walks back from the message box into the newest buttons; Enter presses one
    for _ in range(10):
        driver.switch_to.active_element.send_keys(Keys.SHIFT, Keys.TAB)
        if driver.switch_to.active_element.text == "None of these: continue":
            break
    driver.switch_to.active_element.send_keys(Keys.ENTER)
    page.wait_text("Please describe the problem")
    width = driver.execute_script("return [document.documentElement.scrollWidth, innerWidth]")
    assert width[0] <= width[1]  # nothing sticks out sideways on a phone
