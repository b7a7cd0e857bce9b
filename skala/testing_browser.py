"""Browser tests: Debian's chromium driven by Playwright against a live server, screenshots kept."""

import os
import shutil
from pathlib import Path

import pytest

ARTEFACTS = Path(__file__).resolve().parent.parent / "var" / "test-artefacts"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def browser():
    """A headless chromium from the operating system, or a skip that says why."""
    from django.db import connection

    if connection.vendor != "sqlite":
        # The flows are the same on every database; on PostgreSQL the live server's request threads
        # would hold sessions open past the test database's teardown.
        pytest.skip("browser flows run on the SQLite pass of the suite")
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("chromium is not installed, and make test could not install it on this machine")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop; the test's own database calls are still synchronous.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def screenshot(page, name: str) -> Path:
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTEFACTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path
