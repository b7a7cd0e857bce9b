"""End-to-end flows in Debian's chromium: every page they visit is checked with axe-core."""

import pytest

from skala.testing_browser import launched_chromium


@pytest.fixture(scope="package")
def browser():
    """One chromium for all the flows here: starting Playwright and chromium costs over a second.

    Not one for the whole session: while Playwright runs, its event loop is visible to every later
    test, and Django's async machinery would refuse to run there. pytest-django runs live-server
    tests together at the end, so the flows of this package follow one another.
    """
    yield from launched_chromium()


@pytest.fixture(autouse=True)
def fresh_contexts(browser):
    """Each flow starts with no open pages, cookies or logins left by the one before."""
    yield
    for context in browser.contexts:
        context.close()
