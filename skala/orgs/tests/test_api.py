import pytest

from skala.orgs.models import ApiToken

pytestmark = pytest.mark.django_db


def test_organisations_are_paginated(client, personas):
    body = client.get("/api/v1/organisations", {"limit": 2}).json()
    assert body["count"] == 5
    assert len(body["items"]) == 2


def test_organisations_filter_by_kind_country_and_municipality(client, personas):
    suppliers = client.get("/api/v1/organisations", {"kind": "supplier"}).json()
    assert {item["name"] for item in suppliers["items"]} == {"Test Leverandør AS", "Test Startup AS"}
    in_oslo = client.get("/api/v1/organisations", {"municipality": "0301"}).json()
    assert [item["name"] for item in in_oslo["items"]] == ["Oslo kommune"]
    assert in_oslo["items"][0]["municipality"] == {"country": "NO", "number": "0301", "name": "Oslo"}
    assert client.get("/api/v1/organisations", {"country": "SE"}).json()["count"] == 0


def test_organisations_list_rejects_an_unknown_kind(client, personas):
    assert client.get("/api/v1/organisations", {"kind": "spaceship"}).status_code == 422


def test_organisations_list_query_count_is_fixed(client, personas, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        client.get("/api/v1/organisations", {"limit": 50})


def test_organisation_detail_shows_units_and_parent(client, personas):
    oslo = client.get(f"/api/v1/organisations/{personas.oslo.pk}").json()
    assert oslo["orgnr"] == "958935420"
    assert oslo["is_public_buyer"] is True
    assert oslo["children"] == [{"id": personas.sykehjemsetaten.pk, "name": "Sykehjemsetaten"}]
    unit = client.get(f"/api/v1/organisations/{personas.sykehjemsetaten.pk}").json()
    assert unit["parent"] == {"id": personas.oslo.pk, "name": "Oslo kommune"}


def test_unknown_organisation_is_404(client, personas):
    assert client.get("/api/v1/organisations/999999").status_code == 404


def test_me_with_a_token(client, personas):
    _token, secret = ApiToken.issue(personas.editor, "test")
    body = client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).json()
    assert body["email"] == "editor@test.example"
    assert body["memberships"] == [
        {"organisation": {"id": personas.sykehjemsetaten.pk, "name": "Sykehjemsetaten"}, "role": "editor"}
    ]


def test_me_with_the_browser_session(client, personas):
    client.force_login(personas.facilitator)
    body = client.get("/api/v1/me").json()
    assert body["is_facilitator"] is True


def test_me_refuses_a_bad_token_and_no_login(client, personas):
    assert client.get("/api/v1/me").status_code == 401
    assert client.get("/api/v1/me", headers={"Authorization": "Bearer skala_nonsense"}).status_code == 401


def test_public_reads_refuse_a_revoked_or_unknown_token_rather_than_answer_as_anonymous(client, personas):
    token, secret = ApiToken.issue(personas.editor, "test")
    token.revoke()
    for authorization in (f"Bearer {secret}", "Bearer skala_nonsense"):
        headers = {"Authorization": authorization}
        refused = client.post(
            "/api/v1/match/similar", [{"id": 1, "text": "Nattilsyn"}], "application/json", headers=headers
        )
        assert refused.status_code == 401
        assert "not valid" in refused.json()["detail"]
        assert client.get("/api/v1/needs", headers=headers).status_code == 401
    assert client.get("/api/v1/needs").status_code == 200  # no token: public reads as before
    assert client.get("/api/v1/needs", headers={"Authorization": "Basic cHJveHk6cGFzcw=="}).status_code == 200


def test_openapi_schema_and_docs_are_served_locally(client):
    schema = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/reference/cpv/{code}" in schema["paths"]
    assert "/api/v1/organisations" in schema["paths"]
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200
    assert "cdn" not in docs.text.lower()
