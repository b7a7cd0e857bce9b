"""End-to-end flows in Debian's chromium: every page they visit is checked with axe-core."""

from skala.testing_browser import browser  # noqa: F401  (the fixture, for every flow here)
