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
innovation, on every lot of the contract notice, with DFØ's codes: ``mar-nov`` (the market is
challenged to develop new solutions) and, for an innovation partnership, ``rd-act`` (it includes
R&D). DFØ ties BT-776 to BT-06 and reads both from contract and award notices
(docs/strategic-procurement.md in anskaffelser/eforms-sdk-nor); no example prior information notice
carries either, so the advisory notice does not. Pre-commercial procurement, outside the Regulation,
and direct purchases get no draft.

Every draft is checked before it is offered (``skala.procedures.eforms_check``): well-formed, every
element path found in the eForms SDK's own example notices of the same notice family and in their
order, every code in the codelists, every required field present. A draft that fails is refused
with the failing fields named; it is never offered. Where the machine has the eForms SDK
(``SKALA_EFORMS_SDK``), the draft is also validated against the SDK's XSD schemas
(``skala.procedures.eforms_schema``); Doffin's own validation (XSD, schematron and DFØ's national
rules) runs when the buyer uploads.

The XML itself is written by ``skala.procedures.eforms_build``. Skala fills what it knows and what
its procedures imply: the buyers (a joint process's accepted partners and followers are buyers too),
the person downloading as the contact, title, description, the CPV codes (the first given is the
main one), the estimated value, lots, the deadline for requests or tenders and the planned date of
the contract notice from the phases, the contract period, the documents and where tenders go.
Electronic submission and e-invoicing are required (Norwegian rules), there is no e-auction,
dynamic purchasing system or framework agreement, and exclusion and selection criteria are in the
procurement documents. The buyer completes in Doffin what Skala does not know: the NUTS region,
the review body and review deadlines, telephone numbers, EU funding, e-catalogues, e-ordering and
e-payment, award criteria, and DFØ's climate and environment codes (FOA § 7-9).
"""

import datetime
from dataclasses import dataclass

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from skala.orgs.models import OrganisationKind
from skala.procedures.advisor import BuyerType, ContractType, ProcedureType, eea_threshold, facts_in_force
from skala.procedures.eforms_build import DIRECTIVE, NS, NoticeXml, contract_nature, cpv_codes
from skala.procedures.models import Procurement

__all__ = ["NS", "Choice", "DraftError", "NoticeKind", "build", "choose", "cpv_codes", "draft", "filename"]

# The two descriptions of the Regulation DFØ's national codelist allows (DFØ's national test notices).
PART_I = "NOR — Anskaffelsesforskriften Del 1"
PARTS_I_AND_II = "NOR — Anskaffelsesforskriften Del 1 og 2"


class NoticeKind(models.TextChoices):
    ADVISORY = "advisory", gettext_lazy("Advisory notice, inviting suppliers to the market dialogue")
    CONTRACT = "contract", gettext_lazy("Contract notice")


class DraftError(ValueError):
    """A draft Skala will not offer, with every reason: each starts with the failing field."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


@dataclass(frozen=True)
class Choice:
    """Which notice a procurement gets: its kind, subtype, regime and legal basis."""

    kind: str
    subtype: str
    national: bool
    legal_basis: str


def choose(procurement: Procurement, kind: str, day: datetime.date) -> Choice:
    """The subtype and legal basis the procurement's procedure and value call for, by the rules in force."""
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
    works = bool(codes) and contract_nature(codes[0]) == "works"
    contract_type = ContractType.WORKS if works else ContractType.GOODS_SERVICES
    central = procurement.buyer.top().kind == OrganisationKind.STATE_AGENCY
    eea = eea_threshold(facts, BuyerType.CENTRAL if central else BuyerType.OTHER, contract_type)
    above_eea = eea is not None and procurement.estimated_value >= eea.amount_nok
    if procedure == ProcedureType.NATIONAL and above_eea:
        threshold = f"{eea.amount_nok:,.0f}".replace(",", " ")
        raise DraftError(
            [
                _(
                    "BT-105 Procedure: the estimated value is at or above the EEA threshold of NOK "
                    "%(threshold)s, where a national competition may not be used."
                )
                % {"threshold": threshold}
            ]
        )
    if above_eea:
        return Choice(kind, "4" if kind == NoticeKind.ADVISORY else "16", False, DIRECTIVE)
    national = facts.get("national")
    part_ii = national is not None and procurement.estimated_value >= national.amount_nok
    subtype = "E2" if kind == NoticeKind.ADVISORY else "E3"
    return Choice(kind, subtype, True, PARTS_I_AND_II if part_ii else PART_I)


def build(
    procurement: Procurement, kind: str, contact, now: datetime.datetime | None = None
) -> tuple[Choice, bytes]:
    """The draft as XML, unchecked; ``draft`` checks it."""
    now = now or timezone.now()
    choice = choose(procurement, kind, now.date())
    return choice, NoticeXml(procurement, choice, contact, now).xml()


def draft(
    procurement: Procurement, kind: str, contact, now: datetime.datetime | None = None
) -> tuple[Choice, bytes]:
    """A checked draft, (its choice of notice, the XML), with the person downloading it as the contact;
    DraftError names every failing field, and nothing is offered."""
    from skala.procedures.eforms_check import problems
    from skala.procedures.eforms_schema import schema_problems

    choice, xml = build(procurement, kind, contact, now)
    found = problems(xml, choice.subtype, procedure=procurement.procedure_type) or schema_problems(xml)
    if found:
        raise DraftError(found)
    return choice, xml


def filename(procurement: Procurement, choice: Choice) -> str:
    """procurement-12-contract-eforms-16.xml: which procurement, which notice, which subtype."""
    return f"procurement-{procurement.pk}-{choice.kind}-eforms-{choice.subtype}.xml"
