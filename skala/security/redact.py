"""A logging filter that takes secrets out of log records before any handler writes them.

It redacts: values of keys that name a secret (password, token, secret, credentials, api_key,
authorization, cookie, sessionid, csrftoken ...) written as key=value, key: value or "key": "value";
Authorization headers (Bearer, Basic, Token); Skala's personal API tokens (skala_…); the password in
a URL (postgres://user:password@host); and the value of SECRET_KEY wherever it appears. The message,
its arguments and any traceback are all covered.
"""

import logging
import re

from django.conf import settings

REDACTED = "[redacted]"

SECRET_WORDS = (
    r"pass(?:word|wd|phrase)?|secret(?:_key)?|client_secret|token|access_token|refresh_token|api[_-]?key|"
    r"credentials?|authorization|cookie|sessionid|csrftoken|csrfmiddlewaretoken|private[_-]?key"
)
PATTERNS = [
    # Authorization: Bearer abc / Basic abc / Token abc, in headers and in reprs of them.
    (re.compile(r"(?i)\b(Bearer|Basic|Token)\s+[A-Za-z0-9._~+/=-]{6,}"), rf"\1 {REDACTED}"),
    # Skala's personal API tokens carry a prefix of their own.
    (re.compile(r"\bskala_[A-Za-z0-9_-]{8,}"), f"skala_{REDACTED}"),
    # scheme://user:password@host
    (re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^:/@\s]*):[^@\s/]+@"), rf"\1:{REDACTED}@"),
    # "password": "x", 'token': 'x', password=x, password: x, HTTP_AUTHORIZATION='x' ...
    (
        re.compile(
            rf"""(?ix)
            (["']?[\w-]*(?:{SECRET_WORDS})["']?\s*[:=]\s*)
            (?:"[^"]*"|'[^']*'|[^\s,;&}}\]]+)
            """
        ),
        rf"\1{REDACTED}",
    ),
]


def redact(text: str) -> str:
    """The text with every secret the patterns and SECRET_KEY know replaced by [redacted]."""
    secret_key = getattr(settings, "SECRET_KEY", "")
    if secret_key and len(secret_key) >= 8:
        text = text.replace(secret_key, REDACTED)
    for pattern, replacement in PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactSecretsFilter(logging.Filter):
    """Rewrite each record's message and traceback with secrets redacted; never drops a record."""

    formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            message = str(record.msg)
        record.msg, record.args = redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True
