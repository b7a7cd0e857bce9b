import pytest

pytestmark = pytest.mark.django_db


def test_cpv_search_page_lists_matches_in_the_page_language(client):
    response = client.get("/nb/reference/cpv/", {"q": "skole"})
    assert response.status_code == 200
    assert "Skolebygg" in response.text or "skole" in response.text.lower()


def test_cpv_search_answers_htmx_with_the_results_fragment_only(client):
    response = client.get("/en/reference/cpv/", {"q": "school"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "<html" not in response.text
    assert "School" in response.text


def test_cpv_code_page_shows_labels_and_children(client):
    response = client.get("/sv/reference/cpv/03100000/")
    assert response.status_code == 200
    assert "Jordbruks- och trädgårdsprodukter" in response.text
    assert "03110000-5" in response.text


def test_unknown_cpv_code_page_is_404(client):
    assert client.get("/nb/reference/cpv/99999999/").status_code == 404
