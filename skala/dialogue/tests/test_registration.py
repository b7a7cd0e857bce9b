"""Registration: named persons, capacity with a waiting list that moves up, deadlines, attendance, .ics."""

import datetime

import pytest
from django.utils import timezone
from icalendar import Calendar

from skala.dialogue import services
from skala.dialogue.models import MeetingStatus, RegistrationStatus
from skala.dialogue.tests.builders import make_meeting, make_need, make_supplier

pytestmark = pytest.mark.django_db


def people(count: int, prefix="p") -> list[tuple[str, str]]:
    return [(f"Person {n}", f"{prefix}{n}@test.example") for n in range(count)]


def test_capacity_fills_then_the_waiting_list_moves_up_on_cancellation(personas):
    meeting = make_meeting(make_need(personas.oslo), capacity=4)
    (a, ua), (b, ub), (c, uc) = make_supplier(1), make_supplier(2), make_supplier(3)
    first = services.register(meeting, a, ua, people(2, "a")).registration
    second = services.register(meeting, b, ub, people(2, "b")).registration
    result = services.register(meeting, c, uc, people(1, "c"))
    assert (first.status, second.status) == (RegistrationStatus.CONFIRMED, RegistrationStatus.CONFIRMED)
    assert result.registration.status == RegistrationStatus.WAITING
    assert "number 1 on the waiting list" in result.message
    promoted = services.cancel(first)
    assert promoted == [result.registration]
    result.registration.refresh_from_db()
    assert result.registration.status == RegistrationStatus.CONFIRMED
    assert services.confirmed_persons(meeting) == 3


def test_registering_after_the_deadline_is_refused_with_a_message(personas):
    meeting = make_meeting(make_need(personas.oslo))
    meeting.registration_deadline = timezone.now() - datetime.timedelta(minutes=1)
    meeting.save()
    supplier, user = make_supplier(1)
    with pytest.raises(services.DialogueError, match="registration deadline passed"):
        services.register(meeting, supplier, user, people(1))


def test_a_supplier_registers_once(personas):
    meeting = make_meeting(make_need(personas.oslo))
    supplier, user = make_supplier(1)
    services.register(meeting, supplier, user, people(1))
    with pytest.raises(services.DialogueError, match="already registered"):
        services.register(meeting, supplier, user, people(1))


def test_registration_through_the_page_with_named_persons(client, personas):
    meeting = make_meeting(make_need(personas.oslo), capacity=1)
    client.force_login(personas.startup)
    response = client.post(
        f"/en/dialogue/{meeting.pk}/register/",
        {"attendees": "Kari Nordmann, kari@startup.example\nOla, ola@startup.example"},
        follow=True,
    )
    assert "The meeting is full" in response.text
    registration = meeting.registrations.get()
    assert [a.name for a in registration.attendees.all()] == ["Kari Nordmann", "Ola"]
    bad = client.post(
        f"/en/dialogue/{meeting.pk}/register/", {"attendees": "Kari without address"}, follow=True
    )
    assert "Line 1: write the name, a comma, and an e-mail address." in bad.text


def test_buyers_cannot_register_as_suppliers(client, personas):
    meeting = make_meeting(make_need(personas.oslo))
    client.force_login(personas.other_buyer)
    assert (
        client.post(f"/nb/dialogue/{meeting.pk}/register/", {"attendees": "A, a@b.example"}).status_code
        == 403
    )


def test_hosts_mark_attendance_and_others_cannot(client, personas):
    meeting = make_meeting(make_need(personas.oslo))
    supplier, user = make_supplier(1)
    registration = services.register(meeting, supplier, user, people(1)).registration
    attendee = registration.attendees.get()
    url = f"/nb/dialogue/{meeting.pk}/attendees/{attendee.pk}/"
    client.force_login(user)
    assert client.post(url, {"attended": "yes"}).status_code == 403
    client.force_login(personas.owner)
    client.post(url, {"attended": "yes"})
    attendee.refresh_from_db()
    assert attendee.attended is True


def test_every_meeting_offers_an_icalendar_file_that_follows_changes(client, personas):
    meeting = make_meeting(make_need(personas.oslo))
    response = client.get(f"/nb/dialogue/{meeting.pk}/calendar.ics")
    assert response["Content-Type"].startswith("text/calendar")
    event = Calendar.from_ical(response.content).walk("VEVENT")[0]
    assert str(event["summary"]) == meeting.title
    assert event["uid"] == f"{meeting.uid}@skala"
    sequence = int(event["sequence"])
    client.force_login(personas.owner)
    data = {
        "kind": meeting.kind,
        "title": meeting.title,
        "starts_at": (meeting.starts_at + datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (meeting.ends_at + datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
        "registration_deadline": meeting.registration_deadline.strftime("%Y-%m-%dT%H:%M"),
        "place": "Rådhuset",
        "language": "nb",
        "bookings_per_supplier": 1,
    }
    assert client.post(f"/nb/dialogue/{meeting.pk}/edit/", data).status_code == 302
    moved = Calendar.from_ical(client.get(f"/nb/dialogue/{meeting.pk}/calendar.ics").content).walk("VEVENT")[
        0
    ]
    assert int(moved["sequence"]) == sequence + 1
    assert str(moved["uid"]) == str(event["uid"])


def test_moving_a_meeting_keeps_every_registration_and_answer(client, personas):
    meeting = make_meeting(make_need(personas.oslo))
    supplier, user = make_supplier(1)
    services.register(meeting, supplier, user, people(2))
    meeting.starts_at += datetime.timedelta(days=1)
    meeting.ends_at += datetime.timedelta(days=1)
    meeting.save()
    services.save_changes(meeting, moved=True)
    assert meeting.registrations.get().attendees.count() == 2


def test_reminders_go_once_to_confirmed_attendees_of_meetings_tomorrow(personas, run_db_worker, mailoutbox):
    from skala.dialogue.tasks import send_reminders

    meeting = make_meeting(make_need(personas.oslo), days=14)
    supplier, user = make_supplier(1)
    services.register(meeting, supplier, user, people(1))
    meeting.starts_at = timezone.now() + datetime.timedelta(hours=20)
    meeting.ends_at = meeting.starts_at + datetime.timedelta(hours=2)
    meeting.save()
    send_reminders.enqueue()
    send_reminders.enqueue()
    run_db_worker()
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["p0@test.example"]
    assert mailoutbox[0].attachments[0][0] == "meeting.ics"


def test_a_draft_meeting_is_seen_only_by_its_hosts(client, personas):
    meeting = make_meeting(make_need(personas.oslo), publish=False)
    assert meeting.status == MeetingStatus.DRAFT
    assert client.get(f"/nb/dialogue/{meeting.pk}/").status_code == 403
    client.force_login(personas.colleague)
    assert client.get(f"/nb/dialogue/{meeting.pk}/").status_code == 200


def test_a_meeting_on_a_draft_need_is_not_announced(
    client, personas, run_db_worker, django_capture_on_commit_callbacks
):
    """Announcing it would tell subscribed suppliers the draft's title."""
    from skala.needs.models import NeedStatus
    from skala.suppliers.models import Alert, Subscription

    Subscription.objects.create(
        organisation=personas.startup_org, user=personas.startup, keywords="nattilsyn", name="Natt"
    )
    need = make_need(personas.oslo)
    need.status = NeedStatus.DRAFT
    need.save()
    meeting = make_meeting(need, publish=False)
    client.force_login(personas.owner)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/en/dialogue/{meeting.pk}/publish/", follow=True)
    run_db_worker()
    assert "Publish the need first" in response.text
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.DRAFT
    assert not Alert.objects.exists()
    with pytest.raises(services.DialogueError):
        services.publish(meeting)


def test_a_refused_registration_keeps_what_was_typed_beside_the_field(client, personas):
    meeting = make_meeting(make_need(personas.oslo))
    client.force_login(personas.startup)
    response = client.post(
        f"/en/dialogue/{meeting.pk}/register/",
        {"attendees": "Kari Nordmann, kari@startup.example\nOla uten adresse", "may_be_named": "on"},
    )
    assert response.status_code == 400
    assert "Ola uten adresse" in response.text
    assert "Line 2: write the name" in str(response.context["registration_form"].errors["attendees"])
    assert response.context["registration_form"]["may_be_named"].value()
    assert not meeting.registrations.exists()
