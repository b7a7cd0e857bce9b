"""A demo workshop: Oslo's night-supervision need with Stavanger and Bærum as co-hosts, thirty made-up
suppliers registered (some on the waiting list), one-to-one slots booked, questions answered, and a
published, anonymised report. Everything is marked as demo; a second load changes nothing."""

import datetime
import zoneinfo

from django.utils import timezone

from skala.dialogue import report as reports
from skala.dialogue import services
from skala.dialogue.models import (
    Booking,
    Meeting,
    MeetingKind,
    MeetingStatus,
    QuestionKind,
    QuestionPhase,
    RegistrationStatus,
    Report,
    ReportStatus,
)
from skala.needs.models import Need, ParticipantRole, ParticipantStatus
from skala.needs.services import invite
from skala.orgs.models import Organisation, OrganisationKind

OSLO = zoneinfo.ZoneInfo("Europe/Oslo")
# A workshop held before the demo was written (2026-12-01), so its attendance, feedback and report are
# things that happened. The suppliers register as if before its deadline, which is set afterwards.
STARTS = datetime.datetime(2026, 10, 14, 9, 0, tzinfo=OSLO)
DEADLINE = STARTS - datetime.timedelta(days=7)
# And the next meeting, open for registration.
NEXT = datetime.datetime(2027, 2, 10, 9, 0, tzinfo=OSLO)
SUPPLIERS = 30
CAPACITY = 40

VIEWS = [
    "Vi trenger mer innsikt i brukerne: hvem er de, og hva opplever pårørende om natten?",
    "Brukerne og de ansatte må være med fra starten, ellers treffer løsningen ikke behovet.",
    "Tidsplanen for konkurransen virker stram; gi oss minst seks uker fra kunngjøring til frist.",
    "Det hjelper å få kunngjøringen tidlig, så vi rekker å finne partnere før fristen.",
    "Åpenhet om budsjett og likebehandling i dialogen gir tillit.",
    "Vi stoler mer på prosessen når alle får de samme svarene samtidig.",
    "Integrasjon med journalsystemet er den største risikoen for oss.",
    "Pris bør vurderes over hele levetiden, ikke bare innkjøpet.",
    "Personvernet må avklares før pilot: kamera er vanskelig for mange brukere.",
    "Små leverandører trenger kortere kontrakter for å kunne delta.",
]
ADVICE = [
    "Del brukerreisene før konkurransen.",
    "Hold fast på tidsplanen dere har lovet.",
    "Svar alle leverandører likt og raskt.",
]


def load(say) -> None:
    need = Need.objects.filter(title="Digitalt nattilsyn i hjemmetjenesten", is_demo=True).first()
    if need is None:
        return
    for orgnr, role in [("964965226", ParticipantRole.FOLLOWER), ("935478715", ParticipantRole.PARTNER)]:
        buyer = Organisation.objects.filter(orgnr=orgnr).first()
        if buyer is None:
            continue
        participant, _created = invite(need, buyer, role, "Demo: opsjon på samme løsning i 2028", None)
        if participant.status != ParticipantStatus.ACCEPTED:
            participant.answer(accept=True)
    meeting, _created = Meeting.objects.get_or_create(
        need=need,
        title="Demo: dialogverksted om digitalt nattilsyn",
        defaults={
            "kind": MeetingKind.WORKSHOP,
            "starts_at": STARTS,
            "ends_at": STARTS + datetime.timedelta(hours=6),
            "registration_deadline": DEADLINE,
            "place": "Oslo rådhus, Fridtjof Nansens plass 1",
            "capacity": CAPACITY,
            "agenda": "09.00 Behovet og brukerne\n10.30 Arbeid ved bordene\n13.00 Én-til-én-møter",
            "language": "nb",
        },
    )
    services.sync_hosts(meeting)
    # Open while the demo suppliers register (the services keep the deadline), closed again below.
    Meeting.objects.filter(pk=meeting.pk).update(
        registration_deadline=timezone.now() + datetime.timedelta(days=1)
    )
    meeting.refresh_from_db()
    if meeting.status == MeetingStatus.DRAFT:
        services.publish(meeting)
        meeting.refresh_from_db()
    questions = ensure_questions(meeting)
    slots = services.make_slots(
        meeting, STARTS + datetime.timedelta(hours=4), STARTS + datetime.timedelta(hours=6), 15, 0
    )
    for number in range(1, SUPPLIERS + 1):
        supplier, _created = Organisation.objects.get_or_create(
            name=f"Demo Leverandør {number:02d} AS",
            kind=OrganisationKind.SUPPLIER,
            parent=None,
            defaults={"is_demo": True, "description": "A made-up supplier for the demo workshop."},
        )
        registration = (
            meeting.registrations.filter(supplier=supplier)
            .exclude(status=RegistrationStatus.CANCELLED)
            .first()
        )
        if registration is None:
            persons = [
                (f"Deltaker {number}-{n}", f"deltaker{number}.{n}@leverandor.example")
                for n in range(1 + number % 2)
            ]
            services.register(meeting, supplier, None, persons, may_be_named=number % 4 == 0)
        if (
            number <= len(slots)
            and not Booking.objects.filter(slot__meeting=meeting, supplier=supplier).exists()
        ) and not hasattr(slots[number - 1], "booking"):
            services.book(slots[number - 1], supplier, None)
        answer(questions, supplier, number)
    for registration in meeting.registrations.filter(status=RegistrationStatus.CONFIRMED)[:20]:
        registration.attendees.update(attended=True)
    report = Report.objects.filter(meeting=meeting).first()
    if report is None or report.status != ReportStatus.PUBLISHED:
        report = reports.generate(meeting)
        report.summary = (
            "Leverandørene ba om mer innsikt i brukerne, en tidsplan med god tid fra kunngjøring til frist, "
            "og like svar til alle. Integrasjon med journalsystemet er den største risikoen de ser."
        )
        report.status = ReportStatus.PUBLISHED
        report.published_at = STARTS + datetime.timedelta(days=7)
        report.save()
    Meeting.objects.filter(pk=meeting.pk).update(registration_deadline=DEADLINE)
    upcoming, _created = Meeting.objects.get_or_create(
        need=need,
        title="Demo: leverandørmøte om prototyper",
        defaults={
            "kind": MeetingKind.WORKSHOP,
            "starts_at": NEXT,
            "ends_at": NEXT + datetime.timedelta(hours=3),
            "registration_deadline": NEXT - datetime.timedelta(days=7),
            "place": "Oslo rådhus, Fridtjof Nansens plass 1",
            "capacity": 30,
            "agenda": "09.00 Hva verkstedet lærte oss\n10.00 Prototyper og tester",
            "language": "nb",
        },
    )
    services.sync_hosts(upcoming)
    if upcoming.status == MeetingStatus.DRAFT:
        services.publish(upcoming)
    waiting = meeting.registrations.filter(status=RegistrationStatus.WAITING).count()
    say(
        f"Demo dialogue: 1 workshop held, {SUPPLIERS} suppliers ({waiting} waiting), report published; "
        "1 meeting open for registration"
    )


def ensure_questions(meeting: Meeting) -> dict:
    specs = {
        "view": (
            QuestionPhase.BEFORE,
            QuestionKind.TEXT,
            "Hva er viktigst for dere før konkurransen?",
            [],
            False,
        ),
        "join": (
            QuestionPhase.BEFORE,
            QuestionKind.SINGLE,
            "Vil dere delta i konkurransen?",
            ["Ja", "Kanskje", "Nei"],
            False,
        ),
        "useful": (QuestionPhase.AFTER, QuestionKind.SCALE, "Hvor nyttig var verkstedet?", [], False),
        "advice": (QuestionPhase.AFTER, QuestionKind.TEXT, "Siste råd på vei ut?", [], True),
    }
    questions = {}
    for order, (key, (phase, kind, text, choices, last)) in enumerate(specs.items()):
        questions[key], _created = meeting.questions.get_or_create(
            text=text,
            defaults={
                "phase": phase,
                "kind": kind,
                "choices": choices,
                "is_last_advice": last,
                "order": order,
            },
        )
    return questions


def answer(questions: dict, supplier, number: int) -> None:
    services.answer_question(
        questions["view"], supplier, None, text=VIEWS[number % len(VIEWS)], shareable=number % 3 != 0
    )
    services.answer_question(
        questions["join"], supplier, None, choices=[["Ja", "Kanskje", "Nei"][number % 3]]
    )
    services.answer_question(questions["useful"], supplier, None, number=3 + number % 3)
    services.answer_question(
        questions["advice"], supplier, None, text=ADVICE[number % len(ADVICE)], shareable=number % 2 == 0
    )
