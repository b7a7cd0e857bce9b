"""Suppliers, their solutions, proposals, subscriptions and alerts as JSON, with the pages' rules."""

from datetime import datetime

from django.db import transaction
from django.shortcuts import get_object_or_404
from ninja import Router, Schema
from ninja.errors import HttpError
from ninja.pagination import paginate
from ninja.responses import Status

from skala.apitypes import DatabaseInt
from skala.needs.models import Need
from skala.orgs.api import api_auth, optional_auth
from skala.orgs.models import Organisation, OrganisationKind
from skala.reference.models import CpvCode
from skala.suppliers import proposals
from skala.suppliers.alerts import readable
from skala.suppliers.forms import ProfileForm, SolutionForm, SubscriptionForm
from skala.suppliers.matching import needs_for_supplier, suppliers_for_need
from skala.suppliers.models import Alert, Proposal, Solution, Subscription, SupplierProfile
from skala.suppliers.profiles import delete_solution, profile_for, save_solution
from skala.suppliers.views import acting_suppliers

router = Router(tags=["suppliers"])
proposals_router = Router(tags=["proposals"])
subscriptions_router = Router(tags=["subscriptions"])
alerts_router = Router(tags=["subscriptions"])


def caller(request):
    return request.auth if request.auth is not None else request.user


def form_errors(form) -> str:
    return "; ".join(f"{field}: {' '.join(errors)}" for field, errors in form.errors.items())


class OrganisationRef(Schema):
    id: int
    name: str


class ReferenceOut(Schema):
    customer_name: str
    year: int | None
    description: str


class SolutionOut(Schema):
    id: int
    title: str
    description: str
    maturity: str
    cpv: list[str]
    references: list[ReferenceOut]

    @staticmethod
    def resolve_cpv(solution: Solution) -> list[str]:
        return [code.code8 for code in solution.cpv_codes.all()]

    @staticmethod
    def resolve_references(solution: Solution):
        return list(solution.references.all())


class SupplierOut(Schema):
    id: int
    name: str
    orgnr: str
    summary: str
    is_startup: bool
    open_to_partnering: bool
    whole_country: bool
    regions: list[str]
    languages: list[str]
    employees: int | None
    founded: int | None
    solutions: list[SolutionOut]

    @staticmethod
    def resolve_id(profile: SupplierProfile) -> int:
        return profile.organisation_id

    @staticmethod
    def resolve_name(profile: SupplierProfile) -> str:
        return profile.organisation.name

    @staticmethod
    def resolve_orgnr(profile: SupplierProfile) -> str:
        return profile.organisation.orgnr

    @staticmethod
    def resolve_regions(profile: SupplierProfile) -> list[str]:
        return [county.name for county in profile.regions.all()]

    @staticmethod
    def resolve_solutions(profile: SupplierProfile):
        return list(profile.solutions.all())


class ProfileIn(Schema):
    summary: str | None = None
    whole_country: bool | None = None
    languages: list[str] | None = None
    employees: int | None = None
    founded: int | None = None
    is_startup: bool | None = None
    open_to_partnering: bool | None = None
    regions: list[DatabaseInt] | None = None
    website: str | None = None


class SolutionIn(Schema):
    title: str | None = None
    description: str | None = None
    maturity: str | None = None
    cpv: list[str] | None = None


class SupplierMatchOut(Schema):
    supplier: OrganisationRef
    solution: str
    maturity: str
    score: float
    why: dict


class NeedMatchOut(Schema):
    need: int
    title: str
    buyer: str
    solution: str
    score: float
    why: dict


def supplier_profile(organisation_id: int, user=None, message: str = "") -> SupplierProfile:
    """The supplier's profile; with a user, only after they may change it (a refusal writes nothing)."""
    organisation = get_object_or_404(Organisation, pk=organisation_id, kind=OrganisationKind.SUPPLIER)
    if user is not None and not user.has_perm(
        "suppliers.change_profile", SupplierProfile(organisation=organisation)
    ):
        raise HttpError(403, message)
    return profile_for(organisation)


@router.get("", response=list[SupplierOut], summary="Supplier profiles")
@paginate
def supplier_list(request, startup: bool | None = None, partnering: bool | None = None, cpv: str = ""):
    profiles = (
        SupplierProfile.objects.select_related("organisation")
        .prefetch_related("regions", "solutions__cpv_codes", "solutions__references")
        .order_by("organisation__name", "pk")
    )
    if startup is not None:
        profiles = profiles.filter(is_startup=startup)
    if partnering is not None:
        profiles = profiles.filter(open_to_partnering=partnering)
    if cpv.isdigit():
        profiles = profiles.filter(solutions__cpv_codes__code8__startswith=cpv).distinct()
    return profiles


@router.get(
    "/for-need/{need_id}", response=list[SupplierMatchOut], auth=optional_auth, summary="Suppliers for a need"
)
def for_need(request, need_id: int, top: int = 10):
    need = get_object_or_404(Need, pk=need_id)
    if not caller(request).has_perm("needs.view_need", need):
        raise HttpError(404, "No such need.")
    return [
        {
            "supplier": {"id": item.profile.organisation_id, "name": item.profile.organisation.name},
            "solution": item.solution.title,
            "maturity": item.solution.maturity,
            "score": item.score,
            "why": item.match.why.as_dict(),
        }
        for item in suppliers_for_need(need, top=max(1, min(top, 50)))
    ]


@router.get("/{organisation_id}", response=SupplierOut, summary="One supplier's profile and solutions")
def supplier_detail(request, organisation_id: int):
    return supplier_profile(organisation_id)


@router.patch(
    "/{organisation_id}", response=SupplierOut, auth=api_auth, summary="Change the profile (its editors)"
)
def supplier_update(request, organisation_id: int, payload: ProfileIn):
    profile = supplier_profile(
        organisation_id, caller(request), "Only the supplier's own editors change its profile."
    )
    data = {
        "summary": profile.summary,
        "whole_country": profile.whole_country,
        "languages": profile.languages,
        "employees": profile.employees,
        "founded": profile.founded,
        "is_startup": profile.is_startup,
        "open_to_partnering": profile.open_to_partnering,
        "regions": list(profile.regions.values_list("pk", flat=True)),
        "website": profile.organisation.website,
    }
    data.update(payload.dict(exclude_unset=True))
    form = ProfileForm(
        {key: value for key, value in data.items() if value not in (None, False)}, instance=profile
    )
    if not form.is_valid():
        raise HttpError(422, form_errors(form))
    form.save()
    return profile


@router.get(
    "/{organisation_id}/needs",
    response=list[NeedMatchOut],
    auth=optional_auth,
    summary="Needs for this supplier",
)
def supplier_needs(request, organisation_id: int, top: int = 10):
    profile = supplier_profile(organisation_id)
    return [
        {
            "need": item.need.pk,
            "title": item.need.title,
            "buyer": item.need.organisation.name,
            "solution": item.solution.title,
            "score": item.match.score,
            "why": item.match.why.as_dict(),
        }
        for item in needs_for_supplier(profile, caller(request), top=max(1, min(top, 50)))
    ]


def solution_data(payload: SolutionIn, solution: Solution | None) -> dict:
    data = {}
    if solution is not None:
        data = {
            "title": solution.title,
            "description": solution.description,
            "maturity": solution.maturity,
            "cpv": " ".join(solution.cpv_codes.values_list("code8", flat=True)),
        }
    given = payload.dict(exclude_unset=True)
    if "cpv" in given:
        given["cpv"] = " ".join(given["cpv"] or [])
    data.update({key: "" if value is None else value for key, value in given.items()})
    return data


@router.post(
    "/{organisation_id}/solutions", response={201: SolutionOut}, auth=api_auth, summary="Describe a solution"
)
def solution_create(request, organisation_id: int, payload: SolutionIn):
    profile = supplier_profile(
        organisation_id, caller(request), "Only the supplier's own editors add solutions."
    )
    data = solution_data(payload, None)
    data.setdefault("maturity", "idea")
    form = SolutionForm(data)
    if not form.is_valid():
        raise HttpError(422, form_errors(form))
    return Status(201, save_solution(form, None, profile))


def owned_solution(request, solution_id: int) -> Solution:
    solution = get_object_or_404(Solution.objects.select_related("profile__organisation"), pk=solution_id)
    if not caller(request).has_perm("suppliers.change_profile", solution.profile):
        raise HttpError(403, "Only the supplier's own editors change its solutions.")
    return solution


@router.patch("/solutions/{solution_id}", response=SolutionOut, auth=api_auth, summary="Change a solution")
def solution_update(request, solution_id: int, payload: SolutionIn):
    solution = owned_solution(request, solution_id)
    form = SolutionForm(solution_data(payload, solution), instance=solution)
    if not form.is_valid():
        raise HttpError(422, form_errors(form))
    return save_solution(form, None, solution.profile)


@router.delete("/solutions/{solution_id}", response={204: None}, auth=api_auth, summary="Remove a solution")
def solution_remove(request, solution_id: int):
    delete_solution(owned_solution(request, solution_id))
    return Status(204, None)


class ProposalOut(Schema):
    id: int
    sender: OrganisationRef
    receiver: OrganisationRef
    need: int | None
    title: str
    description: str
    cpv: list[str]
    status: str
    answer: str
    routed_because: str
    created_at: datetime
    answered_at: datetime | None

    @staticmethod
    def resolve_need(proposal: Proposal) -> int | None:
        return proposal.need_id

    @staticmethod
    def resolve_cpv(proposal: Proposal) -> list[str]:
        return [code.code8 for code in proposal.cpv_codes.all()]


class ProposalIn(Schema):
    title: str
    description: str
    need: int | None = None
    buyer: int | None = None
    cpv: list[str] = []
    supplier: int | None = None


class MoveIn(Schema):
    status: str
    note: str = ""
    forward_to: int | None = None


@proposals_router.get("", response=list[ProposalOut], auth=api_auth, summary="Proposals sent or received")
@paginate
def proposal_list(request):
    return (
        proposals.visible_proposals(caller(request))
        .select_related("sender", "receiver")
        .prefetch_related("cpv_codes")
        .order_by("-created_at", "-pk")
    )


@proposals_router.post("", response={201: ProposalOut}, auth=api_auth, summary="Send a proposal (fast track)")
def proposal_send(request, payload: ProposalIn):
    user = caller(request)
    senders = acting_suppliers(user)
    if payload.supplier is not None:
        senders = [organisation for organisation in senders if organisation.pk == payload.supplier]
    if not senders:
        raise HttpError(403, "You do not act for a supplier.")
    need = None
    if payload.need is not None:
        need = get_object_or_404(Need, pk=payload.need)
        if not user.has_perm("needs.view_need", need):
            raise HttpError(404, "No such need.")
    buyer = get_object_or_404(Organisation, pk=payload.buyer) if payload.buyer is not None else None
    codes = [code.split("-")[0] for code in payload.cpv]
    known = list(CpvCode.objects.filter(code8__in=codes))
    unknown = sorted(set(codes) - {code.code8 for code in known})
    if unknown:
        raise HttpError(422, f"cpv: not in the CPV vocabulary: {', '.join(unknown)}")
    if not payload.title.strip() or not payload.description.strip():
        raise HttpError(422, "title and description: both are required.")
    try:
        proposal = proposals.send_proposal(
            sender=senders[0],
            sent_by=user,
            title=payload.title,
            description=payload.description,
            cpv_codes=known,
            need=need,
            buyer=buyer,
        )
    except proposals.ProposalError as error:
        raise HttpError(409, str(error)) from None
    return Status(201, proposal)


def readable_proposal(request, proposal_id: int) -> Proposal:
    proposal = get_object_or_404(Proposal.objects.select_related("sender", "receiver"), pk=proposal_id)
    if not caller(request).has_perm("suppliers.view_proposal", proposal):
        raise HttpError(404, "No such proposal.")
    return proposal


@proposals_router.get("/{proposal_id}", response=ProposalOut, auth=api_auth, summary="One proposal")
def proposal_detail(request, proposal_id: int):
    return readable_proposal(request, proposal_id)


@proposals_router.post(
    "/{proposal_id}/status", response=ProposalOut, auth=api_auth, summary="Review, invite, forward or decline"
)
def proposal_move(request, proposal_id: int, payload: MoveIn):
    proposal = readable_proposal(request, proposal_id)
    if not caller(request).has_perm("suppliers.answer_proposal", proposal):
        raise HttpError(403, "Only the receiving buyer's editors answer a proposal.")
    forward_to = get_object_or_404(Organisation, pk=payload.forward_to) if payload.forward_to else None
    try:
        with transaction.atomic():
            return proposals.move(proposal, payload.status, caller(request), payload.note, forward_to)
    except (proposals.ProposalError, ValueError) as error:
        raise HttpError(409, str(error)) from None


class SubscriptionOut(Schema):
    id: int
    name: str
    organisation: OrganisationRef
    cpv_prefixes: list[str]
    keywords: str
    regions: list[int]
    buyers: list[int]
    frequency: str
    active: bool

    @staticmethod
    def resolve_regions(subscription: Subscription) -> list[int]:
        return [county.pk for county in subscription.regions.all()]

    @staticmethod
    def resolve_buyers(subscription: Subscription) -> list[int]:
        return [buyer.pk for buyer in subscription.buyers.all()]


class SubscriptionIn(Schema):
    name: str = ""
    cpv: list[str] = []
    keywords: str = ""
    regions: list[DatabaseInt] = []
    buyers: list[DatabaseInt] = []
    frequency: str = "daily"
    active: bool = True


class AlertOut(Schema):
    id: int
    kind: str
    title: str
    url: str
    why: str
    created_at: datetime
    read_at: datetime | None


@subscriptions_router.get("", response=list[SubscriptionOut], auth=api_auth, summary="Your subscriptions")
def subscription_list(request):
    return list(Subscription.objects.filter(user=caller(request)).prefetch_related("regions", "buyers"))


@subscriptions_router.post("", response={201: SubscriptionOut}, auth=api_auth, summary="Subscribe to alerts")
def subscription_create(request, payload: SubscriptionIn):
    user = caller(request)
    senders = acting_suppliers(user)
    if not senders:
        raise HttpError(403, "Subscriptions are for suppliers' members.")
    data = payload.dict()
    data["cpv"] = " ".join(data["cpv"])
    form = SubscriptionForm(data)
    if not form.is_valid():
        raise HttpError(422, form_errors(form))
    subscription = form.save(commit=False)
    subscription.organisation, subscription.user = senders[0], user
    subscription.save()
    form.save_m2m()
    return Status(201, subscription)


@subscriptions_router.delete(
    "/{subscription_id}", response={204: None}, auth=api_auth, summary="Delete a subscription"
)
def subscription_delete(request, subscription_id: int):
    subscription = get_object_or_404(Subscription, pk=subscription_id)
    if not caller(request).has_perm("suppliers.change_subscription", subscription):
        raise HttpError(404, "No such subscription.")
    subscription.delete()
    return Status(204, None)


@alerts_router.get("", response=list[AlertOut], auth=api_auth, summary="Your alerts, newest first")
@paginate
def alert_list(request):
    return readable(Alert.objects.filter(subscription__user=caller(request)), caller(request))
