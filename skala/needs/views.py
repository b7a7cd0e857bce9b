"""Pages for needs and joint processes."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from skala.needs import services
from skala.needs.forms import InviteForm, NeedForm
from skala.needs.models import (
    ACTIVE_STATUSES,
    JointProcess,
    Need,
    NeedStatus,
    Participant,
    ParticipantStatus,
    Visibility,
)
from skala.needs.places import NeedOwners
from skala.orgs.models import Organisation
from skala.orgs.permissions import authorize, member_organisations
from skala.procedures.services import similar_notices
from skala.reference.models import County, CpvCode, CpvLevel, Sdg

PAGE_SIZE = 20


def need_list(request):
    """Needs the visitor may see, by text and by CPV division, place, buyer, status and goal."""
    organisation_ids = member_organisations(request.user)
    needs = Need.objects.visible_to(request.user, organisation_ids).select_related(
        "organisation__municipality"
    )
    owners = NeedOwners.of(needs)
    filters = {
        name: request.GET.get(name, "").strip()
        for name in ("q", "division", "county", "municipality", "organisation", "status", "sdg")
    }
    errors = {}
    # A whole code may come with its check digit (85000000-9).
    filters["division"] = filters["division"].split("-", 1)[0].strip()
    if filters["division"].isdigit() and len(filters["division"]) in (2, 8):
        needs = needs.filter(cpv_codes__code8__startswith=filters["division"][:2])
    elif filters["division"]:
        # Say so rather than show every need as if the filter had worked.
        errors["division"] = _("Write a CPV division as two digits, such as 85, or a whole code.")
        needs = needs.none()
    if filters["county"].isdigit():
        needs = needs.filter(organisation_id__in=owners.in_county(int(filters["county"])))
    if filters["municipality"].isdigit():
        needs = needs.filter(organisation_id__in=owners.in_municipality(int(filters["municipality"])))
    if filters["organisation"].isdigit():
        needs = needs.filter(organisation_id__in=owners.under(int(filters["organisation"])))
    if filters["status"] in NeedStatus.values:
        needs = needs.filter(status=filters["status"])
    if filters["sdg"].isdigit():
        needs = needs.filter(sdgs__number=int(filters["sdg"]))
    needs = needs.distinct()
    if filters["q"]:
        needs = services.search(needs, filters["q"])
    page = Paginator(needs, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "filters": filters,
        "errors": errors,
        "statuses": NeedStatus.choices,
        "divisions": CpvCode.objects.filter(level=CpvLevel.DIVISION).order_by("code8"),
        "division_chosen": filters["division"][:2] if not errors else "",
        "counties": County.objects.order_by("country", "name"),
        "municipalities": owners.municipalities,
        "buyers": owners.buyers,
        "sdgs": Sdg.objects.all(),
        "can_create": request.user.is_authenticated and bool(editable_organisations(request.user)),
    }
    template = "needs/_need_results.html" if request.htmx else "needs/need_list.html"
    return render(request, template, context)


def editable_organisations(user):
    """The public buyers, and their units, for which the person may publish needs."""
    candidates = (
        Organisation.objects.public_buyers().filter(pk__in=member_organisations(user)).order_by("name")
    )
    return Organisation.objects.filter(
        pk__in=[o.pk for o in candidates if user.has_perm("needs.add_need", o)]
    ).order_by("name")


@login_required
@require_http_methods(["GET", "POST"])
def need_create(request):
    organisations = editable_organisations(request.user)
    if not organisations.exists():
        raise PermissionDenied("needs.add_need")
    form = NeedForm(
        request.POST or None, organisations=organisations, initial={"organisation": organisations.first()}
    )
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            need = form.save(commit=False)
            need.created_by = request.user
            need.save()
            form.save_m2m()
            form.save()
            services.sync_to_corpus(need)
        messages.success(request, _("The need was saved as a draft."))
        warn_if_shared_with_no_one(request, need)
        return redirect(need)
    return render(request, "needs/need_form.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def need_edit(request, need_id: int):
    need = get_object_or_404(Need, pk=need_id)
    authorize(request.user, "needs.change_need", need)
    organisations = editable_organisations(request.user) | Organisation.objects.filter(
        pk=need.organisation_id
    )
    form = NeedForm(request.POST or None, instance=need, organisations=organisations.distinct())
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            form.save()
            services.sync_to_corpus(need)
        messages.success(request, _("The need was saved."))
        warn_if_shared_with_no_one(request, need)
        return redirect(need)
    return render(request, "needs/need_form.html", {"form": form, "need": need})


def warn_if_shared_with_no_one(request, need: Need) -> None:
    """An invited-only need that names no organisation, and has no joint process yet, is the owner's alone."""
    if need.visibility != Visibility.INVITED or need.invited_organisations.exists():
        return
    if Participant.objects.filter(process__need=need, status__in=ACTIVE_STATUSES).exists():
        return
    messages.warning(
        request,
        _(
            "Only your organisation can see this need: name the organisations to share it with, or invite "
            "buyers into its joint process once it is published."
        ),
    )


def need_codes(need: Need) -> set[str]:
    return set(need.cpv_codes.values_list("code8", flat=True))


@login_required
@require_POST
def need_add_cpv(request, need_id: int):
    """The buyer confirms a CPV code Skala suggested: it joins the need's codes, after those it has
    (the first stays the main one)."""
    need = get_object_or_404(Need, pk=need_id)
    authorize(request.user, "needs.change_need", need)
    code = CpvCode.objects.filter(code8=request.POST.get("code", "")).first()
    if code is None:
        messages.error(request, _("Skala knows no such CPV code."))
        return redirect(need)
    with transaction.atomic():
        need.cpv_codes.add(code)
        services.sync_to_corpus(need)
    messages.success(
        request,
        _("%(code)s %(label)s is added to the need's CPV codes.")
        % {"code": code.code, "label": code.label()},
    )
    return redirect(f"{need.get_absolute_url()}#cpv-title")


@login_required
@require_POST
def need_publish(request, need_id: int):
    need = get_object_or_404(Need, pk=need_id)
    authorize(request.user, "needs.change_need", need)
    need.publish()
    services.sync_to_corpus(need)
    messages.success(request, _("The need is published."))
    return redirect(need)


def need_detail(request, need_id: int, invite_form: InviteForm | None = None):
    """A need with similar needs of other buyers, suggested CPV codes, and its joint process.

    An invitation that was refused comes back here with its form, so what was typed is kept.
    """
    need = get_object_or_404(Need.objects.select_related("organisation__municipality"), pk=need_id)
    authorize(request.user, "needs.view_need", need)
    can_change = request.user.has_perm("needs.change_need", need)
    # One query for both lookups: building it reads the need's CPV codes and analyses its text.
    query = services.query_for_need(need)
    similar = services.similar_needs(need, request.user, query=query)
    process = JointProcess.objects.filter(need=need).first()
    participants = list(process.participants.select_related("organisation")) if process else []
    my_invitations = [
        participant
        for participant in participants
        if participant.status == ParticipantStatus.INVITED
        and request.user.has_perm("needs.answer_invitation", participant)
    ]
    context = {
        "need": need,
        "can_change": can_change,
        "similar": similar,
        "other_buyers": {
            item.match.document.owner
            for item in similar
            if item.need.organisation.top() != need.organisation.top()
        },
        "similar_notices": similar_notices(query, top=5),
        "procurements": list(need.procurements.all()),
        "meetings": [
            meeting
            for meeting in need.meetings.all()
            if request.user.has_perm("dialogue.view_meeting", meeting)
        ],
        # Codes the need has already are not suggested again.
        "suggestions": [
            item for item in services.suggested_cpv(need) if item.code.code8 not in need_codes(need)
        ]
        if can_change
        else [],
        "process": process,
        # Outsiders see who takes part; who was invited or declined, and on what terms, stays inside.
        "participants": participants
        if request.user.has_perm("needs.view_process_details", need)
        else [
            participant for participant in participants if participant.status == ParticipantStatus.ACCEPTED
        ],
        "process_details": request.user.has_perm("needs.view_process_details", need),
        "my_invitations": my_invitations,
        "my_participations": [
            participant
            for participant in participants
            if participant.status == ParticipantStatus.ACCEPTED
            and request.user.has_perm("needs.answer_invitation", participant)
        ],
        "invite_form": (
            invite_form
            or InviteForm(
                lead=need.organisation,
                already=[p.organisation_id for p in participants if p.status in ACTIVE_STATUSES],
                initial={"organisation": request.GET.get("invite")}
                if request.GET.get("invite", "").isdigit()
                else None,
            )
        )
        if can_change and not need.is_draft and need.status != NeedStatus.CLOSED
        else None,
    }
    if context["invite_form"] is not None:
        # From the list of similar needs, the buyer behind one is a press away from an invitation.
        invitable = set(context["invite_form"].fields["organisation"].queryset.values_list("pk", flat=True))
        for item in similar:
            top = item.need.organisation.top()
            item.invite = top if top.pk in invitable else None
    return render(request, "needs/need_detail.html", context, status=400 if invite_form else 200)


@login_required
@require_POST
def process_invite(request, need_id: int):
    """The lead buyer invites another buyer into the joint process, starting the process if need be."""
    need = get_object_or_404(Need, pk=need_id)
    authorize(request.user, "needs.change_need", need)
    if need.is_draft:
        # As the API: other buyers are invited to a published need, which they can then read.
        messages.error(request, _("Publish the need before you invite other buyers."))
        return redirect(need)
    if need.status == NeedStatus.CLOSED:
        messages.error(request, _("The need is closed: its joint process takes no new buyers."))
        return redirect(need)
    form = InviteForm(request.POST, lead=need.organisation)
    if not form.is_valid():
        return need_detail(request, need.pk, invite_form=form)
    participant, created = services.invite(
        need,
        form.cleaned_data["organisation"],
        form.cleaned_data["role"],
        form.cleaned_data["option_terms"],
        request.user,
    )
    if created:
        messages.success(
            request, _("%(organisation)s is invited.") % {"organisation": participant.organisation}
        )
    else:
        messages.error(
            request, _("%(organisation)s is already invited.") % {"organisation": participant.organisation}
        )
    return redirect(need)


@login_required
@require_POST
def need_status(request, need_id: int):
    """The owning buyer moves the need on: into procurement, or closed."""
    need = get_object_or_404(Need, pk=need_id)
    authorize(request.user, "needs.change_need", need)
    try:
        need.move_to(request.POST.get("status", ""))
    except ValueError as error:
        messages.error(request, str(error))
        return redirect(need)
    services.sync_to_corpus(need)
    messages.success(
        request, _("The need is now %(status)s.") % {"status": need.get_status_display().lower()}
    )
    return redirect(need)


@login_required
@require_POST
def process_withdraw(request, need_id: int, participant_id: int):
    """The lead buyer withdraws an invitation not yet answered, or takes a buyer that joined out of the
    process (it stays recorded as removed); a buyer that declined or left has nothing to withdraw."""
    participant = get_object_or_404(
        Participant.objects.select_related("organisation", "process__need"),
        pk=participant_id,
        process__need_id=need_id,
    )
    authorize(request.user, "needs.change_need", participant.process.need)
    done = services.withdraw(participant)
    names = {"buyer": participant.organisation}
    if done == "withdrawn":
        messages.success(request, _("The invitation to %(buyer)s is withdrawn.") % names)
    elif done == "removed":
        messages.success(request, _("%(buyer)s is no longer part of the joint process.") % names)
    else:
        messages.error(
            request, _("%(buyer)s is not in the joint process, so there is nothing to withdraw.") % names
        )
    return redirect("needs:detail", need_id=need_id)


@login_required
@require_POST
def process_leave(request, need_id: int, participant_id: int):
    """A buyer that joined leaves the joint process; the lead is told."""
    participant = get_object_or_404(
        Participant.objects.select_related("organisation", "process__need"),
        pk=participant_id,
        process__need_id=need_id,
    )
    authorize(request.user, "needs.answer_invitation", participant)
    if services.leave(participant):
        messages.success(
            request, _("%(buyer)s has left the joint process.") % {"buyer": participant.organisation}
        )
    else:
        messages.error(
            request,
            _("%(buyer)s has not joined the joint process, so it cannot leave it.")
            % {"buyer": participant.organisation},
        )
    return redirect("needs:detail", need_id=need_id)


@login_required
@require_POST
def process_answer(request, need_id: int, participant_id: int):
    """The invited buyer accepts or declines."""
    participant = get_object_or_404(Participant, pk=participant_id, process__need_id=need_id)
    authorize(request.user, "needs.answer_invitation", participant)
    answer = request.POST.get("answer")
    if answer not in ("accept", "decline"):
        return HttpResponseBadRequest(_("The answer must be “accept” or “decline”."))
    if services.answer(participant, accept=answer == "accept"):
        names = {"organisation": participant.organisation}
        if answer == "accept":
            messages.success(request, _("%(organisation)s has joined the joint process.") % names)
        else:
            messages.success(request, _("%(organisation)s has declined the invitation.") % names)
    else:
        messages.error(
            request,
            _("The invitation is no longer open (%(status)s): only a new invitation from the lead opens it.")
            % {"status": participant.get_status_display().lower()},
        )
    return redirect("needs:detail", need_id=need_id)
