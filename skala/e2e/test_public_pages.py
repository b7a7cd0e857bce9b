"""The pages anyone reaches from the navigation, in Norwegian (the default), Swedish and English,
pass the accessibility check; so does the page for an address that does not exist."""

import pytest

from skala.e2e.builders import published_need
from skala.testing import make_personas
from skala.testing_browser import assert_page, follow, new_page, visit

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def test_every_page_of_the_navigation_is_accessible_to_a_visitor(browser, live_server):
    personas = make_personas()
    published_need(personas.oslo, "Digitalt tilsyn om natten", "Nattevakter bruker mye tid på tilsyn.")
    page = new_page(browser)
    visit(page, f"{live_server.url}/nb/")
    assert_page(page, "public-nb-home")
    links = page.get_by_role("navigation", name="Hoved").get_by_role("link")
    # Not the API documentation: it is Swagger UI as django-ninja ships it, not Skala's templates, and
    # has violations of its own (colour contrast, buttons nested in buttons) that CSS cannot mend.
    names = [link.inner_text() for link in links.all() if link.get_attribute("href") != "/api/v1/docs"]
    assert len(names) >= 8
    for name in names:
        follow(page.get_by_role("navigation", name="Hoved").get_by_role("link", name=name, exact=True))
        page.go_back()
    for language in ("sv", "en"):
        visit(page, f"{live_server.url}/{language}/needs/")
        follow(page.get_by_role("link", name="Digitalt tilsyn om natten").first, check=False)
        assert_page(page, f"public-{language}-need")
    assert visit(page, f"{live_server.url}/nb/finnes-ikke/").status == 404
