"""Notices are public: searchable pages, a detail page, a read-only API, and a place on a need's page."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from skala.procedures.notice_import import import_notices

pytestmark = pytest.mark.django_db


def load_notices(tmp_path, *records):
    path = tmp_path / "notices.jsonl"
    path.write_text("\n".join(json.dumps(record) for record in records))
    import_notices(path)


def notice(identifier, title, cpv, country="NO", description=""):
    return {
        "id": identifier,
        "title": title,
        "description": description,
        "cpv": cpv,
        "buyer": {"name": f"Buyer of {identifier}", "country": country},
        "published": "2024-05-01",
    }


@pytest.fixture
def notices(tmp_path):
    load_notices(
        tmp_path,
        notice("TED-1", "Trygghetsalarmer til hjemmeboende", ["32581200"], description="Digitale alarmer"),
        notice("TED-2", "Trygghetslarm för äldre", ["32581200"], country="SE"),
        notice("TED-3", "Asfaltering av kommunale veier", ["45233222"]),
    )


def test_anyone_can_search_notices_by_words_in_another_language(client, notices):
    response = client.get("/nb/procedures/notices/", {"q": "trygghetsalarm"})
    assert response.status_code == 200
    assert "Trygghetsalarmer til hjemmeboende" in response.text
    assert "Trygghetslarm för äldre" in response.text
    assert "Asfaltering" not in response.text


def test_notices_filter_by_cpv_division_and_country(client, notices):
    response = client.get("/nb/procedures/notices/", {"division": "45"})
    assert "Asfaltering" in response.text
    assert "Trygghets" not in response.text
    response = client.get("/nb/procedures/notices/", {"country": "SE"})
    assert "Trygghetslarm för äldre" in response.text
    assert "Asfaltering" not in response.text


def test_htmx_gets_only_the_results(client, notices):
    response = client.get("/nb/procedures/notices/", {"q": "asfalt"}, headers={"HX-Request": "true"})
    assert "<html" not in response.text
    assert "Asfaltering" in response.text


def test_the_notice_list_does_not_grow_queries_with_its_length(client, notices):
    with CaptureQueriesContext(connection) as queries:
        client.get("/nb/procedures/notices/")
    assert len(queries) <= 5


def test_a_notice_page_shows_its_codes_and_similar_notices(client, notices):
    from skala.procedures.models import Notice

    response = client.get(f"/nb/procedures/notices/{Notice.objects.get(import_id='TED-1').pk}/")
    assert response.status_code == 200
    assert "32581200-1" in response.text
    assert "Trygghetslarm för äldre" in response.text


def test_the_api_lists_and_finds_notices_by_import_id(client, notices):
    listing = client.get("/api/v1/notices", {"cpv": "325"}).json()
    assert listing["count"] == 2
    assert {item["id"] for item in listing["items"]} == {"TED-1", "TED-2"}
    one = client.get("/api/v1/notices/TED-3").json()
    assert (one["title"], one["cpv"], one["buyer_country"]) == (
        "Asfaltering av kommunale veier",
        ["45233222"],
        "NO",
    )
    assert client.get("/api/v1/notices/unknown").status_code == 404


def test_a_need_page_shows_notices_like_it_with_why(client, notices, personas):
    from skala.needs.models import Need, NeedStatus

    need = Need.objects.create(
        organisation=personas.oslo,
        title="Trygghetsalarm for eldre",
        problem="Eldre som bor hjemme trenger digitale trygghetsalarmer.",
        status=NeedStatus.PUBLISHED,
    )
    from skala.needs.services import sync_to_corpus

    sync_to_corpus(need)
    response = client.get(f"/nb/needs/{need.pk}/")
    assert response.status_code == 200
    section = response.text.split('id="notices-title"', 1)[1]
    assert "Trygghetsalarmer til hjemmeboende" in section
    assert "Asfaltering" not in section
