"""A buyer describes and publishes a need for invited organisations only, and invites another buyer
into a joint process as a follower; the follower, refused before, accepts and sees the need."""

import pytest

from skala.needs.models import Need, NeedStatus, Participant, ParticipantStatus
from skala.testing import make_personas
from skala.testing_browser import assert_page, follow, follow_nav, log_in, new_page, visit

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

TITLE = "Digitalt tilsyn om natten i hjemmetjenesten"


def test_a_published_need_gets_a_follower_who_accepts_and_then_sees_it(browser, live_server):
    personas = make_personas()
    lead = new_page(browser)
    log_in(lead, live_server.url, personas.owner.email, language="en")

    follow_nav(lead, "Needs")
    assert_page(lead, "joint-1-needs")
    follow(lead.get_by_role("link", name="Describe a new need"))
    assert_page(lead, "joint-2-new-need")
    # Saved empty, the form comes back with its errors, which must be as accessible as the form.
    follow(lead.get_by_role("button", name="Save"))
    assert lead.locator(".field.has-error").count() >= 2
    assert_page(lead, "joint-2-errors")
    lead.get_by_label("Title", exact=True).fill(TITLE)
    lead.get_by_label("The problem").fill("Nattevakter bruker mye tid på fysiske tilsyn hos eldre som sover.")
    lead.get_by_label("Visibility").select_option("invited")
    follow(lead.get_by_role("button", name="Save"))
    lead.get_by_text("The need was saved as a draft.").wait_for()
    assert_page(lead, "joint-3-draft")

    follow(lead.get_by_role("button", name="Publish"))
    lead.get_by_text("The need is published.").wait_for()
    need = Need.objects.get(title=TITLE)
    assert need.status == NeedStatus.PUBLISHED

    follower = new_page(browser)
    log_in(follower, live_server.url, personas.other_buyer.email, language="en")
    refused = visit(follower, f"{live_server.url}/en/needs/{need.pk}/")
    assert refused.status == 403

    invitation = lead.get_by_role("region", name="Joint process")
    invitation.get_by_label("Buyer").select_option(label="Stavanger kommune")
    invitation.get_by_label("Role").select_option("follower")
    invitation.get_by_label("Option terms").fill("Inntil 200 sensorer til 2028")
    assert_page(lead, "joint-4-invite")
    follow(invitation.get_by_role("button", name="Invite"))
    lead.get_by_text("Stavanger kommune is invited.").wait_for()
    assert "Stavanger kommune – follower with an option, invited" in invitation.inner_text()

    shown = visit(follower, f"{live_server.url}/en/needs/{need.pk}/")
    assert shown.status == 200
    invited = follower.get_by_role("region", name="Your organisation is invited")
    assert "Inntil 200 sensorer til 2028" in invited.inner_text()
    assert_page(follower, "joint-5-invited")
    follow(invited.get_by_role("button", name="Accept"))
    follower.get_by_text("Stavanger kommune has joined the joint process.").wait_for()
    assert_page(follower, "joint-6-accepted")
    assert (
        "Stavanger kommune – follower with an option, accepted"
        in follower.get_by_role("region", name="Joint process").inner_text()
    )
    assert Participant.objects.get(process__need=need).status == ParticipantStatus.ACCEPTED

    follow_nav(follower, "Needs")
    assert follower.get_by_role("link", name=TITLE).count() == 1
