"""The wall screen in headless chromium: it rotates, refreshes in place without losing its page,
shows a source that is down and recovers, and a revoked link stops working."""

import datetime

import pytest

from skala.kpis.models import Connector, KeyFigure, Screen, Tile
from skala.kpis.series import store
from skala.testing import make_organisation
from skala.testing_browser import browser, screenshot  # noqa: F401  (the fixture)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def page_shown(page) -> str:
    return page.evaluate("document.body.dataset.page || ''")


def test_the_wall_rotates_refreshes_in_place_recovers_and_dies_with_its_link(browser, live_server):  # noqa: F811
    owner = make_organisation("Oslo kommune")
    figures = []
    for name in ("Syklister", "Barnehageplasser", "Behov publisert"):
        made = KeyFigure.objects.create(
            owner=owner, name_nb=name, unit="stk", period="month", target_value=100
        )
        store(made, [(datetime.date.today().replace(day=1), 90)], source="test")
        figures.append(made)
    connector = Connector.objects.create(
        figure=figures[0], kind="http_json", config={"url": "http://127.0.0.1:9/"}
    )
    screen = Screen.objects.create(
        owner=owner, name="Byrådens vegg", rotate_seconds=1, refresh_seconds=1, tiles_per_page=1
    )
    for order, made in enumerate(figures):
        Tile.objects.create(screen=screen, figure=made, kind="sparkline", order=order)

    page = browser.new_page(viewport={"width": 1920, "height": 1080})
    page.goto(f"{live_server.url}{screen.wall_url()}")
    page.wait_for_function("() => document.body.dataset.page === '1'", timeout=5000)
    page.wait_for_function("() => document.body.dataset.page === '2'", timeout=5000)
    no_scroll = page.evaluate("document.documentElement.scrollHeight <= window.innerHeight")
    assert no_scroll
    screenshot(page, "wall-1920x1080")

    # A new value arrives: the refresh swaps it in, and the rotation carries on from where it was.
    store(figures[1], [(datetime.date.today().replace(day=1), 4321)], source="test")
    page.wait_for_function(
        "() => document.querySelector('#wall-pages').innerText.includes('4\u00a0321')", timeout=6000
    )
    assert page_shown(page) in {"0", "1", "2"}
    assert page.locator(".wall-page:not([hidden])").count() == 1

    # The source goes down: the tile says so, and the value stays; then it recovers.
    Connector.objects.filter(pk=connector.pk).update(last_error="The endpoint answered HTTP 500.")
    page.wait_for_selector(".tile.failing", state="attached", timeout=6000)
    assert "90" in page.locator("#wall-pages").inner_text()
    Connector.objects.filter(pk=connector.pk).update(last_error="")
    page.wait_for_selector(".tile.failing", state="detached", timeout=6000)

    page.set_viewport_size({"width": 3840, "height": 2160})
    assert page.evaluate("document.documentElement.scrollHeight <= window.innerHeight")
    screenshot(page, "wall-3840x2160")

    Screen.objects.filter(pk=screen.pk).update(revoked=True)
    response = page.goto(f"{live_server.url}{screen.wall_url()}")
    assert response.status == 404
