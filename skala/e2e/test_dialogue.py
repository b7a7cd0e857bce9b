"""Market dialogue: the buyer plans one-to-one meetings for its need, publishes them and makes slots;
a supplier registers and books a slot, a second one lands on the waiting list and finds it taken."""

import datetime

import pytest
from django.utils import timezone

from skala.dialogue.models import Booking, Registration, RegistrationStatus
from skala.e2e.builders import published_need
from skala.testing import make_personas
from skala.testing_browser import assert_page, follow, follow_nav, log_in, new_page, visit

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

NEED = "Digitalt tilsyn om natten"
MEETING = "Én-til-én om nattilsyn"


def local(moment: datetime.datetime) -> str:
    """A moment as a datetime-local field takes it, in Skala's time zone."""
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def test_a_supplier_registers_and_books_a_slot_that_the_next_one_finds_taken(browser, live_server):
    personas = make_personas()
    need = published_need(personas.oslo, NEED, "Nattevakter bruker mye tid på fysiske tilsyn.")
    starts = (timezone.now() + datetime.timedelta(days=21)).replace(hour=9, minute=0, second=0, microsecond=0)

    host = new_page(browser)
    log_in(host, live_server.url, personas.owner.email, language="en")
    visit(host, f"{live_server.url}/en/needs/{need.pk}/")
    follow(host.get_by_role("link", name="Plan a dialogue meeting"))
    host.get_by_label("Kind").select_option("one_to_one")
    host.get_by_label("Title").fill(MEETING)
    host.get_by_label("Starts").fill(local(starts))
    host.get_by_label("Ends").fill(local(starts + datetime.timedelta(hours=2)))
    host.get_by_label("Place").fill("Rådhuset, møterom 3")
    host.get_by_label("Capacity (persons)").fill("3")
    host.get_by_label("Registration deadline").fill(local(starts - datetime.timedelta(days=3)))
    assert_page(host, "dialogue-1-plan")
    follow(host.get_by_role("button", name="Save"))
    host.get_by_text("The meeting is saved as a draft.").wait_for()
    follow(host.get_by_role("button", name="Publish"))
    host.get_by_label("First slot starts").fill(local(starts))
    host.get_by_label("Last slot ends by").fill(local(starts + datetime.timedelta(minutes=100)))
    follow(host.get_by_role("button", name="Make slots"))
    host.get_by_text("3 slots are ready.").wait_for()
    assert_page(host, "dialogue-2-host")

    supplier = new_page(browser)
    log_in(supplier, live_server.url, personas.supplier.email, language="en")
    follow_nav(supplier, "Dialogue")
    assert_page(supplier, "dialogue-3-meetings")
    follow(supplier.get_by_role("link", name=MEETING))
    registration = supplier.get_by_role("region", name="Registration")
    registration.get_by_label("Who will come").fill(
        "Kari Nordmann, kari@leverandor.example\nOla Nordmann, ola@leverandor.example"
    )
    registration.get_by_label("Our name may appear in the dialogue report").check()
    assert_page(supplier, "dialogue-4-register")
    follow(registration.get_by_role("button", name="Register"))
    supplier.get_by_text("You are registered.").wait_for()
    first = timezone.localtime(starts).strftime("%H:%M")
    follow(supplier.get_by_role("button", name=f"Book {first}"))
    supplier.get_by_text("The slot is yours.").wait_for()
    # One slot a supplier: a second booking is refused, with the reason.
    follow(supplier.get_by_role("button", name="Book").first)
    supplier.get_by_text("as many as each supplier may").wait_for()
    assert_page(supplier, "dialogue-5-booked")
    assert Booking.objects.get().supplier == personas.supplier_org

    other = new_page(browser)
    log_in(other, live_server.url, personas.startup.email, language="en")
    visit(other, supplier.url)
    slots = other.get_by_role("region", name="One-to-one slots")
    assert slots.get_by_role("row").nth(1).inner_text().endswith("Taken")
    assert slots.get_by_role("button").count() == 2
    other.get_by_label("Who will come").fill(
        "Per Hansen, per@startup.example\nLise Berg, lise@startup.example"
    )
    follow(other.get_by_role("button", name="Register"))
    other.get_by_text("You are number 1 on the waiting list").wait_for()
    assert_page(other, "dialogue-6-waiting-list")
    statuses = dict(Registration.objects.values_list("supplier__name", "status"))
    assert statuses == {
        "Test Leverandør AS": RegistrationStatus.CONFIRMED,
        "Test Startup AS": RegistrationStatus.WAITING,
    }

    host.reload()
    host_slots = host.get_by_role("region", name="One-to-one slots").inner_text()
    assert "Test Leverandør AS" in host_slots
    registrations = host.get_by_role("region", name="Registrations").inner_text()
    assert "Kari Nordmann" in registrations
    assert "Per Hansen" in registrations
