"""Browser tests: Debian's chromium driven by Playwright against a live server, screenshots kept."""

import os
import re
import shutil
from pathlib import Path
from urllib.parse import urlsplit

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


def launched_chromium():
    """A headless chromium from the operating system for as long as the generator runs, or a skip."""
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


@pytest.fixture
def browser():
    """A headless chromium for one test, or a skip that says why."""
    yield from launched_chromium()


def screenshot(page, name: str) -> Path:
    """Keep a PNG of the page under var/test-artefacts/, named for what it shows."""
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTEFACTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path


AXE = Path(__file__).resolve().parent.parent / "node_modules" / "axe-core" / "axe.min.js"
# The success criteria Skala promises: WCAG 2.0 and 2.1, levels A and AA.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
AXE_FAILING_IMPACTS = {"serious", "critical"}


def axe_violations(page) -> list[dict]:
    """Run axe-core in the page and return its violations (every impact), as axe reports them.

    The script is injected by Playwright, so a Content-Security-Policy with script-src 'self' blocks it
    unless the context was made with bypass_csp=True (as new_context below does).
    """
    if not AXE.exists():
        if shutil.which("npm") is None:
            pytest.skip("axe-core is not installed and npm is missing: run `npm ci` where npm exists")
        pytest.fail(f"{AXE} is missing: run `npm ci` at the project root (make test does)")
    # A part of the page that htmx is still fetching would be checked half-drawn.
    page.wait_for_function("() => !document.querySelector('.htmx-request')")
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        AXE_TAGS,
    )
    return result["violations"]


def describe_violations(violations: list[dict]) -> str:
    """One line per failing element: impact, rule, the element's selector, and the rule's help URL."""
    lines = []
    for violation in violations:
        for node in violation["nodes"]:
            target = " ".join(str(part) for part in node["target"])
            lines.append(
                f"  [{violation['impact']}] {violation['id']}: {violation['help']}\n"
                f"      at {target}\n      {violation['helpUrl']}"
            )
    return "\n".join(lines)


DUPLICATE_IDS = """() => {
  const seen = {};
  for (const element of document.querySelectorAll('[id]')) seen[element.id] = (seen[element.id] || 0) + 1;
  return Object.keys(seen).filter((id) => seen[id] > 1).sort();
}"""


def assert_accessible(page, name: str) -> None:
    """Fail listing every serious or critical WCAG 2.0/2.1 A/AA violation axe-core finds in the page.

    `name` says which page this is in the failure message; a screenshot is kept under that name too,
    so a failure can be looked at afterwards.
    """
    violations = [v for v in axe_violations(page) if v["impact"] in AXE_FAILING_IMPACTS]
    # axe-core no longer checks ids (WCAG 2.2 retired 4.1.1), but a label tied to an id that two fields
    # share names the wrong field for a screen reader, and a click on the label goes to the wrong one.
    repeated = page.evaluate(DUPLICATE_IDS)
    if repeated:
        screenshot(page, f"ids-{name}")
        pytest.fail(f"{name} ({page.url}) has ids used more than once: {', '.join(repeated)}", pytrace=False)
    if violations:
        screenshot(page, f"axe-{name}")
        pytest.fail(
            f"{name} ({page.url}) has {len(violations)} serious or critical accessibility "
            f"violations:\n{describe_violations(violations)}",
            pytrace=False,
        )


def new_context(browser, **options):
    """A browser context for the flows, with the CSP bypassed so that axe-core can be injected."""
    options.setdefault("bypass_csp", True)
    options.setdefault("viewport", {"width": 1280, "height": 900})
    context = browser.new_context(**options)
    # Skala's pages answer in about a second here, even on a busy machine; a step that waits longer failed.
    context.set_default_timeout(15_000)
    return context


def new_page(browser, **options):
    """A page in a context of its own (its own cookies, so its own person), ready for assert_accessible."""
    return new_context(browser, **options).new_page()


def page_name(page) -> str:
    """A name for the page from its address, for failure messages: en-needs-3-edit."""
    path = urlsplit(page.url).path.strip("/") or "root"
    return re.sub(r"[^A-Za-z0-9]+", "-", path).strip("-")


def follow(locator, *, check: bool = True) -> None:
    """Click a link or a submit button, wait until the page it leads to has loaded, and check it.

    A bare click returns before the next page arrives, and a check run then would look at the old one.
    """
    with locator.page.expect_navigation():
        locator.click()
    if check:
        assert_accessible(locator.page, page_name(locator.page))


def visit(page, url: str, *, check: bool = True):
    """Open the address as if typed, check the page it shows (error pages too), and return the response."""
    response = page.goto(url)
    if check:
        assert_accessible(page, page_name(page))
    return response


def follow_nav(page, name: str) -> None:
    """Follow the link of that name in the site's main navigation."""
    follow(page.get_by_role("navigation", name="Main").get_by_role("link", name=name, exact=True))


_LOGIN_PAGES_CHECKED: set[str] = set()


def log_in(page, base_url: str, email: str, password: str | None = None, language: str = "nb") -> None:
    """Log in through the login page, as a person would; the login page is checked for accessibility
    the first time each language's is seen (it is the same page for every person)."""
    from skala.testing import PASSWORD

    page.goto(f"{base_url}/{language}/accounts/login/")
    if language not in _LOGIN_PAGES_CHECKED:
        assert_accessible(page, f"login-{language}")
        _LOGIN_PAGES_CHECKED.add(language)
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", password or PASSWORD)
    follow(page.locator("main form button[type=submit]"), check=False)
    assert page.locator("form[action$='/accounts/logout/']").count() == 1, f"{email} could not log in"


def assert_page(page, name: str) -> None:
    """The page has no serious accessibility violation, and its screenshot is kept as `name`."""
    assert_accessible(page, name)
    screenshot(page, name)
