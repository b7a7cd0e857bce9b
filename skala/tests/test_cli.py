"""The `skala` command line."""

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from skala.orgs import demo
from skala.orgs.models import Membership, Organisation, User

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_help_lists_the_subcommands():
    result = subprocess.run(
        [sys.executable, "-m", "skala.cli", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    for command in ["serve", "load-reference", "load-demo", "createuser", "worker", "migrate"]:
        assert f"\n  {command} " in result.stdout


def test_unknown_subcommand_says_so():
    result = subprocess.run(
        [sys.executable, "-m", "skala.cli", "fly"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 2
    assert "unknown command 'fly'" in result.stderr


@pytest.mark.django_db
def test_load_demo_is_idempotent_and_every_demo_login_works(client):
    run("load_demo")
    counts = (Organisation.objects.count(), User.objects.count(), Membership.objects.count())
    run("load_demo")
    assert (Organisation.objects.count(), User.objects.count(), Membership.objects.count()) == counts
    assert Organisation.objects.filter(is_demo=False).count() == 0
    oslo = Organisation.objects.get(orgnr="958935420")
    assert oslo.children.filter(unit="agency").count() >= 3
    assert Organisation.objects.filter(parent__parent=oslo, unit="procurement_office").exists()
    for email, *_rest in demo.PEOPLE:
        assert client.login(username=email, password=demo.DEMO_PASSWORD), email
        client.logout()


@pytest.mark.django_db
def test_load_demo_dry_run_saves_nothing():
    output = run("load_demo", "--dry-run")
    assert "Dry run" in output
    assert not Organisation.objects.exists()


@pytest.mark.django_db
def test_createuser_with_a_role(personas):
    output = run(
        "createuser",
        "Ny@Test.Example",
        "--name",
        "Ny Person",
        "--organisation",
        "958935420",
        "--role",
        "editor",
    )
    assert "Created ny@test.example, editor in Oslo kommune" in output
    user = User.objects.get(email="ny@test.example")
    assert not user.has_usable_password()
    assert user.has_perm("orgs.change_organisation", personas.oslo)


@pytest.mark.django_db
def test_createuser_dry_run_saves_nothing():
    assert "Would create" in run("createuser", "x@test.example", "--dry-run")
    assert not User.objects.filter(email="x@test.example").exists()


@pytest.mark.django_db
def test_createuser_names_an_unknown_organisation():
    with pytest.raises(CommandError, match="--organisation '123456785': no organisation"):
        run("createuser", "x@test.example", "--organisation", "123456785")


@pytest.mark.parametrize(
    ("environ", "language"),
    [
        ({"LANG": "sv_SE.UTF-8"}, "sv"),
        ({"LANG": "nb_NO.UTF-8"}, "nb"),
        ({"LANG": "nn_NO.UTF-8"}, "nb"),
        ({"LANG": "sv_SE.UTF-8", "LC_ALL": "en_GB.UTF-8"}, "en"),
        ({"LANGUAGE": "de:sv", "LANG": "en_GB.UTF-8"}, "sv"),
        ({"LANG": "C.UTF-8"}, None),
        ({}, None),
    ],
)
def test_commands_speak_the_language_of_the_persons_locale(environ, language):
    from skala.cli import command_language

    assert command_language(environ) == language


def test_a_command_answers_in_the_locales_language():
    environment = {**os.environ, "LANGUAGE": "", "LC_ALL": "sv_SE.UTF-8"}
    result = subprocess.run(
        [sys.executable, "-m", "skala.cli", "restore", "/nonexistent/backup.tar.gz", "--dry-run"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert "är inte en säkerhetskopia av Skala" in result.stderr, result.stderr
