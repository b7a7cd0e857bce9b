"""System checks for configuration Skala cannot run well with. Ids are stable: docs/settings.md lists them."""

import os
from pathlib import Path

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register


@register(Tags.security, deploy=False)
def production_configuration(app_configs, **kwargs):
    """With DJANGO_ENV=production, refuse settings that are only safe on a developer's machine."""
    if not settings.PRODUCTION:
        return []
    problems = []
    if settings.DEBUG:
        problems.append(
            Error(
                "DEBUG is on while DJANGO_ENV=production.",
                hint="Unset DEBUG or set DEBUG=false: debug pages show settings and data.",
                id="skala.E001",
            )
        )
    if not settings.ALLOWED_HOSTS:
        problems.append(
            Error(
                "ALLOWED_HOSTS is empty while DJANGO_ENV=production.",
                hint="Set ALLOWED_HOSTS to the host names Skala is served on, comma-separated.",
                id="skala.E002",
            )
        )
    elif "*" in settings.ALLOWED_HOSTS:
        problems.append(
            Error(
                "ALLOWED_HOSTS contains '*' while DJANGO_ENV=production.",
                hint="Name the host names; '*' lets anyone forge links in password-reset mail.",
                id="skala.E003",
            )
        )
    if settings.EMAIL_BACKEND.endswith(("console.EmailBackend", "locmem.EmailBackend")) or not os.environ.get(
        "EMAIL_URL"
    ):
        problems.append(
            Warning(
                "E-mail is not sent anywhere while DJANGO_ENV=production.",
                hint="Set EMAIL_URL (e.g. smtp+tls://user:password@smtp.example.org:587) so resets arrive.",
                id="skala.W004",
            )
        )
    if not settings.SITE_URL.startswith("https://"):
        problems.append(
            Warning(
                "SITE_URL does not start with https:// while DJANGO_ENV=production.",
                hint="Set SITE_URL to the public https address; it is used in links in mail and feeds.",
                id="skala.W005",
            )
        )
    return problems


@register(Tags.database)
def sqlite_directory(app_configs, **kwargs):
    """The SQLite file's folder must exist and be writable, or every write fails later and less clearly."""
    database = settings.DATABASES["default"]
    if database["ENGINE"] != "django.db.backends.sqlite3" or str(database["NAME"]) == ":memory:":
        return []
    folder = Path(database["NAME"]).parent
    if not folder.exists():
        return [
            Error(
                f"The folder for the SQLite database, {folder}, does not exist.",
                hint="Create it, or point DATABASE_URL somewhere else. 'make run' creates var/.",
                id="skala.E006",
            )
        ]
    if not os.access(folder, os.W_OK):
        return [
            Error(
                f"The folder for the SQLite database, {folder}, is not writable.",
                hint="SQLite writes a journal beside the database file; give the folder write access.",
                id="skala.E007",
            )
        ]
    return []
