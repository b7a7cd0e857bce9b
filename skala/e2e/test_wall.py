"""The wall screen passes the accessibility check on every page of its rotation, and so do the
pages where its owner sets it up. (Its rotation and refresh are tested in skala/kpis/tests.)"""

import datetime

import pytest

from skala.kpis.models import KeyFigure, Screen, Tile
from skala.kpis.series import store
from skala.testing import make_personas
from skala.testing_browser import assert_page, follow_nav, log_in, new_page

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def test_every_page_of_the_wall_and_the_key_figures_page_are_accessible(browser, live_server):
    personas = make_personas()
    month = datetime.date.today().replace(day=1)
    screen = Screen.objects.create(
        owner=personas.oslo, name="Byrådens vegg", rotate_seconds=3, refresh_seconds=30, tiles_per_page=2
    )
    for order, (name, kind) in enumerate(
        [("Syklister", "sparkline"), ("Barnehageplasser", "trend"), ("Behov publisert", "comparison")]
    ):
        figure = KeyFigure.objects.create(
            owner=personas.oslo, name_nb=name, unit="stk", period="month", target_value=100
        )
        store(figure, [(month - datetime.timedelta(days=40), 70), (month, 90)], source="test")
        Tile.objects.create(screen=screen, figure=figure, kind=kind, order=order)

    wall = new_page(browser, viewport={"width": 1920, "height": 1080})
    wall.goto(f"{live_server.url}{screen.wall_url()}")
    for shown in ("0", "1"):
        wall.wait_for_function(f"document.body.dataset.page === '{shown}'", timeout=8000)
        assert_page(wall, f"wall-page-{shown}")

    owner = new_page(browser)
    log_in(owner, live_server.url, personas.owner.email, language="en")
    follow_nav(owner, "Key figures")
    assert_page(owner, "wall-key-figures")
