"""The small enhancements in a real browser: an action that cannot be undone asks first (declining
changes nothing), a form sent back with errors puts the focus on their summary, and a search announces
only its count."""

import pytest

from skala.e2e.builders import published_need
from skala.needs.models import Need, NeedStatus
from skala.testing import make_personas
from skala.testing_browser import log_in, new_page

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def test_closing_a_need_asks_first_and_a_no_changes_nothing(browser, live_server):
    personas = make_personas()
    need = Need.objects.create(organisation=personas.oslo, title="Nattilsyn", problem="Fall om natten")
    need.publish()
    page = new_page(browser)
    log_in(page, live_server.url, personas.owner.email, language="en")
    page.goto(f"{live_server.url}/en/needs/{need.pk}/")
    questions = []

    def answer(dialog, accept: bool):
        questions.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    page.once("dialog", lambda dialog: answer(dialog, False))
    page.get_by_role("button", name="Close the need").click()
    page.wait_for_timeout(300)
    need.refresh_from_db()
    assert need.status == NeedStatus.PUBLISHED
    assert questions == ["Close the need? A closed need cannot be opened again."]
    page.once("dialog", lambda dialog: answer(dialog, True))
    with page.expect_navigation():
        page.get_by_role("button", name="Close the need").click()
    need.refresh_from_db()
    assert need.status == NeedStatus.CLOSED


def test_a_form_sent_back_with_errors_puts_the_focus_on_their_summary(browser, live_server):
    personas = make_personas()
    page = new_page(browser)
    log_in(page, live_server.url, personas.owner.email, language="en")
    page.goto(f"{live_server.url}/en/needs/new/")
    with page.expect_navigation():
        page.get_by_role("button", name="Save", exact=True).click()
    assert page.evaluate("document.activeElement.className") == "error-summary"
    assert "There is a problem" in page.evaluate("document.activeElement.textContent")


def test_a_search_announces_only_its_count(browser, live_server):
    personas = make_personas()
    for title in ("Digitalt tilsyn om natten", "Skolemat"):
        published_need(personas.oslo, title, f"{title} for kommunen")
    page = new_page(browser)
    page.goto(f"{live_server.url}/en/needs/")
    assert page.locator("#results").get_attribute("aria-live") is None
    page.get_by_label("Words, in any language").fill("skolemat")
    page.wait_for_function("document.querySelector('#results-status').textContent.trim() !== ''")
    assert page.locator("#results-status").text_content().strip() == "1 need"
    assert page.locator("#results-status").get_attribute("role") == "status"
