"""Pages for suppliers and startups, the fast track, partnering, subscriptions and alerts."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from skala.corpus import services as corpus
from skala.corpus.models import DocumentKind
from skala.needs.models import Need, NeedStatus
from skala.orgs.models import Organisation, OrganisationKind, RegistryEntry
from skala.orgs.permissions import authorize, member_organisations
from skala.orgs.verification import send_confirmation
from skala.reference.models import County, CpvCode
from skala.suppliers import partnering, proposals
from skala.suppliers.alerts import readable
from skala.suppliers.alliances import suggest_for_need
from skala.suppliers.forms import (
    ContactFormSet,
    PartneringForm,
    ProfileForm,
    ProposalForm,
    ProposalMoveForm,
    ReferenceFormSet,
    SignupForm,
    SolutionForm,
    SubscriptionForm,
)
from skala.suppliers.matching import needs_for_supplier, suppliers_for_need, sync_solution
from skala.suppliers.models import (
    Alert,
    Consortium,
    Maturity,
    PartneringRequest,
    Proposal,
    Solution,
    Subscription,
    SupplierProfile,
)
from skala.suppliers.profiles import (
    NotClaimableError,
    delete_solution,
    profile_for,
    register_supplier,
    save_solution,
)
from skala.suppliers.tasks import alert_for_open_needs

PAGE_SIZE = 20


def supplier_list(request):
    """Suppliers by what they offer (words in any language), CPV division, region, maturity, startups."""
    filters = {
        name: request.GET.get(name, "").strip() for name in ("q", "division", "county", "maturity", "startup")
    }
    profiles = SupplierProfile.objects.select_related("organisation").prefetch_related("solutions")
    if filters["division"].isdigit():
        profiles = profiles.filter(solutions__cpv_codes__code8__startswith=filters["division"][:2])
    if filters["county"].isdigit():
        profiles = profiles.filter(regions__pk=int(filters["county"])) | profiles.filter(whole_country=True)
    if filters["maturity"] in Maturity.values:
        profiles = profiles.filter(solutions__maturity=filters["maturity"])
    if filters["startup"]:
        profiles = profiles.filter(is_startup=True)
    profiles = profiles.distinct().order_by("organisation__name")
    if filters["q"]:
        matches = corpus.similar(corpus.query_for(filters["q"]), top=200, kind=DocumentKind.SOLUTION)
        owners = corpus_owner_ranks(matches)
        profiles = sorted(
            profiles.filter(organisation_id__in=owners), key=lambda p: owners[p.organisation_id]
        )
    context = {
        "page": Paginator(profiles, PAGE_SIZE).get_page(request.GET.get("page")),
        "filters": filters,
        "counties": County.objects.order_by("country", "name"),
        "maturities": Maturity.choices,
    }
    template = "suppliers/_supplier_results.html" if request.htmx else "suppliers/supplier_list.html"
    return render(request, template, context)


def corpus_owner_ranks(matches) -> dict[int, int]:
    """Each supplier's best rank among matched solutions."""
    ids = [int(match.key.split(":", 1)[1]) for match in matches]
    owner_of = dict(Solution.objects.filter(pk__in=ids).values_list("pk", "profile__organisation_id"))
    ranks: dict[int, int] = {}
    for n, solution_id in enumerate(ids):
        owner = owner_of.get(solution_id)
        if owner is not None:
            ranks.setdefault(owner, n)
    return ranks


def supplier_organisation(organisation_id: int) -> Organisation:
    return get_object_or_404(Organisation, pk=organisation_id, kind=OrganisationKind.SUPPLIER)


def supplier_detail(request, organisation_id: int):
    """A supplier's public profile; its members also see the needs that fit them."""
    organisation = supplier_organisation(organisation_id)
    profile = profile_for(organisation)
    can_change = request.user.has_perm("suppliers.change_profile", profile)
    context = {
        "organisation": organisation,
        "profile": profile,
        "solutions": profile.solutions.prefetch_related("cpv_codes", "references"),
        "contacts": profile.contacts.all(),
        "can_change": can_change,
        "needs_for_you": needs_for_supplier(profile, request.user, top=8),
        "registry": registry_facts(organisation),
    }
    return render(request, "suppliers/supplier_detail.html", context)


def registry_facts(organisation: Organisation) -> RegistryEntry | None:
    """What Enhetsregisteret says about a Norwegian organisation, when the register is loaded."""
    if not organisation.orgnr or organisation.country != "NO":
        return None
    return RegistryEntry.objects.filter(orgnr=organisation.orgnr).first()


@login_required
@require_http_methods(["GET", "POST"])
def profile_edit(request, organisation_id: int):
    organisation = supplier_organisation(organisation_id)
    # Asked before the profile is made on first use, so that a refused request writes nothing.
    authorize(request.user, "suppliers.change_profile", SupplierProfile(organisation=organisation))
    profile = profile_for(organisation)
    form = ProfileForm(request.POST or None, instance=profile)
    contacts = ContactFormSet(request.POST or None, instance=profile, prefix="contacts")
    if request.method == "POST" and form.is_valid() and contacts.is_valid():
        with transaction.atomic():
            form.save()
            contacts.save()
            for solution in profile.solutions.all():
                # The owner's name travels with each solution into matching.
                sync_solution(solution)
        messages.success(request, _("The profile was saved."))
        return redirect(profile)
    return render(
        request, "suppliers/profile_form.html", {"form": form, "contacts": contacts, "profile": profile}
    )


@login_required
@require_http_methods(["GET", "POST"])
def solution_edit(request, organisation_id: int, solution_id: int | None = None):
    organisation = supplier_organisation(organisation_id)
    # Asked before the profile is made on first use, so that a refused request writes nothing.
    authorize(request.user, "suppliers.change_profile", SupplierProfile(organisation=organisation))
    profile = profile_for(organisation)
    solution = get_object_or_404(Solution, pk=solution_id, profile=profile) if solution_id else None
    form = SolutionForm(request.POST or None, instance=solution)
    references = ReferenceFormSet(request.POST or None, instance=solution or Solution(), prefix="references")
    if request.method == "POST" and form.is_valid() and references.is_valid():
        save_solution(form, references, profile)
        messages.success(request, _("The solution was saved."))
        return redirect(profile)
    context = {"form": form, "references": references, "profile": profile, "solution": solution}
    return render(request, "suppliers/solution_form.html", context)


@login_required
@require_POST
def solution_delete(request, organisation_id: int, solution_id: int):
    solution = get_object_or_404(Solution, pk=solution_id, profile__organisation_id=organisation_id)
    authorize(request.user, "suppliers.change_profile", solution.profile)
    delete_solution(solution)
    messages.success(request, _("The solution was removed."))
    return redirect(solution.profile)


@require_http_methods(["GET", "POST"])
def signup(request):
    """A supplier or startup joins: a person, their company and its profile, in one step."""
    form = SignupForm(request.POST or None, language=request.LANGUAGE_CODE)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user, organisation = register_supplier(
                name=data["name"],
                email=data["email"],
                password=data["password"],
                company=data["company"],
                orgnr=data["orgnr"],
                municipality=data["municipality"],
                is_startup=data["is_startup"],
                country=data["country"],
            )
        except NotClaimableError as refused:
            # Someone else joined for it between the form's check and now.
            form.add_error(
                "orgnr",
                _("%(name)s is already in Skala: ask its administrator to add you.") % {"name": refused},
            )
            return render(request, "suppliers/signup.html", {"form": form})
        send_confirmation(user)
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, _("Welcome to Skala. Tell buyers what you offer."))
        return redirect("suppliers:profile_edit", organisation_id=organisation.pk)
    return render(request, "suppliers/signup.html", {"form": form})


def acting_suppliers(user) -> list[Organisation]:
    """The suppliers the person may act for (send proposals, requests, subscriptions)."""
    if not user.is_authenticated:
        return []
    candidates = Organisation.objects.suppliers().filter(pk__in=member_organisations(user))
    return [
        organisation
        for organisation in candidates
        if user.has_perm("suppliers.act_for_supplier", organisation)
    ]


def need_suppliers(request, need_id: int):
    """Suppliers for a need, alliances that would cover it, its consortia; served whole or as a fragment."""
    need = get_object_or_404(Need.objects.select_related("organisation"), pk=need_id)
    authorize(request.user, "needs.view_need", need)
    matches = suppliers_for_need(need, top=10) if not need.is_draft else []
    aspects, alliances = suggest_for_need(need) if not need.is_draft else ([], [])
    mine = acting_suppliers(request.user)
    is_buyer = request.user.has_perm("needs.change_need", need)
    context = {
        "need": need,
        "matches": matches,
        "aspects": aspects,
        "alliances": alliances,
        "consortia": Consortium.objects.filter(need=need).select_related("lead").prefetch_related("members"),
        "my_suppliers": mine,
        "my_supplier_ids": {organisation.pk for organisation in mine},
        "can_propose": bool(mine) and need.status in {NeedStatus.PUBLISHED, NeedStatus.IN_PROCUREMENT},
        "proposal_count": need.proposals.count() if is_buyer else None,
        "partnering_form": PartneringForm() if mine else None,
        # Each supplier once, however many alliances it is in: one "Ask … to partner" button apiece.
        "partners_to_ask": list(
            {
                member.key: member
                for alliance in alliances
                for member in alliance.members
                if member.open_to_partnering and member.key not in {organisation.pk for organisation in mine}
            }.values()
        )
        if mine
        else [],
    }
    template = "suppliers/_need_suppliers.html" if request.htmx else "suppliers/need_suppliers.html"
    return render(request, template, context)


@login_required
@require_POST
def partnering_send(request, need_id: int, organisation_id: int):
    need = get_object_or_404(Need, pk=need_id)
    authorize(request.user, "needs.view_need", need)
    senders = acting_suppliers(request.user)
    if not senders:
        raise PermissionDenied("suppliers.act_for_supplier")
    form = PartneringForm(request.POST)
    form.is_valid()
    try:
        partnering.request_partner(
            need, senders[0], supplier_organisation(organisation_id), form.cleaned_data.get("message", "")
        )
        messages.success(request, _("Your request is sent."))
    except partnering.PartneringError as error:
        messages.error(request, str(error))
    return redirect("suppliers:need_suppliers", need_id=need.pk)


@login_required
def partnering_list(request):
    organisations = member_organisations(request.user)
    context = {
        "received": PartneringRequest.objects.filter(receiver_id__in=organisations).select_related(
            "need", "sender"
        ),
        "sent": PartneringRequest.objects.filter(sender_id__in=organisations).select_related(
            "need", "receiver"
        ),
    }
    return render(request, "suppliers/partnering_list.html", context)


@login_required
@require_POST
def partnering_answer(request, request_id: int):
    partnering_request = get_object_or_404(PartneringRequest, pk=request_id)
    authorize(request.user, "suppliers.answer_partnering", partnering_request)
    try:
        partnering.answer_partnering(partnering_request, accept=request.POST.get("answer") == "accept")
        messages.success(request, _("Your answer is recorded."))
    except partnering.PartneringError as error:
        messages.error(request, str(error))
    return redirect("suppliers:partnering")


@login_required
def proposal_list(request):
    """Proposals the person's organisations sent or received, and how fast the buyer answers."""
    organisations = member_organisations(request.user)
    visible = proposals.visible_proposals(request.user).select_related("sender", "receiver", "need")
    received = [p for p in visible if p.receiver_id in organisations]
    sent = [p for p in visible if p.sender_id in organisations]
    buyer_units = list(Organisation.objects.public_buyers().filter(pk__in=organisations))
    context = {
        "received": received,
        "sent": sent,
        "figures": proposals.response_figures(organisations) if buyer_units else None,
        "target_days": proposals.RESPONSE_TARGET_DAYS,
    }
    return render(request, "suppliers/proposal_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def proposal_create(request):
    """A supplier sends a proposal: to a need (?need=ID), or unsolicited to a buyer it chooses."""
    senders = acting_suppliers(request.user)
    if not senders:
        raise PermissionDenied("suppliers.act_for_supplier")
    need = None
    if request.GET.get("need", "").isdigit():
        need = get_object_or_404(Need, pk=int(request.GET["need"]))
        authorize(request.user, "needs.view_need", need)
    sender = senders[0]
    form = ProposalForm(request.POST or None, supplier=sender, need=need)
    if request.method == "POST" and form.is_valid():
        try:
            proposal = proposals.send_proposal(
                sender=sender,
                sent_by=request.user,
                title=form.cleaned_data["title"],
                description=form.cleaned_data["description"],
                cpv_codes=list(CpvCode.objects.filter(code8__in=form.cleaned_data["cpv"])),
                need=need,
                buyer=form.cleaned_data.get("buyer"),
                solution=form.cleaned_data.get("solution"),
            )
        except proposals.ProposalError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request, _("Your proposal is sent to %(office)s.") % {"office": proposal.receiver.name}
            )
            return redirect(proposal)
    return render(request, "suppliers/proposal_form.html", {"form": form, "need": need, "sender": sender})


@login_required
def proposal_detail(request, proposal_id: int):
    proposal = get_object_or_404(
        Proposal.objects.select_related("sender", "receiver", "need"), pk=proposal_id
    )
    authorize(request.user, "suppliers.view_proposal", proposal)
    can_answer = request.user.has_perm("suppliers.answer_proposal", proposal) and bool(
        proposal.next_statuses()
    )
    context = {
        "proposal": proposal,
        "events": proposal.events.select_related("receiver", "by"),
        "move_form": ProposalMoveForm(proposal=proposal) if can_answer else None,
        "matching_needs": proposals.matching_needs(proposal, request.user)
        if request.user.has_perm("suppliers.answer_proposal", proposal)
        else [],
    }
    return render(request, "suppliers/proposal_detail.html", context)


@login_required
@require_POST
def proposal_move(request, proposal_id: int):
    proposal = get_object_or_404(Proposal, pk=proposal_id)
    authorize(request.user, "suppliers.answer_proposal", proposal)
    form = ProposalMoveForm(request.POST, proposal=proposal)
    if not form.is_valid():
        messages.error(request, _("Choose what happens to the proposal."))
        return redirect(proposal)
    try:
        proposals.move(
            proposal,
            form.cleaned_data["status"],
            request.user,
            note=form.cleaned_data["note"],
            forward_to=form.cleaned_data["forward_to"],
        )
        messages.success(
            request, _("The proposal is %(status)s.") % {"status": proposal.get_status_display().lower()}
        )
    except proposals.ProposalError as error:
        messages.error(request, str(error))
    return redirect(proposal)


@login_required
@require_http_methods(["GET", "POST"])
def subscription_list(request):
    """The person's subscriptions, and a form for a new one."""
    senders = acting_suppliers(request.user)
    subscriptions = Subscription.objects.filter(user=request.user).prefetch_related("regions", "buyers")
    form = (
        SubscriptionForm(request.POST or None, initial=search_as_subscription(request.GET))
        if senders
        else None
    )
    if request.method == "POST" and form is None:
        # Only a supplier's editors subscribe for it; say so rather than drop the form silently.
        raise PermissionDenied("suppliers.act_for_supplier")
    if request.method == "POST" and form.is_valid():
        subscription = form.save(commit=False)
        subscription.organisation = senders[0]
        subscription.user = request.user
        subscription.save()
        form.save_m2m()
        subscription_id = subscription.pk
        transaction.on_commit(lambda: alert_for_open_needs.enqueue(subscription_id))
        messages.success(
            request,
            _("You will hear about what matches; open needs that match already come into your alerts."),
        )
        return redirect("suppliers:subscriptions")
    return render(request, "suppliers/subscription_list.html", {"subscriptions": subscriptions, "form": form})


def search_as_subscription(query) -> dict:
    """A search on the needs page as the start of a subscription: its words, CPV division and county."""
    initial = {}
    if query.get("keywords", "").strip():
        initial["keywords"] = query["keywords"].strip()[:200]
        initial["name"] = query["keywords"].strip()[:100]
    if query.get("cpv", "").strip():
        initial["cpv"] = query["cpv"].strip()[:50]
    if query.get("region", "").isdigit():
        initial["regions"] = [int(query["region"])]
    return initial


@login_required
@require_http_methods(["GET", "POST"])
def subscription_edit(request, subscription_id: int):
    subscription = get_object_or_404(Subscription, pk=subscription_id)
    authorize(request.user, "suppliers.change_subscription", subscription)
    form = SubscriptionForm(request.POST or None, instance=subscription)
    if request.method == "POST":
        if "delete" in request.POST:
            subscription.delete()
            messages.success(request, _("The subscription is deleted."))
            return redirect("suppliers:subscriptions")
        if form.is_valid():
            form.save()
            messages.success(request, _("The subscription was saved."))
            return redirect("suppliers:subscriptions")
    return render(request, "suppliers/subscription_form.html", {"form": form, "subscription": subscription})


@login_required
def alert_list(request):
    """The person's alerts, newest first; opening the page marks them read."""
    alerts = readable(Alert.objects.filter(subscription__user=request.user), request.user).select_related(
        "subscription"
    )
    page = Paginator(alerts, 50).get_page(request.GET.get("page"))
    unread = [alert.pk for alert in page.object_list if alert.read_at is None]
    context = {"page": page, "unread": set(unread)}
    response = render(request, "suppliers/alert_list.html", context)
    Alert.objects.filter(pk__in=unread).update(read_at=timezone.now())
    return response


# Mail clients send one-click unsubscribes (RFC 8058) as a POST without a session or CSRF token;
# the unguessable token in the URL is the authority.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token: str):
    subscription = get_object_or_404(Subscription, token=token)
    if request.method == "POST":
        subscription.active = False
        subscription.save(update_fields=["active"])
        return render(request, "suppliers/unsubscribed.html", {"subscription": subscription})
    return render(request, "suppliers/unsubscribe.html", {"subscription": subscription})
