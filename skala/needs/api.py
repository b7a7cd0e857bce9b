"""Needs and joint processes as JSON, with the same permission rules as the pages."""

from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema
from ninja.errors import HttpError
from ninja.pagination import paginate
from ninja.responses import Status

from skala.apitypes import DatabaseInt
from skala.corpus import services as corpus
from skala.corpus.models import DocumentKind
from skala.needs import services
from skala.needs.forms import InviteForm, NeedForm
from skala.needs.models import Need, NeedStatus, Participant, ParticipantRole, ParticipantStatus
from skala.needs.places import NeedOwners
from skala.needs.views import editable_organisations
from skala.orgs.api import api_auth, optional_auth
from skala.orgs.models import Organisation
from skala.orgs.permissions import member_organisations

router = Router(tags=["needs"])


class OrganisationRef(Schema):
    id: int
    name: str


class ParticipantOut(Schema):
    id: int
    organisation: OrganisationRef
    role: str
    status: str
    option_terms: str


class NeedOut(Schema):
    id: int
    organisation: OrganisationRef
    title: str
    problem: str
    affected: str
    current_practice: str
    desired_outcome: str
    cpv: list[str]
    sdgs: list[int]
    estimated_value: Decimal | None
    horizon_months: int | None
    language: str = Field(description='The language the buyer chose; "" when Skala detects it.')
    written_language: str = Field(
        description='The chosen language, else the one detected from the text ("mul": cannot be told).'
    )
    status: str
    visibility: str
    published_at: datetime | None
    is_demo: bool

    @staticmethod
    def resolve_cpv(need: Need) -> list[str]:
        return [code.code8 for code in need.cpv_codes.all()]

    @staticmethod
    def resolve_sdgs(need: Need) -> list[int]:
        return [goal.number for goal in need.sdgs.all()]


class NeedDetail(NeedOut):
    participants: list[ParticipantOut]

    @staticmethod
    def resolve_participants(need: Need, context) -> list[Participant]:
        """As on the need's page: outsiders see who joined, not who was invited or on what terms."""
        process = getattr(need, "joint_process", None)
        if process is None:
            return []
        participants = list(process.participants.select_related("organisation"))
        if acting_user(context["request"]).has_perm("needs.view_process_details", need):
            return participants
        shown = [
            participant for participant in participants if participant.status == ParticipantStatus.ACCEPTED
        ]
        for participant in shown:
            participant.option_terms = ""
        return shown


class NeedIn(Schema):
    organisation: int | None = None
    title: str | None = None
    problem: str | None = None
    affected: str | None = None
    current_practice: str | None = None
    desired_outcome: str | None = None
    cpv: list[str] | None = None
    sdgs: list[DatabaseInt] | None = None
    estimated_value: Decimal | None = None
    horizon_months: int | None = None
    language: str | None = None
    visibility: str | None = None
    invited_organisations: list[DatabaseInt] | None = None


class StatusIn(Schema):
    status: NeedStatus


class InvitationIn(Schema):
    organisation: int
    role: ParticipantRole = ParticipantRole.FOLLOWER
    option_terms: str = ""


class AnswerIn(Schema):
    accept: bool


class SimilarOut(Schema):
    id: int | str
    kind: str
    title: str
    owner: str
    score: float
    why: dict


def acting_user(request):
    user = request.auth if request.auth is not None else request.user
    return user


def visible_needs(user):
    return (
        Need.objects.visible_to(user, member_organisations(user))
        .select_related("organisation")
        .prefetch_related("cpv_codes", "sdgs")
    )


def need_for(user, need_id: int, permission: str = "needs.view_need") -> Need:
    """The need, or 404 when the person may not see it and 403 when they may see but not do this."""
    need = get_object_or_404(Need.objects.select_related("organisation"), pk=need_id)
    if not user.has_perm("needs.view_need", need):
        raise HttpError(404, "No such need.")
    if permission != "needs.view_need" and not user.has_perm(permission, need):
        raise HttpError(403, "You may not change this need.")
    return need


def form_data(payload: NeedIn, need: Need | None) -> dict:
    """The form's data: what the payload gives, over what the need already holds."""
    data: dict = {}
    if need is not None:
        data = {
            "organisation": need.organisation_id,
            "title": need.title,
            "problem": need.problem,
            "affected": need.affected,
            "current_practice": need.current_practice,
            "desired_outcome": need.desired_outcome,
            "estimated_value": need.estimated_value,
            "horizon_months": need.horizon_months,
            "language": need.language,
            "visibility": need.visibility,
            "cpv": " ".join(need.cpv_codes.values_list("code8", flat=True)),
            "sdgs": list(need.sdgs.values_list("pk", flat=True)),
            "invited_organisations": list(need.invited_organisations.values_list("pk", flat=True)),
        }
    given = payload.dict(exclude_unset=True)
    if "cpv" in given:
        given["cpv"] = " ".join(given["cpv"] or [])
    if "sdgs" in given:
        from skala.reference.models import Sdg

        given["sdgs"] = list(Sdg.objects.filter(number__in=given["sdgs"] or []).values_list("pk", flat=True))
    data.update({key: "" if value is None else value for key, value in given.items()})
    return data


def save_form(form: NeedForm, user, creating: bool) -> Need:
    if not form.is_valid():
        raise HttpError(
            422, "; ".join(f"{field}: {' '.join(errors)}" for field, errors in form.errors.items())
        )
    with transaction.atomic():
        need = form.save(commit=False)
        if creating:
            need.created_by = user
        need.save()
        form.save_m2m()
        form.save()
        services.sync_to_corpus(need)
    return need


@router.get("", response=list[NeedOut], auth=optional_auth, summary="Needs the caller may see")
@paginate
def need_list(
    request,
    status: str = "",
    organisation: DatabaseInt | None = None,
    county: DatabaseInt | None = None,
    municipality: DatabaseInt | None = None,
    cpv: str = "",
    sdg: DatabaseInt | None = None,
    q: str = "",
):
    """Filters as in the pages: `organisation` is a buyer's id and takes its units' needs too; `county`
    (fylke, län) and `municipality` (kommune, kommun) are ids of the reference data; `cpv` is a code or
    its first digits; `sdg` a goal's number. `q` searches the words of the needs the filters leave, in
    any of the five languages, best match first."""
    needs = visible_needs(acting_user(request)).order_by("-published_at", "-created_at", "-id")
    if organisation is not None or county is not None or municipality is not None:
        # A unit without a municipality of its own is where the organisation above it is (needs/places.py).
        owners = NeedOwners.of(needs)
        if organisation is not None:
            needs = needs.filter(organisation_id__in=owners.under(organisation))
        if county is not None:
            needs = needs.filter(organisation_id__in=owners.in_county(county))
        if municipality is not None:
            needs = needs.filter(organisation_id__in=owners.in_municipality(municipality))
    if status:
        needs = needs.filter(status=status)
    if cpv.isdigit():
        needs = needs.filter(cpv_codes__code8__startswith=cpv).distinct()
    if sdg is not None:
        needs = needs.filter(sdgs__number=sdg)
    if q.strip():
        return services.search(needs, q.strip())
    return needs


@router.get("/{need_id}", response=NeedDetail, auth=optional_auth, summary="One need with its joint process")
def need_detail(request, need_id: int):
    return need_for(acting_user(request), need_id)


@router.post("", response={201: NeedDetail}, auth=api_auth, summary="Describe a new need (a draft)")
def need_create(request, payload: NeedIn):
    user = acting_user(request)
    organisations = editable_organisations(user)
    if not organisations.exists():
        raise HttpError(403, "You are not an editor of a public buyer.")
    data = form_data(payload, None)
    data.setdefault("organisation", organisations.first().pk)
    data.setdefault("visibility", "public")
    need = save_form(NeedForm(data, organisations=organisations), user, creating=True)
    return Status(201, need)


@router.patch("/{need_id}", response=NeedDetail, auth=api_auth, summary="Change a need (its buyer's editors)")
def need_update(request, need_id: int, payload: NeedIn):
    user = acting_user(request)
    need = need_for(user, need_id, "needs.change_need")
    organisations = (
        editable_organisations(user) | Organisation.objects.filter(pk=need.organisation_id)
    ).distinct()
    return save_form(
        NeedForm(form_data(payload, need), instance=need, organisations=organisations), user, False
    )


@router.post(
    "/{need_id}/status", response=NeedDetail, auth=api_auth, summary="Publish, move into procurement or close"
)
def need_move(request, need_id: int, payload: StatusIn):
    need = need_for(acting_user(request), need_id, "needs.change_need")
    try:
        need.move_to(payload.status)
    except ValueError as error:
        raise HttpError(409, str(error)) from None
    services.sync_to_corpus(need)
    return need


@router.get(
    "/{need_id}/similar",
    response=list[SimilarOut],
    auth=optional_auth,
    summary="Needs and notices like this one, with why",
)
def need_similar(request, need_id: int, top: int = 10):
    user = acting_user(request)
    need = need_for(user, need_id)
    if not 1 <= top <= 100:
        raise HttpError(400, f"top must be between 1 and 100, not {top}")  # as the match API says
    matches = corpus.similar(
        services.query_for_need(need),
        top=top,
        kind=(DocumentKind.NEED, DocumentKind.NOTICE),
        exclude=[need.corpus_key],
        visible_owner_ids=member_organisations(user),
        visible_keys=services.shared_need_keys(user),
    )
    return [
        {
            "id": int(match.key.split(":", 1)[1])
            if match.document.kind == DocumentKind.NEED
            else match.key.split(":", 1)[1],
            "kind": match.document.kind,
            "title": match.document.title,
            "owner": match.document.owner,
            "score": match.score,
            "why": match.why.as_dict(),
        }
        for match in matches
    ]


@router.post(
    "/{need_id}/process/invitations",
    response={201: ParticipantOut, 200: ParticipantOut},
    auth=api_auth,
    summary="Invite a buyer into the joint process as partner or follower",
)
def process_invite(request, need_id: int, payload: InvitationIn):
    user = acting_user(request)
    need = need_for(user, need_id, "needs.change_need")
    if need.is_draft:
        raise HttpError(409, "Publish the need before inviting other buyers.")
    if need.status == NeedStatus.CLOSED:
        raise HttpError(409, "The need is closed: its joint process takes no new buyers.")
    form = InviteForm(payload.dict(), lead=need.organisation)
    if not form.is_valid():
        raise HttpError(
            422, "; ".join(f"{field}: {' '.join(errors)}" for field, errors in form.errors.items())
        )
    participant, created = services.invite(
        need,
        form.cleaned_data["organisation"],
        form.cleaned_data["role"],
        form.cleaned_data["option_terms"],
        user,
    )
    return Status(201 if created else 200, participant)


@router.post(
    "/{need_id}/process/invitations/{participant_id}/answer",
    response=ParticipantOut,
    auth=api_auth,
    summary="Accept or decline an invitation (the invited buyer's editors)",
)
def process_answer(request, need_id: int, participant_id: int, payload: AnswerIn):
    user = acting_user(request)
    participant = get_object_or_404(
        Participant.objects.select_related("organisation"), pk=participant_id, process__need_id=need_id
    )
    if not user.has_perm("needs.answer_invitation", participant):
        raise HttpError(403, "Only the invited organisation's editors answer.")
    if not services.answer(participant, accept=payload.accept):
        raise HttpError(
            409,
            f"The invitation is {participant.status}, not open: only a new invitation from the lead opens it",
        )
    return participant


def participant_of(need_id: int, participant_id: int) -> Participant:
    return get_object_or_404(
        Participant.objects.select_related("organisation", "process__need"),
        pk=participant_id,
        process__need_id=need_id,
    )


@router.post(
    "/{need_id}/process/invitations/{participant_id}/withdraw",
    response={200: ParticipantOut, 204: None},
    auth=api_auth,
    summary="Withdraw an unanswered invitation (204), or take a buyer that joined out of the process (200)",
)
def process_withdraw(request, need_id: int, participant_id: int):
    user = acting_user(request)
    need = need_for(user, need_id, "needs.change_need")
    participant = participant_of(need.pk, participant_id)
    done = services.withdraw(participant)
    if done == "withdrawn":
        return Status(204, None)
    if done == "removed":
        return participant
    raise HttpError(409, f"The participant is {participant.status}: there is nothing to withdraw.")


@router.post(
    "/{need_id}/process/invitations/{participant_id}/leave",
    response=ParticipantOut,
    auth=api_auth,
    summary="Leave a joint process the organisation joined (its editors)",
)
def process_leave(request, need_id: int, participant_id: int):
    user = acting_user(request)
    participant = participant_of(need_id, participant_id)
    if not user.has_perm("needs.answer_invitation", participant):
        raise HttpError(403, "Only the participating organisation's editors may leave for it.")
    if not services.leave(participant):
        raise HttpError(409, f"The participant is {participant.status}: only a buyer that joined can leave.")
    return participant
