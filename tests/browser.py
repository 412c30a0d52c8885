"""Headless Chromium for the browser tests: Debian's `chromium` driven through Playwright.

The Makefile's `browser` target installs the `chromium` package where it is missing; Playwright
drives that executable over its DevTools protocol (no browser download of its own). Every page
opened here records console messages, uncaught page errors and failed requests, so a test can
assert that a page loaded cleanly.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import Browser, ConsoleMessage, Page, Request, Route, sync_playwright

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu"]
LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}
VIEWPORT = {"width": 1400, "height": 1000}


def chromium_executable() -> str:
    """Debian's Chromium (CHROMIUM_PATH overrides); a clear error when it is not installed."""
    configured = os.environ.get("CHROMIUM_PATH")
    candidates = [configured] if configured else ["chromium", "/usr/bin/chromium"]
    for candidate in candidates:
        found = shutil.which(candidate) if candidate else None
        if found:
            return found
    raise RuntimeError(
        "Chromium not found (looked for "
        + ", ".join(c for c in candidates if c)
        + "): run `make browser` (apt-get install chromium) or set CHROMIUM_PATH"
    )


@dataclass
class PageLog:
    """What a page reported while it was open."""

    console: list[tuple[str, str]] = field(default_factory=list)  # (type, text)
    page_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    blocked_requests: list[str] = field(default_factory=list)  # off-machine URLs, not fetched

    @property
    def errors(self) -> list[str]:
        return (
            [f"console {kind}: {text}" for kind, text in self.console if kind == "error"]
            + [f"page error: {text}" for text in self.page_errors]
            + [f"request failed: {text}" for text in self.failed_requests]
        )


@contextlib.contextmanager
def chromium() -> Iterator[Browser]:
    """A headless Chromium, closed on exit."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_executable(), args=CHROMIUM_FLAGS, headless=True
        )
        try:
            yield browser
        finally:
            browser.close()


@contextlib.contextmanager
def open_page(
    browser: Browser, url: str, *, wait_until: str = "load"
) -> Iterator[tuple[Page, PageLog]]:
    """Open ``url`` in a new page that records its console, page errors and failed requests.

    Tests never touch the internet: a request for anything but a file, inline data or a
    loopback address is answered here with an empty response and listed in
    ``blocked_requests`` (the Dagster UI, for one, asks for a telemetry script).
    """
    page = browser.new_page(viewport=VIEWPORT)
    log = PageLog()

    def on_console(message: ConsoleMessage) -> None:
        log.console.append((message.type, message.text))

    def on_request_failed(request: Request) -> None:
        log.failed_requests.append(f"{request.url} ({request.failure})")

    def keep_local(route: Route) -> None:
        target = urlsplit(route.request.url)
        if target.scheme in {"file", "data", "blob"} or target.hostname in LOCAL_HOSTS:
            route.continue_()
        else:
            log.blocked_requests.append(route.request.url)
            route.fulfill(status=204, body="")

    page.route("**/*", keep_local)
    page.on("console", on_console)
    page.on("pageerror", lambda error: log.page_errors.append(str(error)))
    page.on("requestfailed", on_request_failed)
    try:
        page.goto(url, wait_until=wait_until)
        yield page, log
    finally:
        page.close()


def screenshot(page: Page, path: Path, *, full_page: bool = True) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=full_page)
    return path
