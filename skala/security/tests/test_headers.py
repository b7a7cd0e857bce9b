"""Security headers on pages, on the API and on the wall screen, and the cookies' flags."""

import pytest
from django.test import override_settings

from skala.kpis.models import Screen
from skala.security.middleware import SecurityHeadersMiddleware
from skala.testing import PASSWORD, make_organisation

pytestmark = pytest.mark.django_db


def directives(response) -> dict[str, str]:
    policy = response["Content-Security-Policy"]
    return {
        part.split(" ", 1)[0]: part.split(" ", 1)[1] if " " in part else ""
        for part in (item.strip() for item in policy.split(";"))
        if part
    }


def assert_hardened(response) -> None:
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]
    assert "geolocation=()" in response["Permissions-Policy"]
    policy = directives(response)
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert policy["object-src"] == "'none'"
    assert policy["base-uri"] == "'self'"
    assert policy["form-action"] == "'self'"
    assert "unsafe-inline" not in policy["script-src"]
    assert "unsafe-eval" not in response["Content-Security-Policy"]


def make_screen() -> Screen:
    return Screen.objects.create(owner=make_organisation("Oslo kommune"), name="Byrådens vegg")


@pytest.mark.parametrize("path", ["/nb/", "/en/accounts/login/", "/en/needs/", "/healthz"])
def test_pages_carry_the_headers_and_may_not_be_framed(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert_hardened(response)
    assert directives(response)["frame-ancestors"] == "'none'"
    assert response["X-Frame-Options"] == "DENY"


def test_the_api_and_its_schema_carry_the_headers(client):
    for path in ("/api/v1/openapi.json", "/api/v1/reference/sdgs", "/api/v1/needs"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert_hardened(response)
        assert directives(response)["frame-ancestors"] == "'none'"


def test_a_page_not_found_carries_the_headers_too(client):
    response = client.get("/en/no-such-page/")
    assert response.status_code == 404
    assert_hardened(response)


def test_the_wall_may_be_framed_by_any_page_by_default_and_nothing_else_changes(client):
    screen = make_screen()
    for path in (screen.wall_url(), f"{screen.wall_url()}tiles/"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert_hardened(response)
        assert directives(response)["frame-ancestors"] == "*"
        assert "X-Frame-Options" not in response


def test_the_wall_may_be_framed_only_by_the_configured_origins(client, settings):
    settings.SKALA_WALL_FRAME_ANCESTORS = ["'self'", "https://intranett.oslo.kommune.no"]
    screen = make_screen()
    response = client.get(screen.wall_url())
    assert directives(response)["frame-ancestors"] == "'self' https://intranett.oslo.kommune.no"
    # An ordinary page is still framed by no one.
    assert directives(client.get("/nb/"))["frame-ancestors"] == "'none'"


def test_a_view_with_its_own_policy_keeps_it(rf, settings):
    from django.http import HttpResponse

    def view(request):
        response = HttpResponse("x")
        response["Content-Security-Policy"] = "default-src 'none'"
        return response

    response = SecurityHeadersMiddleware(view)(rf.get("/"))
    assert response["Content-Security-Policy"] == "default-src 'none'"


def test_production_asks_browsers_to_upgrade_insecure_requests(rf):
    from django.http import HttpResponse

    with override_settings(PRODUCTION=True):
        response = SecurityHeadersMiddleware(lambda request: HttpResponse("x"))(rf.get("/"))
    assert "upgrade-insecure-requests" in directives(response)


def test_cookies_are_http_only_and_same_site(client, personas):
    response = client.get("/en/accounts/login/")
    csrf = response.cookies["csrftoken"]
    assert csrf["httponly"]
    assert csrf["samesite"] == "Lax"
    response = client.post("/en/accounts/login/", {"username": "owner@test.example", "password": PASSWORD})
    session = response.cookies["sessionid"]
    assert session["httponly"]
    assert session["samesite"] == "Lax"


def test_production_settings_make_cookies_secure_and_host_only():
    """The settings module under DJANGO_ENV=production, read in a fresh interpreter."""
    import json
    import os
    import subprocess
    import sys

    environment = {
        **os.environ,
        "DJANGO_ENV": "production",
        "SECRET_KEY": "a-test-key-that-is-long-enough-for-production-0123456789",
        "ALLOWED_HOSTS": "skala.example",
    }
    environment.pop("DEBUG", None)
    code = (
        "import json; from skala import settings as s; print(json.dumps([s.SESSION_COOKIE_SECURE, "
        "s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, s.CSRF_COOKIE_HTTPONLY, s.SESSION_COOKIE_NAME, "
        "s.CSRF_COOKIE_NAME, s.SECURE_HSTS_SECONDS > 0, s.SECURE_SSL_REDIRECT]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], env=environment, capture_output=True, text=True, check=True
    )
    assert json.loads(result.stdout) == [
        True,
        True,
        True,
        True,
        "__Host-sessionid",
        "__Host-csrftoken",
        True,
        True,
    ]
