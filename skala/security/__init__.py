"""Security that every app shares: response headers, login throttling, upload limits, log redaction.

SECURITY.md at the project's root says what Skala promises and how to report a vulnerability.
"""
