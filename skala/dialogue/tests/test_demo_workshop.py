"""The issue's story on demo data: a workshop with followers as co-hosts, thirty suppliers (some waiting),
booked slots, answered questions, and a published anonymised report with themes."""

import io

import pytest
from django.core.management import call_command

from skala.dialogue.models import Booking, HostRole, Meeting, RegistrationStatus, ReportStatus

pytestmark = pytest.mark.django_db


def test_the_demo_workshop(client):
    call_command("load_demo", stdout=io.StringIO())
    call_command("load_demo", stdout=io.StringIO())  # a second load changes nothing
    meeting = Meeting.objects.get(title__startswith="Demo: dialogverksted")
    assert {host.organisation.name for host in meeting.hosts.filter(role=HostRole.COHOST)} == {
        "Stavanger kommune",
        "Bærum kommune",
    }
    registrations = meeting.registrations.exclude(status=RegistrationStatus.CANCELLED)
    assert registrations.count() == 30
    assert registrations.filter(status=RegistrationStatus.WAITING).exists()
    assert Booking.objects.filter(slot__meeting=meeting).count() == meeting.slots.count() == 8
    assert meeting.questions.get(text="Vil dere delta i konkurransen?").answers.count() == 30
    report = meeting.report
    assert report.status == ReportStatus.PUBLISHED
    page = client.get(f"/nb/dialogue/{meeting.pk}/report/").text
    assert len(report.content["themes"]) >= 3
    named = {quote["supplier"] for theme in report.content["themes"] for quote in theme["quotes"]} - {None}
    consenting = set(registrations.filter(may_be_named=True).values_list("supplier__name", flat=True))
    assert named <= consenting
    for registration in registrations.filter(may_be_named=False)[:5]:
        assert registration.supplier.name not in page
