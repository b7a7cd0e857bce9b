"""A portfolio gate: a buyer records an innovation project, takes it through a go decision, is refused
a stop without lessons, stops it with them, and the leaders' page tells what it taught."""

import pytest

from skala.portfolio.models import GateDecision, Project, Stage
from skala.testing import make_personas
from skala.testing_browser import assert_page, follow, follow_nav, log_in, new_page

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

TITLE = "Sensorbasert nattilsyn"
LESSONS = "Sensorene varslet for ofte; nattevaktene sluttet å stole på dem."


def decide(page, decision: str, reason: str, lessons: str = "") -> None:
    page.get_by_label("Decision", exact=True).select_option(decision)
    page.get_by_label("Reason").fill(reason)
    page.get_by_label("Lessons learnt").fill(lessons)
    follow(page.get_by_role("button", name="Record the decision"))


def test_a_project_goes_through_a_gate_and_stops_with_its_lessons(browser, live_server):
    personas = make_personas()
    page = new_page(browser)
    log_in(page, live_server.url, personas.owner.email, language="en")

    follow_nav(page, "Portfolio")
    assert_page(page, "portfolio-1-projects")
    follow(page.get_by_role("link", name="New project"))
    page.get_by_label("Title").fill(TITLE)
    page.get_by_role("group", name="Owners").get_by_label("Oslo kommune").check()
    page.get_by_label("Budget").fill("1500000")
    assert_page(page, "portfolio-2-new")
    follow(page.get_by_role("button", name="Save"))
    project = Project.objects.get(title=TITLE)
    assert project.stage == Stage.IDEA
    assert_page(page, "portfolio-3-idea")

    page.get_by_label("Evidence").fill("Behovsanalyse fra tre bydeler")
    decide(page, "go", "Behovet er bekreftet i tre bydeler.")
    page.get_by_text("The decision is recorded.").wait_for()
    assert page.locator("h1 .badge").inner_text() == "Exploration"
    assert "Go (idea → exploration)" in page.locator("main > ol").inner_text()

    decide(page, "stop", "Piloten ga ikke nok nytte.")
    page.get_by_text("A stopped project must say what it taught").wait_for()
    project.refresh_from_db()
    assert project.stage == Stage.EXPLORATION

    decide(page, "stop", "Piloten ga ikke nok nytte.", lessons=LESSONS)
    page.get_by_text("The decision is recorded.").wait_for()
    assert page.locator("h1 .badge").inner_text() == "Stopped"
    assert_page(page, "portfolio-4-stopped")
    decisions = list(GateDecision.objects.filter(project=project).values_list("decision", "decided_by"))
    assert decisions == [("go", personas.owner.pk), ("stop", personas.owner.pk)]

    follow_nav(page, "Portfolio")
    follow(page.get_by_role("link", name="For leaders"))
    assert f"{TITLE}: {LESSONS}" in page.locator("main").inner_text()
    assert_page(page, "portfolio-5-leaders")
    page.go_back()
    follow(page.get_by_role("link", name="Portfolio health"))
    assert_page(page, "portfolio-6-health")
