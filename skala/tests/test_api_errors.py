"""The API answers bad requests in JSON with a status that says what is wrong, never a 500 page."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/organisations?parent=310383045696220037120",
        "/api/v1/dialogue/meetings?need=52116226030871543808",
    ],
)
def test_a_number_no_database_stores_is_refused_on_every_database(client, path):
    response = client.get(path)
    assert response.status_code == 422
    assert "less than or equal to 9223372036854775807" in str(response.json()["detail"])


def test_a_body_larger_than_the_server_accepts_is_a_413_in_json(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = client.post(
        "/api/v1/match/cpv", [{"id": n, "text": "snø"} for n in range(100)], content_type="application/json"
    )
    assert response.status_code == 413
    assert "larger than this server accepts" in response.json()["detail"]


def test_a_year_out_of_range_is_refused_by_the_api_and_the_command(client, personas):
    from django.core.management import CommandError, call_command

    from skala.orgs.models import ApiToken

    _token, secret = ApiToken.issue(personas.colleague, "x")
    for year in (10000, -1):
        response = client.get(
            f"/api/v1/spend/report?org={personas.oslo.pk}&year={year}",
            headers={"Authorization": f"Bearer {secret}"},
        )
        assert (response.status_code, response.json()["detail"]) == (
            422,
            "year must be between 1900 and 2200.",
        )
    with pytest.raises(CommandError, match="--year must be between 1900 and 2200"):
        call_command("report", "supplier-base", org=str(personas.oslo.pk), year=10000)


def test_a_notice_whose_id_holds_a_slash_is_found_by_it(client):
    from skala.procedures.models import Notice

    Notice.objects.create(import_id="ocds-x/2024/7", source="ocds", title="Snørydding")
    response = client.get("/api/v1/notices/ocds-x/2024/7")
    assert response.status_code == 200
    assert response.json()["title"] == "Snørydding"
    assert client.get("/api/v1/notices/no/such").status_code == 404
