"""Pages for imported procurement notices: search them, read one."""

from decimal import Decimal

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from skala.corpus import services as corpus
from skala.corpus.models import DocumentKind
from skala.forms import errors_in_words
from skala.needs.models import Need, NeedStatus, ParticipantRole, ParticipantStatus
from skala.orgs.permissions import authorize
from skala.procedures.advisor import Question, advise
from skala.procedures.eforms import DraftError, NoticeKind, draft, filename
from skala.procedures.forms import (
    AdvisorForm,
    AwardForm,
    DocumentForm,
    GroupMemberForm,
    LotForm,
    NoticeDetailsForm,
    OptionForm,
    PhaseFormSet,
    ProcurementForm,
)
from skala.procedures.models import Notice, NoticeSource, Procurement
from skala.procedures.services import similar_notices
from skala.procedures.timeline import apply_template, bars, procurement_calendar, warnings
from skala.reference.models import CpvCode

PAGE_SIZE = 25


def notice_list(request):
    """Notices by words in any language (through the matcher), CPV division, country and source."""
    filters = {name: request.GET.get(name, "").strip() for name in ("q", "division", "country", "source")}
    notices = Notice.objects.all()
    if filters["division"].isdigit():
        notices = notices.with_cpv_prefix(filters["division"][:2])
    if len(filters["country"]) == 2:
        notices = notices.filter(buyer_country=filters["country"].upper())
    if filters["source"] in NoticeSource.values:
        notices = notices.filter(source=filters["source"])
    if filters["q"]:
        matches = corpus.similar(corpus.query_for(filters["q"]), top=200, kind=DocumentKind.NOTICE)
        rank = {match.key.split(":", 1)[1]: n for n, match in enumerate(matches)}
        notices = sorted(notices.filter(import_id__in=rank), key=lambda notice: rank[notice.import_id])
    context = {
        "page": Paginator(notices, PAGE_SIZE).get_page(request.GET.get("page")),
        "filters": filters,
        "sources": NoticeSource.choices,
        "countries": sorted(
            set(Notice.objects.exclude(buyer_country="").values_list("buyer_country", flat=True))
        ),
    }
    template = "procedures/_notice_results.html" if request.htmx else "procedures/notice_list.html"
    return render(request, template, context)


def notice_detail(request, notice_id: int):
    """One notice with its CPV codes and the notices most like it."""
    notice = get_object_or_404(Notice, pk=notice_id)
    codes = CpvCode.objects.in_bulk(notice.cpv)
    query = corpus.query_for(f"{notice.title}\n{notice.description}", notice.language or None, notice.cpv)
    context = {
        "notice": notice,
        "codes": [codes[code] for code in notice.cpv if code in codes],
        "similar": [item for item in similar_notices(query, top=6) if item.notice.pk != notice.pk][:5],
    }
    return render(request, "procedures/notice_detail.html", context)


def advisor(request):
    """Which route may we take, and what does it demand? Answered with sources, without logging in."""
    form = AdvisorForm(request.GET or None)
    advice = None
    if form.is_valid():
        data = form.cleaned_data
        advice = advise(
            Question(
                value_nok=data["value_nok"],
                buyer_type=data["buyer_type"],
                contract_type=data["contract_type"],
                solution_exists=data["solution_exists"],
                rd_share=Decimal(data["rd_share"] or 0) / 100,
                buyer_pays_full_cost=data["buyer_pays_full_cost"],
                buyer_keeps_all_results=data["buyer_keeps_all_results"],
                defence_or_concession=data["defence_or_concession"],
            )
        )
    return render(request, "procedures/advisor.html", {"form": form, "advice": advice})


def procurement_list(request):
    """Every procurement, newest first: suppliers see when what happens."""
    procurements = Procurement.objects.select_related("buyer").order_by("-created_at")
    page = Paginator(procurements, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "procedures/procurement_list.html", {"page": page})


@login_required
@require_http_methods(["GET", "POST"])
def procurement_create(request):
    """Start a procurement, for a need (and so its joint process) or on its own, from a template."""
    from skala.needs.views import editable_organisations

    buyers = editable_organisations(request.user)
    if not buyers.exists():
        raise PermissionDenied("procedures.change_procurement")
    need = None
    if request.GET.get("need", "").isdigit():
        need = get_object_or_404(Need, pk=int(request.GET["need"]))
        authorize(request.user, "needs.change_need", need)
        if need.status == NeedStatus.DRAFT:
            # A procurement is public from the start; it would announce the draft's title and problem.
            messages.error(
                request, _("Publish the need before you start its procurement: a procurement is public.")
            )
            return redirect(need)
    initial = {"buyer": need.organisation_id if need else buyers.first().pk}
    if need:
        # The need's CPV codes carry over, in the order the buyer gave them (the first is the main one).
        through = Need.cpv_codes.through
        codes = through.objects.filter(need=need).order_by("pk").values_list("cpvcode_id", flat=True)
        initial.update(
            title=need.title,
            description=need.problem,
            estimated_value=need.estimated_value,
            procedure_type=request.GET.get("procedure", ""),
            cpv=" ".join(codes),
        )
    form = ProcurementForm(request.POST or None, buyers=buyers, initial=initial)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            procurement = form.save(commit=False)
            procurement.need, procurement.created_by = need, request.user
            procurement.save()
            # One at a time, in the order given: the first code is the main one (eForms BT-262).
            codes = CpvCode.objects.in_bulk(form.cleaned_data["cpv"])
            for code in form.cleaned_data["cpv"]:
                if code in codes:
                    procurement.cpv_codes.add(codes[code])
            apply_template(procurement, form.cleaned_data["start"])
            carry_options_over(procurement)
        return redirect(procurement)
    return render(request, "procedures/procurement_form.html", {"form": form, "need": need})


def procurement_detail(request, procurement_id: int):
    procurement = get_object_or_404(Procurement.objects.select_related("buyer", "need"), pk=procurement_id)
    can_change = request.user.has_perm("procedures.change_procurement", procurement)
    context = {
        "procurement": procurement,
        # The procurement is public; the need it is for only to those who may see the need (a draft).
        "need": procurement.need
        if procurement.need and request.user.has_perm("needs.view_need", procurement.need)
        else None,
        "bars": bars(procurement),
        "warnings": warnings(procurement),
        "can_change": can_change,
        "members": procurement.group_members.select_related("organisation"),
        "options": procurement.options.select_related("organisation"),
        "awards": procurement.awards.select_related("supplier", "lot"),
        "lots": procurement.lots.all(),
        "documents": procurement.documents.all(),
        "participants": participants_of(procurement),
    }
    if can_change:
        context.update(
            member_form=GroupMemberForm(prefix="member"),
            option_form=OptionForm(prefix="option"),
            award_form=AwardForm(prefix="award", procurement=procurement),
            lot_form=LotForm(prefix="lot"),
            document_form=DocumentForm(prefix="document"),
            notice_details_form=NoticeDetailsForm(instance=procurement, prefix="notice"),
            notice_kinds=NoticeKind.choices,
            notice_schemas=bool(settings.SKALA_EFORMS_SDK),
        )
    return render(request, "procedures/procurement_detail.html", context)


def carry_options_over(procurement) -> None:
    """The followers that joined the need's joint process hold options to buy the result: each comes
    into the procurement with the terms it was invited on, for the buyer to complete (value, date)."""
    for participant in participants_of(procurement):
        if participant.role == ParticipantRole.FOLLOWER:
            procurement.options.get_or_create(
                organisation=participant.organisation, defaults={"terms": participant.option_terms or "–"}
            )


def participants_of(procurement):
    """The buyers that joined the need's joint process, when the procurement runs one: they buy together
    and are named in its notices. A buyer that was invited, or declined, is not named on a public page."""
    process = getattr(procurement.need, "joint_process", None) if procurement.need else None
    if process is None:
        return []
    return list(process.participants.filter(status=ParticipantStatus.ACCEPTED).select_related("organisation"))


@login_required
@require_http_methods(["GET", "POST"])
def phases_edit(request, procurement_id: int):
    procurement = get_object_or_404(Procurement, pk=procurement_id)
    authorize(request.user, "procedures.change_procurement", procurement)
    formset = PhaseFormSet(request.POST or None, queryset=procurement.phases.all())
    if request.method == "POST" and formset.is_valid():
        formset.save()
        procurement.save(update_fields=["updated_at"])
        for warning in warnings(procurement):
            messages.warning(request, warning.message)
        return redirect(procurement)
    return render(request, "procedures/phases_form.html", {"formset": formset, "procurement": procurement})


@login_required
@require_POST
def procurement_add(request, procurement_id: int, what: str):
    """Add a group member, a follower's option or an award."""
    procurement = get_object_or_404(Procurement, pk=procurement_id)
    authorize(request.user, "procedures.change_procurement", procurement)
    forms = {
        "member": GroupMemberForm,
        "option": OptionForm,
        "award": AwardForm,
        "lot": LotForm,
        "document": DocumentForm,
    }
    form_class = forms.get(what)
    if form_class is None:
        raise Http404(what)
    # Each add form has its own prefix: the page holds them all, and their fields' ids must differ.
    extra = {"procurement": procurement} if form_class is AwardForm else {}
    form = form_class(request.POST, prefix=what, **extra)
    if form.is_valid():
        item = form.save(commit=False)
        item.procurement = procurement
        item.save()
        messages.success(request, _("Saved."))
    else:
        messages.error(request, errors_in_words(form))
    return redirect(procurement)


def procurement_ics(request, procurement_id: int):
    procurement = get_object_or_404(Procurement, pk=procurement_id)
    response = HttpResponse(procurement_calendar(procurement), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="procurement-{procurement.pk}.ics"'
    return response


@login_required
@require_POST
def notice_details(request, procurement_id: int):
    """Save what the eForms notices need: the description, where tenders go, the contract period."""
    procurement = get_object_or_404(Procurement, pk=procurement_id)
    authorize(request.user, "procedures.change_procurement", procurement)
    form = NoticeDetailsForm(request.POST, instance=procurement, prefix="notice")
    if form.is_valid():
        form.save()
        messages.success(request, _("Saved."))
    else:
        messages.error(request, errors_in_words(form))
    return redirect(procurement)


@login_required
def notice_draft(request, procurement_id: int, kind: str):
    """The eForms XML draft to upload to Doffin, or the reasons Skala will not offer it."""
    procurement = get_object_or_404(Procurement.objects.select_related("buyer", "need"), pk=procurement_id)
    authorize(request.user, "procedures.change_procurement", procurement)
    if kind not in NoticeKind.values:
        raise Http404(kind)
    try:
        choice, xml = draft(procurement, kind, request.user)
    except DraftError as error:
        context = {"procurement": procurement, "kind": NoticeKind(kind).label, "problems": error.problems}
        return render(request, "procedures/notice_refused.html", context, status=422)
    response = HttpResponse(xml, content_type="application/xml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename(procurement, choice)}"'
    return response


def procurement_ocds(request, procurement_id: int):
    """The procurement as a validated OCDS 1.1.5 release package, to download; public, as its page is.
    One that would not validate is refused with every failing field, never served."""
    from skala.procedures.ocds import ExportError, release_package

    procurement = get_object_or_404(Procurement.objects.select_related("buyer"), pk=procurement_id)
    try:
        document = release_package([procurement], f"{settings.SITE_URL}{request.path}")
    except ExportError as error:
        context = {"procurement": procurement, "problems": str(error).split("; ")}
        return render(request, "procedures/ocds_refused.html", context, status=422)
    response = JsonResponse(document, json_dumps_params={"ensure_ascii": False, "indent": 2})
    response["Content-Disposition"] = f'attachment; filename="procurement-{procurement.pk}-ocds.json"'
    return response
