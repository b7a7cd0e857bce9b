"""The wall screen in headless chromium: a leader's screen with figures from an HTTP connector, an SQL
connector and Skala's own figures rotates, refreshes in place without losing its page, shows a source
that is down and recovers, and goes dark the moment its link is revoked (404)."""

import datetime
import json
import sqlite3
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.test import Client

from skala.kpis.connectors import pull
from skala.kpis.models import Connector, KeyFigure, Screen, Tile
from skala.needs.models import Need
from skala.testing_browser import browser, screenshot  # noqa: F401  (the fixture)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]
MONTH = datetime.date.today().replace(day=1).isoformat()[:7]


class CoreSystem(BaseHTTPRequestHandler):
    """A core system on loopback answering JSON; the test sets its status and its places."""

    status = 200
    places = 12345

    def do_GET(self):
        body = json.dumps({"rows": [{"period": MONTH, "value": type(self).places}]}).encode()
        self.send_response(type(self).status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def core_system(settings, tmp_path):
    """A core system on loopback, and a folder of core-system files, both allowed by the operator."""
    settings.SKALA_CONNECTOR_NETWORKS = ["127.0.0.1"]
    settings.SKALA_CONNECTOR_FOLDERS = [str(tmp_path)]
    handler = type("Handler", (CoreSystem,), {})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield handler, f"http://127.0.0.1:{server.server_address[1]}/places"
    server.shutdown()
    server.server_close()


def leaders_screen(personas, core_url: str, database) -> tuple[Screen, dict[str, Connector]]:
    """A screen in English of three figures, one a page: kindergarten places over HTTP, sick leave
    from an SQL database, and needs published in Skala; each pulled once, as the scheduled pull would."""
    oslo = personas.oslo
    places = KeyFigure.objects.create(
        owner=oslo, name_nb="Barnehageplasser", unit="plasser", period="month", target_value=12000
    )
    absence = KeyFigure.objects.create(owner=oslo, name_nb="Sykefravær", unit="dagsverk", period="month")
    needs = KeyFigure.objects.create(owner=oslo, name_nb="Behov publisert i Skala", unit="behov")
    connectors = {
        "http": Connector.objects.create(
            figure=places, kind="http_json", config={"url": core_url, "selector": "rows"}, retries=0
        ),
        "sql": Connector.objects.create(
            figure=absence,
            kind="sql",
            config={"query": "select month, days from absence", "database": f"sqlite:///{database}"},
            retries=0,
        ),
        "skala": Connector.objects.create(figure=needs, kind="skala", config={"measure": "needs_published"}),
    }
    for connector in connectors.values():
        pull(connector, pause=0)
        assert not connector.last_error, connector.last_error
    screen = Screen.objects.create(
        owner=oslo,
        name="Byrådens vegg",
        rotate_seconds=1,
        refresh_seconds=1,
        tiles_per_page=1,
        language="en",
    )
    for order, made in enumerate((places, absence, needs)):
        Tile.objects.create(screen=screen, figure=made, kind="figure", order=order)
    return screen, connectors


def page_shown(page) -> str:
    return page.evaluate("document.body.dataset.page || ''")


def wait_for_text(page, text: str) -> None:
    """Until the tiles (every page, shown or not) contain the text; 10 s for a loaded machine."""
    page.wait_for_function(
        "(text) => document.querySelector('#wall-pages').textContent.includes(text)", arg=text, timeout=10000
    )


def test_a_leaders_screen_rotates_refreshes_recovers_and_dies_with_its_link(
    browser,  # noqa: F811
    live_server,
    personas,
    core_system,
    tmp_path,
):
    handler, core_url = core_system
    from skala.kpis.reach import folder_key

    database = tmp_path / folder_key(personas.oslo) / "personnel.sqlite3"  # Oslo's own folder
    database.parent.mkdir()
    with sqlite3.connect(database) as connection:
        connection.execute("create table absence (month text, days integer)")
        connection.execute("insert into absence values (?, ?)", (MONTH, 870))
    Need.objects.create(organisation=personas.oslo, title="Nattilsyn", problem="Fall om natten").publish()
    screen, connectors = leaders_screen(personas, core_url, database)

    page = browser.new_page(viewport={"width": 1920, "height": 1080})
    page.goto(f"{live_server.url}{screen.wall_url()}")
    for name, value in (("Barnehageplasser", "12,345"), ("Sykefravær", "870"), ("Behov publisert", "1")):
        shown = page.locator(".tile", has_text=name).locator(".value").text_content()
        assert shown.strip().startswith(f"{value} "), (name, shown)  # the figure, then its unit
    page.wait_for_function("() => document.body.dataset.page === '1'", timeout=5000)
    page.wait_for_function("() => document.body.dataset.page === '2'", timeout=5000)
    assert page.evaluate("document.documentElement.scrollHeight <= window.innerHeight")  # no scrolling
    screenshot(page, "wall-1920x1080")

    # The personnel system has a new figure for the month: the refresh swaps it in, and the rotation
    # carries on from where it was, one page shown.
    with sqlite3.connect(database) as connection:
        connection.execute("update absence set days = 910")
    pull(connectors["sql"], pause=0)
    wait_for_text(page, "910")
    assert page_shown(page) in {"0", "1", "2"}
    assert page.locator(".wall-page:not([hidden])").count() == 1
    # A refresh leaves no resource-timing entry behind (the browser would keep up to 250 of them).
    assert page.evaluate("performance.getEntriesByType('resource').length") <= 1

    # The core system goes down: the tile says so and keeps the last figure; then it comes back.
    handler.status = 500
    pull(connectors["http"], pause=0)
    page.wait_for_selector(".tile.failing", state="attached", timeout=10000)
    assert "source down" in page.locator(".tile.failing").text_content()
    assert "12,345" in page.locator("#wall-pages").text_content()
    handler.status, handler.places = 200, 12400
    pull(connectors["http"], pause=0)
    page.wait_for_selector(".tile.failing", state="detached", timeout=10000)
    wait_for_text(page, "12,400")

    page.set_viewport_size({"width": 3840, "height": 2160})
    assert page.evaluate("document.documentElement.scrollHeight <= window.innerHeight")
    screenshot(page, "wall-3840x2160")

    # The owner revokes the link: the open screen's next refresh is a 404 and the screen leaves its
    # figures for the 404 page; the page and its tiles answer 404 to anyone from now on.
    owner = Client()
    owner.force_login(personas.owner)
    assert owner.post(screen.get_absolute_url(), {"action": "revoke"}).status_code == 302
    page.wait_for_function("() => document.querySelector('#wall-pages') === null", timeout=10000)
    assert "12,400" not in page.content()
    assert page.goto(f"{live_server.url}{screen.wall_url()}").status == 404
    assert page.request.get(f"{live_server.url}{screen.wall_url()}tiles/").status == 404
