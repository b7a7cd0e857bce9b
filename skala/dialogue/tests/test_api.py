"""The dialogue API keeps the pages' rules."""

import pytest

from skala.dialogue.models import QuestionKind
from skala.dialogue.tests.builders import make_meeting, make_need, make_supplier
from skala.orgs.models import ApiToken

pytestmark = pytest.mark.django_db


def bearer(user) -> dict:
    _token, secret = ApiToken.issue(user, "test")
    return {"Authorization": f"Bearer {secret}", "Accept-Language": "en"}


def post(client, url, body, user):
    return client.post(url, body, content_type="application/json", headers=bearer(user))


def test_a_buyer_plans_and_publishes_a_meeting_through_the_api(client, personas):
    need = make_need(personas.oslo)
    body = {
        "need": need.pk,
        "title": "Workshop",
        "starts_at": "2030-03-01T09:00:00+01:00",
        "ends_at": "2030-03-01T12:00:00+01:00",
        "registration_deadline": "2030-02-20T12:00:00+01:00",
        "capacity": 30,
    }
    assert post(client, "/api/v1/dialogue/meetings", body, personas.other_buyer).status_code == 403
    bad = post(
        client,
        "/api/v1/dialogue/meetings",
        {**body, "registration_deadline": "2030-03-02T12:00:00+01:00"},
        personas.owner,
    )
    assert bad.status_code == 422
    assert "registration_deadline" in bad.json()["detail"]
    created = post(client, "/api/v1/dialogue/meetings", body, personas.owner)
    assert created.status_code == 201, created.content
    meeting_id = created.json()["id"]
    assert client.get(f"/api/v1/dialogue/meetings/{meeting_id}").status_code == 404  # a draft
    assert (
        post(client, f"/api/v1/dialogue/meetings/{meeting_id}/publish", {}, personas.owner).json()["status"]
        == "published"
    )
    assert client.get("/api/v1/dialogue/meetings").json()[0]["hosts"] == ["Oslo kommune"]


def test_registration_booking_and_answers_through_the_api(client, personas):
    meeting = make_meeting(make_need(personas.oslo), capacity=1)
    from skala.dialogue import services

    # Until the meeting ends, not until midnight: a meeting built late in the evening has no room before it.
    [slot, _second] = services.make_slots(meeting, meeting.starts_at, meeting.ends_at, 30, 0)[:2]
    question = meeting.questions.create(kind=QuestionKind.TEXT, text="Hva trenger dere?")
    base = f"/api/v1/dialogue/meetings/{meeting.pk}"
    first = post(
        client,
        f"{base}/registrations",
        {"attendees": [{"name": "Kari", "email": "k@s.example"}]},
        personas.startup,
    )
    assert first.json()["status"] == "confirmed"
    second = post(
        client,
        f"{base}/registrations",
        {"attendees": [{"name": "Ola", "email": "o@s.example"}]},
        personas.supplier,
    )
    assert second.json()["status"] == "waiting"
    assert "waiting list" in second.json()["message"]
    assert (
        post(
            client,
            f"{base}/registrations",
            {"attendees": [{"name": "A", "email": "a@b.example"}]},
            personas.owner,
        ).status_code
        == 403
    )
    assert len(client.get(f"{base}/registrations", headers=bearer(personas.supplier)).json()) == 1
    assert len(client.get(f"{base}/registrations", headers=bearer(personas.colleague)).json()) == 2
    assert (
        client.delete(
            f"{base}/registrations/{first.json()['id']}", headers=bearer(personas.supplier)
        ).status_code
        == 404
    )
    assert (
        client.delete(
            f"{base}/registrations/{first.json()['id']}", headers=bearer(personas.startup)
        ).status_code
        == 204
    )
    assert (
        client.get(f"{base}/registrations", headers=bearer(personas.supplier)).json()[0]["status"]
        == "confirmed"
    )

    assert post(client, f"{base}/slots/{slot.pk}/booking", {}, personas.startup).status_code == 201
    taken = post(client, f"{base}/slots/{slot.pk}/booking", {}, personas.supplier)
    assert taken.status_code == 409
    assert "booked that slot" in taken.json()["detail"]

    too_long = post(
        client, f"{base}/answers", {"question": question.pk, "text": "x" * 4001}, personas.startup
    )
    assert too_long.status_code == 422
    assert "4000" in too_long.json()["detail"]
    post(client, f"{base}/answers", {"question": question.pk, "text": "Brukerinnsikt"}, personas.startup)
    assert client.get(f"{base}/answers", headers=bearer(personas.supplier)).json() == []
    assert client.get(f"{base}/answers", headers=bearer(personas.owner)).json()[0]["text"] == "Brukerinnsikt"
    _supplier, user = make_supplier(9)
    assert client.get(f"{base}/answers", headers=bearer(user)).json() == []
