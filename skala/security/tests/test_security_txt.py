"""/.well-known/security.txt names where to report, and the deployment checks say what to set."""

import datetime

import pytest
from django.test import override_settings

from skala.security.checks import security_configuration

pytestmark = pytest.mark.django_db


def fields(response) -> dict[str, str]:
    return dict(line.split(": ", 1) for line in response.content.decode().splitlines())


def test_security_txt_names_the_contact_and_expires_within_a_year(client, settings):
    settings.SKALA_SECURITY_CONTACT = "mailto:sikkerhet@oslo.kommune.no"
    settings.SKALA_SECURITY_POLICY_URL = "https://skala.oslo.kommune.no/security"
    response = client.get("/.well-known/security.txt")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    found = fields(response)
    assert found["Contact"] == "mailto:sikkerhet@oslo.kommune.no"
    assert found["Policy"] == "https://skala.oslo.kommune.no/security"
    expires = datetime.datetime.fromisoformat(found["Expires"])
    days = (expires - datetime.datetime.now(datetime.UTC)).days
    assert 360 <= days <= 365
    assert client.post("/.well-known/security.txt").status_code == 405


def test_no_policy_line_without_a_policy_address(client, settings):
    settings.SKALA_SECURITY_POLICY_URL = ""
    assert "Policy" not in fields(client.get("/.well-known/security.txt"))


def test_production_checks_name_what_to_set_and_development_says_nothing(settings):
    assert security_configuration(None) == []
    with override_settings(
        PRODUCTION=True,
        CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}},
        SKALA_CLIENT_IP_HEADER="",
        SKALA_SECURITY_CONTACT="mailto:security@skala.example",
        SKALA_ACCESSIBILITY_CONTACT="",
    ):
        assert [note.id for note in security_configuration(None)] == [
            "skala.I008",
            "skala.I009",
            "skala.I010",
            "skala.I011",
        ]
    with override_settings(
        PRODUCTION=True,
        CACHES={
            "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://x"}
        },
        SKALA_CLIENT_IP_HEADER="HTTP_X_FORWARDED_FOR",
        SKALA_SECURITY_CONTACT="mailto:sikkerhet@oslo.kommune.no",
        SKALA_ACCESSIBILITY_CONTACT="uu@oslo.kommune.no",
    ):
        assert security_configuration(None) == []
