"""Phases, milestones and deadlines per procedure, from templates; warnings where a deadline is
shorter than the rules allow; and the timeline as iCalendar.

A template gives each phase a name, a usual length and, where the rules set one, a minimum length
with the legal fact (reference.LegalFact) that sets it. The buyer edits the dates; Skala never
moves them silently, it warns and names the rule.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from icalendar import Calendar, Event

from skala.procedures.advisor import ProcedureType
from skala.procedures.models import Phase, Procurement
from skala.reference.models import LegalFact


@dataclass(frozen=True)
class PhaseSpec:
    key: str
    name: str
    days: int
    minimum_days: int | None = None
    rule: str = ""
    stop_point: bool = False
    note: str = ""


INNOVATION_PARTNERSHIP = [
    PhaseSpec("dialogue", gettext_lazy("Need and market dialogue"), 60, rule="market_dialogue"),
    PhaseSpec("consultation", gettext_lazy("Consultation on the tender documents"), 21),
    PhaseSpec("announcement", gettext_lazy("Announcement"), 1),
    PhaseSpec(
        "requests",
        gettext_lazy("Requests to participate"),
        30,
        minimum_days=30,
        rule="innovation_partnership",
    ),
    PhaseSpec("qualification", gettext_lazy("Qualification"), 14),
    PhaseSpec(
        "negotiation",
        gettext_lazy("Negotiation"),
        60,
        rule="innovation_partnership",
        note=gettext_lazy("At least three are invited when the number is capped."),
    ),
    PhaseSpec(
        "partnership_1",
        gettext_lazy("Partnership phase 1: development, with interim targets"),
        180,
        stop_point=True,
        rule="innovation_partnership",
    ),
    PhaseSpec(
        "partnership_2",
        gettext_lazy("Partnership phase 2: pilot, with interim targets"),
        180,
        stop_point=True,
        rule="innovation_partnership",
    ),
    PhaseSpec(
        "purchase",
        gettext_lazy("Purchase option"),
        30,
        rule="innovation_partnership",
        note=gettext_lazy("Only if the agreed performance is met within the maximum cost."),
    ),
]

PRE_COMMERCIAL = [
    PhaseSpec("dialogue", gettext_lazy("Need and market dialogue"), 60, rule="market_dialogue"),
    PhaseSpec("call", gettext_lazy("Call for tenders for the R&D phases"), 30, rule="rd_exemption"),
    PhaseSpec(
        "concept",
        gettext_lazy("Concept"),
        90,
        stop_point=True,
        rule="rd_exemption",
        note=gettext_lazy("At least two competing suppliers continue to the end."),
    ),
    PhaseSpec("prototype", gettext_lazy("Prototype"), 180, stop_point=True, rule="rd_exemption"),
    PhaseSpec("test", gettext_lazy("Test in real use"), 180, stop_point=True, rule="rd_exemption"),
    PhaseSpec(
        "purchase",
        gettext_lazy("Separate open purchase of the finished solution"),
        60,
        note=gettext_lazy("A new competition: the R&D exemption does not cover buying the solution."),
    ),
]

DIALOGUE_OR_NEGOTIATION = [
    PhaseSpec("dialogue", gettext_lazy("Need and market dialogue"), 45, rule="market_dialogue"),
    PhaseSpec("announcement", gettext_lazy("Announcement"), 1),
    PhaseSpec(
        "requests", gettext_lazy("Requests to participate"), 30, minimum_days=30, rule="competitive_dialogue"
    ),
    PhaseSpec("qualification", gettext_lazy("Qualification"), 14),
    PhaseSpec("dialogue_rounds", gettext_lazy("Dialogue or negotiation rounds"), 60),
    PhaseSpec("tenders", gettext_lazy("Final tenders"), 21),
    PhaseSpec("award", gettext_lazy("Award and standstill"), 10),
]

OPEN = [
    PhaseSpec("announcement", gettext_lazy("Announcement"), 1),
    PhaseSpec("tenders", gettext_lazy("Tender period"), 35, minimum_days=35, rule="open_procedure"),
    PhaseSpec("evaluation", gettext_lazy("Evaluation"), 21),
    PhaseSpec("award", gettext_lazy("Award and standstill"), 10),
]

NATIONAL = [
    PhaseSpec("announcement", gettext_lazy("Announcement in Doffin"), 1, rule="national"),
    PhaseSpec("tenders", gettext_lazy("Tender period"), 21, rule="below_eea"),
    PhaseSpec("evaluation", gettext_lazy("Evaluation and negotiation"), 21),
    PhaseSpec("award", gettext_lazy("Award"), 7),
]

DIRECT = [PhaseSpec("purchase", gettext_lazy("Direct purchase"), 14, rule="act_minimum")]

TEMPLATES = {
    ProcedureType.INNOVATION_PARTNERSHIP: INNOVATION_PARTNERSHIP,
    ProcedureType.PCP: PRE_COMMERCIAL,
    ProcedureType.COMPETITIVE_DIALOGUE: DIALOGUE_OR_NEGOTIATION,
    ProcedureType.NEGOTIATION: DIALOGUE_OR_NEGOTIATION,
    ProcedureType.RESTRICTED: DIALOGUE_OR_NEGOTIATION,
    ProcedureType.OPEN: OPEN,
    ProcedureType.NATIONAL: NATIONAL,
    ProcedureType.DIRECT: DIRECT,
}


@transaction.atomic
def apply_template(procurement: Procurement, start: datetime.date) -> list[Phase]:
    """Replace the procurement's phases with its procedure's template, one after another from start."""
    procurement.phases.all().delete()
    phases, day = [], start
    for order, spec in enumerate(TEMPLATES[ProcedureType(procurement.procedure_type)], start=1):
        phases.append(
            Phase(
                procurement=procurement,
                order=order,
                key=spec.key,
                name=str(spec.name),
                starts_on=day,
                ends_on=day + datetime.timedelta(days=spec.days),
                minimum_days=spec.minimum_days,
                rule=spec.rule,
                is_stop_point=spec.stop_point,
                note=str(spec.note),
            )
        )
        day += datetime.timedelta(days=spec.days)
    return Phase.objects.bulk_create(phases)


def in_reader_language(stored: str, template_texts) -> str:
    """A phase's name or note as the template says it in the reader's language, when the stored text
    is the template's own in any of Skala's languages; a text the buyer wrote stays as written.

    Phases are stored in the language of whoever applied the template: without this an English page
    would show Norwegian phase names.
    """
    from django.conf import settings
    from django.utils import translation

    for text in template_texts:
        if not str(text):
            continue
        for code, _name in settings.LANGUAGES:
            with translation.override(code):
                said = str(text)
            if said == stored:
                return str(text)  # in the reader's language, outside the override
    return stored


def template_specs(procurement: Procurement, key: str) -> list[PhaseSpec]:
    """The template phases with this key (a key may recur in the procedure's template)."""
    template = TEMPLATES.get(ProcedureType(procurement.procedure_type), [])
    return [spec for spec in template if spec.key == key]


def localised(phase: Phase) -> tuple[str, str]:
    """The phase's name and note for the reader (see in_reader_language)."""
    specs = template_specs(phase.procurement, phase.key)
    return (
        in_reader_language(phase.name, [spec.name for spec in specs]),
        in_reader_language(phase.note, [spec.note for spec in specs]),
    )


@dataclass
class Warning:
    phase: Phase
    message: str
    source_title: str
    source_url: str


def warnings(procurement: Procurement, language: str | None = None) -> list[Warning]:
    """A warning for each phase shorter than its rule allows, or ending before it starts; naming the rule."""
    found = []
    facts = {fact.key: fact for fact in LegalFact.objects.in_force(datetime.date.today())}
    for phase in procurement.phases.all():
        fact = facts.get(phase.rule)
        if phase.ends_on < phase.starts_on:
            found.append(
                Warning(phase, _("%(phase)s ends before it starts.") % {"phase": phase.name}, "", "")
            )
        elif phase.minimum_days and phase.days < phase.minimum_days:
            found.append(
                Warning(
                    phase,
                    _("%(phase)s lasts %(days)s days; the rules require at least %(minimum)s.")
                    % {"phase": phase.name, "days": phase.days, "minimum": phase.minimum_days},
                    fact.source_title if fact else "",
                    fact.source_url if fact else "",
                )
            )
    return found


def procurement_calendar(procurement: Procurement) -> bytes:
    """Every phase as an all-day event from its start to its deadline."""
    calendar = Calendar()
    calendar.add("prodid", "-//Skala//Procurement timeline//NB")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", procurement.title)
    for phase in procurement.phases.all():
        event = Event()
        event.add("uid", f"procurement-{procurement.pk}-phase-{phase.pk}@skala")
        event.add("dtstamp", procurement.updated_at)
        event.add("dtstart", phase.starts_on)
        event.add("dtend", max(phase.ends_on, phase.starts_on + datetime.timedelta(days=1)))
        event.add("summary", f"{procurement.title}: {phase.name}")
        event.add("description", phase.note)
        event.add("url", f"{settings.SITE_URL}{procurement.get_absolute_url()}")
        calendar.add_component(event)
    return calendar.to_ical()


def bars(procurement: Procurement) -> list[dict]:
    """Each phase as percentages of the whole timeline: bars for the eye, with a table beside them."""
    phases = list(procurement.phases.all())
    if not phases:
        return []
    start = min(phase.starts_on for phase in phases)
    end = max(phase.ends_on for phase in phases)
    total = max((end - start).days, 1)
    # The rule a phase follows is shown as its legal source, not as the fact's key.
    facts = {fact.key: fact for fact in LegalFact.objects.in_force(datetime.date.today())}
    return [
        {
            "phase": phase,
            "name": localised(phase)[0],
            "note": localised(phase)[1],
            "left": round(100 * (phase.starts_on - start).days / total, 2),
            "width": max(round(100 * max(phase.days, 0) / total, 2), 0.5),
            "rule": facts.get(phase.rule),
        }
        for phase in phases
    ]
