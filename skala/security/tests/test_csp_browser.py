"""The Content-Security-Policy in a real browser: Skala's pages, htmx, the API's docs and the wall work
under it, and chromium reports no violation. The context does NOT bypass the policy."""

import pytest

from skala.testing import PASSWORD, make_personas
from skala.testing_browser import browser  # noqa: F401  (the fixture)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def watch_violations(page) -> list[str]:
    """Collect every message chromium logs about a refused resource, script or style."""
    seen = []
    page.on(
        "console",
        lambda message: seen.append(message.text) if "Content Security Policy" in message.text else None,
    )
    page.on("pageerror", lambda error: seen.append(str(error)))
    return seen


def test_pages_htmx_and_the_api_docs_run_under_the_policy_without_a_violation(browser, live_server):  # noqa: F811
    make_personas()
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    violations = watch_violations(page)

    response = page.goto(f"{live_server.url}/en/")
    assert "script-src 'self'" in response.headers["content-security-policy"]

    # htmx searches as one types: its request, swap and history must all run under the policy.
    page.goto(f"{live_server.url}/en/organisations/")
    with page.expect_response(lambda answer: "/en/organisations/?" in answer.url):
        page.fill("#id_q", "Oslo")
    page.wait_for_function("() => document.querySelector('#results').innerText.includes('Oslo')")

    page.goto(f"{live_server.url}/en/accounts/login/")
    page.fill("input[name=username]", "owner@test.example")
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert page.locator("form[action$='/accounts/logout/']").count() == 1

    # Swagger UI from django-ninja's own static files renders the operations.
    page.goto(f"{live_server.url}/api/v1/docs")
    page.wait_for_selector(".opblock", timeout=10000)

    page.goto(f"{live_server.url}/admin/")
    page.wait_for_selector("#content", timeout=5000)

    assert violations == []


def serve_once(body: str):
    """A web server of its own on loopback that answers every GET with this page: another origin."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Page(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(body.encode())

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def test_the_wall_shows_inside_another_sites_page_and_other_pages_do_not(browser, live_server):  # noqa: F811
    from skala.kpis.models import Screen
    from skala.testing import make_organisation

    screen = Screen.objects.create(owner=make_organisation("Oslo kommune"), name="Byrådens vegg")
    own = live_server.url
    # An intranet page on a server of its own (a real one: chromium's local-network rules refuse frames
    # in pages a test makes up), which frames the wall and an ordinary page of Skala.
    intranet = serve_once(
        f'<!DOCTYPE html><title>Intranett</title><iframe id="wall" src="{own}{screen.wall_url()}">'
        f'</iframe><iframe id="page" src="{own}/nb/"></iframe>'
    )
    try:
        page = browser.new_context().new_page()
        page.goto(f"http://127.0.0.1:{intranet.server_address[1]}/")
        wall = page.frame_locator("#wall")
        assert wall.locator("h1.wall-title").inner_text(timeout=5000) == "Byrådens vegg"
        # The ordinary page is refused by the browser: its frame never holds Skala's page.
        page.wait_for_timeout(500)
        framed = page.frame(url=f"{own}/nb/")
        assert framed is None or framed.locator(".site-header").count() == 0
    finally:
        intranet.shutdown()
        intranet.server_close()
