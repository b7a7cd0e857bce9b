"""Backups of the database and the uploaded files (MEDIA_ROOT) in one archive, and restoring them.

An archive is a gzipped tar file holding manifest.json, the database and media/. The database is
copied with SQLite's online backup API (a consistent copy while Skala is in use), with pg_dump's
custom format for PostgreSQL, or, when pg_dump is not installed, as Django's portable JSON dump.
The manifest says which Skala made it, when, from which database vendor, with which migrations,
so a restore can refuse what it cannot put back.
"""

import contextlib
import datetime
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone
from django.utils.translation import gettext as _

from skala.ops.files import atomic_file

FORMAT = 1
MANIFEST = "manifest.json"
MEDIA = "media"
DUMPS = {"sqlite3-backup": "database.sqlite3", "pg_dump": "database.pgdump", "dumpdata": "database.json"}


class BackupError(Exception):
    """A backup or restore that cannot be done, with the reason for the person running it."""


@dataclass
class Manifest:
    """What an archive holds: which Skala made it, when, from which database, with which migrations."""

    skala_version: str
    created_at: str
    vendor: str
    method: str
    migrations: dict[str, list[str]]
    media_files: int = 0
    media_bytes: int = 0
    format: int = FORMAT
    tables: dict[str, int] = field(default_factory=dict)

    def as_json(self) -> str:
        return json.dumps(self.__dict__, indent=2, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str) -> "Manifest":
        data = json.loads(text)
        if data.get("format") != FORMAT:
            raise BackupError(_("This archive's format (%(format)s) is not one Skala reads.") % data)
        return cls(**{key: data[key] for key in cls.__dataclass_fields__ if key in data})


def skala_version() -> str:
    try:
        return metadata.version("skala")
    except metadata.PackageNotFoundError:
        return "unknown"


def applied_migrations(alias: str = DEFAULT_DB_ALIAS) -> dict[str, list[str]]:
    """Every applied migration, by app, as the database records them."""
    recorder = MigrationRecorder(connections[alias])
    if not recorder.has_table():
        return {}
    found: dict[str, list[str]] = {}
    for app, name in sorted(recorder.applied_migrations()):
        found.setdefault(app, []).append(name)
    return found


def row_counts(alias: str = DEFAULT_DB_ALIAS) -> dict[str, int]:
    """Rows in each of Skala's tables that exist, for the manifest and for a restore's checks."""
    tables = set(connections[alias].introspection.table_names())
    return {
        model._meta.label: model._default_manager.using(alias).count()
        for model in apps.get_models()
        if model._meta.db_table in tables and not model._meta.proxy
    }


def holds_data(alias: str = DEFAULT_DB_ALIAS) -> bool:
    """Whether the database holds anything beyond the reference data that `skala load-reference` loads."""
    tables = set(connections[alias].introspection.table_names())
    for model in apps.get_models():
        if model._meta.proxy or model._meta.db_table not in tables:
            continue
        if model._meta.app_label in {"reference", "contenttypes", "auth", "sessions"}:
            continue
        if model._default_manager.using(alias).exists():
            return True
    return False


def vendor(alias: str = DEFAULT_DB_ALIAS) -> str:
    return connections[alias].vendor


def method_for(alias: str = DEFAULT_DB_ALIAS) -> str:
    if vendor(alias) == "sqlite":
        return "sqlite3-backup"
    if vendor(alias) == "postgresql" and shutil.which("pg_dump"):
        return "pg_dump"
    return "dumpdata"


def libpq_environment(alias: str = DEFAULT_DB_ALIAS) -> tuple[list[str], dict[str, str]]:
    """pg_dump's and pg_restore's connection arguments, with the password in the environment, not argv."""
    config = connections[alias].settings_dict
    arguments = ["--dbname", config["NAME"]]
    if config.get("HOST"):
        arguments += ["--host", config["HOST"]]
    if config.get("PORT"):
        arguments += ["--port", str(config["PORT"])]
    if config.get("USER"):
        arguments += ["--username", config["USER"]]
    environment = {**os.environ}
    if config.get("PASSWORD"):
        environment["PGPASSWORD"] = config["PASSWORD"]
    return arguments, environment


def dump_database(folder: Path, method: str, alias: str = DEFAULT_DB_ALIAS) -> Path:
    """Write the database into `folder` by `method`; the file written."""
    target = folder / DUMPS[method]
    connection = connections[alias]
    if method == "sqlite3-backup":
        connection.ensure_connection()
        with contextlib.closing(sqlite3.connect(target)) as copy:
            connection.connection.backup(copy)
    elif method == "pg_dump":
        arguments, environment = libpq_environment(alias)
        done = subprocess.run(
            [
                "pg_dump",
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                "--file",
                str(target),
                *arguments,
            ],
            env=environment,
            capture_output=True,
            text=True,
        )
        if done.returncode:
            raise BackupError(_("pg_dump failed: %(error)s") % {"error": done.stderr.strip()})
    else:
        with open(target, "w", encoding="utf-8") as handle:
            call_command(
                "dumpdata",
                exclude=["contenttypes", "auth.permission", "sessions"],
                natural_foreign=True,
                database=alias,
                stdout=handle,
                verbosity=0,
            )
    return target


def media_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    if not root.is_dir():
        return []
    return sorted(path for path in root.rglob("*") if path.is_file())


def backup(output: Path, *, dry_run: bool = False, alias: str = DEFAULT_DB_ALIAS) -> Manifest:
    """Back up the database and MEDIA_ROOT into one archive at `output` (written whole or not at all)."""
    files = media_files()
    manifest = Manifest(
        skala_version=skala_version(),
        created_at=timezone.now().isoformat(timespec="seconds"),
        vendor=vendor(alias),
        method=method_for(alias),
        migrations=applied_migrations(alias),
        media_files=len(files),
        media_bytes=sum(path.stat().st_size for path in files),
        tables=row_counts(alias),
    )
    if dry_run:
        return manifest
    root = Path(settings.MEDIA_ROOT)
    with tempfile.TemporaryDirectory(prefix="skala-backup-") as scratch:
        dump = dump_database(Path(scratch), manifest.method, alias)
        with atomic_file(Path(output), "wb") as handle, tarfile.open(fileobj=handle, mode="w:gz") as archive:
            add_bytes(archive, MANIFEST, manifest.as_json().encode())
            archive.add(dump, arcname=dump.name)
            for path in files:
                archive.add(path, arcname=f"{MEDIA}/{path.relative_to(root).as_posix()}")
    return manifest


def add_bytes(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = len(data), int(datetime.datetime.now().timestamp()), 0o644
    archive.addfile(info, io.BytesIO(data))


def read_manifest(path: Path) -> Manifest:
    """The manifest of an archive, or BackupError saying why it is not a Skala backup."""
    try:
        with tarfile.open(path, "r:gz") as archive:
            member = archive.extractfile(MANIFEST)
            if member is None:
                raise KeyError(MANIFEST)
            return Manifest.from_json(member.read().decode())
    except (OSError, tarfile.TarError, KeyError, ValueError) as error:
        raise BackupError(
            _("%(path)s is not a Skala backup: %(error)s") % {"path": path, "error": error}
        ) from None


def check_restorable(manifest: Manifest, *, force: bool, alias: str = DEFAULT_DB_ALIAS) -> list[str]:
    """Why this archive cannot be restored here (empty when it can)."""
    problems = []
    here = vendor(alias)
    if manifest.method != "dumpdata" and manifest.vendor != here:
        problems.append(
            _("The backup is of a %(backup)s database and this Skala uses %(here)s.")
            % {"backup": manifest.vendor, "here": here}
        )
    known = MigrationLoader(None, ignore_no_migrations=True).disk_migrations
    unknown = sorted(
        f"{app}.{name}"
        for app, names in manifest.migrations.items()
        for name in names
        if (app, name) not in known
    )
    if unknown:
        problems.append(
            _("The backup has migrations this Skala does not know (it was made by a newer one): %(names)s")
            % {"names": ", ".join(unknown[:5])}
        )
    if not force and holds_data(alias):
        problems.append(
            _("The database is not empty. Restoring replaces everything in it: add --force to do so.")
        )
    return problems


def restore(
    path: Path, *, force: bool = False, dry_run: bool = False, alias: str = DEFAULT_DB_ALIAS
) -> Manifest:
    """Put the database and MEDIA_ROOT back as they were in the archive; BackupError if it cannot."""
    manifest = read_manifest(path)
    problems = check_restorable(manifest, force=force, alias=alias)
    if problems:
        raise BackupError(" ".join(problems))
    if dry_run:
        return manifest
    with tempfile.TemporaryDirectory(prefix="skala-restore-") as scratch:
        folder = Path(scratch)
        with tarfile.open(path, "r:gz") as archive:
            archive.extractall(folder, filter="data")
        dump = folder / DUMPS[manifest.method]
        if not dump.is_file():
            raise BackupError(_("The archive has no database (%(name)s).") % {"name": dump.name})
        load_database(dump, manifest.method, alias)
        replace_media(folder / MEDIA)
    return manifest


def load_database(dump: Path, method: str, alias: str = DEFAULT_DB_ALIAS) -> None:
    connection = connections[alias]
    if method == "sqlite3-backup":
        connection.ensure_connection()
        with contextlib.closing(sqlite3.connect(dump)) as source:
            source.backup(connection.connection)
    elif method == "pg_dump":
        arguments, environment = libpq_environment(alias)
        connection.close()
        done = subprocess.run(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--no-privileges",
                "--single-transaction",
                "--exit-on-error",
                *arguments,
                str(dump),
            ],
            env=environment,
            capture_output=True,
            text=True,
        )
        if done.returncode:
            raise BackupError(_("pg_restore failed: %(error)s") % {"error": done.stderr.strip()})
    else:
        call_command("migrate", database=alias, interactive=False, verbosity=0)
        call_command("flush", database=alias, interactive=False, verbosity=0)
        call_command("loaddata", str(dump), database=alias, verbosity=0)


def replace_media(extracted: Path) -> None:
    """Swap MEDIA_ROOT for the archive's media folder; the old one is removed only after the swap."""
    root = Path(settings.MEDIA_ROOT)
    root.parent.mkdir(parents=True, exist_ok=True)
    incoming = Path(tempfile.mkdtemp(prefix=".media-incoming-", dir=root.parent))
    if extracted.is_dir():
        shutil.copytree(extracted, incoming, dirs_exist_ok=True)
    previous = root.with_name(f".{root.name}-before-restore")
    shutil.rmtree(previous, ignore_errors=True)
    if root.exists():
        os.replace(root, previous)
    os.replace(incoming, root)
    shutil.rmtree(previous, ignore_errors=True)
