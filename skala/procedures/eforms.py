"""eForms XML drafts of a procurement's advisory notice and contract notice, for the buyer to download
and upload to Doffin.

The advisory notice (Doffin's "veiledende kunngjøring", a prior information notice used only for
information) invites suppliers to the market dialogue; the contract notice opens the competition.
The subtype follows the regime: at or above the EEA threshold, subtype 4 (advisory) and 16
(contract) under Directive 2014/24/EU; below it, DFØ's national subtypes E2 and E3 with the
Regulation's part I, or parts I and II from the national threshold, as the legal basis (BT-01).
Skala's procedure types map onto the eForms procurement-procedure-type codelist (BT-105):
``innovation`` for an innovation partnership, ``comp-dial``, ``neg-w-call``, ``open``,
``restricted``, and ``oth-single`` for the national below-threshold competition, a single-stage
competition in which Part II lets the buyer negotiate. An innovative procurement (an innovation
partnership or a competitive dialogue) carries BT-06 ``inn-pur`` and BT-776, procurement of
innovation, on every lot, with DFØ's codes: ``mar-nov`` (the market is challenged to develop new
solutions) and, for an innovation partnership, ``rd-act`` (it includes R&D).

Every draft is checked before it is offered (``skala.procedures.eforms_check``): well-formed, every
element path found in the eForms SDK's own example notices of the same notice family and in their
order, every code in the codelists, every required field present. A draft that fails is refused
with the failing fields named; it is never offered. XSD validation awaits the eForms SDK's schemas,
which are not available to Skala; Doffin's own validation (XSD, schematron and DFØ's national rules)
runs when the buyer uploads.

Skala fills what it knows and what its procedures imply: the buyers (a joint process's accepted
participants are buyers too), the person downloading as the contact, title, description, CPV codes,
value, lots, deadlines from the phases, the contract period, the documents and where tenders go.
Electronic submission and e-invoicing are required (Norwegian rules), there is no e-auction,
dynamic purchasing system or framework agreement, and exclusion and selection criteria are in the
procurement documents. The buyer completes in Doffin what Skala does not know: the NUTS region,
the review body and review deadlines, telephone numbers, EU funding, e-catalogues and e-ordering.
"""

import datetime
import zoneinfo
from dataclasses import dataclass

from django.db import models
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from lxml import etree

from skala.orgs.models import Organisation, OrganisationKind
from skala.procedures.advisor import BuyerType, ContractType, ProcedureType, eea_threshold, facts_in_force
from skala.procedures.models import NoticeIdentity, Procurement

SDK_VERSION = "eforms-sdk-1.15"
NATIONAL_CUSTOMIZATION = f"{SDK_VERSION}#extended#urn:fdc:anskaffelser.no:2026:eforms:national-e"
DIRECTIVE = "32014L0024"
# The Public Procurement Regulation (anskaffelsesforskriften) by its ELI, and the two descriptions
# DFØ's national codelist allows for it (DFØ's national test notices).
REGULATION_ELI = "https://lovdata.no/eli/forskrift/2016/8/12/974"
PART_I = "NOR — Anskaffelsesforskriften Del 1"
PARTS_I_AND_II = "NOR — Anskaffelsesforskriften Del 1 og 2"
LANGUAGE = "NOR"
OSLO = zoneinfo.ZoneInfo("Europe/Oslo")
# Skala keeps deadlines as days; the notice wants a time too, and noon is the usual one.
DEADLINE_TIME = datetime.time(12, 0)

NS = {
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "ext": "urn:oasis:names:specification:ubl:schema:xsd:CommonExtensionComponents-2",
    "efext": "http://data.europa.eu/p27/eforms-ubl-extensions/1",
    "efac": "http://data.europa.eu/p27/eforms-ubl-extension-aggregate-components/1",
    "efbc": "http://data.europa.eu/p27/eforms-ubl-extension-basic-components/1",
}
ROOT_NS = {
    "PriorInformationNotice": "urn:oasis:names:specification:ubl:schema:xsd:PriorInformationNotice-2",
    "ContractNotice": "urn:oasis:names:specification:ubl:schema:xsd:ContractNotice-2",
}


class NoticeKind(models.TextChoices):
    ADVISORY = "advisory", gettext_lazy("Advisory notice (invites suppliers to the market dialogue)")
    CONTRACT = "contract", gettext_lazy("Contract notice")


PROCEDURE_CODE = {
    ProcedureType.INNOVATION_PARTNERSHIP: "innovation",
    ProcedureType.COMPETITIVE_DIALOGUE: "comp-dial",
    ProcedureType.NEGOTIATION: "neg-w-call",
    ProcedureType.OPEN: "open",
    ProcedureType.RESTRICTED: "restricted",
    ProcedureType.NATIONAL: "oth-single",
}
# Procedures that begin with requests to participate (BT-1311); the others with tenders (BT-131).
REQUESTS_FIRST = {
    ProcedureType.INNOVATION_PARTNERSHIP,
    ProcedureType.COMPETITIVE_DIALOGUE,
    ProcedureType.NEGOTIATION,
    ProcedureType.RESTRICTED,
}
INNOVATION = {
    ProcedureType.INNOVATION_PARTNERSHIP: ["mar-nov", "rd-act"],
    ProcedureType.COMPETITIVE_DIALOGUE: ["mar-nov"],
}
# The phases of a template that are the contract itself, not the competition.
CONTRACT_PHASES = ("partnership_1", "partnership_2", "purchase")
BUYER_LEGAL_TYPE = {
    OrganisationKind.MUNICIPALITY: "la",
    OrganisationKind.COUNTY: "ra",
    OrganisationKind.STATE_AGENCY: "cga",
    OrganisationKind.OTHER_PUBLIC: "body-pl",
}
COUNTRY = {"NO": "NOR", "SE": "SWE", "DK": "DNK", "FI": "FIN", "IS": "ISL"}


class DraftError(ValueError):
    """A draft Skala will not offer, with every reason: the failing field first in each."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


@dataclass(frozen=True)
class Choice:
    """Which notice a procurement gets: subtype, regime, legal basis."""

    kind: str
    subtype: str
    national: bool
    legal_basis: str


def contract_nature(cpv: str) -> str:
    """Works for CPV division 45, supplies below it and for 48 (software packages), services above."""
    division = int(cpv[:2])
    if division == 45:
        return "works"
    return "supplies" if division < 45 or division == 48 else "services"


def cpv_codes(procurement: Procurement) -> list[str]:
    """The procurement's CPV codes in the order they were given: the first is the main one."""
    through = Procurement.cpv_codes.through
    return list(
        through.objects.filter(procurement=procurement).order_by("pk").values_list("cpvcode_id", flat=True)
    )


def choose(procurement: Procurement, kind: str, day: datetime.date) -> Choice:
    """The subtype and legal basis the procurement's procedure and value call for."""
    procedure = ProcedureType(procurement.procedure_type)
    if procedure == ProcedureType.DIRECT:
        raise DraftError(
            [_("BT-105 Procedure: a direct purchase is not announced; there is no notice to draft.")]
        )
    if procedure == ProcedureType.PCP:
        raise DraftError(
            [
                _(
                    "BT-105 Procedure: pre-commercial procurement falls outside the Regulation (the R&D "
                    "exemption), and DFØ's notices need the Regulation as their legal basis; announce it "
                    "in Doffin's own form."
                )
            ]
        )
    if procurement.estimated_value is None:
        raise DraftError(
            [_("BT-27 Estimated value: missing; it decides between the EEA notice and the national one.")]
        )
    facts = facts_in_force(day)
    codes = cpv_codes(procurement)
    contract_type = (
        ContractType.WORKS if codes and contract_nature(codes[0]) == "works" else ContractType.GOODS_SERVICES
    )
    top = procurement.buyer.top()
    buyer_type = BuyerType.CENTRAL if top.kind == OrganisationKind.STATE_AGENCY else BuyerType.OTHER
    eea = eea_threshold(facts, buyer_type, contract_type)
    above_eea = eea is not None and procurement.estimated_value >= eea.amount_nok
    if procedure == ProcedureType.NATIONAL and above_eea:
        raise DraftError(
            [
                _(
                    "BT-105 Procedure: the estimated value is at or above the EEA threshold of NOK "
                    "%(threshold)s, where a national competition may not be used."
                )
                % {"threshold": f"{eea.amount_nok:,.0f}".replace(",", " ")}
            ]
        )
    national = facts.get("national")
    if above_eea:
        subtype = "4" if kind == NoticeKind.ADVISORY else "16"
        return Choice(kind, subtype, False, DIRECTIVE)
    part_ii = national is not None and procurement.estimated_value >= national.amount_nok
    subtype = "E2" if kind == NoticeKind.ADVISORY else "E3"
    return Choice(kind, subtype, True, PARTS_I_AND_II if part_ii else PART_I)


def identity(procurement: Procurement) -> NoticeIdentity:
    """The procurement's notice identifiers, made the first time a draft is asked for."""
    found, _created = NoticeIdentity.objects.get_or_create(procurement=procurement)
    return found


def eforms_date(day: datetime.date) -> str:
    """A date with Oslo's offset on that day, as eForms writes it: 2027-03-05+01:00."""
    offset = datetime.datetime.combine(day, DEADLINE_TIME, tzinfo=OSLO).strftime("%z")
    return f"{day.isoformat()}{offset[:3]}:{offset[3:]}"


def eforms_time(moment: datetime.datetime) -> str:
    local = moment.astimezone(OSLO)
    offset = local.strftime("%z")
    return f"{local:%H:%M:%S}{offset[:3]}:{offset[3:]}"


class Builder:
    """Builds one notice as an element tree, child after child in the schema's order."""

    def __init__(self, root: str):
        self.root = etree.Element(f"{{{ROOT_NS[root]}}}{root}", nsmap={None: ROOT_NS[root], **NS})

    @staticmethod
    def add(parent, tag: str, text: str | None = None, **attributes):
        prefix, local = tag.split(":")
        element = etree.SubElement(parent, f"{{{NS[prefix]}}}{local}", attributes)
        if text is not None:
            element.text = text
        return element

    def text(self, parent, tag: str, text: str):
        return self.add(parent, tag, text, languageID=LANGUAGE)

    def code(self, parent, tag: str, list_name: str, value: str):
        return self.add(parent, tag, value, listName=list_name)

    def party_reference(self, parent, tag: str, organisation_id: str) -> None:
        party = self.add(parent, tag) if tag else parent
        identification = self.add(party, "cac:PartyIdentification")
        self.add(identification, "cbc:ID", organisation_id, schemeName="organization")

    def serialise(self) -> bytes:
        etree.indent(self.root, space="\t")
        return etree.tostring(self.root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def buyers(procurement: Procurement) -> list[Organisation]:
    """The lead buyer, then the joint process's partners and followers who accepted: all buy under it."""
    found = [procurement.buyer]
    process = getattr(procurement.need, "joint_process", None) if procurement.need_id else None
    if process is not None:
        for participant in process.participants.select_related("organisation").filter(status="accepted"):
            if participant.organisation not in found:
                found.append(participant.organisation)
    return found


def legal_entity(organisation: Organisation) -> tuple[str, str]:
    """The name a notice gives an organisation, and the organisation number it buys under."""
    top = organisation.top()
    if top == organisation:
        return organisation.name, organisation.orgnr
    return f"{top.name}, {organisation.name}", organisation.orgnr or top.orgnr


def add_organisations(builder: Builder, extension, procurement: Procurement, contact) -> list[str]:
    """Every buyer as an eForms organisation; the lead buyer carries the contact. Their ids, in order."""
    from skala.orgs.models import RegistryEntry

    organisations = builder.add(extension, "efac:Organizations")
    ids = []
    for number, organisation in enumerate(buyers(procurement), start=1):
        organisation_id = f"ORG-{number:04d}"
        ids.append(organisation_id)
        name, orgnr = legal_entity(organisation)
        registry = RegistryEntry.objects.filter(orgnr=orgnr).first() if orgnr else None
        company = builder.add(builder.add(organisations, "efac:Organization"), "efac:Company")
        if organisation.website:
            builder.add(company, "cbc:WebsiteURI", organisation.website)
        builder.party_reference(company, "", organisation_id)
        builder.text(builder.add(company, "cac:PartyName"), "cbc:Name", name)
        address = builder.add(company, "cac:PostalAddress")
        town = registry.town if registry and registry.town else ""
        if not town and organisation.top().municipality_id:
            town = organisation.top().municipality.name
        if town:
            builder.add(address, "cbc:CityName", town)
        if registry and registry.postal_code:
            builder.add(address, "cbc:PostalZone", registry.postal_code)
        country = builder.add(address, "cac:Country")
        builder.code(country, "cbc:IdentificationCode", "country", COUNTRY.get(organisation.country, ""))
        if orgnr:
            builder.add(builder.add(company, "cac:PartyLegalEntity"), "cbc:CompanyID", orgnr)
        if number == 1 and contact is not None:
            person = builder.add(company, "cac:Contact")
            if contact.name:
                builder.add(person, "cbc:Name", contact.name)
            if contact.email:
                builder.add(person, "cbc:ElectronicMail", contact.email)
    return ids


def add_header(builder: Builder, choice: Choice, notice_id, procedure_id, now: datetime.datetime) -> None:
    builder.add(builder.root, "cbc:UBLVersionID", "2.3")
    builder.add(
        builder.root, "cbc:CustomizationID", NATIONAL_CUSTOMIZATION if choice.national else SDK_VERSION
    )
    builder.add(builder.root, "cbc:ID", str(notice_id), schemeName="notice-id")
    if procedure_id is not None:
        builder.add(builder.root, "cbc:ContractFolderID", str(procedure_id))
    builder.add(builder.root, "cbc:IssueDate", eforms_date(now.astimezone(OSLO).date()))
    builder.add(builder.root, "cbc:IssueTime", eforms_time(now))
    builder.add(builder.root, "cbc:VersionID", "01")


def add_buyers(builder: Builder, procurement: Procurement, ids: list[str], choice: Choice) -> None:
    for organisation, organisation_id in zip(buyers(procurement), ids, strict=True):
        party = builder.add(builder.root, "cac:ContractingParty")
        legal_type = BUYER_LEGAL_TYPE.get(organisation.top().kind)
        if legal_type:
            builder.code(
                builder.add(party, "cac:ContractingPartyType"),
                "cbc:PartyTypeCode",
                "buyer-legal-type",
                legal_type,
            )
        builder.code(
            builder.add(party, "cac:ContractingActivity"),
            "cbc:ActivityTypeCode",
            "authority-activity",
            "gen-pub",
        )
        builder.party_reference(party, "cac:Party", organisation_id)


def add_legal_basis(builder: Builder, terms, choice: Choice) -> None:
    if choice.national:
        reference = builder.add(terms, "cac:ProcurementLegislationDocumentReference")
        builder.add(reference, "cbc:ID", REGULATION_ELI, schemeName="ELI")
        builder.text(reference, "cbc:DocumentDescription", choice.legal_basis)


def add_project(
    builder: Builder,
    parent,
    procurement: Procurement,
    *,
    title: str,
    value,
    note: str = "",
    lot_level: bool = False,
    innovation: list[str] | None = None,
    period=None,
    internal_id: str = "",
):
    """A ProcurementProject: the procedure's or a lot's (BT-21, BT-24, BT-23, BT-27, BT-262, BT-263)."""
    project = builder.add(parent, "cac:ProcurementProject")
    if internal_id:
        builder.add(project, "cbc:ID", internal_id, schemeName="InternalID")
    builder.text(project, "cbc:Name", title)
    if procurement.description:
        builder.text(project, "cbc:Description", procurement.description)
    codes = cpv_codes(procurement)
    if codes:
        builder.code(project, "cbc:ProcurementTypeCode", "contract-nature", contract_nature(codes[0]))
    if note:
        builder.text(project, "cbc:Note", note)
    for code in ["inn-pur"] if innovation else []:
        builder.code(
            builder.add(project, "cac:ProcurementAdditionalType"),
            "cbc:ProcurementTypeCode",
            "strategic-procurement",
            code,
        )
    for code in innovation or []:
        builder.code(
            builder.add(project, "cac:ProcurementAdditionalType"),
            "cbc:ProcurementTypeCode",
            "innovative-acquisition",
            code,
        )
    if value is not None:
        total = builder.add(project, "cac:RequestedTenderTotal")
        builder.add(total, "cbc:EstimatedOverallContractAmount", f"{value:.0f}", currencyID="NOK")
    if codes:
        builder.code(
            builder.add(project, "cac:MainCommodityClassification"),
            "cbc:ItemClassificationCode",
            "cpv",
            codes[0],
        )
    for code in codes[1:] if not lot_level else []:
        builder.code(
            builder.add(project, "cac:AdditionalCommodityClassification"),
            "cbc:ItemClassificationCode",
            "cpv",
            code,
        )
    address = builder.add(builder.add(project, "cac:RealizedLocation"), "cac:Address")
    builder.code(
        builder.add(address, "cac:Country"),
        "cbc:IdentificationCode",
        "country",
        COUNTRY.get(procurement.buyer.country, ""),
    )
    if period is not None:
        planned = builder.add(project, "cac:PlannedPeriod")
        if isinstance(period, int):
            builder.add(planned, "cbc:DurationMeasure", str(period), unitCode="MONTH")
        else:
            builder.add(planned, "cbc:StartDate", eforms_date(period[0]))
            builder.add(planned, "cbc:EndDate", eforms_date(period[1]))
    return project


def phase(procurement: Procurement, *keys: str):
    """The first of the procurement's phases with one of the keys, in the timeline's order."""
    return next((item for item in procurement.phases.all() if item.key in keys), None)


def contract_period(procurement: Procurement):
    """The contract's dates from its contract phases, else its length in months, else None."""
    phases = [item for item in procurement.phases.all() if item.key in CONTRACT_PHASES]
    if phases:
        return (min(item.starts_on for item in phases), max(item.ends_on for item in phases))
    return procurement.contract_months


def lots(procurement: Procurement, prefix: str) -> list[tuple[str, str, object]]:
    """Each lot as (id, title, value); an undivided procurement is one lot numbered 0000."""
    found = [(f"{prefix}-{lot.number:04d}", lot.title, lot.estimated_value) for lot in procurement.lots.all()]
    return found or [(f"{prefix}-0000", procurement.title, procurement.estimated_value)]


def dialogue_note(procurement: Procurement) -> str:
    """The advisory notice's invitation to the market dialogue, in Norwegian like the notice."""
    dialogue = phase(procurement, "dialogue")
    with translation.override("nb"):
        if dialogue is None:
            return _("The buyer invites suppliers to a dialogue with the market before the competition.")
        return _(
            "The buyer invites suppliers to a dialogue with the market from %(start)s to %(end)s, before "
            "the competition. Suppliers who want to take part contact the buyer."
        ) % {
            "start": date_format(dialogue.starts_on, "DATE_FORMAT"),
            "end": date_format(dialogue.ends_on, "DATE_FORMAT"),
        }


def build(
    procurement: Procurement, kind: str, contact, now: datetime.datetime | None = None
) -> tuple[Choice, bytes]:
    """The draft as XML, unchecked; ``draft`` checks it."""
    now = now or timezone.now()
    choice = choose(procurement, kind, now.date())
    ids = identity(procurement)
    procedure = ProcedureType(procurement.procedure_type)
    advisory = kind == NoticeKind.ADVISORY
    builder = Builder("PriorInformationNotice" if advisory else "ContractNotice")
    extension = builder.add(
        builder.add(
            builder.add(builder.add(builder.root, "ext:UBLExtensions"), "ext:UBLExtension"),
            "ext:ExtensionContent",
        ),
        "efext:EformsExtension",
    )
    builder.code(
        builder.add(extension, "efac:NoticeSubType"), "cbc:SubTypeCode", "notice-subtype", choice.subtype
    )
    organisation_ids = add_organisations(builder, extension, procurement, contact)
    add_header(
        builder,
        choice,
        ids.advisory_notice_id if advisory else ids.contract_notice_id,
        None if advisory else ids.procedure_id,
        now,
    )
    if advisory:
        announcement = phase(procurement, "announcement")
        if announcement is not None:
            builder.add(builder.root, "cbc:PlannedDate", eforms_date(announcement.starts_on))
    builder.add(builder.root, "cbc:RegulatoryDomain", "other" if choice.national else DIRECTIVE)
    builder.code(
        builder.root,
        "cbc:NoticeTypeCode",
        "planning" if advisory else "competition",
        "pin-only" if advisory else "cn-standard",
    )
    builder.add(builder.root, "cbc:NoticeLanguageCode", LANGUAGE)
    add_buyers(builder, procurement, organisation_ids, choice)
    if advisory:
        if choice.national:
            add_legal_basis(builder, builder.add(builder.root, "cac:TenderingTerms"), choice)
        add_project(
            builder,
            builder.root,
            procurement,
            title=procurement.title,
            value=procurement.estimated_value,
            note=dialogue_note(procurement),
            internal_id=f"SKALA-{procurement.pk}",
        )
        for lot_id, title, value in lots(procurement, "PAR"):
            lot = builder.add(builder.root, "cac:ProcurementProjectLot")
            builder.add(lot, "cbc:ID", lot_id, schemeName="Part")
            add_project(builder, lot, procurement, title=title, value=value, lot_level=True)
        return choice, builder.serialise()

    terms = builder.add(builder.root, "cac:TenderingTerms")
    add_legal_basis(builder, terms, choice)
    requirement = builder.add(
        builder.add(terms, "cac:TendererQualificationRequest"), "cac:SpecificTendererRequirement"
    )
    builder.code(
        requirement, "cbc:TendererRequirementTypeCode", "exclusion-grounds-source", "epo-procurement-document"
    )
    process = builder.add(builder.root, "cac:TenderingProcess")
    builder.code(process, "cbc:ProcedureCode", "procurement-procedure-type", PROCEDURE_CODE[procedure])
    if not choice.national:
        justification = builder.add(process, "cac:ProcessJustification")
        builder.code(justification, "cbc:ProcessReasonCode", "accelerated-procedure", "false")
    add_project(
        builder,
        builder.root,
        procurement,
        title=procurement.title,
        value=procurement.estimated_value,
        internal_id=f"SKALA-{procurement.pk}",
    )
    deadline = (
        phase(procurement, "requests") if procedure in REQUESTS_FIRST else phase(procurement, "tenders")
    )
    for lot_id, title, value in lots(procurement, "LOT"):
        add_contract_lot(
            builder,
            procurement,
            choice,
            lot_id,
            title,
            value,
            deadline,
            INNOVATION.get(procedure),
            organisation_ids[0],
        )
    return choice, builder.serialise()


def add_contract_lot(
    builder: Builder, procurement, choice, lot_id, title, value, deadline, innovation, lead_id
) -> None:
    """One lot of the contract notice: its terms, its process and its project."""
    procedure = ProcedureType(procurement.procedure_type)
    lot = builder.add(builder.root, "cac:ProcurementProjectLot")
    builder.add(lot, "cbc:ID", lot_id, schemeName="Lot")
    terms = builder.add(lot, "cac:TenderingTerms")
    for document in procurement.documents.all():
        reference = builder.add(terms, "cac:CallForTendersDocumentReference")
        builder.add(reference, "cbc:ID", f"DOC-{document.pk}")
        builder.add(reference, "cbc:DocumentType", "non-restricted-document")
        builder.add(
            builder.add(builder.add(reference, "cac:Attachment"), "cac:ExternalReference"),
            "cbc:URI",
            document.url,
        )
    for list_name, value_code in (
        ("reserved-procurement", "none"),
        ("selection-criteria-source", "epo-procurement-document"),
    ):
        requirement = builder.add(
            builder.add(terms, "cac:TendererQualificationRequest"), "cac:SpecificTendererRequirement"
        )
        builder.code(requirement, "cbc:TendererRequirementTypeCode", list_name, value_code)
    for list_name, value_code in (("reserved-execution", "no"), ("einvoicing", "required")):
        builder.code(
            builder.add(terms, "cac:ContractExecutionRequirement"),
            "cbc:ExecutionRequirementCode",
            list_name,
            value_code,
        )
    if procurement.submission_url:
        recipient = builder.add(terms, "cac:TenderRecipientParty")
        builder.add(recipient, "cbc:EndpointID", procurement.submission_url)
        builder.party_reference(recipient, "", lead_id)
    builder.add(builder.add(terms, "cac:Language"), "cbc:ID", LANGUAGE)
    process = builder.add(lot, "cac:TenderingProcess")
    builder.code(process, "cbc:SubmissionMethodCode", "esubmission", "required")
    if not choice.national:
        # Norway is a party to the WTO's Government Procurement Agreement, which covers EEA-level contracts.
        builder.add(process, "cbc:GovernmentAgreementConstraintIndicator", "true")
    if deadline is not None:
        period = builder.add(
            process,
            "cac:ParticipationRequestReceptionPeriod"
            if procedure in REQUESTS_FIRST
            else "cac:TenderSubmissionDeadlinePeriod",
        )
        builder.add(period, "cbc:EndDate", eforms_date(deadline.ends_on))
        builder.add(
            period,
            "cbc:EndTime",
            eforms_time(datetime.datetime.combine(deadline.ends_on, DEADLINE_TIME, tzinfo=OSLO)),
        )
    builder.add(builder.add(process, "cac:AuctionTerms"), "cbc:AuctionConstraintIndicator", "false")
    for list_name in ("framework-agreement", "dps-usage"):
        builder.code(
            builder.add(process, "cac:ContractingSystem"), "cbc:ContractingSystemTypeCode", list_name, "none"
        )
    add_project(
        builder,
        lot,
        procurement,
        title=title,
        value=value,
        lot_level=True,
        innovation=innovation,
        period=contract_period(procurement),
        internal_id=lot_id,
    )


def draft(
    procurement: Procurement, kind: str, contact, now: datetime.datetime | None = None
) -> tuple[Choice, bytes]:
    """A checked draft: (its choice of subtype, the XML); DraftError names every failing field."""
    from skala.procedures.eforms_check import problems

    choice, xml = build(procurement, kind, contact, now)
    found = problems(xml, choice.subtype, procedure=procurement.procedure_type)
    if found:
        raise DraftError(found)
    return choice, xml


def filename(procurement: Procurement, choice: Choice) -> str:
    return f"procurement-{procurement.pk}-{choice.kind}-eforms-{choice.subtype}.xml"
