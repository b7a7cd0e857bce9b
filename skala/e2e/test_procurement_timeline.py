"""The procurement timeline: a buyer starts an innovation partnership for its need, reads the phases
laid out from the template, shortens one below the legal minimum, and is warned with the rule."""

import datetime

import pytest

from skala.e2e.builders import published_need
from skala.procedures.models import Phase, Procurement
from skala.testing import make_personas
from skala.testing_browser import assert_page, follow, log_in, new_page, visit

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

NEED = "Digitalt tilsyn om natten"


def test_a_timeline_from_the_template_warns_when_a_phase_is_shorter_than_the_rules(browser, live_server):
    personas = make_personas()
    need = published_need(personas.oslo, NEED, "Nattevakter bruker mye tid på fysiske tilsyn.")
    start = datetime.date.today() + datetime.timedelta(days=7)

    page = new_page(browser)
    log_in(page, live_server.url, personas.owner.email, language="en")
    visit(page, f"{live_server.url}/en/needs/{need.pk}/")
    follow(page.get_by_role("link", name="Start a procurement"))
    assert page.get_by_label("Title").input_value() == NEED
    page.get_by_label("Procedure").select_option("innovation_partnership")
    page.get_by_label("The first phase starts").fill(start.isoformat())
    assert_page(page, "procurement-1-start")
    follow(page.get_by_role("button", name="Start"))

    procurement = Procurement.objects.get(need=need)
    phases = list(procurement.phases.order_by("order"))
    assert phases[0].starts_on == start
    timeline = page.get_by_role("table", name="Timeline")
    rows = timeline.get_by_role("row")
    assert rows.count() == len(phases) + 1
    assert "Need and market dialogue" in rows.nth(1).inner_text()
    requests = timeline.get_by_role("row", name="Requests to participate")
    assert "30 (at least 30)" in requests.inner_text()
    assert page.get_by_role("alert").count() == 0
    assert_page(page, "procurement-2-timeline")

    # The timeline goes into a calendar: one event a phase.
    link = page.get_by_role("link", name="The timeline in your calendar (.ics)")
    calendar = page.request.get(live_server.url + link.get_attribute("href"))
    assert calendar.ok
    assert calendar.text().count("BEGIN:VEVENT") == len(phases)

    follow(page.get_by_role("link", name="Edit the phases and dates"))
    shortened = Phase.objects.get(procurement=procurement, key="requests")
    phase = page.get_by_role("group", name="Requests to participate")
    twenty_days = shortened.starts_on + datetime.timedelta(days=20)
    phase.get_by_label("Ends (deadline)").fill(twenty_days.isoformat())
    assert_page(page, "procurement-3-phases")
    follow(page.get_by_role("button", name="Save"))

    warning = page.get_by_role("alert")
    assert "Requests to participate lasts 20 days; the rules require at least 30." in warning.inner_text()
    assert "20 (at least 30)" in page.get_by_role("row", name="Requests to participate").inner_text()
    assert_page(page, "procurement-4-warned")
