"""EMAIL_URL: one variable that says where mail goes.

Forms understood: ``console:``, ``memory:``, ``file:///path/to/dir``,
``smtp://user:password@host:port`` and ``smtp+tls://`` / ``smtp+ssl://`` for encrypted SMTP.
"""

from urllib.parse import unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

BACKENDS = {
    "console": "django.core.mail.backends.console.EmailBackend",
    "memory": "django.core.mail.backends.locmem.EmailBackend",
    "file": "django.core.mail.backends.filebased.EmailBackend",
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "smtp+tls": "django.core.mail.backends.smtp.EmailBackend",
    "smtp+ssl": "django.core.mail.backends.smtp.EmailBackend",
}


def parse_email_url(url: str) -> dict[str, object]:
    """Turn EMAIL_URL into Django's EMAIL_* settings."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in BACKENDS:
        known = ", ".join(sorted(BACKENDS))
        raise ImproperlyConfigured(f"EMAIL_URL has an unknown scheme {scheme!r}; use one of: {known}.")
    config: dict[str, object] = {"EMAIL_BACKEND": BACKENDS[scheme]}
    if scheme == "file":
        if not parts.path:
            raise ImproperlyConfigured("EMAIL_URL file:// needs a directory path.")
        config["EMAIL_FILE_PATH"] = parts.path
    elif scheme.startswith("smtp"):
        if not parts.hostname:
            raise ImproperlyConfigured("EMAIL_URL smtp:// needs a host name.")
        try:
            port = parts.port
        except ValueError:
            raise ImproperlyConfigured("EMAIL_URL has a port that is not a number.") from None
        config.update(
            EMAIL_HOST=parts.hostname,
            EMAIL_PORT=port or (465 if scheme == "smtp+ssl" else 587 if scheme == "smtp+tls" else 25),
            EMAIL_HOST_USER=unquote(parts.username or ""),
            EMAIL_HOST_PASSWORD=unquote(parts.password or ""),
            EMAIL_USE_TLS=scheme == "smtp+tls",
            EMAIL_USE_SSL=scheme == "smtp+ssl",
        )
    return config
