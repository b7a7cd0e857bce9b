"""Portfolio health for an organisation or a programme: projects and money per stage, the funnel and
the conversion from pilot to scale, the share stopped against the 20–30 % band, time in stage and
projects stuck too long, and benefits realised against expected."""

import datetime
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db.models import Q

from skala.orgs.permissions import descendants
from skala.portfolio.models import PATH, Adoption, Benefit, Decision, GateDecision, Project, Stage

# City leaders have named 20–30 % stopped as the sign of enough ambition; far outside warns.
STOP_BAND = (Decimal("0.20"), Decimal("0.30"))
FAR_BELOW, FAR_ABOVE = Decimal("0.10"), Decimal("0.45")


@dataclass
class Health:
    projects: int
    per_stage: list[dict]
    funnel: list[dict]
    pilot_to_scale: float | None
    stopped_share: float | None
    stop_band: tuple[float, float]
    stop_warning: str
    decided_in_period: int
    stopped_in_period: int
    stuck: list[dict]
    stuck_days: int
    benefits: list[dict]
    adoptions: int
    period: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return asdict(self)


def projects_for(organisation=None, programme=None):
    """An organisation's portfolio: the projects it or one of its units owns, and those of the
    programmes it runs. A fellow member's project in a shared programme is that member's: it is
    counted on the programme's page, not in every member's own figures."""
    projects = Project.objects.all()
    if organisation is not None:
        units = [unit.pk for unit in descendants(organisation)]
        projects = projects.filter(Q(owners__in=units) | Q(programme__facilitator__in=units)).distinct()
    if programme is not None:
        projects = projects.filter(programme=programme)
    return projects


def reached(project: Project, decisions: list[GateDecision]) -> set[str]:
    """Every stage the project has been in: its path up to where it is, and where any decision took it."""
    stages = {Stage.IDEA.value}
    for decision in decisions:
        stages.update({decision.from_stage, decision.to_stage})
    if project.stage in PATH:
        stages.update(stage.value for stage in PATH[: PATH.index(Stage(project.stage)) + 1])
    return stages - {Stage.STOPPED.value}


def health(
    projects, *, start: datetime.date, end: datetime.date, stuck_days: int | None = None, today=None
) -> Health:
    """The figures over the projects; stops are counted among the gate decisions in [start, end]."""
    from django.utils.translation import gettext as _

    today = today or datetime.date.today()
    stuck_days = stuck_days or settings.SKALA_STUCK_DAYS
    projects = list(projects.prefetch_related("decisions", "benefits"))
    ids = [project.pk for project in projects]
    stage_counts: Counter[str] = Counter(project.stage for project in projects)
    money: defaultdict[str, Decimal] = defaultdict(Decimal)
    for project in projects:
        money[project.stage] += project.budget or 0
    days_in: defaultdict[str, list[int]] = defaultdict(list)
    for project in projects:
        days_in[project.stage].append((today - project.stage_since).days)
    per_stage = [
        {
            "stage": stage.value,
            "label": str(stage.label),
            "projects": stage_counts.get(stage.value, 0),
            "budget": float(money[stage.value]),
            "average_days_in_stage": round(sum(days_in[stage.value]) / len(days_in[stage.value]))
            if days_in[stage.value]
            else None,
        }
        for stage in [*PATH, Stage.STOPPED]
    ]
    reached_by = [reached(project, list(project.decisions.all())) for project in projects]
    funnel = [
        {
            "stage": stage.value,
            "label": str(stage.label),
            "reached": sum(stage.value in stages for stages in reached_by),
        }
        for stage in PATH
    ]
    pilots = sum(Stage.PILOT.value in stages for stages in reached_by)
    scaled = sum(Stage.SCALE_UP.value in stages for stages in reached_by)
    decided = GateDecision.objects.filter(
        project_id__in=ids, decided_on__range=(start, end), corrected_by__isnull=True
    )
    decided_projects = set(decided.values_list("project_id", flat=True))
    stopped_projects = set(decided.filter(decision=Decision.STOP).values_list("project_id", flat=True))
    share = Decimal(len(stopped_projects)) / len(decided_projects) if decided_projects else None
    warning = ""
    if share is not None and share < FAR_BELOW:
        warning = _(
            "Few experiments are stopped: too little risk may be taken. City leaders aim for 20–30 %."
        )
    elif share is not None and share > FAR_ABOVE:
        warning = _("Many experiments are stopped: look at how projects are chosen and prepared.")
    stuck = [
        {
            "project": project.title,
            "id": project.pk,
            "stage": project.stage,
            "days": (today - project.stage_since).days,
        }
        for project in projects
        if project.stage not in {Stage.STANDARD, Stage.STOPPED}
        and (today - project.stage_since).days > stuck_days
    ]
    totals: defaultdict[str, dict] = defaultdict(lambda: {"expected": Decimal(0), "realised": Decimal(0)})
    for benefit in Benefit.objects.filter(project_id__in=ids):
        totals[benefit.unit]["expected"] += benefit.expected
        totals[benefit.unit]["realised"] += benefit.realised or 0
    benefits = [
        {"unit": unit, "expected": float(values["expected"]), "realised": float(values["realised"])}
        for unit, values in sorted(totals.items())
    ]
    return Health(
        projects=len(projects),
        per_stage=per_stage,
        funnel=funnel,
        pilot_to_scale=round(scaled / pilots, 3) if pilots else None,
        stopped_share=round(float(share), 3) if share is not None else None,
        stop_band=(float(STOP_BAND[0]), float(STOP_BAND[1])),
        stop_warning=warning,
        decided_in_period=len(decided_projects),
        stopped_in_period=len(stopped_projects),
        stuck=sorted(stuck, key=lambda entry: -entry["days"]),
        stuck_days=stuck_days,
        benefits=benefits,
        adoptions=Adoption.objects.filter(project_id__in=ids).count(),
        period={"start": start.isoformat(), "end": end.isoformat()},
    )


def adoption_spread(projects) -> list[dict]:
    """Adoptions by county and municipality, for the chart and the table."""
    spread: Counter[tuple[str, str]] = Counter()
    for adoption in Adoption.objects.filter(project__in=projects).select_related(
        "organisation__municipality__county"
    ):
        municipality = adoption.organisation.top().municipality
        county = municipality.county.name if municipality and municipality.county_id else "–"
        spread[(county, municipality.name if municipality else adoption.organisation.name)] += 1
    return [
        {"county": county, "municipality": name, "adoptions": count}
        for (county, name), count in sorted(spread.items())
    ]
