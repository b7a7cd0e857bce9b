"""The fast track: routing, review, answers, response time, and confidentiality between the parties."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from skala.needs.models import NeedStatus
from skala.orgs.models import OrganisationUnit
from skala.reference.models import CpvCode
from skala.suppliers import proposals
from skala.suppliers.models import Proposal, ProposalStatus
from skala.suppliers.tests.builders import NIGHT_NEED, publish_need
from skala.testing import make_organisation

pytestmark = pytest.mark.django_db


def send(personas, need=None, buyer=None, cpv=("85310000",), sender=None):
    return proposals.send_proposal(
        sender=sender or personas.startup_org,
        sent_by=personas.startup,
        title="Fallsensor uten kamera",
        description="Vi kan erstatte nattilsyn med radar.",
        cpv_codes=list(CpvCode.objects.filter(code8__in=cpv)),
        need=need,
        buyer=buyer,
    )


def test_a_proposal_to_a_need_goes_to_the_office_that_owns_it(personas):
    need = publish_need(personas.sykehjemsetaten, *NIGHT_NEED)
    proposal = send(personas, need=need)
    assert proposal.receiver == personas.sykehjemsetaten
    assert proposal.status == ProposalStatus.RECEIVED


def test_an_unsolicited_proposal_goes_to_the_unit_whose_needs_share_its_cpv(personas):
    publish_need(personas.oslo, "Skolemat", "Sunn lunsj", cpv=["15894200"])
    publish_need(personas.sykehjemsetaten, *NIGHT_NEED, cpv=["85311000"])
    proposal = send(personas, buyer=personas.oslo, cpv=["85312000"])
    assert proposal.receiver == personas.sykehjemsetaten
    assert "CPV" in proposal.routed_because


def test_an_invited_only_need_does_not_route_a_proposal_so_it_tells_no_supplier_it_exists(personas):
    office = make_organisation(
        "Innkjøpsseksjonen", parent=personas.oslo, unit=OrganisationUnit.PROCUREMENT_OFFICE
    )
    publish_need(personas.sykehjemsetaten, *NIGHT_NEED, cpv=["85311000"], visibility="invited")
    proposal = send(personas, buyer=personas.oslo, cpv=["85312000"])
    assert proposal.receiver == office
    assert "CPV" not in proposal.routed_because


def test_without_matching_needs_a_proposal_goes_to_the_procurement_office(personas):
    office = make_organisation(
        "Innkjøpsseksjonen", parent=personas.oslo, unit=OrganisationUnit.PROCUREMENT_OFFICE
    )
    assert send(personas, buyer=personas.oslo, cpv=["45000000"]).receiver == office
    assert send(personas, buyer=personas.stavanger).receiver == personas.stavanger


def test_a_proposal_to_a_closed_need_is_refused_with_a_message(client, personas):
    need = publish_need(personas.oslo, *NIGHT_NEED, status=NeedStatus.CLOSED)
    with pytest.raises(proposals.ProposalError, match="closed"):
        send(personas, need=need)
    client.force_login(personas.startup)
    response = client.post(f"/en/suppliers/proposals/new/?need={need.pk}", {"title": "x", "description": "y"})
    assert "The need is closed" in response.text
    assert not Proposal.objects.exists()


def test_the_supplier_sends_through_the_page_and_the_buyer_is_told(
    client, personas, django_capture_on_commit_callbacks, run_db_worker
):
    need = publish_need(personas.oslo, *NIGHT_NEED)
    client.force_login(personas.startup)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/nb/suppliers/proposals/new/?need={need.pk}",
            {"title": "Radar for nattilsyn", "description": "Fallsensor uten kamera", "cpv": "33196200"},
        )
    proposal = Proposal.objects.get()
    assert response["Location"] == proposal.get_absolute_url()
    run_db_worker()
    assert personas.owner.email in mail.outbox[0].to
    assert "Radar for nattilsyn" in mail.outbox[0].subject


def test_only_sender_and_receiving_buyer_read_a_proposal(client, personas):
    proposal = send(personas, need=publish_need(personas.oslo, *NIGHT_NEED))
    url = f"/nb/suppliers/proposals/{proposal.pk}/"
    for allowed in [personas.startup, personas.owner, personas.colleague]:
        client.force_login(allowed)
        assert client.get(url).status_code == 200, allowed
    for refused in [personas.supplier, personas.other_buyer, personas.facilitator]:
        client.force_login(refused)
        assert client.get(url).status_code == 403, refused
        assert "Vi kan erstatte" not in client.get("/nb/suppliers/proposals/").text
    client.logout()
    assert client.get(url).status_code == 302


def test_the_buyer_reviews_and_answers_and_the_supplier_sees_the_answer(client, personas):
    proposal = send(personas, need=publish_need(personas.oslo, *NIGHT_NEED))
    client.force_login(personas.colleague)  # a viewer may read, not answer
    assert (
        client.post(f"/nb/suppliers/proposals/{proposal.pk}/move/", {"status": "under_review"}).status_code
        == 403
    )
    client.force_login(personas.owner)
    client.post(f"/nb/suppliers/proposals/{proposal.pk}/move/", {"status": "under_review"})
    client.post(
        f"/nb/suppliers/proposals/{proposal.pk}/move/",
        {"status": "invited", "note": "Velkommen til dialogmøte 3. mars."},
    )
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.INVITED
    assert proposal.first_response_at is not None
    assert proposal.answered_at is not None
    client.force_login(personas.startup)
    page = client.get(f"/en/suppliers/proposals/{proposal.pk}/").text
    assert "Invited to dialogue" in page
    assert "Velkommen til dialogmøte 3. mars." in page
    assert [event.status for event in proposal.events.all()] == ["received", "under_review", "invited"]


def test_declining_needs_a_reason(personas):
    proposal = send(personas, need=publish_need(personas.oslo, *NIGHT_NEED))
    with pytest.raises(proposals.ProposalError, match="why"):
        proposals.move(proposal, ProposalStatus.DECLINED, personas.owner, note=" ")
    proposals.move(proposal, ProposalStatus.DECLINED, personas.owner, note="Vi har allerede en avtale.")
    with pytest.raises(proposals.ProposalError, match="cannot become"):
        proposals.move(proposal, ProposalStatus.INVITED, personas.owner)


def test_forwarding_moves_the_proposal_to_another_office(personas):
    proposal = send(personas, buyer=personas.oslo, cpv=["45000000"])
    proposals.move(proposal, ProposalStatus.FORWARDED, personas.owner, forward_to=personas.sykehjemsetaten)
    assert proposal.receiver == personas.sykehjemsetaten


def test_response_time_is_measured_for_the_buyers_leaders(client, personas):
    need = publish_need(personas.oslo, *NIGHT_NEED)
    fast, slow, waiting = send(personas, need=need), send(personas, need=need), send(personas, need=need)
    now = timezone.now()
    Proposal.objects.filter(pk=fast.pk).update(created_at=now - datetime.timedelta(days=3))
    Proposal.objects.filter(pk=slow.pk).update(created_at=now - datetime.timedelta(days=30))
    Proposal.objects.filter(pk=waiting.pk).update(created_at=now - datetime.timedelta(days=20))
    for proposal in (fast, slow):
        proposal.refresh_from_db()
        proposals.move(proposal, ProposalStatus.INVITED, personas.owner)
    figures = proposals.response_figures([personas.oslo.pk])
    assert (figures.received, figures.answered, figures.open, figures.open_overdue) == (3, 2, 1, 1)
    assert figures.median_days == pytest.approx(16.5, abs=0.1)
    assert figures.within_target_share == 0.5
    client.force_login(personas.owner)
    assert "Median days to answer" in client.get("/en/suppliers/proposals/").text


def test_the_buyer_sees_an_unsolicited_proposal_beside_the_needs_it_matches(client, personas):
    need = publish_need(personas.sykehjemsetaten, *NIGHT_NEED)
    publish_need(personas.stavanger, "Nattilsyn i Stavanger", "Sensorer om natten for eldre som sover")
    proposal = send(personas, buyer=personas.oslo)
    client.force_login(personas.owner)
    section = client.get(f"/nb/suppliers/proposals/{proposal.pk}/").text.split(
        'id="matching-needs-title"', 1
    )[1]
    assert need.title in section
    assert "Nattilsyn i Stavanger" not in section


def test_the_needs_beside_a_proposal_are_only_those_its_reader_may_see(client, personas):
    """A sibling unit's invited-only need is not the receiving office's to read."""
    from skala.needs.models import Visibility

    sibling = make_organisation("Bymiljøetaten", parent=personas.oslo, unit=OrganisationUnit.AGENCY)
    hidden = publish_need(sibling, "Nattilsyn med sensorer i bydelene", NIGHT_NEED[1])
    hidden.visibility = Visibility.INVITED
    hidden.save()
    own = publish_need(personas.sykehjemsetaten, *NIGHT_NEED)
    proposal = send(personas, buyer=personas.sykehjemsetaten)
    assert proposal.receiver == personas.sykehjemsetaten
    client.force_login(personas.editor)  # editor in Sykehjemsetaten
    shown = [need for need, _match in client.get(proposal.get_absolute_url()).context["matching_needs"]]
    assert own in shown
    assert hidden not in shown
