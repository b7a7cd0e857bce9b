"""The procedure advisor: which part of Norway's procurement rules applies, what it demands, which
procedures are allowed (those that suit innovation first), and the minimum deadlines, each
statement with its legal source.

Every amount and rule comes from dated, sourced rows (reference.LegalFact, loaded from
skala/reference/data/legal_facts.csv), chosen by the day asked about; the answer says which rows it
used. Nothing legal is a constant in this module: only the shape of the reasoning is.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from skala.reference.models import LegalFact, LegalFactKind


class BuyerType(models.TextChoices):
    CENTRAL = "central", _("Central government")
    OTHER = "other", _("Municipality, county or other public body")
    UTILITY = "utility", _("Utility (water, energy, transport, postal services)")


class ContractType(models.TextChoices):
    GOODS_SERVICES = "goods_services", _("Goods and services")
    WORKS = "works", _("Works")
    SPECIAL_SERVICES = "special_services", _("Health, social and other special services")


class ProcedureType(models.TextChoices):
    INNOVATION_PARTNERSHIP = "innovation_partnership", _("Innovation partnership")
    COMPETITIVE_DIALOGUE = "competitive_dialogue", _("Competitive dialogue")
    NEGOTIATION = "negotiation", _("Competitive procedure with negotiation")
    OPEN = "open", _("Open procedure")
    RESTRICTED = "restricted", _("Restricted procedure")
    PCP = "pcp", _("Pre-commercial procurement under the R&D exemption")
    NATIONAL = "national", _("National below-threshold competition")
    DIRECT = "direct", _("Direct purchase under NOK 100,000")


class Regime(models.TextChoices):
    OUTSIDE = "outside", _("Outside the procurement act (below NOK 100,000)")
    RD_EXEMPTION = "rd_exemption", _("The R&D exemption: outside the Regulation")
    PART_I = "part_i", _("Part I only (below the national threshold)")
    PART_II = "part_ii", _("Part II (national rules, announced in Doffin)")
    PART_III = "part_iii", _("Part III (EEA rules, announced in Doffin and TED)")
    PART_IV = "part_iv", _("Part IV (special services above the EEA threshold)")
    UTILITIES = "utilities", _("The Utilities Regulation (EEA rules)")
    OUT_OF_SCOPE = "out_of_scope", _("Not covered by Skala's advisor")


@dataclass
class Question:
    """What the buyer tells the advisor."""

    value_nok: Decimal
    buyer_type: str = BuyerType.OTHER
    contract_type: str = ContractType.GOODS_SERVICES
    solution_exists: bool = True
    rd_share: Decimal = Decimal(0)
    buyer_pays_full_cost: bool = True
    buyer_keeps_all_results: bool = True
    defence_or_concession: bool = False
    day: datetime.date = field(default_factory=datetime.date.today)


@dataclass
class Statement:
    """One thing the advisor says, with the source that says it."""

    text: str
    source_title: str
    source_url: str
    fact: str


@dataclass
class Deadline:
    step: str
    days: int
    fact: str


@dataclass
class Advice:
    regime: str
    announce_doffin: bool
    announce_ted: bool
    protocol: bool
    procedures: list[str]
    deadlines: list[Deadline]
    statements: list[Statement]
    threshold_set: list[str]

    @property
    def regime_label(self) -> str:
        return str(Regime(self.regime).label)


def facts_in_force(day: datetime.date) -> dict[str, LegalFact]:
    return {fact.key: fact for fact in LegalFact.objects.in_force(day)}


def eea_threshold(facts: dict[str, LegalFact], buyer_type: str, contract_type: str) -> LegalFact | None:
    """The EEA threshold in kroner for this buyer and contract, from the rows in force."""
    candidates = [
        fact
        for fact in facts.values()
        if fact.kind == LegalFactKind.THRESHOLD
        and fact.key.startswith("eea_")
        and fact.contract_type == contract_type
        and fact.buyer_type in {buyer_type, "any"}
    ]
    return min(candidates, key=lambda fact: fact.amount_nok, default=None)


def say(facts: dict[str, LegalFact], key: str, language: str | None) -> Statement | None:
    fact = facts.get(key)
    if fact is None:
        return None
    return Statement(
        fact.statement(language), fact.source_title, fact.source_url, f"{fact.key}@{fact.valid_from}"
    )


def rd_exemption_applies(question: Question) -> bool:
    """R&D is the main element, and the buyer does not pay it all or does not keep every result."""
    return question.rd_share > Decimal("0.5") and not (
        question.buyer_pays_full_cost and question.buyer_keeps_all_results
    )


def advise(question: Question, language: str | None = None) -> Advice:
    """The advice for one question, from the facts in force on the question's day."""
    facts = facts_in_force(question.day)
    statements: list[Statement] = []

    def add(key: str) -> None:
        statement = say(facts, key, language)
        if statement is not None:
            statements.append(statement)

    if question.defence_or_concession:
        add("out_of_scope")
        return Advice(Regime.OUT_OF_SCOPE, False, False, False, [], [], statements, [])

    minimum, national = facts.get("act_minimum"), facts.get("national")
    eea = eea_threshold(facts, question.buyer_type, question.contract_type)
    used = [f"{fact.key}@{fact.valid_from}" for fact in (minimum, national, eea) if fact is not None]
    used += sorted(f"{f.key}@{f.valid_from}" for f in facts.values() if f.kind == LegalFactKind.THRESHOLD_EUR)
    innovative = not question.solution_exists

    if rd_exemption_applies(question):
        add("rd_exemption")
        add("market_dialogue")
        procedures = [ProcedureType.PCP]
        if innovative:
            procedures.append(ProcedureType.INNOVATION_PARTNERSHIP)
        return Advice(Regime.RD_EXEMPTION, False, False, False, procedures, [], statements, used)

    if minimum is not None and question.value_nok < minimum.amount_nok:
        add("act_minimum")
        return Advice(Regime.OUTSIDE, False, False, False, [ProcedureType.DIRECT], [], statements, used)

    add("protocol")
    add("market_dialogue")
    if national is not None and question.value_nok < national.amount_nok:
        add("national")
        procedures = [ProcedureType.NATIONAL]
        if innovative:
            procedures.insert(0, ProcedureType.INNOVATION_PARTNERSHIP)
        return Advice(Regime.PART_I, False, False, True, procedures, [], statements, used)

    if eea is None or question.value_nok < eea.amount_nok:
        add("national")
        add("below_eea")
        procedures = [ProcedureType.NEGOTIATION, ProcedureType.OPEN, ProcedureType.RESTRICTED]
        if innovative:
            procedures.insert(0, ProcedureType.INNOVATION_PARTNERSHIP)
        return Advice(Regime.PART_II, True, False, True, procedures, [], statements, used)

    statements.append(
        Statement(eea.statement(language), eea.source_title, eea.source_url, f"{eea.key}@{eea.valid_from}")
    )
    if question.contract_type == ContractType.SPECIAL_SERVICES:
        regime = Regime.PART_IV
    elif question.buyer_type == BuyerType.UTILITY:
        regime = Regime.UTILITIES
    else:
        regime = Regime.PART_III
    deadlines = [
        Deadline("tenders_open", 35, "open_procedure"),
        Deadline("requests_to_participate", 30, "competitive_dialogue"),
    ]
    add("open_procedure")
    if innovative:
        add("innovation_partnership")
        add("competitive_dialogue")
        procedures = [
            ProcedureType.INNOVATION_PARTNERSHIP,
            ProcedureType.COMPETITIVE_DIALOGUE,
            ProcedureType.NEGOTIATION,
            ProcedureType.OPEN,
            ProcedureType.RESTRICTED,
        ]
    else:
        procedures = [ProcedureType.OPEN, ProcedureType.RESTRICTED]
    return Advice(regime, True, True, True, procedures, deadlines, statements, used)
