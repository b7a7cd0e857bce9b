"""The documentation covers every setting, check, command and API route, or this fails."""

import re
from pathlib import Path

import pytest

from skala.cli import skala_commands

ROOT = Path(__file__).resolve().parents[2]


def documented(name: str) -> str:
    return (ROOT / "docs" / name).read_text(encoding="utf-8")


def test_every_environment_variable_is_documented():
    code = "".join(
        path.read_text(encoding="utf-8")
        for path in [
            ROOT / "skala" / "settings.py",
            *(ROOT / "skala").rglob("serve.py"),
            *(ROOT / "skala").rglob("test_tasks.py"),
        ]
    )
    variables = set(re.findall(r'env\.\w+\("([A-Z_]+)"', code))
    variables |= set(re.findall(r'os\.environ\.get\("([A-Z_]+)"', code))
    variables |= {f"{name}_FILE" for name in re.findall(r'env\.secret\("([A-Z_]+)"', code)}
    docs = documented("settings.md")
    missing = sorted(name for name in variables if f"`{name}`" not in docs)
    assert missing == []


def test_every_check_id_is_documented():
    ids = set(
        re.findall(r'id="(skala\.[EW]\d{3})"', (ROOT / "skala" / "checks.py").read_text(encoding="utf-8"))
    )
    assert ids
    docs = documented("settings.md")
    assert sorted(i for i in ids if f"`{i}`" not in docs) == []


def test_every_command_is_documented():
    docs = documented("commands.md")
    assert sorted(name for name in skala_commands() if f"`skala {name}" not in docs) == []


@pytest.mark.django_db
def test_every_api_route_is_documented(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    docs = documented("api.md")
    missing = [
        f"{method.upper()} {path}"
        for path, operations in paths.items()
        for method in operations
        if f"`{method.upper()} {path}" not in docs
    ]
    assert missing == []


def test_the_readme_shows_the_two_commands_and_the_demo_logins():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make run" in readme
    assert "make test" in readme
    from skala.orgs.demo import DEMO_PASSWORD, PEOPLE

    assert DEMO_PASSWORD in readme
    assert all(email in readme for email, *_rest in PEOPLE)
