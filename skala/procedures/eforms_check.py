"""Checks an eForms draft before Skala offers it, with what Skala has instead of the SDK's schemas.

XSD validation awaits the eForms SDK's schemas (and the schematron rules and field definitions that
come with them), which are not available to Skala. What is checked instead:

- the draft is well-formed XML, with the root and notice subtype it claims;
- every element path (namespace-qualified from the root, with the ``listName`` or ``schemeName``
  that says which business term it carries) occurs in at least one of the eForms SDK's or DFØ's
  valid example notices of the same notice family, and siblings come in the order the examples
  put them in (``data/eforms/structure.json``, derived by ``skala.procedures.eforms_derive``);
- every code is in its codelist: CPV codes in Skala's CPV 2008 table, the others among the codes the
  examples use, DFØ's codelists for BT-776 and BT-06, and the SDK's codelist for BT-105; codes DFØ's
  national rules refuse are refused;
- the required fields of the subtype are present and not empty, each named by its business term;
- identifiers are UUIDs (version 4) and a national notice names a legal basis DFØ allows.

Each problem is one sentence that starts with the failing field.
"""

import itertools
import json
import re
from functools import cache
from pathlib import Path
from xml.etree.ElementTree import ParseError

from defusedxml import ElementTree
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from skala.procedures.eforms_derive import paths_and_codes, reachable, step
from skala.reference.models import CpvCode

STRUCTURE = Path(__file__).resolve().parent / "data" / "eforms" / "structure.json"
UUID4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")

EXT = "ext:UBLExtensions/ext:UBLExtension/ext:ExtensionContent/efext:EformsExtension"
COMPANY = f"{EXT}/efac:Organizations/efac:Organization/efac:Company"
LOT_TERMS = "cac:ProcurementProjectLot/cac:TenderingTerms"
LOT_PROCESS = "cac:ProcurementProjectLot/cac:TenderingProcess"

# The fields a draft of each subtype must carry: the notice-level fields eForms always demands, and
# those of the fields every example of the subtype carries that Skala knows. Paths are relative to
# the root; {lot} is the lot's scheme (Part in an advisory notice, Lot in a contract notice).
PROJECT = "cac:ProcurementProject"
LOT_PROJECT = "cac:ProcurementProjectLot/cac:ProcurementProject"
REQUIREMENT = (
    "cac:TendererQualificationRequest/cac:SpecificTendererRequirement/cbc:TendererRequirementTypeCode"
)
EXECUTION = "cac:ContractExecutionRequirement/cbc:ExecutionRequirementCode"
MAIN_CPV = "cac:MainCommodityClassification/cbc:ItemClassificationCode[@listName='cpv']"
NATURE = "cbc:ProcurementTypeCode[@listName='contract-nature']"
ORGANISATION = "cbc:ID[@schemeName='organization']"
BUYER_LEGAL_TYPE = (
    "cac:ContractingParty/cac:ContractingPartyType/cbc:PartyTypeCode[@listName='buyer-legal-type']"
)
ACTIVITY = "cac:ContractingParty/cac:ContractingActivity/cbc:ActivityTypeCode[@listName='authority-activity']"
ACCELERATED = "cac:TenderingProcess/cac:ProcessJustification/cbc:ProcessReasonCode"
LEGISLATION = "cac:TenderingTerms/cac:ProcurementLegislationDocumentReference"
DOCUMENT = f"{LOT_TERMS}/cac:CallForTendersDocumentReference"
SYSTEM = f"{LOT_PROCESS}/cac:ContractingSystem/cbc:ContractingSystemTypeCode"
COMMON = {
    f"{EXT}/efac:NoticeSubType/cbc:SubTypeCode[@listName='notice-subtype']": gettext_lazy(
        "OPP-070 Notice subtype"
    ),
    "cbc:UBLVersionID": gettext_lazy("UBL version"),
    "cbc:CustomizationID": gettext_lazy("OPT-002 eForms SDK version"),
    "cbc:ID[@schemeName='notice-id']": gettext_lazy("BT-701 Notice identifier"),
    "cbc:IssueDate": gettext_lazy("BT-05(a) Notice dispatch date"),
    "cbc:IssueTime": gettext_lazy("BT-05(b) Notice dispatch time"),
    "cbc:VersionID": gettext_lazy("BT-757 Notice version"),
    "cbc:RegulatoryDomain": gettext_lazy("BT-01 Legal basis"),
    "cbc:NoticeLanguageCode": gettext_lazy("BT-702 Notice language"),
    f"{COMPANY}/cac:PartyIdentification/{ORGANISATION}": gettext_lazy("OPT-200 Organisation identifier"),
    f"{COMPANY}/cac:PartyName/cbc:Name": gettext_lazy("BT-500 Organisation name (the buyer)"),
    f"{COMPANY}/cac:PostalAddress/cac:Country/cbc:IdentificationCode[@listName='country']": gettext_lazy(
        "BT-514 Organisation country (the buyer's country)"
    ),
    f"cac:ContractingParty/cac:Party/cac:PartyIdentification/{ORGANISATION}": gettext_lazy("OPT-300 Buyer"),
    f"{PROJECT}/cbc:Name": gettext_lazy("BT-21 Title"),
    f"{PROJECT}/cbc:Description": gettext_lazy("BT-24 Description (the procurement's description)"),
    f"{PROJECT}/{NATURE}": gettext_lazy("BT-23 Main nature (follows from the main CPV code)"),
    f"{PROJECT}/{MAIN_CPV}": gettext_lazy(
        "BT-262 Main classification code (the procurement's first CPV code)"
    ),
    "cac:ProcurementProjectLot/cbc:ID[@schemeName='{lot}']": gettext_lazy("BT-137 Lot identifier"),
    f"{LOT_PROJECT}/cbc:Name": gettext_lazy("BT-21 Lot title"),
    f"{LOT_PROJECT}/cbc:Description": gettext_lazy("BT-24 Lot description (the procurement's description)"),
    f"{LOT_PROJECT}/{NATURE}": gettext_lazy("BT-23 Lot main nature (follows from the main CPV code)"),
    f"{LOT_PROJECT}/{MAIN_CPV}": gettext_lazy("BT-262 Lot main classification code (the first CPV code)"),
}
EEA = {
    BUYER_LEGAL_TYPE: gettext_lazy(
        "BT-11 Buyer legal type (follows from the kind of organisation: a municipality, county, state "
        "agency or other public body)"
    ),
    ACTIVITY: gettext_lazy("BT-10 Activity of the authority"),
    f"{COMPANY}/cac:PartyLegalEntity/cbc:CompanyID": gettext_lazy(
        "BT-501 Organisation identifier (organisation number)"
    ),
    f"{COMPANY}/cac:PostalAddress/cbc:CityName": gettext_lazy("BT-513 Organisation city (the municipality)"),
    f"{COMPANY}/cac:Contact/cbc:ElectronicMail": gettext_lazy("BT-506 Organisation contact e-mail (yours)"),
}
NATIONAL = {
    f"{LEGISLATION}/cbc:ID[@schemeName='ELI']": gettext_lazy("BT-01(c) Procedure legal basis"),
    f"{LEGISLATION}/cbc:DocumentDescription": gettext_lazy("BT-01(d) Procedure legal basis description"),
}
CONTRACT = {
    "cbc:ContractFolderID": gettext_lazy("BT-04 Procedure identifier"),
    "cac:TenderingProcess/cbc:ProcedureCode[@listName='procurement-procedure-type']": gettext_lazy(
        "BT-105 Procedure type"
    ),
    f"cac:TenderingTerms/{REQUIREMENT}[@listName='exclusion-grounds-source']": gettext_lazy(
        "BT-806 Exclusion grounds source"
    ),
    f"{LOT_TERMS}/{REQUIREMENT}[@listName='selection-criteria-source']": gettext_lazy(
        "BT-821 Selection criteria source"
    ),
    f"{LOT_TERMS}/cac:TenderRecipientParty/cbc:EndpointID": gettext_lazy(
        "BT-18 Submission URL (where tenders are submitted: set it on the procurement's page)"
    ),
    f"{DOCUMENT}/cbc:DocumentType": gettext_lazy(
        "BT-14 Documents (the procurement documents: add one on the procurement's page)"
    ),
    f"{DOCUMENT}/cac:Attachment/cac:ExternalReference/cbc:URI": gettext_lazy(
        "BT-15 Documents URL (the procurement documents: add one on the procurement's page)"
    ),
    f"{LOT_PROCESS}/cbc:SubmissionMethodCode[@listName='esubmission']": gettext_lazy(
        "BT-17 Electronic submission"
    ),
    f"{SYSTEM}[@listName='framework-agreement']": gettext_lazy("BT-765 Framework agreement"),
}
EEA_CONTRACT = {
    f"{ACCELERATED}[@listName='accelerated-procedure']": gettext_lazy("BT-106 Accelerated procedure"),
    f"{LOT_PROCESS}/cac:AuctionTerms/cbc:AuctionConstraintIndicator": gettext_lazy(
        "BT-767 Electronic auction"
    ),
    f"{SYSTEM}[@listName='dps-usage']": gettext_lazy("BT-766 Dynamic purchasing system"),
    f"{LOT_PROCESS}/cbc:GovernmentAgreementConstraintIndicator": gettext_lazy("BT-115 GPA coverage"),
    f"{LOT_TERMS}/{REQUIREMENT}[@listName='reserved-procurement']": gettext_lazy(
        "BT-71 Reserved procurement"
    ),
    f"{LOT_TERMS}/{EXECUTION}[@listName='reserved-execution']": gettext_lazy("BT-736 Reserved execution"),
    f"{LOT_TERMS}/{EXECUTION}[@listName='einvoicing']": gettext_lazy("BT-743 Electronic invoicing"),
    f"{LOT_TERMS}/cac:Language/cbc:ID": gettext_lazy("BT-97 Submission language"),
    f"{LOT_PROJECT}/cac:PlannedPeriod": gettext_lazy(
        "BT-36 Duration (the timeline's contract phases, or the contract period on the procurement's page)"
    ),
}
REQUIRED = {
    "4": {
        **COMMON,
        **EEA,
        "cbc:PlannedDate": gettext_lazy("BT-127 Future notice (the start of the announcement phase)"),
    },
    "E2": {**COMMON, **NATIONAL},
    "16": {**COMMON, **EEA, **CONTRACT, **EEA_CONTRACT},
    # DFØ refuses a national contract notice without the buyer's legal type.
    "E3": {**COMMON, **NATIONAL, **CONTRACT, BUYER_LEGAL_TYPE: EEA[BUYER_LEGAL_TYPE]},
}
ROOT = {
    "4": "PriorInformationNotice",
    "E2": "PriorInformationNotice",
    "16": "ContractNotice",
    "E3": "ContractNotice",
}
LOT_SCHEME = {"PriorInformationNotice": "Part", "ContractNotice": "Lot"}
# Where the procedure begins with requests to participate, their deadline (BT-1311); else the
# tender deadline (BT-131): the phase that ends the competition's first step.
REQUESTS = f"{LOT_PROCESS}/cac:ParticipationRequestReceptionPeriod/cbc:EndDate"
TENDERS = f"{LOT_PROCESS}/cac:TenderSubmissionDeadlinePeriod/cbc:EndDate"
REQUESTS_DEADLINE = gettext_lazy("BT-1311 Deadline for requests to participate (the 'requests' phase)")
TENDERS_DEADLINE = gettext_lazy("BT-131 Deadline for tenders (the 'tenders' phase)")
DEADLINES = {
    "innovation_partnership": (REQUESTS, REQUESTS_DEADLINE),
    "competitive_dialogue": (REQUESTS, REQUESTS_DEADLINE),
    "negotiation": (REQUESTS, REQUESTS_DEADLINE),
    "restricted": (REQUESTS, REQUESTS_DEADLINE),
    "open": (TENDERS, TENDERS_DEADLINE),
    "national": (TENDERS, TENDERS_DEADLINE),
}


@cache
def structure() -> dict:
    return json.loads(STRUCTURE.read_text(encoding="utf-8"))


def required(subtype: str, procedure: str | None = None) -> dict[str, str]:
    """The absolute paths a draft of the subtype must carry, each with its field's name."""
    root = ROOT[subtype]
    fields = dict(REQUIRED[subtype])
    if root == "ContractNotice" and procedure in DEADLINES:
        path, label = DEADLINES[procedure]
        fields[path] = label
    return {f"/{root}/{path.format(lot=LOT_SCHEME[root])}": label for path, label in fields.items()}


def problems(xml: bytes, subtype: str, procedure: str | None = None) -> list[str]:
    """Every reason the draft may not be offered; empty when it passes every check."""
    try:
        root = ElementTree.fromstring(xml)
    except ParseError as error:
        return [_("The draft is not well-formed XML: %(error)s") % {"error": error}]
    if step(root) != ROOT[subtype]:
        return [
            _("The draft's root is %(root)s, not %(expected)s.")
            % {"root": step(root), "expected": ROOT[subtype]}
        ]
    data = structure()
    family = data["subtypes"][subtype]["family"]
    allowed = set(data["families"][family])
    found: list[str] = []
    paths, _codes, _sequences = paths_and_codes(root)
    for path in sorted(paths - allowed):
        found.append(
            _("%(path)s: no eForms SDK example of this notice family has this element.") % {"path": path}
        )
    found += order_problems(root, data["order"][family])
    found += code_problems(root, subtype, data)
    labels = required(subtype, procedure)
    for path, label in labels.items():
        if path not in paths:
            found.append(_("%(field)s: missing.") % {"field": label})
    found += empty_problems(root, labels)
    found += identifier_problems(root, subtype, data)
    return found


def walk(element, parent: str = ""):
    """Each element with its path, depth first."""
    path = f"{parent}/{step(element)}"
    yield path, element
    for child in element:
        if isinstance(child.tag, str):
            yield from walk(child, path)


def order_problems(root, order: dict[str, dict[str, list[str]]]) -> list[str]:
    """Siblings in an order the examples contradict: b before a where the examples put a before b."""
    found = []
    for path, element in walk(root):
        names = [step(child).split("[", 1)[0] for child in element if isinstance(child.tag, str)]
        after = order.get(path, {})
        for earlier, later in itertools.pairwise(names):
            if earlier != later and earlier in reachable(after, later):
                found.append(
                    _("%(path)s: %(first)s must come before %(second)s, as in the eForms examples.")
                    % {"path": path, "first": later, "second": earlier}
                )
    return found


def code_problems(root, subtype: str, data: dict) -> list[str]:
    """Codes outside their codelist, or refused by DFØ's national rules."""
    found = []
    refused = data["subtypes"][subtype]["refused_codes"]
    cpv = [element.text for _path, element in walk(root) if element.get("listName") == "cpv"]
    known_cpv = set(CpvCode.objects.filter(code8__in=cpv).values_list("code8", flat=True))
    for path, element in walk(root):
        list_name = element.get("listName")
        if list_name is None:
            continue
        value = (element.text or "").strip()
        if list_name == "notice-subtype":
            allowed = {subtype}
        elif list_name == "cpv":
            allowed = known_cpv
        elif list_name in data["codes"]:
            allowed = set(data["codes"][list_name])
        else:
            found.append(
                _("%(path)s: Skala has no copy of the %(list)s codelist.") % {"path": path, "list": list_name}
            )
            continue
        if list_name == "notice-subtype" and value not in allowed:
            found.append(
                _("%(path)s: the draft says subtype '%(value)s', not %(subtype)s.")
                % {"path": path, "value": value, "subtype": subtype}
            )
        elif value not in allowed:
            found.append(
                _("%(path)s: '%(value)s' is not in the %(list)s codelist.")
                % {"path": path, "value": value, "list": list_name}
            )
        elif value in refused.get(list_name, []):
            found.append(
                _("%(path)s: DFØ's rules for subtype %(subtype)s refuse '%(value)s'; choose one in Doffin.")
                % {"path": path, "value": value, "subtype": subtype}
            )
    return found


def empty_problems(root, labels: dict[str, str]) -> list[str]:
    """Leaf elements without text: a field present but empty is as good as missing."""
    found = []
    for path, element in walk(root):
        leaf = not any(isinstance(child.tag, str) for child in element)
        if leaf and not (element.text or "").strip():
            found.append(_("%(field)s: empty.") % {"field": labels.get(path, path)})
    return found


def identifier_problems(root, subtype: str, data: dict) -> list[str]:
    """Notice and procedure identifiers are UUIDs; a national notice's legal basis is one DFØ allows."""
    found = []
    for path, element in walk(root):
        identifier = path.endswith("/cbc:ID[@schemeName='notice-id']") or path.endswith(
            "/cbc:ContractFolderID"
        )
        if identifier and not UUID4.match((element.text or "").strip()):
            found.append(_("%(path)s: not a version 4 UUID.") % {"path": path})
        if (
            subtype.startswith("E")
            and path.endswith("/cac:ProcurementLegislationDocumentReference/cbc:DocumentDescription")
            and (element.text or "").strip() not in data["national_legal_bases"]
        ):
            found.append(
                _("BT-01(d) Procedure legal basis description: '%(value)s' is not one DFØ allows.")
                % {"value": element.text}
            )
    return found
