"""The fast track: a supplier sends a proposal to a need and an unsolicited one to a municipality;
Skala routes both to the office whose needs they speak to, the office answers, the supplier reads it."""

import pytest

from skala.e2e.builders import published_need
from skala.suppliers.models import Proposal, ProposalStatus
from skala.testing import make_personas
from skala.testing_browser import assert_page, follow, follow_nav, log_in, new_page

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

NEED = "Digitalt tilsyn om natten"


def test_proposals_reach_the_right_office_and_the_supplier_reads_its_answer(browser, live_server):
    personas = make_personas()
    need = published_need(
        personas.sykehjemsetaten, NEED, "Nattevakter bruker mye tid på fysiske tilsyn hos eldre som sover."
    )
    supplier = new_page(browser)
    log_in(supplier, live_server.url, personas.supplier.email, language="en")

    follow_nav(supplier, "Needs")
    follow(supplier.get_by_role("link", name=NEED))
    # The suppliers' part of the need's page arrives by htmx, with the way to send a proposal.
    follow(supplier.get_by_role("link", name="Send a proposal for this need"))
    assert_page(supplier, "fast-track-1-proposal-form")
    assert supplier.get_by_label("Title").input_value() == NEED
    supplier.get_by_label("What we propose").fill("Sensorer som varsler nattevakten bare når noe er galt.")
    follow(supplier.get_by_role("button", name="Send"))
    supplier.get_by_text("Your proposal is sent to Sykehjemsetaten.").wait_for()
    assert "It owns the need." in supplier.locator("dl.facts").inner_text()
    assert Proposal.objects.get(need=need).receiver == personas.sykehjemsetaten
    assert_page(supplier, "fast-track-2-sent")

    # Unsolicited, to the municipality as a whole: its needs' CPV codes bring it to the same office.
    follow_nav(supplier, "Proposals")
    follow(supplier.get_by_role("link", name="Send an unsolicited proposal"))
    supplier.get_by_label("Buyer").select_option(label="Oslo kommune")
    supplier.get_by_label("Title").fill("Trygghetsalarmer som virker uten mobilnett")
    supplier.get_by_label("What we propose").fill("Alarmer over LoRaWAN for hjemmeboende.")
    supplier.get_by_label("CPV codes").fill("85310000")
    assert_page(supplier, "fast-track-3-unsolicited-form")
    follow(supplier.get_by_role("button", name="Send"))
    supplier.get_by_text("Your proposal is sent to Sykehjemsetaten.").wait_for()
    assert "Its published needs share the proposal's CPV codes." in supplier.locator("dl.facts").inner_text()
    unsolicited = Proposal.objects.get(need=None)
    assert unsolicited.receiver == personas.sykehjemsetaten

    buyer = new_page(browser)
    log_in(buyer, live_server.url, personas.editor.email, language="en")
    follow_nav(buyer, "Proposals")
    assert_page(buyer, "fast-track-4-received")
    follow(buyer.get_by_role("link", name=NEED).first)
    answer = buyer.get_by_role("region", name="Answer the proposal")
    answer.get_by_label("New status").select_option("invited")
    answer.get_by_label("Answer to the supplier").fill("Velkommen til dialogmøtet 12. mars.")
    assert_page(buyer, "fast-track-5-answer")
    follow(answer.get_by_role("button", name="Save"))
    buyer.get_by_text("The proposal is invited to dialogue.").wait_for()

    follow_nav(buyer, "Proposals")
    follow(buyer.get_by_role("link", name="Trygghetsalarmer som virker uten mobilnett"))
    answer = buyer.get_by_role("region", name="Answer the proposal")
    answer.get_by_label("New status").select_option("declined")
    follow(answer.get_by_role("button", name="Save"))
    # Declining without saying why is refused, and nothing changes.
    buyer.get_by_text("Required when you decline").first.wait_for()
    assert Proposal.objects.get(pk=unsolicited.pk).status == ProposalStatus.RECEIVED
    answer = buyer.get_by_role("region", name="Answer the proposal")
    answer.get_by_label("New status").select_option("declined")
    answer.get_by_label("Answer to the supplier").fill("Vi har allerede trygghetsalarmer på avtale.")
    follow(answer.get_by_role("button", name="Save"))
    buyer.get_by_text("The proposal is declined.").wait_for()
    follow_nav(buyer, "Proposals")
    figures = buyer.get_by_role("region", name="How fast we answer").inner_text()
    assert "Answered\n2" in figures
    assert_page(buyer, "fast-track-6-figures")

    follow_nav(supplier, "Proposals")
    follow(supplier.get_by_role("link", name=NEED).first)
    facts = supplier.locator("dl.facts").inner_text()
    assert "Invited to dialogue" in facts
    assert "Velkommen til dialogmøtet 12. mars." in facts
    assert_page(supplier, "fast-track-7-answered")
