"""The front page: Skala's figures for everyone; a signed-in person's own work, and only theirs."""

import pytest

from skala.needs.models import Need, NeedStatus
from skala.needs.services import invite
from skala.suppliers.proposals import send_proposal

pytestmark = pytest.mark.django_db


def test_a_visitor_sees_what_is_in_skala_and_where_to_start(client, personas):
    Need.objects.create(
        organisation=personas.oslo, title="Åpent behov", problem="x", status=NeedStatus.PUBLISHED
    )
    Need.objects.create(organisation=personas.oslo, title="Utkast", problem="x")
    page = client.get("/en/")
    assert page.context["figures"]["needs"] == 1  # the draft is no one's business
    assert page.context["work"] is None
    assert "Your work" not in page.text


def test_a_buyer_sees_the_invitations_and_proposals_waiting_for_their_organisation(client, personas):
    need = Need.objects.create(
        organisation=personas.oslo, title="Nattilsyn", problem="x", status=NeedStatus.PUBLISHED
    )
    invite(need, personas.stavanger, "follower", "", personas.owner)
    send_proposal(
        sender=personas.startup_org,
        sent_by=personas.startup,
        title="Radar om natten",
        description="Hemmelig",
        cpv_codes=[],
        buyer=personas.stavanger,
    )
    client.force_login(personas.other_buyer)  # editor in Stavanger
    page = client.get("/en/")
    assert "Nattilsyn" in page.text
    assert "Radar om natten" in page.text
    assert "Describe a need" in page.text
    client.force_login(personas.owner)  # Oslo: neither the invitation nor the proposal is theirs
    page = client.get("/en/")
    assert "Radar om natten" not in page.text
    assert page.context["work"].invitations == []
    assert [need.title for need in page.context["work"].needs] == ["Nattilsyn"]


def test_staff_have_no_work_of_their_own(client, personas):
    """Staff may do much (has_role answers yes for them) but hold no roles: no one's proposals show."""
    send_proposal(
        sender=personas.startup_org,
        sent_by=personas.startup,
        title="Radar om natten",
        description="Hemmelig",
        cpv_codes=[],
        buyer=personas.oslo,
    )
    client.force_login(personas.staff)
    page = client.get("/en/")
    assert page.context["work"].empty
    assert "Radar om natten" not in page.text


def test_the_navigation_offers_what_the_person_acts_as(client, personas):
    """A supplier is offered alerts, not a buyer's portfolio; a buyer the portfolio, not alerts."""
    client.force_login(personas.supplier)
    page = client.get("/en/").text
    assert 'href="/en/suppliers/alerts/"' in page
    assert 'href="/en/portfolio/"' not in page
    client.force_login(personas.owner)
    page = client.get("/en/").text
    assert 'href="/en/portfolio/"' in page
    assert 'href="/en/suppliers/alerts/"' not in page
    assert 'href="/en/suppliers/proposals/"' in page


def test_a_buyer_that_joined_a_joint_process_finds_its_need_among_its_organisations_needs(client, personas):
    from skala.needs.services import answer

    need = Need.objects.create(
        organisation=personas.oslo, title="Nattilsyn", problem="x", status=NeedStatus.PUBLISHED
    )
    participant, _created = invite(need, personas.stavanger, "partner", "", personas.owner)
    client.force_login(personas.other_buyer)  # editor in Stavanger
    assert client.get("/en/").context["work"].needs == []  # invited, not yet joined: an invitation instead
    assert answer(participant, accept=True)
    assert [n.title for n in client.get("/en/").context["work"].needs] == ["Nattilsyn"]
