"""The suppliers API keeps the pages' rules: own profile only, proposals only between the parties."""

import pytest

from skala.orgs.models import ApiToken
from skala.suppliers.models import Proposal
from skala.suppliers.tests.builders import NIGHT_NEED, SENSOR_SOLUTION, add_solution, publish_need

pytestmark = pytest.mark.django_db


def bearer(user) -> dict:
    _token, secret = ApiToken.issue(user, "test")
    return {"Authorization": f"Bearer {secret}", "Accept-Language": "en"}


def post(client, url, body, user):
    return client.post(url, body, content_type="application/json", headers=bearer(user))


def test_supplier_profiles_are_public_and_list_their_solutions(client, personas):
    add_solution(personas.startup_org, *SENSOR_SOLUTION, cpv=["33196200"], is_startup=True)
    listing = client.get("/api/v1/suppliers", {"startup": "true"}).json()
    assert listing["count"] == 1
    profile = client.get(f"/api/v1/suppliers/{personas.startup_org.pk}").json()
    assert profile["solutions"][0]["cpv"] == ["33196200"]


def test_only_own_editors_change_the_profile_and_solutions(client, personas):
    url = f"/api/v1/suppliers/{personas.startup_org.pk}"
    denied = client.patch(
        url, {"summary": "Kapret"}, content_type="application/json", headers=bearer(personas.supplier)
    )
    assert denied.status_code == 403
    changed = client.patch(
        url,
        {"summary": "Radar", "open_to_partnering": True},
        content_type="application/json",
        headers=bearer(personas.startup),
    )
    assert changed.status_code == 200, changed.content
    assert (changed.json()["summary"], changed.json()["open_to_partnering"]) == ("Radar", True)
    assert (
        post(client, f"{url}/solutions", {"title": "X", "description": "Y"}, personas.other_buyer).status_code
        == 403
    )
    created = post(
        client,
        f"{url}/solutions",
        {"title": "Fallsensor", "description": "Radar", "cpv": ["33196200"]},
        personas.startup,
    )
    assert created.status_code == 201, created.content
    bad = post(
        client, f"{url}/solutions", {"title": "X", "description": "Y", "cpv": ["99999999"]}, personas.startup
    )
    assert bad.status_code == 422
    assert "cpv" in bad.json()["detail"]
    solution_id = created.json()["id"]
    assert (
        client.delete(
            f"/api/v1/suppliers/solutions/{solution_id}", headers=bearer(personas.supplier)
        ).status_code
        == 403
    )
    assert (
        client.delete(
            f"/api/v1/suppliers/solutions/{solution_id}", headers=bearer(personas.startup)
        ).status_code
        == 204
    )


def test_matching_both_ways_through_the_api(client, personas):
    need = publish_need(personas.oslo, *NIGHT_NEED, cpv=["33196200"])
    add_solution(personas.startup_org, *SENSOR_SOLUTION, cpv=["33196200"])
    [supplier] = client.get(f"/api/v1/suppliers/for-need/{need.pk}").json()
    assert supplier["supplier"]["id"] == personas.startup_org.pk
    assert "nattilsyn" in supplier["why"]["shared_terms"]
    [found] = client.get(f"/api/v1/suppliers/{personas.startup_org.pk}/needs").json()
    assert found["need"] == need.pk


def test_the_fast_track_through_the_api(client, personas):
    need = publish_need(personas.oslo, *NIGHT_NEED)
    sent = post(
        client,
        "/api/v1/proposals",
        {"need": need.pk, "title": "Radar", "description": "Fallsensor"},
        personas.startup,
    )
    assert sent.status_code == 201, sent.content
    proposal_id = sent.json()["id"]
    assert sent.json()["receiver"]["id"] == personas.oslo.pk
    assert (
        post(
            client, "/api/v1/proposals", {"need": need.pk, "title": "x", "description": "y"}, personas.owner
        ).status_code
        == 403
    )
    assert (
        client.get(f"/api/v1/proposals/{proposal_id}", headers=bearer(personas.supplier)).status_code == 404
    )
    assert (
        client.get(f"/api/v1/proposals/{proposal_id}", headers=bearer(personas.other_buyer)).status_code
        == 404
    )
    assert client.get("/api/v1/proposals", headers=bearer(personas.supplier)).json()["count"] == 0
    refused = post(client, f"/api/v1/proposals/{proposal_id}/status", {"status": "invited"}, personas.startup)
    assert refused.status_code == 403
    answered = post(client, f"/api/v1/proposals/{proposal_id}/status", {"status": "declined"}, personas.owner)
    assert answered.status_code == 409  # a decline needs a reason
    answered = post(
        client,
        f"/api/v1/proposals/{proposal_id}/status",
        {"status": "declined", "note": "Avtale finnes"},
        personas.owner,
    )
    assert answered.json()["status"] == "declined"
    assert (
        client.get(f"/api/v1/proposals/{proposal_id}", headers=bearer(personas.startup)).json()["answer"]
        == "Avtale finnes"
    )


def test_a_proposal_to_a_closed_need_is_refused_through_the_api(client, personas):
    need = publish_need(personas.oslo, *NIGHT_NEED, status="closed")
    response = post(
        client, "/api/v1/proposals", {"need": need.pk, "title": "x", "description": "y"}, personas.startup
    )
    assert response.status_code == 409
    assert "closed" in response.json()["detail"]
    assert not Proposal.objects.exists()


def test_subscriptions_and_alerts_through_the_api(client, personas):
    created = post(
        client,
        "/api/v1/subscriptions",
        {"name": "Tilsyn", "cpv": ["8531"], "keywords": "sensor"},
        personas.startup,
    )
    assert created.status_code == 201, created.content
    assert created.json()["cpv_prefixes"] == ["8531"]
    assert post(client, "/api/v1/subscriptions", {"keywords": "x"}, personas.owner).status_code == 403
    assert post(client, "/api/v1/subscriptions", {"name": "Tom"}, personas.startup).status_code == 422
    mine = client.get("/api/v1/subscriptions", headers=bearer(personas.startup)).json()
    assert [item["name"] for item in mine] == ["Tilsyn"]
    assert client.get("/api/v1/alerts", headers=bearer(personas.startup)).json()["count"] == 0
    subscription_id = created.json()["id"]
    assert (
        client.delete(
            f"/api/v1/subscriptions/{subscription_id}", headers=bearer(personas.supplier)
        ).status_code
        == 404
    )
    assert (
        client.delete(
            f"/api/v1/subscriptions/{subscription_id}", headers=bearer(personas.startup)
        ).status_code
        == 204
    )
