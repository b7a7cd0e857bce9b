"""Helpers for the operations tests: Skala's commands run in their own processes on databases of their own."""

import contextlib
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parents[3]


def environment(database_url: str, folder: Path, **extra: str) -> dict[str, str]:
    """The environment of a Skala process on `database_url`, with its files under `folder`."""
    values = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "skala.settings",
        "SKALA_VAR_DIR": str(folder),
        "MEDIA_ROOT": str(folder / "media"),
        "SKALA_SPEND_DIR": str(folder / "spend"),
        "EMAIL_URL": "memory:",
        "LOG_LEVEL": "WARNING",
        # The tests read the commands' messages in English, whatever the machine's locale.
        "LANGUAGE": "en",
        "LC_ALL": "C.UTF-8",
        **extra,
    }
    values.pop("DJANGO_ENV", None)
    return values


def skala(database_url: str, folder: Path, *args: str, check: bool = True, stdin: str | None = None, **extra):
    """Run `skala <args>` in a process of its own; the finished process with its output."""
    done = subprocess.run(
        [sys.executable, "-m", "skala.cli", *args],
        env=environment(database_url, folder, **extra),
        cwd=ROOT,
        capture_output=True,
        text=True,
        input=stdin,
        timeout=300,
    )
    if check and done.returncode:
        raise AssertionError(
            f"skala {' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
        )
    return done


def copy_test_database_to_sqlite(target: Path) -> None:
    """A migrated SQLite file with the reference data, copied from the test database (no migrate needed)."""
    connection.ensure_connection()
    with contextlib.closing(sqlite3.connect(target)) as copy:
        connection.connection.backup(copy)


def sqlite_counts(path: Path, tables: list[str]) -> dict[str, int]:
    with contextlib.closing(sqlite3.connect(path)) as database:
        return {table: database.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0] for table in tables}
