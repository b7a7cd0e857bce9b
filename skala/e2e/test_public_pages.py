"""The pages anyone reaches from the navigation, in Norwegian (the default), Swedish and English,
pass the accessibility check; so do the page for an address that does not exist, and the pages
only a logged-in buyer has in the navigation."""

import pytest

from skala.e2e.builders import published_need
from skala.testing import make_personas
from skala.testing_browser import assert_page, follow, log_in, new_page, visit

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def follow_every_link(page, skip=()) -> list[str]:
    """Follow each link of the main navigation, but those to the addresses in skip, coming back between;
    each page is checked on the way."""
    navigation = page.get_by_role("navigation", name="Hoved")
    # The navigation's API link is Skala's own reference page, checked like the rest; Swagger UI, which
    # it links to, is django-ninja's and has violations CSS cannot mend (the accessibility statement
    # names them).
    names = [
        link.inner_text()
        for link in navigation.get_by_role("link").all()
        if link.get_attribute("href") not in set(skip)
    ]
    for name in names:
        follow(navigation.get_by_role("link", name=name, exact=True))
        page.go_back()
    return names


def test_every_page_of_the_navigation_is_accessible_to_a_visitor(browser, live_server):
    personas = make_personas()
    published_need(personas.oslo, "Digitalt tilsyn om natten", "Nattevakter bruker mye tid på tilsyn.")
    page = new_page(browser)
    visit(page, f"{live_server.url}/nb/")
    assert_page(page, "public-nb-home")
    public = follow_every_link(page)
    assert len(public) >= 8
    follow(page.get_by_role("contentinfo").get_by_role("link", name="Tilgjengelighetserklæring"))
    follow(page.get_by_role("contentinfo").get_by_role("link", name="Personvernerklæring"))
    for language in ("sv", "en"):
        visit(page, f"{live_server.url}/{language}/needs/")
        follow(page.get_by_role("link", name="Digitalt tilsyn om natten").first, check=False)
        assert_page(page, f"public-{language}-need")
    assert visit(page, f"{live_server.url}/nb/finnes-ikke/").status == 404


def test_the_pages_a_buyer_has_in_the_navigation_are_accessible(browser, live_server):
    personas = make_personas()
    page = new_page(browser)
    log_in(page, live_server.url, personas.owner.email)
    # What a visitor has too is checked above; here what a buyer has besides (its spend, portfolio...).
    public = ["needs/", "procedures/notices/", "suppliers/", "dialogue/", "procedures/", "organisations/"]
    public += ["reference/cpv/", "reference/sdgs/"]
    seen = follow_every_link(page, skip={f"/nb/{path}" for path in public})
    assert len(seen) >= 6, seen


def test_pages_reflow_at_320_pixels_without_sideways_scrolling(browser, live_server):
    """WCAG 1.4.10 (AA): content fits 320 CSS pixels (a phone, or 400 % zoom) without scrolling sideways."""
    from skala.procedures.models import Procurement

    personas = make_personas()
    need = published_need(personas.oslo, "Digitalt tilsyn om natten", "Nattevakter bruker mye tid på tilsyn.")
    procurement = Procurement.objects.create(
        buyer=personas.oslo,
        title="Innovasjonspartnerskap for velferdsteknologiløsningsleverandørutviklingsprogrammet",
        procedure_type="innovation_partnership",
    )
    page = new_page(browser, viewport={"width": 320, "height": 640})
    for path in (
        "/en/",
        "/en/needs/",
        f"/en/needs/{need.pk}/",
        "/en/procedures/",
        procurement.get_absolute_url(),
    ):
        visit(page, f"{live_server.url}{path}", check=False)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{path} is {overflow} px wider than the screen"
