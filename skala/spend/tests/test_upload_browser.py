"""In chromium: a buyer uploads a year of spend for a municipality with several offices, waits for the
import, and reads the long tail and the SME and startup shares per office; a startup opens the
openings for small suppliers. Every page is checked with axe-core and kept as a screenshot."""

import datetime

import pytest
from django.core.management import call_command

from skala.spend.report import supplier_base
from skala.spend.tests.builders import orgnr, write_csv
from skala.testing import make_personas
from skala.testing_browser import (  # noqa: F401  (browser is the fixture)
    assert_page,
    browser,
    follow,
    follow_nav,
    log_in,
    new_page,
    screenshot,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

HEADER = ["Dato", "Leverandør", "Orgnr", "Beløp", "Enhet", "Konto", "Størrelse"]
OFFICES = ("Helseetaten", "Skoleetaten", "Bydel Frogner")
CLEANING = "6360 Renhold"


def a_year_of_spend(folder):
    """2025 for Oslo kommune: two large suppliers, eight small cleaners spread over three offices (two of
    them startups, the rest SMEs) and a startup selling welfare technology.

    Every month each cleaner sends an invoice to one office; the cleaners are the long tail and the
    openings for small suppliers."""
    rows = []
    for month in range(1, 13):
        day = datetime.date(2025, month, 10).strftime("%d.%m.%Y")
        rows.append([day, "Storbygg AS", orgnr(1), "400 000,00", "Skoleetaten", "4070 Byggevarer", "large"])
        rows.append([day, "Konsulenthuset AS", orgnr(2), "150 000,00", "Helseetaten", "6700 Konsulenter", ""])
        for cleaner in range(8):
            office = OFFICES[(cleaner + month) % 3]
            size = "startup" if cleaner < 2 else "SMB"
            amount = f"{4_000 + 250 * cleaner},50"
            rows.append(
                [day, f"Renhold {cleaner + 1} AS", orgnr(10 + cleaner), amount, office, CLEANING, size]
            )
        if month % 3 == 0:
            welfare = ["Helseetaten", "Velferdsteknologi", "oppstart"]
            rows.append([day, "Nattvakt Sensor AS", orgnr(30), "20 000", *welfare])
    return write_csv(folder, rows, HEADER, name="oslo-2025.csv")


def percent(share: float) -> str:
    """A share as the page's {% widthratio %} writes it."""
    return f"{round(share * 100)} %"


def test_a_buyer_uploads_a_year_of_spend_and_a_startup_finds_the_openings(
    browser,  # noqa: F811
    live_server,
    tmp_path,
    settings,
):
    settings.MEDIA_ROOT = tmp_path / "media"
    personas = make_personas()
    path = a_year_of_spend(tmp_path)

    page = new_page(browser)
    log_in(page, live_server.url, personas.owner.email, language="en")
    follow_nav(page, "Spend analysis")
    follow(page.get_by_role("link", name="Upload spend for Oslo kommune"))
    page.get_by_label("Spend file").set_input_files(str(path))
    assert_page(page, "spend-upload-1-form")
    follow(page.get_by_role("button", name="Upload and import"))
    status = page.locator("#upload-status")
    assert "waiting for the import to start" in status.inner_text()
    assert_page(page, "spend-upload-2-waiting")

    # The worker picks the task up; the page, polling with htmx, shows the result without a reload.
    call_command("db_worker", batch=True, startup_delay=False, verbosity=0)
    page.locator("#upload-status [data-status=done]").wait_for()
    assert "Imported 124 lines" in status.inner_text()
    assert "Created 3 procurement offices under Oslo kommune" in status.inner_text()
    assert_page(page, "spend-upload-3-imported")

    follow(page.get_by_role("link", name="See the supplier base"))
    assert_page(page, "spend-upload-4-report")
    expected = {row["office"]: row for row in supplier_base(personas.oslo, 2025)["by_office"]}
    assert set(expected) == set(OFFICES)
    for office, row in expected.items():
        cells = page.locator("#offices tbody tr", has=page.get_by_role("rowheader", name=office)).locator(
            "td"
        )
        texts = cells.all_inner_texts()
        assert texts[2] == f"{row['long_tail']['suppliers']} ({percent(row['long_tail']['share_suppliers'])})"
        assert texts[4] == f"{row['sme']['suppliers']} ({percent(row['sme']['share_suppliers'])})"
        assert texts[5] == percent(row["sme"]["share_spend"])
        assert texts[7] == percent(row["startups"]["share_spend"])
    page.locator("#offices").scroll_into_view_if_needed()
    screenshot(page, "spend-upload-4-report-offices")
    # Skoleetaten's large supplier is outside its long tail, and its cleaners are all in it.
    schools = expected["Skoleetaten"]
    assert (schools["suppliers"], schools["long_tail"]["suppliers"]) == (9, 8)
    assert schools["startups"]["suppliers"] == 2

    startup = new_page(browser)
    log_in(startup, live_server.url, personas.startup.email, language="en")
    follow_nav(startup, "Spend analysis")
    follow(startup.get_by_role("main").get_by_role("link", name="Oslo kommune"))
    assert_page(startup, "spend-upload-5-openings")
    first = startup.locator("main table tbody tr").first
    assert first.get_by_role("rowheader").inner_text() == CLEANING
    assert "8 of 8 suppliers were paid under NOK 100,000 in the year" in first.inner_text()
