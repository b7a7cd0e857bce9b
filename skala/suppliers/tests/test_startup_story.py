"""The issue's story through the pages: a startup registers, fills in its profile, gets an alert for a
new need, sends a proposal through the fast track, and the buyer answers it."""

import pytest
from django.core import mail

from skala.needs.models import Need
from skala.orgs.models import User
from skala.suppliers.alerts import send_digests
from skala.suppliers.models import Proposal
from skala.suppliers.tests.test_profiles import signup_data, valid_orgnr

pytestmark = pytest.mark.django_db


def test_a_startup_from_signup_to_an_answered_proposal(
    client, personas, django_capture_on_commit_callbacks, run_db_worker
):
    # The startup registers and describes what it offers.
    response = client.post("/nb/suppliers/join/", signup_data())
    organisation_id = User.objects.get(email="kari@sensor.example").memberships.get().organisation_id
    assert response["Location"] == f"/nb/suppliers/{organisation_id}/edit/"
    client.post(
        f"/nb/suppliers/{organisation_id}/solutions/new/",
        {
            "title": "Fallsensor uten kamera",
            "description": "Radar som varsler hjemmetjenesten ved fall om natten.",
            "maturity": "prototype",
            "cpv": "33196200",
            "references-TOTAL_FORMS": "0",
            "references-INITIAL_FORMS": "0",
        },
    )
    client.post(
        "/nb/suppliers/subscriptions/",
        {"name": "Fall", "keywords": "fall", "frequency": "daily", "active": "on"},
    )

    # A buyer publishes a need; the startup is alerted in Skala and by e-mail.
    client.force_login(personas.editor)
    client.post(
        "/nb/needs/new/",
        {
            "organisation": personas.sykehjemsetaten.pk,
            "title": "Varsling ved fall om natten",
            "problem": "Beboere som faller om natten blir liggende lenge før noen oppdager det.",
            "cpv": "33196200",
            "visibility": "public",
        },
    )
    need = Need.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/nb/needs/{need.pk}/publish/")
    run_db_worker()
    assert send_digests("daily").sent == 1
    assert "Varsling ved fall om natten" in mail.outbox[-1].body

    # The startup sees the alert and sends a proposal to the need.
    client.force_login(User.objects.get(email="kari@sensor.example"))
    assert "Varsling ved fall om natten" in client.get("/nb/suppliers/alerts/").text
    assert "Fallsensor uten kamera" in client.get(f"/nb/suppliers/for-need/{need.pk}/").text
    client.post(
        f"/nb/suppliers/proposals/new/?need={need.pk}",
        {"title": "Radar mot fall", "description": "Vi varsler innen ti sekunder."},
    )
    proposal = Proposal.objects.get()
    assert proposal.receiver == personas.sykehjemsetaten

    # The buyer answers; the startup reads the answer.
    client.force_login(personas.editor)
    assert "Radar mot fall" in client.get("/nb/suppliers/proposals/").text
    client.post(
        f"/nb/suppliers/proposals/{proposal.pk}/move/", {"status": "invited", "note": "Kom på dialogmøte."}
    )
    client.force_login(User.objects.get(email="kari@sensor.example"))
    page = client.get(f"/en/suppliers/proposals/{proposal.pk}/").text
    assert "Invited to dialogue" in page
    assert "Kom på dialogmøte." in page
    assert valid_orgnr() in client.get(f"/nb/suppliers/{proposal.sender_id}/").text
