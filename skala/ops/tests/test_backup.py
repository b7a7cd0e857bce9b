"""`skala backup` and `skala restore`: a round trip of the database and uploaded files, and the refusals."""

import contextlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import urllib.parse
import uuid

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection

from skala.ops.tests.helpers import skala, sqlite_counts
from skala.testing import PASSWORD

pytestmark = pytest.mark.django_db

TABLES = ["orgs_user", "orgs_organisation", "orgs_membership", "needs_need", "reference_cpvcode"]


@pytest.fixture
def sqlite_source(sqlite_template, tmp_path):
    """This test's own copy of the template, and one uploaded file."""
    database = tmp_path / "source.sqlite3"
    shutil.copyfile(sqlite_template, database)
    media = tmp_path / "source" / "media" / "documents"
    media.mkdir(parents=True)
    (media / "anbud.pdf").write_bytes(b"%PDF-1.4 a tender document")
    return f"sqlite:///{database}", database


def manifest_of(archive) -> dict:
    with tarfile.open(archive) as opened:
        return json.loads(opened.extractfile("manifest.json").read())


def test_a_sqlite_backup_restores_the_database_and_the_uploaded_files(sqlite_source, tmp_path):
    url, database = sqlite_source
    archive = tmp_path / "backup.tar.gz"
    made = skala(url, tmp_path / "source", "backup", "--output", str(archive))
    assert "by sqlite3-backup" in made.stdout
    with tarfile.open(archive) as opened:
        assert {"manifest.json", "database.sqlite3", "media/documents/anbud.pdf"} <= set(opened.getnames())
    manifest = manifest_of(archive)
    assert manifest["vendor"] == "sqlite"
    assert "0001_initial" in manifest["migrations"]["orgs"]
    assert manifest["tables"]["orgs.User"] == 1
    assert (
        manifest["tables"]["reference.CpvCode"]
        == sqlite_counts(database, ["reference_cpvcode"])["reference_cpvcode"]
    )
    assert manifest["skala_version"]
    assert manifest["created_at"]

    target = tmp_path / "restored.sqlite3"
    restored = tmp_path / "restored"
    target_url = f"sqlite:///{target}"
    checked = skala(target_url, restored, "restore", str(archive), "--dry-run")
    assert "nothing was changed" in checked.stdout
    assert not (restored / "media").exists()
    skala(target_url, restored, "restore", str(archive))
    assert sqlite_counts(target, TABLES) == sqlite_counts(database, TABLES)
    assert (restored / "media" / "documents" / "anbud.pdf").read_bytes() == b"%PDF-1.4 a tender document"
    with contextlib.closing(sqlite3.connect(target)) as restored_database:
        (encoded,) = restored_database.execute(
            "SELECT password FROM orgs_user WHERE email = 'kari@test.example'"
        ).fetchone()
    assert PBKDF2PasswordHasher().verify(PASSWORD, encoded)  # she can log in to the restored Skala

    # A second restore over what is now a full database is refused without --force, and done with it.
    refused = skala(target_url, restored, "restore", str(archive), check=False)
    assert refused.returncode == 1
    assert "not empty" in refused.stderr
    assert "--force" in refused.stderr
    assert "Traceback" not in refused.stderr
    skala(target_url, restored, "restore", str(archive), "--force")
    assert sqlite_counts(target, TABLES) == sqlite_counts(database, TABLES)


def test_a_backup_dry_run_writes_nothing_and_a_file_that_is_no_backup_is_refused(sqlite_source, tmp_path):
    url, _database = sqlite_source
    archive = tmp_path / "backup.tar.gz"
    said = skala(url, tmp_path / "source", "backup", "--output", str(archive), "--dry-run")
    assert "Would back up" in said.stdout
    assert not archive.exists()
    (tmp_path / "notes.tar.gz").write_bytes(b"not an archive")
    refused = skala(url, tmp_path / "other", "restore", str(tmp_path / "notes.tar.gz"), check=False)
    assert refused.returncode == 1
    assert "is not a Skala backup" in refused.stderr


@pytest.fixture
def postgres_databases(tmp_path):
    """Two PostgreSQL databases of this test's own beside the test database, dropped afterwards."""
    if connection.vendor != "postgresql" or not shutil.which("pg_dump") or not shutil.which("psql"):
        pytest.skip("the PostgreSQL round trip runs when the tests run on PostgreSQL with pg_dump installed")
    settings = connection.settings_dict
    base = urllib.parse.urlunparse(
        (
            "postgres",
            f"{settings['USER'] or ''}{':' + settings['PASSWORD'] if settings['PASSWORD'] else ''}@"
            f"{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}",
            "/",
            "",
            "",
            "",
        )
    )
    suffix = uuid.uuid4().hex[:8]
    names = [f"{settings['NAME']}_backup_{suffix}", f"{settings['NAME']}_restore_{suffix}"]
    admin = base + "postgres"
    environment = {**os.environ, "PGCONNECT_TIMEOUT": "10"}
    for name in names:
        subprocess.run(["psql", admin, "-qc", f'CREATE DATABASE "{name}"'], check=True, env=environment)
    # The source starts as a copy of the migrated test database with its reference data: nothing migrates.
    dump = tmp_path / "test.pgdump"
    subprocess.run(["pg_dump", "-Fc", "--no-owner", "-f", str(dump), base + settings["NAME"]], check=True)
    subprocess.run(["pg_restore", "--no-owner", "-d", base + names[0], str(dump)], check=True)
    yield base + names[0], base + names[1]
    for name in names:
        subprocess.run(
            ["psql", admin, "-qc", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'], env=environment
        )


def test_a_postgresql_backup_restores_into_another_database(postgres_databases, tmp_path):
    source, target = postgres_databases
    skala(source, tmp_path / "source", "createuser", "kari@test.example", "--name", "Kari")
    archive = tmp_path / "backup.tar.gz"
    assert "by pg_dump" in skala(source, tmp_path / "source", "backup", "--output", str(archive)).stdout
    skala(target, tmp_path / "target", "restore", str(archive))
    count = (
        "from skala.orgs.models import User; print(User.objects.filter(email='kari@test.example').count())"
    )
    assert skala(target, tmp_path / "target", "shell", "-c", count).stdout.strip().endswith("1")
    refused = skala(target, tmp_path / "target", "restore", str(archive), check=False)
    assert "not empty" in refused.stderr
