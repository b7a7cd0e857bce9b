"""A SQLite file with the migrated schema and the reference data, shared by the tests that run Skala's
own processes (a worker, a server, the backup commands) on a database of their own."""

import pytest
from django.db import connection

from skala.ops.tests.helpers import copy_test_database_to_sqlite, skala
from skala.testing import PASSWORD


@pytest.fixture(scope="session")
def sqlite_template(django_db_setup, django_db_blocker, tmp_path_factory):
    """The migrated test database copied to a file, with one person (kari@test.example) added.

    It is copied before any test opens a transaction (a copy made inside one would wait on its
    own lock), so nothing needs to migrate.
    """
    if connection.vendor != "sqlite":
        pytest.skip("these tests copy the SQLite test database")
    folder = tmp_path_factory.mktemp("template")
    database = folder / "template.sqlite3"
    with django_db_blocker.unblock():
        copy_test_database_to_sqlite(database)
    url = f"sqlite:///{database}"
    skala(
        url, folder, "createuser", "kari@test.example", "--name", "Kari", "--password-stdin", stdin=PASSWORD
    )
    return database
