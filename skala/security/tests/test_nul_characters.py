"""Text with a NUL character is refused with the field's name, on every database, never a 500."""

import json
from urllib.parse import urlencode

import pytest

from skala.needs.models import Need
from skala.testing import make_personas

pytestmark = pytest.mark.django_db


def test_a_search_with_a_nul_character_is_refused_naming_the_parameter(client):
    response = client.get("/api/v1/organisations", {"q": "Oslo\x00"}, headers={"Accept-Language": "en"})
    assert response.status_code == 400
    assert response.json() == {
        "detail": "The field q holds a NUL character, which text in Skala cannot contain."
    }


def test_a_page_with_a_nul_character_in_its_address_is_refused(client):
    response = client.get("/en/needs/", {"q": "trygghet\x00alarm"})
    assert response.status_code == 400
    assert "The field q holds a NUL character" in response.text


def test_a_form_with_a_nul_character_is_refused_and_nothing_is_saved(client):
    people = make_personas()
    client.force_login(people.owner)
    # As a browser posts a form without files: URL-encoded.
    response = client.post(
        "/en/needs/new/",
        urlencode({"organisation": people.oslo.pk, "title": "Trygghet\x00salarm"}),
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400
    assert "The field title holds a NUL character" in response.text
    assert not Need.objects.exists()


def test_a_json_body_with_an_escaped_nul_is_refused(client):
    response = client.post(
        "/api/v1/match/cpv",
        data=json.dumps([{"id": "1", "text": "sykehjem\u0000"}]),
        content_type="application/json",
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 400
    assert "The field body holds a NUL character" in response.json()["detail"]


def test_text_without_nul_characters_passes(client):
    assert client.get("/api/v1/organisations", {"q": "Oslo"}).status_code == 200
