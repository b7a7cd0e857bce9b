"""The portfolio as JSON: projects, gate decisions, adoptions and the health figures."""

import datetime
from decimal import Decimal

from django.shortcuts import get_object_or_404
from ninja import Router, Schema
from ninja.errors import HttpError
from ninja.responses import Status

from skala.orgs.api import api_auth
from skala.orgs.models import Organisation
from skala.orgs.permissions import member_organisations
from skala.portfolio import gates
from skala.portfolio.health import health, projects_for
from skala.portfolio.models import Adoption, Benefit, BenefitUnit, GateDecision, Programme, Project, Stage
from skala.portfolio.views import visible_projects

router = Router(tags=["portfolio"])


def caller(request):
    return request.auth if request.auth is not None else request.user


class ProjectOut(Schema):
    id: int
    title: str
    stage: str
    stage_since: datetime.date
    owners: list[str]
    programme: int | None
    budget: Decimal | None
    lessons: str

    @staticmethod
    def resolve_owners(project: Project) -> list[str]:
        return [owner.name for owner in project.owners.all()]

    @staticmethod
    def resolve_programme(project: Project) -> int | None:
        return project.programme_id


class DecisionIn(Schema):
    decision: str
    reason: str
    to_stage: str | None = None
    evidence: str = ""
    lessons: str = ""
    skip_reason: str = ""
    decided_on: datetime.date | None = None
    corrects: int | None = None


class DecisionOut(Schema):
    id: int
    from_stage: str
    to_stage: str
    decision: str
    reason: str
    decided_on: datetime.date
    corrects: int | None

    @staticmethod
    def resolve_corrects(decision: GateDecision) -> int | None:
        return decision.corrects_id


class AdoptionIn(Schema):
    organisation: int
    adopted_on: datetime.date
    note: str = ""


class AdoptionOut(Schema):
    id: int
    organisation: str
    adopted_on: datetime.date

    @staticmethod
    def resolve_organisation(adoption: Adoption) -> str:
        return adoption.organisation.name


class Quantity(Schema):
    value: Decimal
    unit: BenefitUnit


class BenefitIn(Schema):
    description: str
    baseline: Quantity | None = None
    expected: Quantity
    realised: Quantity | None = None


def project_for(request, project_id: int, change: bool = False) -> Project:
    project = get_object_or_404(Project, pk=project_id)
    user = caller(request)
    if not user.has_perm("portfolio.view_project", project):
        raise HttpError(404, "No such project.")
    if change and not user.has_perm("portfolio.change_project", project):
        raise HttpError(403, "Only the project's owners and its programme's facilitator change it.")
    return project


@router.get("/projects", response=list[ProjectOut], auth=api_auth, summary="Projects the caller may see")
def project_list(request, stage: str = ""):
    projects = visible_projects(caller(request)).prefetch_related("owners")
    return list(projects.filter(stage=stage) if stage in Stage.values else projects)


@router.get("/projects/{project_id}", response=ProjectOut, auth=api_auth, summary="One project")
def project_detail(request, project_id: int):
    return project_for(request, project_id)


@router.get(
    "/projects/{project_id}/decisions", response=list[DecisionOut], auth=api_auth, summary="Gate decisions"
)
def decision_list(request, project_id: int):
    return list(project_for(request, project_id).decisions.all())


@router.post(
    "/projects/{project_id}/decisions",
    response={201: DecisionOut},
    auth=api_auth,
    summary="Record a gate decision",
)
def decision_create(request, project_id: int, payload: DecisionIn):
    project = project_for(request, project_id, change=True)
    corrects = (
        get_object_or_404(GateDecision, pk=payload.corrects, project=project) if payload.corrects else None
    )
    try:
        decision = gates.decide(
            project,
            payload.decision,
            reason=payload.reason,
            decided_by=caller(request),
            to_stage=payload.to_stage,
            evidence=payload.evidence,
            lessons=payload.lessons,
            skip_reason=payload.skip_reason,
            day=payload.decided_on,
            corrects=corrects,
        )
    except gates.GateError as error:
        raise HttpError(422, str(error)) from None
    return Status(201, decision)


@router.post(
    "/projects/{project_id}/adoptions",
    response={201: AdoptionOut},
    auth=api_auth,
    summary="Record an adoption",
)
def adoption_create(request, project_id: int, payload: AdoptionIn):
    project = project_for(request, project_id, change=True)
    if project.stage not in {Stage.SCALE_UP, Stage.STANDARD}:
        raise HttpError(409, "Only a scaled solution can be adopted by others.")
    organisation = get_object_or_404(Organisation, pk=payload.organisation)
    adoption, _created = Adoption.objects.get_or_create(
        project=project,
        organisation=organisation,
        defaults={"adopted_on": payload.adopted_on, "note": payload.note},
    )
    return Status(201, adoption)


@router.post("/projects/{project_id}/benefits", response={201: dict}, auth=api_auth, summary="Add a benefit")
def benefit_create(request, project_id: int, payload: BenefitIn):
    project = project_for(request, project_id, change=True)
    units = {quantity.unit for quantity in (payload.baseline, payload.expected, payload.realised) if quantity}
    if len(units) > 1:
        raise HttpError(422, f"The figures of one benefit share one unit, not {', '.join(sorted(units))}.")
    benefit = Benefit.objects.create(
        project=project,
        description=payload.description,
        unit=payload.expected.unit,
        baseline=payload.baseline.value if payload.baseline else 0,
        expected=payload.expected.value,
        realised=payload.realised.value if payload.realised else None,
    )
    return Status(201, {"id": benefit.pk, "unit": benefit.unit})


@router.get("/health", response=dict, auth=api_auth, summary="Portfolio health for ?org= or ?programme=")
def health_figures(
    request,
    org: int | None = None,
    programme: int | None = None,
    start: datetime.date | None = None,
    end: datetime.date | None = None,
    stuck_days: int | None = None,
):
    user = caller(request)
    if programme is not None:
        scope = get_object_or_404(Programme, pk=programme)
        if not user.has_perm("portfolio.view_programme", scope):
            raise HttpError(404, "No such programme.")
        projects = projects_for(programme=scope)
    elif org is not None:
        organisation = get_object_or_404(Organisation, pk=org)
        if not (user.is_facilitator or user.is_staff or organisation.pk in member_organisations(user)):
            raise HttpError(403, "Only the organisation's members and facilitators read its portfolio.")
        projects = projects_for(organisation=organisation)
    else:
        raise HttpError(422, "Give org or programme.")
    today = datetime.date.today()
    return health(
        projects, start=start or today.replace(year=today.year - 1), end=end or today, stuck_days=stuck_days
    ).as_dict()
