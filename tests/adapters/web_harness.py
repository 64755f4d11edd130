"""The web chat in a real browser: Debian's chromium driven by selenium, against chatdesk's
own HTTP server on a loopback port.

Chromium runs headless with the flags that keep it off the network (no background requests,
component updates, sync or first-run pages) and a fresh profile per test. Without chromium the
browser tests are skipped with a notice, except under CI=true, where they must run. A failing
test leaves a screenshot in ``test-screenshots/`` (or CHATDESK_TEST_SCREENSHOTS) for the report.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import re
import urllib.parse
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-extensions",
    "--window-size=420,860",
)
SCREENSHOTS = Path(
    os.environ.get("CHATDESK_TEST_SCREENSHOTS")
    or Path(__file__).resolve().parents[2] / "test-screenshots"
)
WAIT = 20.0
SECRET = "site-secret-0123456789abcdef"


def sign(user_id: str, secret: str = SECRET) -> str:
    """What a site's backend computes for a logged-in user (docs/web.md)."""
    return hmac.new(secret.encode(), user_id.encode(), hashlib.sha256).hexdigest()


def require_chromium() -> None:
    if CHROMIUM.exists() and CHROMEDRIVER.exists():
        return
    message = (
        "chromium and chromium-driver are not installed "
        "(Debian: apt-get install chromium chromium-driver): browser tests skipped"
    )
    if os.environ.get("CI") == "true":
        pytest.fail(message + ", but CI=true requires them")
    pytest.skip(message)


def start_browser(profile: Path, *, locale: str = "en-US") -> Any:
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = str(CHROMIUM)
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.add_argument(f"--lang={locale}")
    options.add_experimental_option("prefs", {"intl.accept_languages": locale})
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})  # console errors, CSP
    return webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)


def open_browsers(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[..., Any]]:
    """For a fixture: ``start(locale=...)`` starts a browser; each is screenshotted when the
    test failed, then quit."""
    require_chromium()
    started: list[Any] = []
    failed_before = request.session.testsfailed

    def start(locale: str = "en-US") -> Any:
        driver = start_browser(tmp_path / f"profile{len(started)}", locale=locale)
        started.append(driver)
        return driver

    try:
        yield start
    finally:
        if request.session.testsfailed > failed_before:
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
            for number, driver in enumerate(started):
                with contextlib.suppress(Exception):  # a dead browser has no screenshot
                    driver.save_screenshot(str(SCREENSHOTS / f"{name}-{number}.png"))
        for driver in started:
            driver.quit()


class ChatPage:
    """The chat page in one browser, used the way a visitor uses it (keyboard and clicks)."""

    def __init__(self, driver: Any, base_url: str) -> None:
        self.driver = driver
        self.base_url = base_url

    def open(self, identity: dict[str, str] | None = None, query: str = "") -> ChatPage:
        url = f"{self.base_url}/chat{query}"
        if identity is not None:
            url += "#" + urllib.parse.quote(json.dumps(identity))
        self.driver.get("about:blank")  # a new fragment alone would not load the page again
        self.driver.get(url)
        return self

    def wait(self, condition: Callable[[Any], Any], timeout: float = WAIT) -> Any:
        from selenium.webdriver.support.ui import WebDriverWait

        return WebDriverWait(self.driver, timeout).until(condition)

    def wait_ready(self) -> ChatPage:
        self.wait(lambda d: d.execute_script("return document.body.dataset.ready === '1'"))
        return self

    def lines(self) -> list[tuple[str, str]]:
        """(sender, text) of every chat line, in order; notices as ("notice", text)."""
        script = """
            return Array.from(document.querySelectorAll('#log li.line:not(.intro)')).map(
              li => [li.classList.contains('visitor') ? 'visitor'
                     : li.classList.contains('notice') ? 'notice' : 'desk',
                     li.querySelector('.text').textContent]);
        """
        return [tuple(pair) for pair in self.driver.execute_script(script)]

    def wait_text(self, fragment: str, sender: str | None = None) -> str:
        """The first line containing ``fragment`` (from ``sender``), waiting for it."""

        def found(_: Any) -> str | bool:
            for who, text in self.lines():
                if fragment in text and (sender is None or who == sender):
                    return text
            return False

        try:
            return str(self.wait(found))
        except Exception:
            raise AssertionError(f"no line with {fragment!r}; lines: {self.lines()}") from None

    def count(self, fragment: str) -> int:
        return sum(fragment in text for _, text in self.lines())

    def type(self, text: str) -> None:
        """Type into the message box and press Enter, as a keyboard user does."""
        from selenium.webdriver.common.by import By
        from selenium.webdriver.common.keys import Keys

        box = self.driver.find_element(By.ID, "text")
        box.send_keys(text)
        box.send_keys(Keys.ENTER)

    def press(self, label: str) -> None:
        """Click the newest button with this label."""
        from selenium.webdriver.common.by import By

        def button(driver: Any) -> Any:
            found = [
                b
                for b in driver.find_elements(By.CSS_SELECTOR, "#log button.choice")
                if b.text.strip() == label
            ]
            return found[-1] if found else False

        try:
            self.wait(button).click()
        except Exception:
            raise AssertionError(f"no button {label!r}; lines: {self.lines()}") from None

    def console_errors(self) -> list[str]:
        """Errors the page logged (a script error, a CSP violation), since the last call."""
        return [e["message"] for e in self.driver.get_log("browser") if e["level"] == "SEVERE"]

    def attach(self, path: Path) -> None:
        from selenium.webdriver.common.by import By

        self.driver.find_element(By.ID, "file").send_keys(str(path))
