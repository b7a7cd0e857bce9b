"""Every form that posts carries a CSRF token, and no view skips the check without a written reason."""

import re
from pathlib import Path

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from skala.testing import PASSWORD

SKALA = Path(__file__).resolve().parents[2]
FORM = re.compile(r"<form\b(?P<attributes>[^>]*)>(?P<body>.*?)</form>", re.S | re.I)
POSTS = re.compile(r"""method\s*=\s*["']?post""", re.I)

# Views that may be called without a CSRF token, and why. Anything else exempt fails the test below.
EXEMPT = {
    # Mail clients send one-click unsubscribes (RFC 8058) without a session; the unguessable token
    # in the URL is the authority, and the only effect is to stop mail.
    "skala.suppliers.views.unsubscribe": "RFC 8058 one-click unsubscribe",
    # django-ninja marks its views exempt and checks CSRF itself whenever the browser's session is
    # the authentication (SessionAuth); a Bearer token is sent by no browser on its own.
    "ninja.operation.PathView.get_view.<locals>.sync_view_wrapper": "django-ninja checks CSRF itself",
}


def templates() -> list[Path]:
    return sorted(path for path in SKALA.rglob("templates/**/*.html") if ".venv" not in path.parts)


def test_every_post_form_in_every_template_carries_the_csrf_token():
    found, missing = 0, []
    for path in templates():
        for form in FORM.finditer(path.read_text(encoding="utf-8")):
            if POSTS.search(form["attributes"]):
                found += 1
                if "{% csrf_token %}" not in form["body"]:
                    missing.append(f"{path.relative_to(SKALA)}: <form{form['attributes']}>")
    assert found > 50, "the scan found too few forms: has the template layout changed?"
    assert missing == []


def every_view(patterns=None, prefix=""):
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            yield from every_view(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry.callback


def view_name(callback) -> str:
    inner = getattr(callback, "__wrapped__", callback)
    while hasattr(inner, "__wrapped__"):
        inner = inner.__wrapped__
    owner = getattr(inner, "__self__", None)
    if owner is not None:
        return f"{type(owner).__module__}.{type(owner).__qualname__}.{inner.__name__}"
    return f"{inner.__module__}.{inner.__qualname__}"


def test_no_view_is_csrf_exempt_without_a_reason():
    exempt = {
        view_name(callback) for _route, callback in every_view() if getattr(callback, "csrf_exempt", False)
    }
    assert exempt, "the scan found no exempt view at all: has the URL layout changed?"
    assert sorted(exempt - set(EXEMPT)) == []


@pytest.mark.django_db
def test_a_form_post_without_the_token_is_refused(personas):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    response = client.post("/en/accounts/login/", {"username": "owner@test.example", "password": PASSWORD})
    assert response.status_code == 403


@pytest.mark.django_db
def test_an_api_write_with_the_session_but_without_the_token_is_refused(personas):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(personas.owner)
    response = client.post("/api/v1/needs", {"title": "x"}, content_type="application/json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
