"""Fixtures shared by every test: the reference data is loaded once into the test database."""

import pytest
from django.core.management import call_command

from skala.reference.loading import load_reference
from skala.testing import make_personas


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Load the real reference data once; each test's transaction is rolled back on top of it."""
    with django_db_blocker.unblock():
        load_reference(progress=lambda message: None)


@pytest.fixture
def personas(db):
    return make_personas()


@pytest.fixture
def run_db_worker(monkeypatch):
    """Run the database task worker until the queue is empty: a real worker, in this process.

    The worker closes connections between tasks, which would close the test's own transaction;
    Django's test client switches off the same housekeeping for requests, so we do it here.
    """
    from django_tasks_db.management.commands import db_worker

    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)

    def run() -> None:
        call_command("db_worker", batch=True, startup_delay=False, verbosity=0)

    return run


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Real hashing costs a third of a second a password; tests hash dozens."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def no_tuned_division_model(settings, tmp_path_factory):
    """A division model someone tuned in var/ must not change what the tests' suggestions are."""
    settings.SKALA_DIVISION_MODEL = tmp_path_factory.getbasetemp() / "no-division-model.onnx"


@pytest.fixture(autouse=True)
def english_outside_requests():
    """Domain functions called straight from a test speak English; pages still follow their URL."""
    from django.utils import translation

    with translation.override("en"):
        yield
