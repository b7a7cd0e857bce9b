"""Settings come from the environment; bad values stop start-up with a message naming the variable."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from skala import env
from skala.mail import parse_email_url

ROOT = Path(__file__).resolve().parents[2]


def start_django(**variables: str) -> subprocess.CompletedProcess:
    """Start Django in a fresh process with these environment variables, as a server would."""
    environment = {
        k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_ENV", "SECRET_KEY"}
    }
    environment.update(variables)
    environment["DJANGO_SETTINGS_MODULE"] = "skala.settings"
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); print('started')"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_without_secret_key_stops_and_names_the_variable():
    result = start_django(DJANGO_ENV="production", ALLOWED_HOSTS="skala.example")
    assert result.returncode != 0
    assert "SECRET_KEY (or SECRET_KEY_FILE) must be set" in result.stderr


def test_secret_key_is_read_from_a_file(tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("x" * 60 + "\n")
    result = start_django(DJANGO_ENV="production", SECRET_KEY_FILE=str(secret), ALLOWED_HOSTS="skala.example")
    assert result.returncode == 0, result.stderr


def test_unreadable_secret_key_file_names_the_variable(tmp_path):
    result = start_django(DJANGO_ENV="production", SECRET_KEY_FILE=str(tmp_path / "missing"))
    assert result.returncode != 0
    assert "SECRET_KEY_FILE points at" in result.stderr


@pytest.mark.parametrize("url", ["mysqlx://nowhere/db", "not a url at all", "postgres://user@host:port/db"])
def test_malformed_database_url_stops_and_names_the_variable(url):
    result = start_django(DATABASE_URL=url)
    assert result.returncode != 0
    assert "DATABASE_URL" in result.stderr


def test_unknown_django_env_is_refused():
    result = start_django(DJANGO_ENV="staging")
    assert "DJANGO_ENV must be 'development' or 'production'" in result.stderr


def test_boolean_reader_names_the_variable(monkeypatch):
    monkeypatch.setenv("DEBUG", "perhaps")
    with pytest.raises(ImproperlyConfigured, match="DEBUG must be true or false"):
        env.boolean("DEBUG", default=False)


def test_list_reader_trims_and_drops_empty_items(monkeypatch):
    monkeypatch.setenv("ALLOWED_HOSTS", " skala.example, ,www.skala.example ")
    assert env.words("ALLOWED_HOSTS", default=[]) == ["skala.example", "www.skala.example"]


def test_email_url_forms():
    assert parse_email_url("console:")["EMAIL_BACKEND"].endswith("console.EmailBackend")
    smtp = parse_email_url("smtp+tls://user%40x:pa%20ss@mail.example:2525")
    assert (smtp["EMAIL_HOST"], smtp["EMAIL_PORT"], smtp["EMAIL_USE_TLS"]) == ("mail.example", 2525, True)
    assert (smtp["EMAIL_HOST_USER"], smtp["EMAIL_HOST_PASSWORD"]) == ("user@x", "pa ss")
    assert parse_email_url("smtp+ssl://mail.example")["EMAIL_PORT"] == 465
    with pytest.raises(ImproperlyConfigured, match="EMAIL_URL has an unknown scheme"):
        parse_email_url("pigeon://coop")


def check_ids(**variables: str) -> str:
    """Run the system checks in a fresh process and return what they printed."""
    environment = {k: v for k, v in os.environ.items() if k not in {"DJANGO_ENV", "EMAIL_URL", "DEBUG"}}
    environment.update(variables, DJANGO_SETTINGS_MODULE="skala.settings")
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--fail-level", "ERROR"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return result.stdout + result.stderr


def test_production_checks_have_stable_ids(tmp_path):
    output = check_ids(
        DJANGO_ENV="production",
        SECRET_KEY="y" * 60,
        DEBUG="true",
        ALLOWED_HOSTS="*",
        SITE_URL="http://skala.example",
        DATABASE_URL=f"sqlite:///{tmp_path}/missing/skala.sqlite3",
    )
    for check_id in ["skala.E001", "skala.E003", "skala.W004", "skala.W005", "skala.E006"]:
        assert check_id in output


def test_empty_allowed_hosts_in_production_is_an_error():
    assert "skala.E002" in check_ids(DJANGO_ENV="production", SECRET_KEY="y" * 60, ALLOWED_HOSTS="")
