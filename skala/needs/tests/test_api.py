"""The needs API tells the same story as the pages, with the same rules: create, publish, invite, answer."""

import pytest

from skala.needs.models import Need, NeedStatus, Participant, ParticipantStatus
from skala.needs.tests.test_flow import publish_need
from skala.orgs.models import ApiToken

pytestmark = pytest.mark.django_db


def bearer(user) -> dict:
    _token, secret = ApiToken.issue(user, "test")
    return {"Authorization": f"Bearer {secret}"}


def create_need(client, user, language="en", **changes):
    body = {
        "title": "Digitalt nattilsyn",
        "problem": "Nattevakter bruker mye tid på fysiske tilsyn hos eldre som sover.",
        "cpv": ["85310000-5"],
        "sdgs": [3],
        "estimated_value": "2000000",
    }
    body.update(changes)
    headers = {**bearer(user), "Accept-Language": language}
    return client.post("/api/v1/needs", body, content_type="application/json", headers=headers)


def test_an_editor_creates_a_draft_that_only_their_organisation_sees(client, personas):
    response = create_need(client, personas.owner)
    assert response.status_code == 201, response.content
    need = response.json()
    assert (need["status"], need["cpv"], need["sdgs"]) == ("draft", ["85310000"], [3])
    assert (need["language"], need["written_language"]) == ("", "nb")
    assert need["organisation"]["id"] == personas.oslo.pk
    assert client.get(f"/api/v1/needs/{need['id']}").status_code == 404
    assert client.get(f"/api/v1/needs/{need['id']}", headers=bearer(personas.colleague)).status_code == 200
    assert client.get("/api/v1/needs").json()["count"] == 0
    assert client.get("/api/v1/needs", headers=bearer(personas.owner)).json()["count"] == 1


def test_errors_speak_the_callers_language(client, personas):
    response = create_need(client, personas.owner, language="nb", cpv=["99999999"])
    assert "cpv: Finnes ikke i CPV-klassifikasjonen: 99999999." in response.json()["detail"]


def test_bad_input_names_the_field(client, personas):
    response = create_need(client, personas.owner, cpv=["99999999"], title="")
    assert response.status_code == 422
    assert "cpv: Not in the CPV vocabulary: 99999999." in response.json()["detail"]
    assert "title:" in response.json()["detail"]
    assert not Need.objects.exists()


def test_suppliers_and_anonymous_callers_cannot_create_needs(client, personas):
    assert create_need(client, personas.supplier).status_code == 403
    assert client.post("/api/v1/needs", {}, content_type="application/json").status_code == 401


def test_another_buyer_cannot_change_a_need(client, personas):
    need = publish_need(personas.oslo, "Skolemat", "Sunn lunsj i skolen")
    response = client.patch(
        f"/api/v1/needs/{need.pk}",
        {"title": "Kapret"},
        content_type="application/json",
        headers=bearer(personas.other_buyer),
    )
    assert response.status_code == 403
    need.refresh_from_db()
    assert need.title == "Skolemat"


def test_the_owner_changes_part_of_a_need_and_moves_it_through_its_lifecycle(client, personas):
    need_id = create_need(client, personas.owner).json()["id"]
    headers = bearer(personas.owner)
    changed = client.patch(
        f"/api/v1/needs/{need_id}",
        {"title": "Nattilsyn med sensorer"},
        content_type="application/json",
        headers=headers,
    )
    assert changed.status_code == 200, changed.content
    assert (changed.json()["title"], changed.json()["cpv"]) == ("Nattilsyn med sensorer", ["85310000"])
    for status in ["published", "in_procurement", "closed"]:
        response = client.post(
            f"/api/v1/needs/{need_id}/status",
            {"status": status},
            content_type="application/json",
            headers=headers,
        )
        assert response.json()["status"] == status
    refused = client.post(
        f"/api/v1/needs/{need_id}/status",
        {"status": "published"},
        content_type="application/json",
        headers=headers,
    )
    assert refused.status_code == 409
    assert "kan ikke bli publisert" in refused.json()["detail"]  # no Accept-Language: Norwegian


def test_similar_needs_and_notices_come_with_why(client, personas):
    mine = publish_need(
        personas.oslo, "Digitalt nattilsyn i hjemmetjenesten", "Sensorer for tilsyn om natten"
    )
    publish_need(personas.stavanger, "Nattilsyn med sensorer", "Digitalt tilsyn om natten hos eldre")
    matches = client.get(f"/api/v1/needs/{mine.pk}/similar").json()
    assert matches[0]["kind"] == "need"
    assert matches[0]["owner"] == "Stavanger kommune"
    assert "nattilsyn" in " ".join(matches[0]["why"]["shared_terms"])
    refused = client.get(f"/api/v1/needs/{mine.pk}/similar", {"top": 0})
    assert (refused.status_code, refused.json()["detail"]) == (400, "top must be between 1 and 100, not 0")


def test_joint_process_through_the_api_invite_accept_and_see(client, personas):
    need = publish_need(personas.oslo, "Digitalt nattilsyn", "Sensorer om natten", visibility="invited")
    assert client.get(f"/api/v1/needs/{need.pk}", headers=bearer(personas.other_buyer)).status_code == 404
    invited = client.post(
        f"/api/v1/needs/{need.pk}/process/invitations",
        {"organisation": personas.stavanger.pk, "role": "follower", "option_terms": "Opsjon på 500 enheter"},
        content_type="application/json",
        headers=bearer(personas.owner),
    )
    assert invited.status_code == 201, invited.content
    participant = invited.json()
    assert (participant["role"], participant["status"]) == ("follower", "invited")
    refused = client.post(
        f"/api/v1/needs/{need.pk}/process/invitations/{participant['id']}/answer",
        {"accept": True},
        content_type="application/json",
        headers=bearer(personas.owner),
    )
    assert refused.status_code == 403
    answered = client.post(
        f"/api/v1/needs/{need.pk}/process/invitations/{participant['id']}/answer",
        {"accept": True},
        content_type="application/json",
        headers=bearer(personas.other_buyer),
    )
    assert answered.json()["status"] == ParticipantStatus.ACCEPTED
    again = client.post(
        f"/api/v1/needs/{need.pk}/process/invitations/{participant['id']}/answer",
        {"accept": False},
        content_type="application/json",
        headers=bearer(personas.other_buyer),
    )
    assert again.status_code == 409
    assert "accepted, not open" in again.json()["detail"]
    seen = client.get(f"/api/v1/needs/{need.pk}", headers=bearer(personas.other_buyer)).json()
    assert seen["participants"][0]["organisation"]["name"] == "Stavanger kommune"
    assert seen["status"] == NeedStatus.PUBLISHED


def test_a_follower_cannot_edit_the_lead_need(client, personas):
    need = publish_need(personas.oslo, "Digitalt nattilsyn", "Sensorer om natten")
    client.post(
        f"/api/v1/needs/{need.pk}/process/invitations",
        {"organisation": personas.stavanger.pk},
        content_type="application/json",
        headers=bearer(personas.owner),
    )
    response = client.patch(
        f"/api/v1/needs/{need.pk}",
        {"title": "Endret"},
        content_type="application/json",
        headers=bearer(personas.other_buyer),
    )
    assert response.status_code == 403


def test_the_need_list_keeps_its_query_count(client, personas, django_assert_max_num_queries):
    for n in range(5):
        publish_need(personas.oslo, f"Behov {n}", "Sensorer om natten")
    with django_assert_max_num_queries(5):
        assert client.get("/api/v1/needs").json()["count"] == 5


def test_through_the_api_the_lead_withdraws_or_removes_and_a_buyer_leaves(client, personas):
    from skala.needs.services import invite

    need = publish_need(personas.oslo, "Digitalt nattilsyn", "Sensorer om natten")
    pending, _created = invite(need, personas.stavanger, "partner", "", personas.owner)
    url = f"/api/v1/needs/{need.pk}/process/invitations/{pending.pk}"
    assert client.post(f"{url}/withdraw", headers=bearer(personas.other_buyer)).status_code == 403
    assert client.post(f"{url}/withdraw", headers=bearer(personas.owner)).status_code == 204
    assert not Participant.objects.exists()

    joined, _created = invite(need, personas.stavanger, "partner", "", personas.owner)
    url = f"/api/v1/needs/{need.pk}/process/invitations/{joined.pk}"
    assert client.post(f"{url}/leave", headers=bearer(personas.other_buyer)).status_code == 409
    joined.answer(accept=True)
    assert client.post(f"{url}/leave", headers=bearer(personas.owner)).status_code == 403
    left = client.post(f"{url}/leave", headers=bearer(personas.other_buyer))
    assert (left.status_code, left.json()["status"]) == (200, "left")
    nothing = client.post(f"{url}/withdraw", headers=bearer(personas.owner))
    assert nothing.status_code == 409
    assert "left" in nothing.json()["detail"]

    joined.invite_again("partner", "", personas.owner)
    joined.answer(accept=True)
    removed = client.post(f"{url}/withdraw", headers=bearer(personas.owner))
    assert (removed.status_code, removed.json()["status"]) == (200, "removed")
    seen = client.get(f"/api/v1/needs/{need.pk}", headers=bearer(personas.supplier)).json()
    assert seen["participants"] == []


def test_needs_are_listed_by_buyer_with_its_units_and_by_place(client, personas):
    publish_need(personas.sykehjemsetaten, "Nattilsyn på sykehjem", "Tilsyn om natten")
    publish_need(personas.stavanger, "Skolemat", "Sunn lunsj i skolen")
    oslo = personas.oslo.municipality

    def titles(**filters) -> list[str]:
        response = client.get("/api/v1/needs", filters)
        assert response.status_code == 200, response.content
        return [need["title"] for need in response.json()["items"]]

    assert titles(organisation=personas.oslo.pk) == ["Nattilsyn på sykehjem"]
    assert titles(municipality=oslo.pk) == ["Nattilsyn på sykehjem"]
    assert titles(county=personas.stavanger.municipality.county_id) == ["Skolemat"]
    assert titles(county=oslo.county_id, organisation=personas.stavanger.pk) == []
    assert client.get("/api/v1/needs", {"municipality": "Oslo"}).status_code == 422


def test_the_need_list_searches_words_within_its_filters_in_any_language(client, personas):
    publish_need(personas.sykehjemsetaten, "Nattilsyn på sykehjem", "Tilsyn om natten med sensorer")
    publish_need(personas.stavanger, "Nattilsyn hjemme", "Tilsyn om natten hjemme med sensorer")
    publish_need(personas.stavanger, "Trygghetsalarmer", "Digitale trygghetsalarmer for hjemmeboende eldre")
    found = client.get("/api/v1/needs", {"q": "sensorer"}).json()
    assert {need["title"] for need in found["items"]} == {"Nattilsyn på sykehjem", "Nattilsyn hjemme"}
    assert found["count"] == 2
    filtered = client.get("/api/v1/needs", {"q": "sensorer", "organisation": personas.stavanger.pk}).json()
    assert [need["title"] for need in filtered["items"]] == ["Nattilsyn hjemme"]
    swedish = client.get("/api/v1/needs", {"q": "trygghetslarm för äldre"}).json()
    assert swedish["items"][0]["title"] == "Trygghetsalarmer"
