"""Market dialogue as JSON: meetings, registrations, one-to-one bookings, questions and answers."""

from datetime import datetime

from django.shortcuts import get_object_or_404
from ninja import Router, Schema
from ninja.errors import HttpError
from ninja.responses import Status

from skala.apitypes import DatabaseInt
from skala.dialogue import services
from skala.dialogue.forms import MeetingForm
from skala.dialogue.models import Meeting, Question, QuestionKind, Registration, RegistrationStatus, Slot
from skala.dialogue.permissions import current_hosts
from skala.needs.models import Need
from skala.orgs.api import api_auth, optional_auth
from skala.orgs.permissions import member_organisations
from skala.suppliers.views import acting_suppliers

router = Router(tags=["dialogue"])


def caller(request):
    return request.auth if request.auth is not None else request.user


class MeetingOut(Schema):
    id: int
    need: int
    kind: str
    title: str
    starts_at: datetime
    ends_at: datetime
    place: str
    capacity: int | None
    registration_deadline: datetime
    agenda: str
    language: str
    status: str
    bookings_per_supplier: int
    hosts: list[str]

    @staticmethod
    def resolve_need(meeting: Meeting) -> int:
        return meeting.need_id

    @staticmethod
    def resolve_hosts(meeting: Meeting) -> list[str]:
        return [host.organisation.name for host in current_hosts(meeting)]


class MeetingIn(Schema):
    need: int
    kind: str = "workshop"
    title: str
    starts_at: datetime
    ends_at: datetime
    registration_deadline: datetime
    place: str = ""
    link: str = ""
    capacity: int | None = None
    agenda: str = ""
    language: str = "nb"
    bookings_per_supplier: int = 1


class AttendeeIn(Schema):
    name: str
    email: str


class RegistrationIn(Schema):
    attendees: list[AttendeeIn]
    may_be_named: bool = False


class RegistrationOut(Schema):
    id: int
    supplier: str
    status: str
    attendees: list[str]
    message: str = ""

    @staticmethod
    def resolve_supplier(registration: Registration) -> str:
        return registration.supplier.name

    @staticmethod
    def resolve_attendees(registration: Registration) -> list[str]:
        return [attendee.name for attendee in registration.attendees.all()]


class SlotOut(Schema):
    id: int
    starts_at: datetime
    ends_at: datetime
    booked: bool
    mine: bool = False


class QuestionOut(Schema):
    id: int
    phase: str
    kind: str
    text: str
    choices: list[str]
    scale_min: int
    scale_max: int
    required: bool


class QuestionIn(Schema):
    phase: str = "before"
    kind: QuestionKind = QuestionKind.TEXT
    text: str
    choices: list[str] = []
    scale_min: int = 1
    scale_max: int = 5
    required: bool = False
    is_last_advice: bool = False


class AnswerIn(Schema):
    question: int
    text: str = ""
    choices: list[str] = []
    number: int | None = None
    shareable: bool = False


class AnswerOut(Schema):
    id: int
    question: int
    supplier: str
    text: str
    choices: list[str]
    number: int | None
    shareable: bool

    @staticmethod
    def resolve_question(answer) -> int:
        return answer.question_id

    @staticmethod
    def resolve_supplier(answer) -> str:
        return answer.supplier.name


def meeting_for(request, meeting_id: int, permission: str = "dialogue.view_meeting") -> Meeting:
    meeting = get_object_or_404(Meeting.objects.select_related("need__organisation"), pk=meeting_id)
    user = caller(request)
    if not user.has_perm("dialogue.view_meeting", meeting):
        raise HttpError(404, "No such meeting.")
    if permission != "dialogue.view_meeting" and not user.has_perm(permission, meeting):
        raise HttpError(403, "Only the meeting's hosts may do this.")
    return meeting


def supplier_of(request):
    suppliers = acting_suppliers(caller(request))
    if not suppliers:
        raise HttpError(403, "You do not act for a supplier.")
    return suppliers[0]


@router.get(
    "/meetings",
    response=list[MeetingOut],
    auth=optional_auth,
    summary="Published meetings the caller may see",
)
def meeting_list(request, need: DatabaseInt | None = None):
    meetings = (
        Meeting.objects.published()
        .select_related("need__organisation", "need__joint_process")
        .prefetch_related("hosts__organisation", "need__joint_process__participants")
    )
    if need is not None:
        meetings = meetings.filter(need_id=need)
    return [meeting for meeting in meetings if caller(request).has_perm("needs.view_need", meeting.need)]


@router.get("/meetings/{meeting_id}", response=MeetingOut, auth=optional_auth, summary="One meeting")
def meeting_detail(request, meeting_id: int):
    return meeting_for(request, meeting_id)


@router.post("/meetings", response={201: MeetingOut}, auth=api_auth, summary="Plan a meeting (a draft)")
def meeting_create(request, payload: MeetingIn):
    need = get_object_or_404(Need, pk=payload.need)
    if not caller(request).has_perm("dialogue.add_meeting", need):
        raise HttpError(403, "Only the need's buyer plans its meetings.")
    data = payload.dict()
    data.pop("need")
    form = MeetingForm({key: "" if value is None else value for key, value in data.items()})
    if not form.is_valid():
        raise HttpError(
            422, "; ".join(f"{field}: {' '.join(errors)}" for field, errors in form.errors.items())
        )
    meeting = form.save(commit=False)
    meeting.need, meeting.created_by = need, caller(request)
    meeting.save()
    services.sync_hosts(meeting)
    return Status(201, meeting)


@router.post(
    "/meetings/{meeting_id}/publish", response=MeetingOut, auth=api_auth, summary="Announce a meeting"
)
def meeting_publish(request, meeting_id: int):
    meeting = meeting_for(request, meeting_id, "dialogue.manage_meeting")
    try:
        services.publish(meeting)
    except services.DialogueError as error:
        raise HttpError(409, str(error)) from None
    meeting.refresh_from_db()
    return meeting


@router.get(
    "/meetings/{meeting_id}/registrations",
    response=list[RegistrationOut],
    auth=api_auth,
    summary="Registrations: every one for hosts, the caller's own for suppliers",
)
def registration_list(request, meeting_id: int):
    meeting = meeting_for(request, meeting_id)
    registrations = meeting.registrations.select_related("supplier").prefetch_related("attendees")
    if not caller(request).has_perm("dialogue.view_input", meeting):
        registrations = registrations.filter(supplier_id__in=member_organisations(caller(request)))
    return list(registrations)


@router.post(
    "/meetings/{meeting_id}/registrations",
    response={201: RegistrationOut},
    auth=api_auth,
    summary="Register named persons (confirmed, or on the waiting list)",
)
def registration_create(request, meeting_id: int, payload: RegistrationIn):
    meeting = meeting_for(request, meeting_id)
    try:
        result = services.register(
            meeting,
            supplier_of(request),
            caller(request),
            [(person.name, person.email) for person in payload.attendees],
            payload.may_be_named,
        )
    except services.DialogueError as error:
        raise HttpError(409, str(error)) from None
    result.registration.message = result.message
    return Status(201, result.registration)


@router.delete(
    "/meetings/{meeting_id}/registrations/{registration_id}",
    response={204: None},
    auth=api_auth,
    summary="Cancel",
)
def registration_cancel(request, meeting_id: int, registration_id: int):
    registration = get_object_or_404(Registration, pk=registration_id, meeting_id=meeting_id)
    if not caller(request).has_perm("suppliers.act_for_supplier", registration.supplier):
        raise HttpError(404, "No such registration.")
    if registration.status != RegistrationStatus.CANCELLED:
        services.cancel(registration)
    return Status(204, None)


@router.get(
    "/meetings/{meeting_id}/slots", response=list[SlotOut], auth=optional_auth, summary="One-to-one slots"
)
def slot_list(request, meeting_id: int):
    meeting = meeting_for(request, meeting_id)
    mine = set(member_organisations(caller(request)))
    return [
        {
            "id": slot.pk,
            "starts_at": slot.starts_at,
            "ends_at": slot.ends_at,
            "booked": hasattr(slot, "booking"),
            "mine": hasattr(slot, "booking") and slot.booking.supplier_id in mine,
        }
        for slot in meeting.slots.select_related("booking")
    ]


@router.post(
    "/meetings/{meeting_id}/slots/{slot_id}/booking",
    response={201: SlotOut},
    auth=api_auth,
    summary="Book a slot",
)
def slot_book(request, meeting_id: int, slot_id: int):
    meeting = meeting_for(request, meeting_id)
    slot = get_object_or_404(Slot, pk=slot_id, meeting=meeting)
    try:
        services.book(slot, supplier_of(request), caller(request))
    except services.DialogueError as error:
        raise HttpError(409, str(error)) from None
    return Status(
        201,
        {"id": slot.pk, "starts_at": slot.starts_at, "ends_at": slot.ends_at, "booked": True, "mine": True},
    )


@router.delete(
    "/meetings/{meeting_id}/slots/{slot_id}/booking",
    response={204: None},
    auth=api_auth,
    summary="Cancel a booking",
)
def slot_unbook(request, meeting_id: int, slot_id: int):
    slot = get_object_or_404(Slot.objects.select_related("booking"), pk=slot_id, meeting_id=meeting_id)
    booking = getattr(slot, "booking", None)
    if booking is None or not caller(request).has_perm("suppliers.act_for_supplier", booking.supplier):
        raise HttpError(404, "No booking of yours.")
    services.cancel_booking(booking)
    return Status(204, None)


@router.get(
    "/meetings/{meeting_id}/questions", response=list[QuestionOut], auth=optional_auth, summary="Questions"
)
def question_list(request, meeting_id: int):
    return list(meeting_for(request, meeting_id).questions.all())


@router.post(
    "/meetings/{meeting_id}/questions",
    response={201: QuestionOut},
    auth=api_auth,
    summary="Ask the suppliers",
)
def question_create(request, meeting_id: int, payload: QuestionIn):
    meeting = meeting_for(request, meeting_id, "dialogue.manage_meeting")
    if payload.kind in {QuestionKind.SINGLE, QuestionKind.MULTIPLE} and len(payload.choices) < 2:
        raise HttpError(422, "choices: give at least two.")
    return Status(201, Question.objects.create(meeting=meeting, **payload.dict()))


@router.get(
    "/meetings/{meeting_id}/answers",
    response=list[AnswerOut],
    auth=api_auth,
    summary="Answers: every one for the hosts, the caller's own for suppliers",
)
def answer_list(request, meeting_id: int):
    return list(services.visible_answers(meeting_for(request, meeting_id), caller(request)))


@router.post(
    "/meetings/{meeting_id}/answers", response={201: AnswerOut}, auth=api_auth, summary="Answer a question"
)
def answer_create(request, meeting_id: int, payload: AnswerIn):
    meeting = meeting_for(request, meeting_id)
    question = get_object_or_404(Question, pk=payload.question, meeting=meeting)
    try:
        answer = services.answer_question(
            question,
            supplier_of(request),
            caller(request),
            text=payload.text,
            choices=payload.choices,
            number=payload.number,
            shareable=payload.shareable,
        )
    except services.DialogueError as error:
        raise HttpError(422, str(error)) from None
    return Status(201, answer)
