"""The procedures flow, in the browser: a buyer asks the advisor, starts an innovation partnership for
its joint process, sees the timeline with the legal minimums, records the steering group and the
follower's option, and downloads OCDS that validates against OCDS 1.1.5 and an eForms contract notice
that passes Skala's checks and, where the machine has the eForms SDK, the SDK's XSD schemas."""

import datetime
import json
import re
from pathlib import Path

import pytest

from skala.e2e.builders import published_need
from skala.needs.services import invite
from skala.procedures import eforms_check, ocds
from skala.procedures.eforms_schema import schema_problems, schemas_folder
from skala.procedures.models import Procurement
from skala.procedures.tests.test_eforms_schema import SDK
from skala.reference.loading import load_reference
from skala.testing import make_personas
from skala.testing_browser import assert_page, follow, log_in, new_page, visit

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

NEED = "Digitalt tilsyn om natten"
OPTION = "Inntil 200 sensorer til 2028, på samme vilkår"


def add(page, what: str, fields: dict[str, str], choices: dict[str, str] = {}) -> None:  # noqa: B006
    """Fill one of the procurement page's add forms (member, option, document) and send it."""
    form = page.locator(f"form[action$='/add/{what}/']")
    for label, value in fields.items():
        form.get_by_label(named(label)).fill(value)
    for label, value in choices.items():
        form.get_by_label(named(label)).select_option(label=value)
    follow(form.get_by_role("button", name="Add"))


def named(label: str) -> re.Pattern:
    """The field's label, whatever its case (a model field's is capitalised, a form field's not), with
    the "(optional)" an optional field's label ends in."""
    return re.compile(f"^{re.escape(label)}( \\(optional\\))?$", re.IGNORECASE)


def download(page, link_name: str) -> bytes:
    with page.expect_download() as started:
        page.get_by_role("link", name=link_name).click()
    return Path(started.value.path()).read_bytes()


def test_a_buyer_goes_from_the_advisor_to_validated_notices_for_a_joint_innovation_partnership(
    browser, live_server, settings
):
    load_reference(progress=lambda message: None)
    settings.SKALA_EFORMS_SDK = SDK
    personas = make_personas()
    need = published_need(personas.oslo, NEED, "Nattevakter bruker mye tid på fysiske tilsyn.")
    follower, _new = invite(need, personas.stavanger, "follower", OPTION, personas.owner)
    follower.answer(accept=True)

    page = new_page(browser)
    log_in(page, live_server.url, personas.owner.email, language="en")

    # The advisor: 12 million, a municipality, services no one sells yet.
    visit(page, f"{live_server.url}/en/procedures/advisor/")
    page.get_by_label("Estimated value, NOK excl. VAT").fill("12000000")
    page.get_by_label("Buyer", exact=True).select_option("other")
    page.get_by_label("What is bought").select_option("goods_services")
    page.get_by_label("No, it must be developed").check()
    assert_page(page, "procedure-1-advisor")
    follow(page.get_by_role("button", name="Advise"))
    advice = page.get_by_role("region", name="The advice")
    assert "Doffin and TED" in advice.inner_text()
    procedures = advice.get_by_role("list").first.get_by_role("listitem")
    assert procedures.first.inner_text() == "Innovation partnership"
    assert advice.get_by_role("link", name=re.compile("Lovdata|anskaffelsesforskriften", re.I)).count() > 0
    assert_page(page, "procedure-2-advice")

    # An innovation partnership for the need, which Stavanger follows.
    visit(page, f"{live_server.url}/en/needs/{need.pk}/")
    follow(page.get_by_role("link", name="Start a procurement"))
    # The need's title, problem and CPV codes carry over.
    assert page.get_by_label("CPV codes").input_value() == "85310000"
    page.get_by_label("Procedure").select_option("innovation_partnership")
    page.get_by_label(re.compile("^Estimated value")).fill("12000000")
    page.get_by_label("The first phase starts").fill(
        (datetime.date.today() + datetime.timedelta(days=7)).isoformat()
    )
    follow(page.get_by_role("button", name="Start"))
    procurement = Procurement.objects.get(need=need)
    assert page.url.endswith(procurement.get_absolute_url())
    assert "Stavanger kommune – follower with an option" in page.locator("dl.facts").inner_text()
    requests = page.get_by_role("table", name="Timeline").get_by_role("row", name="Requests to participate")
    assert "30 (at least 30)" in requests.inner_text()

    # The steering group, the follower's option, what the notice needs, and the tender documents.
    add(
        page,
        "member",
        {"Name": "Kari Nordmann", "Role": "Leder"},
        {"Group": "Steering group", "Organisation": "Oslo kommune"},
    )
    add(
        page,
        "option",
        {"Terms": OPTION, "Value (NOK excl. VAT)": "3000000"},
        {"Follower": "Stavanger kommune"},
    )
    add(page, "document", {"Title": "Konkurransegrunnlag", "Address": "https://oslo.example/kg.pdf"})
    details = page.locator("form[action$='/notice-details/']")
    details.get_by_label("Description").fill("Sensorer og digitalt tilsyn på sykehjem om natten.")
    details.get_by_label("Where tenders are submitted").fill("https://tendering.example/oslo/1")
    details.get_by_label(re.compile("^Contract period")).fill("36")
    follow(details.get_by_role("button", name="Save"))
    assert "Steering group: Kari Nordmann, Oslo kommune – Leder" in page.get_by_role("main").inner_text()
    assert f"Stavanger kommune: {OPTION} (3,000,000 NOK)" in page.get_by_role("main").inner_text()
    assert_page(page, "procedure-3-recorded")

    # OCDS that validates, with the follower as an interested party.
    document = json.loads(download(page, "This procurement as open contracting data (OCDS, JSON)"))
    assert ocds.problems(document) == []
    [release] = document["releases"]
    assert release["tender"]["procurementMethodDetails"] == "innovation_partnership"
    roles = {party["name"]: party["roles"] for party in release["parties"]}
    assert "interestedParty" in roles["Stavanger kommune"]

    # The eForms contract notice: procedure innovation (BT-105) and procurement of innovation (BT-776).
    xml = download(page, "Contract notice (eForms XML)")
    assert eforms_check.problems(xml, "16", procedure="innovation_partnership") == []
    assert b'listName="procurement-procedure-type">innovation<' in xml
    assert b'listName="innovative-acquisition">rd-act<' in xml
    if SDK:
        assert schema_problems(xml, schemas_folder(SDK)) == []
