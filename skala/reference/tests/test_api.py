import pytest

from skala.reference.models import Municipality

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("code", ["03100000-2", "03100000"])
def test_cpv_code_with_or_without_check_digit(client, code):
    response = client.get(f"/api/v1/reference/cpv/{code}")
    assert response.status_code == 200
    assert response.json() == {
        "code": "03100000-2",
        "code8": "03100000",
        "level": "group",
        "labels": {
            "en": "Agricultural and horticultural products",
            "nb": "Landbruk og hagebruksprodukter",
            "sv": "Jordbruks- och trädgårdsprodukter",
            "da": "Produkter fra land- og havebrug",
            "fi": "Maatalous- ja puutarhatuotteet",
        },
        "parent": "03000000-1",
        "children": ["03110000-5", "03120000-8", "03130000-1", "03140000-4"],
    }


def test_division_has_no_parent(client):
    body = client.get("/api/v1/reference/cpv/03000000-1").json()
    assert body["parent"] is None
    assert body["level"] == "division"


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("99999999", "not in the CPV 2008 vocabulary"),
        ("03100000-7", "wrong check digit; the code is 03100000-2"),
        ("sykehjem", "not a CPV code"),
    ],
)
def test_unknown_cpv_code_is_404_with_a_message(client, code, message):
    response = client.get(f"/api/v1/reference/cpv/{code}")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert message in response.json()["detail"]


def test_cpv_search_in_norwegian(client):
    response = client.get("/api/v1/reference/cpv", {"q": "sykehjem", "lang": "nb"})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] >= 1
    assert {"code": "45215213-3", "code8": "45215213", "level": "sub-category"}.items() <= body["items"][
        0
    ].items()
    assert "sykehjem" in body["items"][0]["label"]


def test_cpv_search_folds_case_of_nordic_letters(client):
    lower = client.get("/api/v1/reference/cpv", {"q": "trädgård", "lang": "sv"}).json()
    upper = client.get("/api/v1/reference/cpv", {"q": "TRÄDGÅRD", "lang": "sv"}).json()
    assert lower["count"] == upper["count"] > 0


def test_cpv_search_by_code_prefix(client):
    body = client.get("/api/v1/reference/cpv", {"q": "0311", "lang": "en"}).json()
    assert body["items"][0]["code8"] == "03110000"
    assert all(item["code8"].startswith("0311") for item in body["items"])


def test_cpv_search_every_word_must_match_and_is_paginated(client):
    body = client.get("/api/v1/reference/cpv", {"q": "services", "lang": "en", "limit": 5}).json()
    assert len(body["items"]) == 5
    assert body["count"] > 5
    narrow = client.get("/api/v1/reference/cpv", {"q": "school services", "lang": "en"}).json()
    assert 0 < narrow["count"] < body["count"]


def test_cpv_search_rejects_an_unknown_language(client):
    response = client.get("/api/v1/reference/cpv", {"q": "skole", "lang": "de"})
    assert response.status_code == 400
    assert "lang" in response.json()["detail"]


def test_sdgs(client):
    goals = client.get("/api/v1/reference/sdgs").json()
    assert len(goals) == 17
    assert goals[0]["names"]["nb"] == "Utrydde fattigdom"


def test_places_give_the_ids_that_filter_needs_by_county_and_municipality(client):
    counties = client.get("/api/v1/reference/places", {"country": "no"}).json()

    assert {county["country"] for county in counties} == {"NO"}
    [oslo_county] = [county for county in counties if county["name"] == "Oslo"]
    assert [(m["number"], m["name"]) for m in oslo_county["municipalities"]] == [("0301", "Oslo")]
    assert (
        sum(len(county["municipalities"]) for county in counties)
        == Municipality.objects.filter(country="NO").count()
    )
    swedish = client.get("/api/v1/reference/places", {"country": "SE"}).json()
    assert sum(len(county["municipalities"]) for county in swedish) == 290
