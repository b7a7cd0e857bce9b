"""Pages for the portfolio: projects, gate decisions, programmes, portfolio health and the leaders' page."""

import csv
import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from skala.needs.models import Need
from skala.orgs.models import Organisation, Role
from skala.orgs.permissions import authorize, has_role, member_organisations, roles_of
from skala.portfolio import gates
from skala.portfolio.forms import (
    ActorForm,
    AdoptionForm,
    BenefitForm,
    FundingForm,
    GateForm,
    PeriodForm,
    ProgrammeForm,
    ProjectForm,
)
from skala.portfolio.health import adoption_spread, health, projects_for
from skala.portfolio.models import GateDecision, Programme, Project, Stage
from skala.procedures.models import Procurement


def visible_projects(user):
    if user.is_facilitator or user.is_staff:
        return Project.objects.all()
    mine = member_organisations(user)
    return Project.objects.filter(
        Q(owners__in=mine) | Q(programme__facilitator__in=mine) | Q(programme__members__in=mine)
    ).distinct()


def editable_owners(user):
    """The organisations the person may make a project or programme for. A supplier takes part in a
    pilot as one of its actors, never as its owner."""
    return Organisation.objects.public_side().filter(
        pk__in=[
            o.pk
            for o in Organisation.objects.filter(pk__in=member_organisations(user))
            if has_role(user, o, Role.EDITOR)
        ]
    )


@login_required
def project_list(request):
    projects = visible_projects(request.user).prefetch_related("owners").select_related("programme")
    stage = request.GET.get("stage", "")
    if stage in Stage.values:
        projects = projects.filter(stage=stage)
    context = {
        "projects": projects,
        "stages": Stage.choices,
        "stage": stage,
        "programmes": visible_programmes(request.user),
        "can_create": editable_owners(request.user).exists(),
    }
    return render(request, "portfolio/project_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def project_create(request):
    owners = editable_owners(request.user)
    if not owners.exists():
        raise PermissionDenied("portfolio.change_project")
    form = ProjectForm(request.POST or None, owners=owners)
    # Only the needs and programmes the person may see: the form would otherwise list every buyer's
    # drafts, and let anyone put a project into a programme they are not part of. Of those, the needs
    # and procurements of the person's organisations and joint processes: every buyer's public needs
    # would make a list no one could choose from (staff, who act for no organisation, get them all).
    organisations = member_organisations(request.user)
    needs = Need.objects.visible_to(request.user, organisations)
    procurements = Procurement.objects.all()
    if not request.user.is_staff:
        needs = needs.of_organisations(organisations)
        procurements = procurements.filter(Q(buyer_id__in=organisations) | Q(need__in=needs)).distinct()
    form.fields["needs"].queryset = needs.order_by("title")
    form.fields["procurements"].queryset = procurements.order_by("title")
    for name in ("needs", "procurements"):
        if not form.fields[name].queryset.exists():
            del form.fields[name]  # a heading over no choices says nothing
    form.fields["programme"].queryset = visible_programmes(request.user)
    if request.method == "POST" and form.is_valid():
        project = form.save(commit=False)
        project.stage_since = datetime.date.today()
        project.save()
        form.save_m2m()
        return redirect(project)
    return render(request, "portfolio/project_form.html", {"form": form})


@login_required
def project_detail(request, project_id: int):
    project = get_object_or_404(Project.objects.select_related("programme"), pk=project_id)
    authorize(request.user, "portfolio.view_project", project)
    return project_page(request, project)


def project_page(request, project: Project, refused: dict | None = None):
    """The project's page. `refused` holds a section's form as it was sent back with its errors
    (gate_form, actor_form, …): the page is shown again with it, so what was typed is kept and each
    error stands at its field."""
    can_change = request.user.has_perm("portfolio.change_project", project)
    following = gates.next_stage(project.stage)
    context = {
        "project": project,
        # A linked need the viewer may not read (invited-only, or a process its buyer has left) is not named.
        "needs": project.needs.visible_to(request.user, member_organisations(request.user)).order_by("title"),
        "can_change": can_change,
        "decisions": project.decisions.select_related("decided_by", "corrects"),
        "actors": project.actors.select_related("organisation"),
        "benefits": project.benefits.select_related("key_figure"),
        "funding": project.funding.all(),
        "adoptions": project.adoptions.select_related("organisation"),
        "next_stage": Stage(following).label if following else None,
        "route": gates.route_for(following) if following else None,
    }
    if can_change:
        context.update(
            gate_form=GateForm(),
            actor_form=ActorForm(),
            funding_form=FundingForm(),
            benefit_form=BenefitForm(project=project),
            adoption_form=AdoptionForm(),
        )
        context.update(refused or {})
    return render(request, "portfolio/project_detail.html", context, status=400 if refused else 200)


@login_required
@require_POST
def project_gate(request, project_id: int):
    project = get_object_or_404(Project, pk=project_id)
    authorize(request.user, "portfolio.change_project", project)
    form = GateForm(request.POST)
    if not form.is_valid():
        return project_page(request, project, {"gate_form": form})
    corrects = None
    if request.POST.get("corrects", "").isdigit():
        corrects = get_object_or_404(GateDecision, pk=int(request.POST["corrects"]), project=project)
    data = form.cleaned_data
    try:
        gates.decide(
            project,
            data["decision"],
            reason=data["reason"],
            decided_by=request.user,
            to_stage=data["to_stage"] or None,
            evidence=data["evidence"],
            lessons=data["lessons"],
            skip_reason=data["skip_reason"],
            day=data["decided_on"],
            corrects=corrects,
        )
    except gates.GateError as error:
        form.add_error(None, str(error))
        return project_page(request, project, {"gate_form": form})
    messages.success(request, _("The decision is recorded."))
    return redirect(project)


@login_required
@require_POST
def project_add(request, project_id: int, what: str):
    project = get_object_or_404(Project, pk=project_id)
    authorize(request.user, "portfolio.change_project", project)
    form_class = {
        "actor": ActorForm,
        "funding": FundingForm,
        "benefit": BenefitForm,
        "adoption": AdoptionForm,
    }.get(what)
    if form_class is None:
        raise Http404(what)
    form = form_class(request.POST, project=project) if what == "benefit" else form_class(request.POST)
    if what == "adoption" and project.stage not in {Stage.SCALE_UP, Stage.STANDARD}:
        messages.error(request, _("Only a scaled solution can be adopted by others."))
        return redirect(project)
    if not form.is_valid():
        return project_page(request, project, {f"{what}_form": form})
    item = form.save(commit=False)
    item.project = project
    item.save()
    messages.success(request, _("Saved."))
    return redirect(project)


def visible_programmes(user):
    if user.is_facilitator or user.is_staff:
        return Programme.objects.all()
    mine = member_organisations(user)
    return Programme.objects.filter(Q(facilitator__in=mine) | Q(members__in=mine)).distinct()


@login_required
@require_http_methods(["GET", "POST"])
def programme_create(request):
    facilitators = editable_owners(request.user)
    if not request.user.is_facilitator or not facilitators.exists():
        raise PermissionDenied("portfolio.change_programme")
    form = ProgrammeForm(request.POST or None, facilitators=facilitators)
    if request.method == "POST" and form.is_valid():
        programme = form.save()
        return redirect(programme)
    return render(request, "portfolio/programme_form.html", {"form": form})


def period_of(request) -> tuple[datetime.date, datetime.date, int | None, PeriodForm]:
    form = PeriodForm(request.GET or None)
    today = datetime.date.today()
    start, end, stuck = today.replace(year=today.year - 1), today, None
    if form.is_valid():
        start = form.cleaned_data["start"] or start
        end = form.cleaned_data["end"] or end
        stuck = form.cleaned_data["stuck_days"]
    return start, end, stuck, form


def programme_timeline(programme) -> list[tuple]:
    """The programme's milestone and its gate decisions, in the order they happened: (day, decision);
    the milestone has no decision."""
    decisions = GateDecision.objects.filter(project__programme=programme).select_related("project")
    events = [(decision.decided_on, decision.pk, decision) for decision in decisions]
    if programme.portfolio_built_by:
        events.append((programme.portfolio_built_by, 0, None))
    return [(day, decision) for day, _order, decision in sorted(events, key=lambda event: event[:2])]


@login_required
def programme_detail(request, programme_id: int):
    programme = get_object_or_404(Programme.objects.select_related("facilitator"), pk=programme_id)
    authorize(request.user, "portfolio.view_programme", programme)
    start, end, stuck, form = period_of(request)
    context = {
        "programme": programme,
        "projects": programme.projects.prefetch_related("owners"),
        "health": health(projects_for(programme=programme), start=start, end=end, stuck_days=stuck),
        "spread": adoption_spread(projects_for(programme=programme)),
        "timeline": programme_timeline(programme),
        "period_form": form,
        "scope": f"programme={programme.pk}",
        "scope_key": "programme",
        "scope_value": programme.pk,
    }
    return render(request, "portfolio/programme_detail.html", context)


def scope_choices(user) -> list[tuple[str, str]]:
    """What a health page can be about for this person: their organisations (and the units below),
    then their programmes, as (query, name)."""
    organisations = (
        Organisation.objects.public_side().filter(pk__in=member_organisations(user)).order_by("name")
    )
    choices = [(f"org={organisation.pk}", organisation.name) for organisation in organisations[:100]]
    choices += [(f"programme={programme.pk}", programme.name) for programme in visible_programmes(user)[:50]]
    return choices


def default_organisation(user) -> Organisation | None:
    """The highest public-side organisation the person is a member of: Oslo kommune for its staff,
    Sykehjemsetaten for someone who works only there."""
    direct = Organisation.objects.public_side().filter(pk__in=roles_of(user))
    return min(
        direct, key=lambda organisation: (len(organisation.ancestors()), organisation.name), default=None
    )


def scope_of(request):
    """The organisation or programme a health page is about, checked against the person's rights;
    None when the person has nothing to show and must choose."""
    if request.GET.get("programme", "").isdigit():
        programme = get_object_or_404(Programme, pk=int(request.GET["programme"]))
        authorize(request.user, "portfolio.view_programme", programme)
        return programme.name, projects_for(programme=programme), f"programme={programme.pk}"
    organisation_id = request.GET.get("org", "")
    mine = member_organisations(request.user)
    if organisation_id.isdigit():
        organisation = get_object_or_404(Organisation, pk=int(organisation_id))
        if not (request.user.is_facilitator or request.user.is_staff or organisation.pk in mine):
            raise PermissionDenied("portfolio.view_project")
    else:
        organisation = default_organisation(request.user)
        if organisation is None:
            programme = visible_programmes(request.user).first()
            if programme is None:
                return None
            return programme.name, projects_for(programme=programme), f"programme={programme.pk}"
    return organisation.name, projects_for(organisation=organisation), f"org={organisation.pk}"


def nothing_to_show(request, title: str):
    """A person with no organisation and no programme: say so, with the way to the portfolio."""
    return render(request, "portfolio/no_scope.html", {"title": title}, status=404)


@login_required
def health_page(request):
    found = scope_of(request)
    if found is None:
        return nothing_to_show(request, _("Portfolio health"))
    name, projects, scope = found
    start, end, stuck, form = period_of(request)
    figures = health(projects, start=start, end=end, stuck_days=stuck)
    export = request.GET.get("format")
    if export == "csv":
        return health_csv(name, figures)
    if export == "pdf":
        return health_pdf(name, figures)
    if export == "xlsx":
        return health_xlsx(name, figures)
    scope_key, _sep, scope_value = scope.partition("=")
    context = {
        "name": name,
        "health": figures,
        "period_form": form,
        "scope": scope,
        "scope_key": scope_key,
        "scope_value": scope_value,
        "spread": adoption_spread(projects),
        "scopes": scope_choices(request.user),
    }
    return render(request, "portfolio/health.html", context)


def health_csv(name: str, figures) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="portfolio-health.csv"'
    writer = csv.writer(response)
    writer.writerows(health_rows(figures))
    return response


def health_rows(figures) -> list[list]:
    """The health figures as rows, shared by the CSV and the spreadsheet."""
    rows = [["section", "key", "value", "budget_nok"]]
    rows += [["stage", row["stage"], row["projects"], row["budget"]] for row in figures.per_stage]
    rows += [["funnel", row["stage"], row["reached"], None] for row in figures.funnel]
    rows.append(["conversion", "pilot_to_scale", figures.pilot_to_scale, None])
    rows.append(["stopped", "share", figures.stopped_share, None])
    for row in figures.benefits:
        rows.append(["benefit_expected", row["unit"], row["expected"], None])
        rows.append(["benefit_realised", row["unit"], row["realised"], None])
    rows += [["stuck", row["project"], row["days"], None] for row in figures.stuck]
    return rows


def health_xlsx(name: str, figures) -> HttpResponse:
    import io

    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "health"
    for row in health_rows(figures):
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = 'attachment; filename="portfolio-health.xlsx"'
    return response


def health_pdf(name: str, figures) -> HttpResponse:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()

    def line(text: str, size: int = 11, style: str = "") -> None:
        pdf.set_font("Helvetica", style, size)
        pdf.multi_cell(
            0,
            7,
            text.replace("–", "-").encode("latin-1", "replace").decode("latin-1"),
            new_x="LMARGIN",
            new_y="NEXT",
        )

    line(_("Portfolio health: %(name)s") % {"name": name}, 16, "B")
    for row in figures.per_stage:
        line(f"{row['label']}: {row['projects']} ({row['budget']:,.0f} NOK)")
    line(_("Conversion from pilot to scale: %(value)s") % {"value": figures.pilot_to_scale}, 12, "B")
    line(_("Share stopped: %(value)s") % {"value": figures.stopped_share}, 12, "B")
    if figures.stop_warning:
        line(figures.stop_warning)
    for row in figures.benefits:
        line(f"{row['unit']}: {row['realised']:,.0f} / {row['expected']:,.0f}")
    response = HttpResponse(bytes(pdf.output()), content_type="application/pdf")
    response["Content-Disposition"] = 'attachment; filename="portfolio-health.pdf"'
    return response


@login_required
def leaders(request):
    """One screen a mayor reads in a minute: what scaled, what stopped and what it taught, what it saved."""
    found = scope_of(request)
    if found is None:
        return nothing_to_show(request, _("For leaders"))
    name, projects, scope = found
    today = datetime.date.today()
    figures = health(projects, start=today.replace(year=today.year - 1), end=today)
    context = {
        "name": name,
        "scope": scope,
        "scaled": projects.filter(stage__in=[Stage.SCALE_UP, Stage.STANDARD]).prefetch_related("adoptions"),
        "stopped": projects.filter(stage=Stage.STOPPED),
        "health": figures,
        "scopes": scope_choices(request.user),
    }
    return render(request, "portfolio/leaders.html", context)


@login_required
def adoption_page(request):
    found = scope_of(request)
    if found is None:
        return nothing_to_show(request, _("Adoption"))
    name, projects, scope = found
    return render(
        request,
        "portfolio/adoption.html",
        {
            "name": name,
            "spread": adoption_spread(projects),
            "scope": scope,
            "scopes": scope_choices(request.user),
        },
    )
