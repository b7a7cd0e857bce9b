"""The XML of one eForms draft, built element by element in the order of the eForms SDK's examples.

Which notice a procurement gets, what Skala fills in and what it leaves to the buyer is said in
``skala/procedures/eforms.py``; this module only writes it down. The procurement's facts are read
once, so a draft costs the same few queries however many lots it has.
"""

import datetime
import zoneinfo

from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from lxml import etree

from skala.needs.models import ParticipantStatus
from skala.orgs.models import Organisation, OrganisationKind, RegistryEntry
from skala.procedures.advisor import ProcedureType
from skala.procedures.models import NoticeIdentity, Procurement

SDK_VERSION = "eforms-sdk-1.15"
NATIONAL_CUSTOMIZATION = f"{SDK_VERSION}#extended#urn:fdc:anskaffelser.no:2026:eforms:national-e"
DIRECTIVE = "32014L0024"
# The Public Procurement Regulation (anskaffelsesforskriften) by its ELI.
REGULATION_ELI = "https://lovdata.no/eli/forskrift/2016/8/12/974"
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


def buyers(procurement: Procurement) -> list[Organisation]:
    """The lead buyer, then the joint process's partners and followers who accepted: all buy under it."""
    found = [procurement.buyer]
    process = getattr(procurement.need, "joint_process", None) if procurement.need_id else None
    if process is not None:
        accepted = process.participants.select_related("organisation").filter(
            status=ParticipantStatus.ACCEPTED
        )
        found += [
            participant.organisation for participant in accepted if participant.organisation not in found
        ]
    return found


def legal_entity(organisation: Organisation) -> tuple[str, str]:
    """The name a notice gives an organisation, and the organisation number it buys under."""
    top = organisation.top()
    if top == organisation:
        return organisation.name, organisation.orgnr
    return f"{top.name}, {organisation.name}", organisation.orgnr or top.orgnr


def eforms_date(day: datetime.date) -> str:
    """A date with Oslo's offset on that day, as eForms writes it: 2027-03-05+01:00."""
    offset = datetime.datetime.combine(day, DEADLINE_TIME, tzinfo=OSLO).strftime("%z")
    return f"{day.isoformat()}{offset[:3]}:{offset[3:]}"


def eforms_time(moment: datetime.datetime) -> str:
    """A time of day in Oslo with its offset: 12:00:00+01:00."""
    local = moment.astimezone(OSLO)
    offset = local.strftime("%z")
    return f"{local:%H:%M:%S}{offset[:3]}:{offset[3:]}"


class NoticeXml:
    """One notice of one procurement: its facts read once, then written element by element."""

    def __init__(self, procurement: Procurement, choice, contact, now: datetime.datetime):
        self.procurement, self.choice, self.contact, self.now = procurement, choice, contact, now
        self.advisory = choice.kind == "advisory"
        self.procedure = ProcedureType(procurement.procedure_type)
        self.codes = cpv_codes(procurement)
        self.phases = list(procurement.phases.all())
        self.buyers = buyers(procurement)
        self.organisation_ids = [f"ORG-{number:04d}" for number in range(1, len(self.buyers) + 1)]
        self.identity, _created = NoticeIdentity.objects.get_or_create(procurement=procurement)
        root = "PriorInformationNotice" if self.advisory else "ContractNotice"
        self.root = etree.Element(f"{{{ROOT_NS[root]}}}{root}", nsmap={None: ROOT_NS[root], **NS})

    # The elements.

    def add(self, parent, tag: str, text: str | None = None, **attributes):
        """A child element: tag as 'cbc:Name', attributes as keywords."""
        prefix, local = tag.split(":")
        element = etree.SubElement(parent, f"{{{NS[prefix]}}}{local}", attributes)
        if text is not None:
            element.text = text
        return element

    def nest(self, parent, *tags: str):
        """A chain of new elements, each inside the one before; the innermost."""
        for tag in tags:
            parent = self.add(parent, tag)
        return parent

    def text(self, parent, tag: str, text: str):
        return self.add(parent, tag, text, languageID=LANGUAGE)

    def code(self, parent, tag: str, list_name: str, value: str):
        return self.add(parent, tag, value, listName=list_name)

    def party(self, parent, organisation_id: str) -> None:
        self.add(
            self.add(parent, "cac:PartyIdentification"), "cbc:ID", organisation_id, schemeName="organization"
        )

    def phase(self, *keys: str):
        """The first phase with one of the keys, in the timeline's order."""
        return next((item for item in self.phases if item.key in keys), None)

    # The notice.

    def xml(self) -> bytes:
        """The whole notice, indented with tabs like the SDK's examples."""
        self.extension()
        self.header()
        for organisation, organisation_id in zip(self.buyers, self.organisation_ids, strict=True):
            self.contracting_party(organisation, organisation_id)
        if self.advisory:
            self.advisory_body()
        else:
            self.contract_body()
        etree.indent(self.root, space="\t")
        return etree.tostring(self.root, xml_declaration=True, encoding="UTF-8", pretty_print=True)

    def extension(self) -> None:
        """The subtype and every buyer as an organisation; the first carries the contact."""
        extension = self.nest(
            self.root,
            "ext:UBLExtensions",
            "ext:UBLExtension",
            "ext:ExtensionContent",
            "efext:EformsExtension",
        )
        self.code(
            self.add(extension, "efac:NoticeSubType"),
            "cbc:SubTypeCode",
            "notice-subtype",
            self.choice.subtype,
        )
        organisations = self.add(extension, "efac:Organizations")
        for organisation, organisation_id in zip(self.buyers, self.organisation_ids, strict=True):
            self.organisation(
                self.nest(organisations, "efac:Organization", "efac:Company"), organisation, organisation_id
            )

    def organisation(self, company, organisation: Organisation, organisation_id: str) -> None:
        name, orgnr = legal_entity(organisation)
        registry = RegistryEntry.objects.filter(orgnr=orgnr).first() if orgnr else None
        if organisation.website:
            self.add(company, "cbc:WebsiteURI", organisation.website)
        self.party(company, organisation_id)
        self.text(self.add(company, "cac:PartyName"), "cbc:Name", name)
        address = self.add(company, "cac:PostalAddress")
        top = organisation.top()
        town = (registry.town if registry else "") or (top.municipality.name if top.municipality_id else "")
        if town:
            self.add(address, "cbc:CityName", town)
        if registry and registry.postal_code:
            self.add(address, "cbc:PostalZone", registry.postal_code)
        self.code(
            self.add(address, "cac:Country"),
            "cbc:IdentificationCode",
            "country",
            COUNTRY.get(organisation.country, ""),
        )
        if orgnr:
            self.add(self.add(company, "cac:PartyLegalEntity"), "cbc:CompanyID", orgnr)
        if organisation_id == self.organisation_ids[0] and self.contact is not None:
            person = self.add(company, "cac:Contact")
            if self.contact.name:
                self.add(person, "cbc:Name", self.contact.name)
            if self.contact.email:
                self.add(person, "cbc:ElectronicMail", self.contact.email)

    def header(self) -> None:
        """Versions, identifiers, dates, legal basis, notice type, language (BT-701, BT-04, BT-05, BT-01)."""
        root, identity = self.root, self.identity
        self.add(root, "cbc:UBLVersionID", "2.3")
        self.add(root, "cbc:CustomizationID", NATIONAL_CUSTOMIZATION if self.choice.national else SDK_VERSION)
        notice_id = identity.advisory_notice_id if self.advisory else identity.contract_notice_id
        self.add(root, "cbc:ID", str(notice_id), schemeName="notice-id")
        if not self.advisory:
            # The procedure identifier: a contract notice establishes it, a planning notice never has one
            # (DFØ's notice-identifiers.md, R-15 and R-36).
            self.add(root, "cbc:ContractFolderID", str(identity.procedure_id))
        self.add(root, "cbc:IssueDate", eforms_date(self.now.astimezone(OSLO).date()))
        self.add(root, "cbc:IssueTime", eforms_time(self.now))
        self.add(root, "cbc:VersionID", "01")
        announcement = self.phase("announcement")
        if self.advisory and announcement is not None:
            self.add(root, "cbc:PlannedDate", eforms_date(announcement.starts_on))
        self.add(root, "cbc:RegulatoryDomain", "other" if self.choice.national else DIRECTIVE)
        if self.advisory:
            self.code(root, "cbc:NoticeTypeCode", "planning", "pin-only")
        else:
            self.code(root, "cbc:NoticeTypeCode", "competition", "cn-standard")
        self.add(root, "cbc:NoticeLanguageCode", LANGUAGE)

    def contracting_party(self, organisation: Organisation, organisation_id: str) -> None:
        party = self.add(self.root, "cac:ContractingParty")
        legal_type = BUYER_LEGAL_TYPE.get(organisation.top().kind)
        if legal_type:
            self.code(
                self.add(party, "cac:ContractingPartyType"),
                "cbc:PartyTypeCode",
                "buyer-legal-type",
                legal_type,
            )
        self.code(
            self.add(party, "cac:ContractingActivity"),
            "cbc:ActivityTypeCode",
            "authority-activity",
            "gen-pub",
        )
        self.party(self.add(party, "cac:Party"), organisation_id)

    def legal_basis(self, terms) -> None:
        """A national notice's legal basis by ELI, with the description DFØ's list allows (BT-01(c), (d))."""
        if self.choice.national:
            reference = self.add(terms, "cac:ProcurementLegislationDocumentReference")
            self.add(reference, "cbc:ID", REGULATION_ELI, schemeName="ELI")
            self.text(reference, "cbc:DocumentDescription", self.choice.legal_basis)

    def lots(self, prefix: str) -> list[tuple[str, str, object]]:
        """Each lot as (id, title, value); an undivided procurement is one lot numbered 0000."""
        found = [
            (f"{prefix}-{lot.number:04d}", lot.title, lot.estimated_value)
            for lot in self.procurement.lots.all()
        ]
        return found or [(f"{prefix}-0000", self.procurement.title, self.procurement.estimated_value)]

    def project(self, parent, *, title: str, value, lot: bool, internal_id: str = "", note: str = "") -> None:
        """A ProcurementProject, the procedure's or a lot's: BT-22, BT-21, BT-24, BT-23, BT-300, BT-06,
        BT-776, BT-27, BT-262, BT-263, BT-5141 and, for a contract notice's lot, BT-36 or BT-536/537."""
        project = self.add(parent, "cac:ProcurementProject")
        if internal_id:
            self.add(project, "cbc:ID", internal_id, schemeName="InternalID")
        self.text(project, "cbc:Name", title)
        if self.procurement.description:
            self.text(project, "cbc:Description", self.procurement.description)
        if self.codes:
            self.code(project, "cbc:ProcurementTypeCode", "contract-nature", contract_nature(self.codes[0]))
        if note:
            self.text(project, "cbc:Note", note)
        # Strategic procurement for innovation (BT-06) and how it is innovative (BT-776), on a contract
        # notice's lots: no example prior information notice carries them.
        innovation = INNOVATION.get(self.procedure, []) if lot and not self.advisory else []
        additional = [("strategic-procurement", "inn-pur")] if innovation else []
        additional += [("innovative-acquisition", code) for code in innovation]
        for list_name, code in additional:
            self.code(
                self.add(project, "cac:ProcurementAdditionalType"), "cbc:ProcurementTypeCode", list_name, code
            )
        if value is not None:
            amount = self.add(project, "cac:RequestedTenderTotal")
            self.add(amount, "cbc:EstimatedOverallContractAmount", f"{value:.0f}", currencyID="NOK")
        if self.codes:
            main = self.add(project, "cac:MainCommodityClassification")
            self.code(main, "cbc:ItemClassificationCode", "cpv", self.codes[0])
        for code in [] if lot else self.codes[1:]:
            additional_code = self.add(project, "cac:AdditionalCommodityClassification")
            self.code(additional_code, "cbc:ItemClassificationCode", "cpv", code)
        country = COUNTRY.get(self.procurement.buyer.country, "")
        self.code(
            self.nest(project, "cac:RealizedLocation", "cac:Address", "cac:Country"),
            "cbc:IdentificationCode",
            "country",
            country,
        )
        if lot and not self.advisory:
            self.planned_period(project)

    def planned_period(self, project) -> None:
        """The contract's dates from the contract phases, else its length in months, else nothing."""
        phases = [item for item in self.phases if item.key in CONTRACT_PHASES]
        if phases:
            period = self.add(project, "cac:PlannedPeriod")
            self.add(period, "cbc:StartDate", eforms_date(min(item.starts_on for item in phases)))
            self.add(period, "cbc:EndDate", eforms_date(max(item.ends_on for item in phases)))
        elif self.procurement.contract_months:
            period = self.add(project, "cac:PlannedPeriod")
            self.add(period, "cbc:DurationMeasure", str(self.procurement.contract_months), unitCode="MONTH")

    def dialogue_note(self) -> str:
        """The advisory notice's invitation to the market dialogue, in Norwegian like the notice."""
        dialogue = self.phase("dialogue")
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

    def advisory_body(self) -> None:
        """The prior information notice: legal basis, the procurement, and its lots as parts."""
        if self.choice.national:
            self.legal_basis(self.add(self.root, "cac:TenderingTerms"))
        internal_id = f"SKALA-{self.procurement.pk}"
        value = self.procurement.estimated_value
        self.project(
            self.root,
            title=self.procurement.title,
            value=value,
            lot=False,
            internal_id=internal_id,
            note=self.dialogue_note(),
        )
        for part_id, title, part_value in self.lots("PAR"):
            part = self.add(self.root, "cac:ProcurementProjectLot")
            self.add(part, "cbc:ID", part_id, schemeName="Part")
            self.project(part, title=title, value=part_value, lot=True)

    def contract_body(self) -> None:
        """The contract notice: terms, procedure (BT-105), the procurement, and each lot."""
        terms = self.add(self.root, "cac:TenderingTerms")
        self.legal_basis(terms)
        self.requirement(terms, "exclusion-grounds-source", "epo-procurement-document")
        process = self.add(self.root, "cac:TenderingProcess")
        self.code(process, "cbc:ProcedureCode", "procurement-procedure-type", PROCEDURE_CODE[self.procedure])
        if not self.choice.national:
            self.code(
                self.add(process, "cac:ProcessJustification"),
                "cbc:ProcessReasonCode",
                "accelerated-procedure",
                "false",
            )
        internal_id = f"SKALA-{self.procurement.pk}"
        self.project(
            self.root,
            title=self.procurement.title,
            value=self.procurement.estimated_value,
            lot=False,
            internal_id=internal_id,
        )
        documents = list(self.procurement.documents.all())
        for lot_id, title, value in self.lots("LOT"):
            self.contract_lot(lot_id, title, value, documents)

    def requirement(self, terms, list_name: str, code: str) -> None:
        requirement = self.nest(terms, "cac:TendererQualificationRequest", "cac:SpecificTendererRequirement")
        self.code(requirement, "cbc:TendererRequirementTypeCode", list_name, code)

    def contract_lot(self, lot_id: str, title: str, value, documents) -> None:
        """One lot: documents (BT-14, BT-15), criteria sources, execution terms, where tenders go
        (BT-18), language, submission, the deadline (BT-1311 or BT-131), no auction, dynamic purchasing
        system or framework, and the lot's project."""
        lot = self.add(self.root, "cac:ProcurementProjectLot")
        self.add(lot, "cbc:ID", lot_id, schemeName="Lot")
        terms = self.add(lot, "cac:TenderingTerms")
        for document in documents:
            reference = self.add(terms, "cac:CallForTendersDocumentReference")
            self.add(reference, "cbc:ID", f"DOC-{document.pk}")
            self.add(reference, "cbc:DocumentType", "non-restricted-document")
            self.add(self.nest(reference, "cac:Attachment", "cac:ExternalReference"), "cbc:URI", document.url)
        self.requirement(terms, "reserved-procurement", "none")
        self.requirement(terms, "selection-criteria-source", "epo-procurement-document")
        for list_name, code in (("reserved-execution", "no"), ("einvoicing", "required")):
            self.code(
                self.add(terms, "cac:ContractExecutionRequirement"),
                "cbc:ExecutionRequirementCode",
                list_name,
                code,
            )
        if self.procurement.submission_url:
            recipient = self.add(terms, "cac:TenderRecipientParty")
            self.add(recipient, "cbc:EndpointID", self.procurement.submission_url)
            self.party(recipient, self.organisation_ids[0])
        self.add(self.add(terms, "cac:Language"), "cbc:ID", LANGUAGE)
        process = self.add(lot, "cac:TenderingProcess")
        self.code(process, "cbc:SubmissionMethodCode", "esubmission", "required")
        if not self.choice.national:
            # Norway is a party to the WTO's Government Procurement Agreement, which covers EEA-level
            # contracts.
            self.add(process, "cbc:GovernmentAgreementConstraintIndicator", "true")
        requests = self.procedure in REQUESTS_FIRST
        deadline = self.phase("requests") if requests else self.phase("tenders")
        if deadline is not None:
            period = self.add(
                process,
                "cac:ParticipationRequestReceptionPeriod"
                if requests
                else "cac:TenderSubmissionDeadlinePeriod",
            )
            self.add(period, "cbc:EndDate", eforms_date(deadline.ends_on))
            self.add(
                period,
                "cbc:EndTime",
                eforms_time(datetime.datetime.combine(deadline.ends_on, DEADLINE_TIME, tzinfo=OSLO)),
            )
        self.add(self.add(process, "cac:AuctionTerms"), "cbc:AuctionConstraintIndicator", "false")
        for list_name in ("framework-agreement", "dps-usage"):
            self.code(
                self.add(process, "cac:ContractingSystem"), "cbc:ContractingSystemTypeCode", list_name, "none"
            )
        self.project(lot, title=title, value=value, lot=True, internal_id=lot_id)
