"""Running a dialogue meeting: hosts, publishing, registration with a waiting list, one-to-one
bookings, supplier input and questions answered to all.

Registration and booking lock the meeting's row (SELECT ... FOR UPDATE on PostgreSQL; SQLite takes
its write lock at the start of the transaction), so capacity and per-supplier limits hold when many
suppliers act at once; a slot's one-to-one booking key makes a double booking impossible regardless.
"""

import datetime
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from skala.dialogue.models import (
    MAX_ANSWER_LENGTH,
    Answer,
    Attendee,
    Booking,
    Host,
    HostRole,
    Meeting,
    MeetingStatus,
    Question,
    QuestionKind,
    Registration,
    RegistrationStatus,
    Slot,
    SupplierQuestion,
)
from skala.dialogue.permissions import current_hosts
from skala.needs.models import ParticipantStatus
from skala.suppliers.notify import absolute, tell_members


class DialogueError(ValueError):
    """What a person tried cannot be done; the message says why."""


def sync_hosts(meeting: Meeting) -> None:
    """The need's owner leads; every buyer that has joined its joint process co-hosts."""
    Host.objects.get_or_create(
        meeting=meeting, organisation=meeting.need.organisation, defaults={"role": HostRole.LEAD}
    )
    process = getattr(meeting.need, "joint_process", None)
    joined = (
        list(process.participants.filter(status=ParticipantStatus.ACCEPTED).select_related("organisation"))
        if process is not None
        else []
    )
    # A buyer that declined or left since no longer co-hosts; a need moved to another buyer has a new lead.
    meeting.hosts.filter(role=HostRole.COHOST).exclude(
        organisation_id__in=[participant.organisation_id for participant in joined]
    ).delete()
    meeting.hosts.filter(role=HostRole.LEAD).exclude(organisation_id=meeting.need.organisation_id).delete()
    for participant in joined:
        Host.objects.get_or_create(
            meeting=meeting, organisation=participant.organisation, defaults={"role": HostRole.COHOST}
        )


def sync_hosts_of_need(need) -> None:
    """After a buyer joins or leaves the need's joint process: it hosts every meeting of the need, those
    planned or held before it joined included, since a participant sees the need's whole dialogue."""
    for meeting in need.meetings.select_related("need__organisation"):
        sync_hosts(meeting)


@transaction.atomic
def publish(meeting: Meeting) -> None:
    """Announce the meeting: public (as its need), the co-hosts told, and supplier alerts queued."""
    if meeting.status != MeetingStatus.DRAFT:
        return
    if meeting.need.is_draft:
        # Announcing it would announce the need, with its title, to every subscribed supplier.
        raise DialogueError(_("Publish the need first: its meetings are announced with it."))
    sync_hosts(meeting)
    meeting.status = MeetingStatus.PUBLISHED
    meeting.published_at = timezone.now()
    meeting.save(update_fields=["status", "published_at", "updated_at"])
    for host in (host for host in current_hosts(meeting) if host.role == HostRole.COHOST):
        tell_members(
            host.organisation,
            _("You co-host a dialogue meeting: %(title)s") % {"title": meeting.title},
            absolute(meeting.get_absolute_url()),
        )
    from skala.dialogue.tasks import alert_for_meeting

    meeting_id = meeting.pk
    transaction.on_commit(lambda: alert_for_meeting.enqueue(meeting_id))


@transaction.atomic
def save_changes(meeting: Meeting, moved: bool) -> None:
    """After an edit: calendars learn of it (SEQUENCE), and if the time moved, everyone registered is told.

    Registrations, bookings and answers stay as they are: nothing a supplier submitted is lost.
    """
    meeting.sequence += 1
    meeting.save(update_fields=["sequence", "updated_at"])
    if moved and meeting.status == MeetingStatus.PUBLISHED:
        for registration in meeting.registrations.exclude(status=RegistrationStatus.CANCELLED).select_related(
            "supplier"
        ):
            tell_members(
                registration.supplier,
                _("The meeting has moved: %(title)s") % {"title": meeting.title},
                _("New time: %(start)s. %(url)s")
                % {
                    "start": timezone.localtime(meeting.starts_at).strftime("%d.%m.%Y %H:%M"),
                    "url": absolute(meeting.get_absolute_url()),
                },
            )


def locked(meeting: Meeting) -> Meeting:
    """The meeting's row, locked until the transaction ends."""
    return Meeting.objects.select_for_update().get(pk=meeting.pk)


def confirmed_persons(meeting: Meeting) -> int:
    return Attendee.objects.filter(
        registration__meeting=meeting, registration__status=RegistrationStatus.CONFIRMED
    ).count()


@dataclass
class RegistrationResult:
    registration: Registration
    message: str


def register(
    meeting: Meeting, supplier, user, attendees: list[tuple[str, str]], may_be_named: bool = False
) -> RegistrationResult:
    """Register named persons; confirmed while there is room, otherwise on the waiting list."""
    if not attendees:
        raise DialogueError(_("Name at least one person who will come."))
    with transaction.atomic():
        meeting = locked(meeting)
        if meeting.status != MeetingStatus.PUBLISHED:
            raise DialogueError(_("The meeting is not open for registration."))
        if timezone.now() > meeting.registration_deadline:
            raise DialogueError(
                _("The registration deadline passed on %(deadline)s. Ask the buyer if there is still room.")
                % {"deadline": timezone.localtime(meeting.registration_deadline).strftime("%d.%m.%Y %H:%M")}
            )
        if (
            meeting.registrations.filter(supplier=supplier)
            .exclude(status=RegistrationStatus.CANCELLED)
            .exists()
        ):
            raise DialogueError(_("Your organisation is already registered."))
        room = meeting.capacity is None or confirmed_persons(meeting) + len(attendees) <= meeting.capacity
        registration = Registration.objects.create(
            meeting=meeting,
            supplier=supplier,
            registered_by=user,
            status=RegistrationStatus.CONFIRMED if room else RegistrationStatus.WAITING,
            may_be_named=may_be_named,
        )
        Attendee.objects.bulk_create(
            Attendee(registration=registration, name=name, email=email) for name, email in attendees
        )
    if room:
        return RegistrationResult(registration, _("You are registered."))
    position = meeting.registrations.filter(
        status=RegistrationStatus.WAITING, pk__lte=registration.pk
    ).count()
    return RegistrationResult(
        registration,
        _("The meeting is full. You are number %(position)s on the waiting list and move up automatically.")
        % {"position": position},
    )


def cancel(registration: Registration) -> list[Registration]:
    """Cancel a registration and move the waiting list up, in order, while there is room."""
    with transaction.atomic():
        meeting = locked(registration.meeting)
        registration.status = RegistrationStatus.CANCELLED
        registration.cancelled_at = timezone.now()
        registration.save(update_fields=["status", "cancelled_at"])
        promoted = promote_waiting(meeting)
    for moved in promoted:
        tell_members(
            moved.supplier,
            _("You have a place: %(title)s") % {"title": meeting.title},
            _("A place became free and your registration is confirmed. %(url)s")
            % {"url": absolute(meeting.get_absolute_url())},
        )
    return promoted


def promote_waiting(meeting: Meeting) -> list[Registration]:
    """Confirm waiting registrations in the order they came, while they fit (the meeting is locked)."""
    promoted = []
    used = confirmed_persons(meeting)
    waiting = (
        meeting.registrations.filter(status=RegistrationStatus.WAITING)
        .annotate(persons=Count("attendees"))
        .order_by("created_at", "pk")
    )
    for registration in waiting:
        if meeting.capacity is not None and used + registration.persons > meeting.capacity:
            break
        registration.status = RegistrationStatus.CONFIRMED
        registration.save(update_fields=["status"])
        used += registration.persons
        promoted.append(registration)
    return promoted


def make_slots(
    meeting: Meeting, start: datetime.datetime, end: datetime.datetime, minutes: int, pause: int = 0
) -> list[Slot]:
    """Equal slots of that many minutes, with a pause between, from start until end."""
    if minutes <= 0 or end <= start:
        raise DialogueError(_("Give a length in minutes and an end after the start."))
    slots, at = [], start
    while at + datetime.timedelta(minutes=minutes) <= end:
        slot, _created = Slot.objects.get_or_create(
            meeting=meeting, starts_at=at, defaults={"ends_at": at + datetime.timedelta(minutes=minutes)}
        )
        slots.append(slot)
        at += datetime.timedelta(minutes=minutes + pause)
    return slots


def book(slot: Slot, supplier, user) -> Booking:
    """Book a one-to-one slot; refused when taken, or when the supplier has used its bookings."""
    try:
        with transaction.atomic():
            meeting = locked(slot.meeting)
            if meeting.status != MeetingStatus.PUBLISHED:
                raise DialogueError(_("The meeting is not open for booking."))
            held = Booking.objects.filter(slot__meeting=meeting, supplier=supplier).count()
            if held >= meeting.bookings_per_supplier:
                raise DialogueError(
                    _("Your organisation has already booked %(count)s slot(s), as many as each supplier may.")
                    % {"count": held}
                )
            return Booking.objects.create(slot=slot, supplier=supplier, booked_by=user)
    except IntegrityError:
        raise DialogueError(_("Someone booked that slot a moment ago. Choose another.")) from None


def cancel_booking(booking: Booking) -> None:
    booking.delete()


def answer_question(
    question: Question, supplier, user, *, text: str = "", choices=(), number=None, shareable=False
) -> Answer:
    """Record or change a supplier's answer, validated against the question's kind and limits."""
    choices = list(choices)
    if question.kind == QuestionKind.TEXT:
        if len(text) > MAX_ANSWER_LENGTH:
            raise DialogueError(
                _("The answer is %(length)s characters long; the limit is %(limit)s.")
                % {"length": len(text), "limit": MAX_ANSWER_LENGTH}
            )
        if question.required and not text.strip():
            raise DialogueError(_("The question needs an answer."))
    elif question.kind in {QuestionKind.SINGLE, QuestionKind.MULTIPLE}:
        unknown = [choice for choice in choices if choice not in question.choices]
        if unknown or (question.kind == QuestionKind.SINGLE and len(choices) > 1):
            raise DialogueError(_("Choose among the question's choices."))
    elif (
        question.kind == QuestionKind.SCALE
        and number is not None
        and not question.scale_min <= int(number) <= question.scale_max
    ):
        raise DialogueError(
            _("Choose a value from %(low)s to %(high)s.")
            % {"low": question.scale_min, "high": question.scale_max}
        )
    answer, _created = Answer.objects.update_or_create(
        question=question,
        supplier=supplier,
        defaults={
            "answered_by": user,
            "text": text,
            "choices": choices,
            "number": number,
            "shareable": shareable,
        },
    )
    return answer


def ask(meeting: Meeting, supplier, text: str) -> SupplierQuestion:
    if not text.strip():
        raise DialogueError(_("Write the question."))
    if len(text) > 2000:
        raise DialogueError(
            _("The question is %(length)s characters long; the limit is 2000.") % {"length": len(text)}
        )
    return SupplierQuestion.objects.create(meeting=meeting, asked_by=supplier, text=text)


@transaction.atomic
def answer_supplier_question(question: SupplierQuestion, answer: str, user) -> SupplierQuestion:
    """Answer once, for all: every registered supplier is told, none is told who asked."""
    if not answer.strip():
        raise DialogueError(_("Write the answer."))
    question.answer, question.answered_by, question.answered_at = answer, user, timezone.now()
    question.save(update_fields=["answer", "answered_by", "answered_at"])
    meeting = question.meeting
    for registration in meeting.registrations.exclude(status=RegistrationStatus.CANCELLED).select_related(
        "supplier"
    ):
        tell_members(
            registration.supplier,
            _("A question about %(title)s is answered") % {"title": meeting.title},
            f"{question.text}\n\n{answer}\n\n{absolute(meeting.get_absolute_url())}",
        )
    return question


def visible_answers(meeting: Meeting, user):
    """Hosts read every answer; a supplier reads its own."""
    from skala.orgs.permissions import member_organisations

    answers = Answer.objects.filter(question__meeting=meeting).select_related("question", "supplier")
    if user.has_perm("dialogue.view_input", meeting):
        return answers
    return answers.filter(supplier_id__in=member_organisations(user))


def due_reminders(now=None, ahead=datetime.timedelta(hours=24)):
    """Confirmed registrations of published meetings that start within a day and are not yet reminded."""
    now = now or timezone.now()
    return Registration.objects.filter(
        Q(meeting__status=MeetingStatus.PUBLISHED),
        meeting__starts_at__gt=now,
        meeting__starts_at__lte=now + ahead,
        status=RegistrationStatus.CONFIRMED,
        reminded_at__isnull=True,
    ).select_related("meeting")
