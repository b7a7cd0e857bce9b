"""eForms drafts: the advisory notice and the contract notice, by regime, checked before they are offered."""

import datetime
import json
import uuid

import pytest
from defusedxml import ElementTree

from skala.needs.models import Need, NeedStatus
from skala.needs.services import invite
from skala.procedures import eforms, eforms_check, eforms_derive
from skala.procedures.models import Procurement, ProcurementDocument
from skala.procedures.timeline import apply_template
from skala.reference.models import CpvCode

pytestmark = pytest.mark.django_db

EXAMPLES = eforms_derive.EXAMPLES
# A contract notice of a joint process with two buyers, checked in so a new query shows up here.
QUERIES_FOR_A_JOINT_DRAFT = 12
NOW = datetime.datetime(2026, 12, 1, 9, 0, tzinfo=datetime.UTC)
NS = {
    "cbc": eforms.NS["cbc"],
    "cac": eforms.NS["cac"],
    "efac": eforms.NS["efac"],
}


def make_procurement(personas, procedure, value, *, need=None, cpv=("85310000", "33196200"), **fields):
    fields = {
        "description": "Sensorer og digitalt tilsyn på sykehjem.",
        "submission_url": "https://tendering.example/oslo/123",
        **fields,
    }
    procurement = Procurement.objects.create(
        buyer=personas.oslo,
        need=need,
        title="Digitalt nattilsyn",
        procedure_type=procedure,
        estimated_value=value,
        **fields,
    )
    for code in cpv:
        procurement.cpv_codes.add(CpvCode.objects.get(code8=code))
    apply_template(procurement, datetime.date(2027, 1, 4))
    ProcurementDocument.objects.create(
        procurement=procurement, title="Konkurransegrunnlag", url="https://oslo.example/konkurranse.pdf"
    )
    return procurement


def joint_need(personas) -> Need:
    need = Need.objects.create(
        organisation=personas.oslo, title="Nattilsyn", problem="x", status=NeedStatus.PUBLISHED
    )
    participant, _created = invite(need, personas.stavanger, "follower", "200 enheter", personas.owner)
    participant.answer(accept=True)
    return need


def parse(xml: bytes):
    return ElementTree.fromstring(xml)


def texts(root, path: str) -> list[str]:
    return [element.text for element in root.findall(path, NS)]


def values(xml: bytes, list_name: str) -> list[str]:
    return [element.text for element in parse(xml).iter() if element.get("listName") == list_name]


def test_an_innovation_partnership_of_a_joint_process_drafts_an_eea_contract_notice(personas):
    procurement = make_procurement(personas, "innovation_partnership", 12_000_000, need=joint_need(personas))
    choice, xml = eforms.draft(procurement, "contract", personas.owner, NOW)
    root = parse(xml)
    assert choice.subtype == "16"
    assert root.tag == "{urn:oasis:names:specification:ubl:schema:xsd:ContractNotice-2}ContractNotice"
    assert texts(root, "cbc:RegulatoryDomain") == ["32014L0024"]
    assert values(xml, "procurement-procedure-type") == ["innovation"]
    assert values(xml, "innovative-acquisition") == ["mar-nov", "rd-act"]
    assert values(xml, "strategic-procurement") == ["inn-pur"]
    # Both buyers of the joint process: Oslo leads, Stavanger follows with an option.
    assert len(root.findall("cac:ContractingParty", NS)) == 2
    names = [element.text for element in root.iter(f"{{{NS['cbc']}}}Name") if element.get("languageID")]
    assert "Oslo kommune" in names
    assert "Stavanger kommune" in names
    assert [element.text for element in root.iter(f"{{{NS['cbc']}}}CompanyID")] == ["958935420", "964965226"]
    assert [element.text for element in root.iter(f"{{{NS['cbc']}}}ElectronicMail")] == ["owner@test.example"]
    assert values(xml, "cpv") == ["85310000", "33196200", "85310000"]
    requests = procurement.phases.get(key="requests")
    deadline = root.find(
        "cac:ProcurementProjectLot/cac:TenderingProcess/cac:ParticipationRequestReceptionPeriod/cbc:EndDate",
        NS,
    )
    # Oslo's summer time in April: the offset follows the day.
    assert deadline.text == f"{requests.ends_on.isoformat()}+02:00"
    period = root.find("cac:ProcurementProjectLot/cac:ProcurementProject/cac:PlannedPeriod", NS)
    assert period.find("cbc:StartDate", NS).text.startswith(
        procurement.phases.get(key="partnership_1").starts_on.isoformat()
    )
    assert texts(
        root, "cac:ProcurementProject/cac:RequestedTenderTotal/cbc:EstimatedOverallContractAmount"
    ) == ["12000000"]
    assert eforms_check.problems(xml, "16", "innovation_partnership") == []


def test_the_advisory_notice_invites_to_the_market_dialogue_without_a_procedure_identifier(personas):
    procurement = make_procurement(personas, "innovation_partnership", 12_000_000, need=joint_need(personas))
    choice, xml = eforms.draft(procurement, "advisory", personas.owner, NOW)
    root = parse(xml)
    assert choice.subtype == "4"
    assert values(xml, "planning") == ["pin-only"]
    assert root.find("cbc:ContractFolderID", NS) is None
    assert texts(root, "cbc:PlannedDate") == [
        f"{procurement.phases.get(key='announcement').starts_on.isoformat()}+01:00"
    ]
    assert root.findall("cac:ProcurementProjectLot/cbc:ID", NS)[0].get("schemeName") == "Part"
    dialogue = procurement.phases.get(key="dialogue")
    assert "2027" in texts(root, "cac:ProcurementProject/cbc:Note")[0]
    assert dialogue.starts_on.year == 2027
    # No procedure type or innovation code: no example prior information notice carries them.
    assert values(xml, "procurement-procedure-type") == []
    assert values(xml, "innovative-acquisition") == []


def test_a_competitive_dialogue_drafts_comp_dial_with_its_contract_period(personas):
    procurement = make_procurement(personas, "competitive_dialogue", 5_000_000, contract_months=24)
    choice, xml = eforms.draft(procurement, "contract", personas.owner, NOW)
    root = parse(xml)
    assert choice.subtype == "16"
    assert values(xml, "procurement-procedure-type") == ["comp-dial"]
    assert values(xml, "innovative-acquisition") == ["mar-nov"]
    duration = root.find(
        "cac:ProcurementProjectLot/cac:ProcurementProject/cac:PlannedPeriod/cbc:DurationMeasure", NS
    )
    assert (duration.text, duration.get("unitCode")) == ("24", "MONTH")


def test_a_below_threshold_national_competition_gets_dfos_national_notices(personas):
    procurement = make_procurement(personas, "national", 900_000)
    choice, xml = eforms.draft(procurement, "contract", personas.owner, NOW)
    root = parse(xml)
    assert (choice.subtype, choice.national) == ("E3", True)
    assert texts(root, "cbc:RegulatoryDomain") == ["other"]
    assert texts(root, "cbc:CustomizationID")[0].endswith(
        "#extended#urn:fdc:anskaffelser.no:2026:eforms:national-e"
    )
    legal = root.find("cac:TenderingTerms/cac:ProcurementLegislationDocumentReference", NS)
    assert legal.find("cbc:ID", NS).text == "https://lovdata.no/eli/forskrift/2016/8/12/974"
    assert legal.find("cbc:DocumentDescription", NS).text == "NOR — Anskaffelsesforskriften Del 1"
    assert values(xml, "procurement-procedure-type") == ["oth-single"]
    assert values(xml, "innovative-acquisition") == []
    tenders = procurement.phases.get(key="tenders")
    deadline = root.find(
        "cac:ProcurementProjectLot/cac:TenderingProcess/cac:TenderSubmissionDeadlinePeriod/cbc:EndDate", NS
    )
    assert deadline.text.startswith(tenders.ends_on.isoformat())
    advisory_choice, advisory = eforms.draft(procurement, "advisory", personas.owner, NOW)
    assert advisory_choice.subtype == "E2"
    assert eforms_check.problems(advisory, "E2") == []


def test_from_the_national_threshold_the_legal_basis_is_parts_one_and_two(personas):
    procurement = make_procurement(personas, "open", 2_000_000)
    choice, xml = eforms.draft(procurement, "contract", personas.owner, NOW)
    assert (choice.subtype, choice.legal_basis) == ("E3", "NOR — Anskaffelsesforskriften Del 1 og 2")
    assert values(xml, "procurement-procedure-type") == ["open"]


def test_a_draft_missing_a_required_field_is_refused_and_names_it(personas):
    procurement = make_procurement(personas, "open", 2_000_000, submission_url="", description="")
    procurement.documents.all().delete()
    with pytest.raises(eforms.DraftError) as refused:
        eforms.draft(procurement, "contract", personas.owner, NOW)
    fields = [problem.split(":")[0] for problem in refused.value.problems]
    assert "BT-24 Description (the procurement's description)" in fields
    assert any(field.startswith("BT-18 Submission URL") for field in fields)
    assert any(field.startswith("BT-15 Documents URL") for field in fields)


def test_a_draft_without_cpv_codes_is_refused_naming_the_main_classification(personas):
    procurement = make_procurement(personas, "innovation_partnership", 12_000_000, cpv=())
    with pytest.raises(eforms.DraftError, match=r"BT-262 Main classification code"):
        eforms.draft(procurement, "advisory", personas.owner, NOW)


@pytest.mark.parametrize(
    ("procedure", "value", "reason"),
    [
        ("direct", 50_000, "a direct purchase is not announced"),
        ("pcp", 3_000_000, "pre-commercial procurement falls outside the Regulation"),
        ("national", 5_000_000, "at or above the EEA threshold"),
        ("open", None, "BT-27 Estimated value: missing"),
    ],
)
def test_procurements_without_a_fitting_notice_are_refused_with_the_reason(
    personas, procedure, value, reason
):
    procurement = make_procurement(personas, procedure, value)
    with pytest.raises(eforms.DraftError, match=reason):
        eforms.draft(procurement, "contract", personas.owner, NOW)


def test_a_buyer_dfo_refuses_in_national_notices_is_named(personas):
    from skala.testing import make_organisation

    body = make_organisation("Helseforetaket", kind="other_public", orgnr="983974899")
    procurement = make_procurement(personas, "national", 900_000)
    procurement.buyer = body
    procurement.save()
    with pytest.raises(eforms.DraftError, match=r"refuse 'body-pl'"):
        eforms.draft(procurement, "contract", personas.owner, NOW)


def test_a_unit_buys_in_the_name_and_number_of_its_legal_entity(personas):
    procurement = make_procurement(personas, "national", 900_000)
    procurement.buyer = personas.sykehjemsetaten
    procurement.save()
    root = parse(eforms.draft(procurement, "contract", personas.editor, NOW)[1])
    names = [element.text for element in root.iter(f"{{{NS['cbc']}}}Name") if element.get("languageID")]
    assert names[0] == "Oslo kommune, Sykehjemsetaten"
    assert [element.text for element in root.iter(f"{{{NS['cbc']}}}CompanyID")] == ["958935420"]
    assert [element.text for element in root.iter(f"{{{NS['cbc']}}}ElectronicMail")] == [
        "editor@test.example"
    ]


def test_a_buyer_whose_legal_type_skala_cannot_tell_is_refused_naming_bt_11(personas):
    from skala.testing import make_organisation

    procurement = make_procurement(personas, "national", 900_000)
    procurement.buyer = make_organisation("Forskningsinstituttet", kind="academia", orgnr="974760673")
    procurement.save()
    with pytest.raises(eforms.DraftError, match=r"BT-11 Buyer legal type .*: missing"):
        eforms.draft(procurement, "contract", personas.owner, NOW)


def test_the_notice_identifiers_are_uuids_and_stay_the_same_across_downloads(personas):
    procurement = make_procurement(personas, "open", 2_000_000)
    first = parse(eforms.draft(procurement, "contract", personas.owner, NOW)[1])
    second = parse(eforms.draft(procurement, "contract", personas.editor, NOW)[1])
    advisory = parse(eforms.draft(procurement, "advisory", personas.owner, NOW)[1])
    notice_id, folder_id = texts(first, "cbc:ID")[0], texts(first, "cbc:ContractFolderID")[0]
    assert uuid.UUID(notice_id).version == 4
    assert uuid.UUID(folder_id).version == 4
    assert (texts(second, "cbc:ID")[0], texts(second, "cbc:ContractFolderID")[0]) == (notice_id, folder_id)
    assert texts(advisory, "cbc:ID")[0] not in {notice_id, folder_id}


def test_lots_become_eforms_lots_each_with_its_value(personas):
    from skala.procedures.models import Lot

    procurement = make_procurement(personas, "innovation_partnership", 12_000_000)
    Lot.objects.create(procurement=procurement, number=1, title="Sensorer", estimated_value=8_000_000)
    Lot.objects.create(procurement=procurement, number=2, title="Plattform", estimated_value=4_000_000)
    _choice, xml = eforms.draft(procurement, "contract", personas.owner, NOW)
    root = parse(xml)
    assert texts(root, "cac:ProcurementProjectLot/cbc:ID") == ["LOT-0001", "LOT-0002"]
    assert texts(root, "cac:ProcurementProjectLot/cac:ProcurementProject/cbc:Name") == [
        "Sensorer",
        "Plattform",
    ]
    assert values(xml, "innovative-acquisition") == ["mar-nov", "rd-act", "mar-nov", "rd-act"]


def queries_for_a_draft(procurement, person) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        eforms.draft(procurement, "contract", person, NOW)
    return len(captured.captured_queries)


def test_a_draft_costs_the_same_queries_however_many_lots_it_has(personas):
    from skala.procedures.models import Lot

    procurement = make_procurement(personas, "innovation_partnership", 12_000_000, need=joint_need(personas))
    eforms.draft(procurement, "contract", personas.owner, NOW)  # the notice identifiers are made once
    Lot.objects.bulk_create(Lot(procurement=procurement, number=n, title=f"Del {n}") for n in (1, 2))
    two_lots = queries_for_a_draft(procurement, personas.owner)
    Lot.objects.bulk_create(Lot(procurement=procurement, number=n, title=f"Del {n}") for n in range(3, 9))
    assert queries_for_a_draft(procurement, personas.owner) == two_lots == QUERIES_FOR_A_JOINT_DRAFT


class TestTheChecks:
    """The validator itself: what it refuses, and that it accepts the real example notices."""

    def draft(self, personas) -> bytes:
        procurement = make_procurement(personas, "competitive_dialogue", 5_000_000, contract_months=24)
        return eforms.build(procurement, "contract", personas.owner, NOW)[1]

    def test_an_element_no_example_has_is_named_with_its_path(self, personas):
        xml = self.draft(personas).replace(b"<cbc:Description", b"<cbc:Summary", 1)
        xml = xml.replace(b"</cbc:Description>", b"</cbc:Summary>", 1)
        found = eforms_check.problems(xml, "16", "competitive_dialogue")
        assert "/ContractNotice/cac:ProcurementProject/cbc:Summary: no eForms SDK example" in found[0]
        assert "BT-24 Description (the procurement's description): missing." in found

    def test_siblings_out_of_the_examples_order_are_refused(self, personas):
        version = b"<cbc:UBLVersionID>2.3</cbc:UBLVersionID>"
        customization = b"<cbc:CustomizationID>eforms-sdk-1.15</cbc:CustomizationID>"
        xml = self.draft(personas).replace(
            version + b"\n\t" + customization, customization + b"\n\t" + version
        )
        found = eforms_check.problems(xml, "16", "competitive_dialogue")
        order = "cbc:UBLVersionID must come before cbc:CustomizationID, as in the eForms examples."
        assert found == [f"/ContractNotice: {order}"]

    def test_a_code_outside_its_codelist_is_refused(self, personas):
        xml = (
            self.draft(personas).replace(b">comp-dial<", b">dialogue<").replace(b">85310000<", b">85310009<")
        )
        found = eforms_check.problems(xml, "16", "competitive_dialogue")
        assert any(
            "'dialogue' is not in the procurement-procedure-type codelist" in problem for problem in found
        )
        assert any("'85310009' is not in the cpv codelist" in problem for problem in found)

    def test_xml_that_is_not_well_formed_is_refused(self, personas):
        found = eforms_check.problems(self.draft(personas)[:-40], "16")
        assert len(found) == 1
        assert found[0].startswith("The draft is not well-formed XML")

    def test_dfos_invalid_national_notice_with_a_refused_buyer_type_is_refused(self):
        xml = (EXAMPLES / "dfo-INVALID-national-e3-with-disallowed-buyer-legal-type-code.xml").read_bytes()
        found = eforms_check.problems(xml, "E3")
        assert any("refuse 'body-pl'" in problem for problem in found)

    @pytest.mark.parametrize("subtype", sorted(eforms_derive.SUBTYPES))
    def test_the_real_example_notices_pass_the_structure_and_code_checks(self, subtype):
        data = eforms_check.structure()
        family = data["subtypes"][subtype]["family"]
        for name in eforms_derive.SUBTYPES[subtype]:
            root = ElementTree.parse(EXAMPLES / name).getroot()
            assert eforms_check.order_problems(root, data["order"][family]) == [], name
            assert eforms_check.code_problems(root, subtype, data) == [], name


def test_the_committed_structure_is_what_the_examples_give():
    committed = json.loads(eforms_derive.OUTPUT.read_text(encoding="utf-8"))
    assert committed == json.loads(json.dumps(eforms_derive.derive()))


@pytest.mark.parametrize("subtype", sorted(eforms_derive.SUBTYPES))
def test_every_required_field_is_carried_by_real_notices_of_the_subtype(subtype):
    carried = set()
    for name in eforms_derive.SUBTYPES[subtype]:
        carried |= eforms_derive.paths_and_codes(ElementTree.parse(EXAMPLES / name).getroot())[0]
    family = set(eforms_check.structure()["families"][eforms_derive.FAMILIES[subtype]])
    procedures = [None] if subtype in {"4", "E2"} else ["open", "restricted"]
    for procedure in procedures:
        missing = set(eforms_check.required(subtype, procedure)) - carried
        # Every national example is an open competition: the deadline for requests to participate is
        # vouched for by the EEA contract notices of the same family only.
        assert missing <= {f"/ContractNotice/{eforms_check.REQUESTS}"}
        assert missing <= family


def test_the_first_cpv_code_a_buyer_gives_is_the_main_one(client, personas):
    client.force_login(personas.owner)
    client.post(
        "/en/procedures/new/",
        {
            "buyer": personas.oslo.pk,
            "title": "Nattilsyn",
            "procedure_type": "open",
            "estimated_value": "2000000",
            "cpv": "85310000, 33196200-6 72000000",
            "start": "2027-01-04",
        },
    )
    procurement = Procurement.objects.get()
    assert eforms.cpv_codes(procurement) == ["85310000", "33196200", "72000000"]


class TestTheDownloads:
    """The drafts on the procurement's page and through the API: for the buyer's editors only."""

    def test_an_editor_downloads_both_drafts_from_the_procurement_page(self, client, personas):
        procurement = make_procurement(personas, "innovation_partnership", 12_000_000)
        client.force_login(personas.owner)
        page = client.get(f"/en/procedures/{procurement.pk}/").content.decode()
        assert f"/en/procedures/{procurement.pk}/eforms/advisory.xml" in page
        assert f"/en/procedures/{procurement.pk}/eforms/contract.xml" in page
        for kind, subtype in (("advisory", "4"), ("contract", "16")):
            response = client.get(f"/en/procedures/{procurement.pk}/eforms/{kind}.xml")
            assert response.status_code == 200
            assert response["Content-Type"] == "application/xml; charset=utf-8"
            assert response["Content-Disposition"] == (
                f'attachment; filename="procurement-{procurement.pk}-{kind}-eforms-{subtype}.xml"'
            )
            assert eforms_check.problems(response.content, subtype, "innovation_partnership") == []

    def test_a_refused_draft_names_the_missing_field_instead_of_downloading(self, client, personas):
        procurement = make_procurement(personas, "open", 2_000_000, submission_url="")
        client.force_login(personas.owner)
        response = client.get(f"/en/procedures/{procurement.pk}/eforms/contract.xml")
        assert response.status_code == 422
        assert response["Content-Type"].startswith("text/html")
        assert "BT-18 Submission URL" in response.content.decode()

    def test_the_missing_details_are_filled_in_on_the_procurement_page(self, client, personas):
        procurement = make_procurement(personas, "open", 2_000_000, submission_url="")
        client.force_login(personas.owner)
        client.post(
            f"/en/procedures/{procurement.pk}/notice-details/",
            {
                "notice-description": "Nattilsyn",
                "notice-submission_url": "tendering.example/x",
                "notice-contract_months": "36",
            },
        )
        procurement.refresh_from_db()
        assert (procurement.submission_url, procurement.contract_months) == (
            "https://tendering.example/x",
            36,
        )
        assert client.get(f"/en/procedures/{procurement.pk}/eforms/contract.xml").status_code == 200

    def test_colleagues_who_may_only_view_and_other_buyers_are_refused(self, client, personas):
        procurement = make_procurement(personas, "open", 2_000_000)
        url = f"/en/procedures/{procurement.pk}/eforms/contract.xml"
        assert client.get(url).status_code == 302
        for person in (personas.colleague, personas.other_buyer, personas.supplier):
            client.force_login(person)
            assert client.get(url).status_code == 403
            assert (
                "eforms/contract.xml" not in client.get(f"/en/procedures/{procurement.pk}/").content.decode()
            )
            response = client.post(
                f"/en/procedures/{procurement.pk}/notice-details/", {"notice-description": "x"}
            )
            assert response.status_code == 403
        client.force_login(personas.owner)
        assert client.get(f"/en/procedures/{procurement.pk}/eforms/invoice.xml").status_code == 404

    def test_the_api_serves_the_draft_to_the_buyers_editors(self, client, personas):
        procurement = make_procurement(personas, "national", 900_000)
        url = f"/api/v1/procedures/procurements/{procurement.pk}/eforms/contract"
        assert client.get(url).status_code == 401
        client.force_login(personas.other_buyer)
        assert client.get(url).status_code == 403
        client.force_login(personas.owner)
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/xml; charset=utf-8"
        assert eforms_check.problems(response.content, "E3", "national") == []
        assert client.get(url.replace("contract", "invoice")).status_code == 422

    def test_the_api_answers_a_refused_draft_with_the_failing_fields(self, client, personas):
        procurement = make_procurement(personas, "national", 900_000, description="")
        client.force_login(personas.owner)
        response = client.get(
            f"/api/v1/procedures/procurements/{procurement.pk}/eforms/advisory",
            headers={"Accept-Language": "en"},
        )
        assert response.status_code == 422
        assert "BT-24 Description (the procurement's description): missing." in response.json()["problems"]
