"""The supplier-base report on a small hand-computed dataset, its command and API, who may see it, and
the openings for small suppliers at the level each buyer allows."""

import datetime
import io
import json

import pytest
from django.core.management import call_command

from skala.orgs.models import ApiToken, RegistryEntry
from skala.procedures.models import Award, Notice, NoticeAward, Procurement
from skala.spend.models import OpeningsVisibility, SpendSettings
from skala.spend.report import openings, supplier_base
from skala.spend.tests.builders import import_rows, orgnr
from skala.testing import make_organisation

pytestmark = pytest.mark.django_db

HEADER = ["Dato", "Leverandør", "Orgnr", "Beløp", "Enhet", "Konto", "Størrelse", "CPV"]
A, B, C, D, E = (orgnr(n) for n in range(1, 6))


def hand_computed(tmp_path, personas):
    """2024: A and B. 2025: A 500,000; B 250,000; C 80,000 less a 20,000 credit; D 90,000; E 100,000.

    Total 1,000,000; the long tail (under 100,000) is C and D: 2 of 5 suppliers, 150,000 of the spend.
    HHI = .5² + .25² + .06² + .09² + .1² = 0.3342. New in 2025: C, D, E. SMEs: A and B by the register,
    D by the data (SMB); startups: B. Helseetaten: A, C, E (660,000); Skoleetaten: B, D (340,000).
    """
    RegistryEntry.objects.create(orgnr=A, name="ALFA AS", is_sme=True)
    RegistryEntry.objects.create(orgnr=B, name="BETA AS", is_sme=True, is_startup=True)
    RegistryEntry.objects.create(orgnr=E, name="EPSILON ASA", is_sme=False)
    rows = [
        ["2024-05-01", "Alfa AS", A, "10000", "Helseetaten", "Konsulenter", "", ""],
        ["2024-05-01", "Beta AS", B, "10000", "Skoleetaten", "Konsulenter", "", ""],
        ["2025-01-10", "Alfa AS", A, "300 000,00", "Helseetaten", "Konsulenter", "", "79400000"],
        ["2025-02-10", "Alfa AS", A, "200 000,00", "Helseetaten", "Konsulenter", "", "79400000"],
        ["2025-03-10", "Beta AS", B, "250000", "Skoleetaten", "Velferdsteknologi", "", "33196200"],
        ["2025-04-10", "Gamma AS", C, "80000", "Helseetaten", "Reparasjoner", "", ""],
        ["2025-05-10", "Gamma AS", C, "-20000", "Helseetaten", "Reparasjoner", "", ""],
        ["2025-06-10", "Delta AS", D, "90000", "Skoleetaten", "Reparasjoner", "SMB", ""],
        ["2025-07-10", "Epsilon ASA", E, "100000", "Helseetaten", "Reparasjoner", "", ""],
    ]
    import_rows(tmp_path, personas.oslo, rows, HEADER)


def test_the_report_on_a_hand_computed_dataset(tmp_path, personas):
    hand_computed(tmp_path, personas)
    report = supplier_base(personas.oslo, 2025)
    assert (report["suppliers"], report["spend_total"], report["lines"]) == (5, 1_000_000.0, 7)
    assert report["long_tail"] == {
        "threshold": 100_000,
        "suppliers": 2,
        "share_suppliers": 0.4,
        "share_spend": pytest.approx(0.15),
        "spend": 150_000.0,
    }
    assert report["top10_share"] == 1.0
    assert (report["top1pct_suppliers"], report["top1pct_share"]) == (1, 0.5)
    assert report["hhi"] == pytest.approx(0.3342)
    assert report["new_suppliers"]["suppliers"] == 3
    assert report["new_suppliers"]["share_spend"] == pytest.approx(0.25)
    assert report["sme"] == {"suppliers": 3, "share_suppliers": 0.6, "spend": 840_000.0, "share_spend": 0.84}
    assert report["startups"] == {
        "suppliers": 1,
        "share_suppliers": 0.2,
        "spend": 250_000.0,
        "share_spend": 0.25,
    }
    assert [(row["office"], row["suppliers"], row["spend_total"]) for row in report["by_office"]] == [
        ("Helseetaten", 3, 660_000.0),
        ("Skoleetaten", 2, 340_000.0),
    ]
    assert report["by_category"][0] == {"category": "Konsulenter", "suppliers": 1, "spend_total": 500_000.0}
    assert [row["division"] for row in report["by_cpv_division"]] == ["79", "", "33"]  # a tie: by key
    assert report["top_suppliers"][0]["orgnr"] == A


def test_the_threshold_and_a_unit_narrow_the_report(tmp_path, personas, settings):
    hand_computed(tmp_path, personas)
    assert supplier_base(personas.oslo, 2025, threshold=250_001)["long_tail"]["suppliers"] == 4
    settings.SKALA_LONG_TAIL_THRESHOLD = 60_001
    assert supplier_base(personas.oslo, 2025)["long_tail"]["suppliers"] == 1
    helse = personas.oslo.children.get(name="Helseetaten")
    unit = supplier_base(helse, 2025)
    assert (unit["suppliers"], unit["spend_total"]) == (3, 660_000.0)
    assert supplier_base(personas.oslo)["year"] == 2025  # the latest year with spend


def test_the_command_prints_exactly_the_agreed_json(tmp_path, personas):
    hand_computed(tmp_path, personas)
    out = io.StringIO()
    call_command("report", "supplier-base", "--org", "958935420", "--year", "2025", "--json", stdout=out)
    data = json.loads(out.getvalue())
    contract = {
        "org": personas.oslo.pk,
        "year": 2025,
        "suppliers": 5,
        "spend_total": 1_000_000.0,
        "long_tail": {"threshold": 100_000, "suppliers": 2, "share_suppliers": 0.4, "share_spend": 0.15},
        "top10_share": 1.0,
        "by_office": [
            {"office": "Helseetaten", "suppliers": 3, "spend_total": 660_000.0},
            {"office": "Skoleetaten", "suppliers": 2, "spend_total": 340_000.0},
        ],
    }
    assert set(contract) | {"hhi"} <= set(data)
    assert set(contract["long_tail"]) <= set(data["long_tail"])
    assert all(set(row) >= {"office", "suppliers", "spend_total"} for row in data["by_office"])
    picked = {key: data[key] for key in contract}
    picked["long_tail"] = {key: data["long_tail"][key] for key in contract["long_tail"]}
    picked["by_office"] = [
        {key: row[key] for key in ("office", "suppliers", "spend_total")} for row in data["by_office"]
    ]
    assert picked == contract
    assert data["hhi"] == pytest.approx(0.3342)


def test_the_command_prints_a_summary_without_json(tmp_path, personas):
    hand_computed(tmp_path, personas)
    out = io.StringIO()
    call_command(
        "report", "supplier-base", "--org", str(personas.oslo.pk), "--threshold", "95000", stdout=out
    )
    text = out.getvalue()
    assert "Supplier base of Oslo kommune, 2025" in text
    assert "Long tail (under NOK 95,000): 2 suppliers (40.0 %)" in text
    assert "Helseetaten" in text


def test_awards_from_notices_and_procurements_are_folded_in(tmp_path, personas):
    hand_computed(tmp_path, personas)
    notice = Notice.objects.create(import_id="n1", source="ted", title="Rammeavtale", buyer_orgnr="958935420")
    NoticeAward.objects.create(
        notice=notice, supplier_name="Alfa AS", supplier_orgnr=A, is_sme=True, value=400_000, currency="NOK",
        awarded_on=datetime.date(2025, 2, 1),
    )  # fmt: skip
    NoticeAward.objects.create(
        notice=notice, supplier_name="Old AS", value=1, awarded_on=datetime.date(2023, 1, 1)
    )
    supplier = make_organisation("Beta AS", "supplier", orgnr=B)
    procurement = Procurement.objects.create(
        buyer=personas.sykehjemsetaten, title="Sensorer", procedure_type="open"
    )
    Award.objects.create(
        procurement=procurement, supplier=supplier, value=250_000, awarded_on=datetime.date(2025, 3, 1)
    )
    awards = supplier_base(personas.oslo, 2025)["awards"]
    assert (awards["awards"], awards["from_notices"], awards["from_procurements"]) == (2, 1, 1)
    assert (awards["value"], awards["suppliers"], awards["sme_awards"]) == (650_000.0, 2, 1)


def test_members_see_the_report_and_others_are_refused(client, tmp_path, personas):
    hand_computed(tmp_path, personas)
    page = f"/en/spend/{personas.oslo.pk}/?year=2025"
    assert client.get(page).status_code == 302  # to the login page
    client.force_login(personas.other_buyer)
    assert client.get(page).status_code == 403
    client.force_login(personas.colleague)
    response = client.get(page)
    assert response.status_code == 200
    assert "Supplier base: Oslo kommune, 2025" in response.text
    assert 'class="timeline" aria-hidden="true"' in response.text
    assert "Helseetaten" in response.text
    csv_text = client.get(page + "&format=csv").content.decode()
    assert "long_tail,100000,2,150000.0,0.4" in csv_text
    workbook = client.get(page + "&format=xlsx")
    assert workbook["Content-Type"].startswith("application/vnd.openxmlformats")


def test_the_report_page_is_accessible(client, tmp_path, personas):
    from skala.tests.test_layout import assert_accessible, structure

    hand_computed(tmp_path, personas)
    client.force_login(personas.colleague)
    for path in [f"/nb/spend/{personas.oslo.pk}/", f"/nb/spend/{personas.oslo.pk}/openings/", "/nb/spend/",
                 f"/nb/spend/{personas.oslo.pk}/suppliers/"]:  # fmt: skip
        assert_accessible(structure(client.get(path)), "nb")


def test_the_api_answers_members_by_token_or_session_and_refuses_others(client, tmp_path, personas):
    hand_computed(tmp_path, personas)
    url = "/api/v1/spend/report?org=958935420&year=2025&threshold=95000"
    assert client.get(url).status_code == 401
    _token, other = ApiToken.issue(personas.other_buyer, "test")
    assert client.get(url, headers={"authorization": f"Bearer {other}"}).status_code == 403
    _token, colleague = ApiToken.issue(personas.colleague, "test")
    data = client.get(url, headers={"authorization": f"Bearer {colleague}"}).json()
    assert (data["suppliers"], data["long_tail"]["threshold"], data["long_tail"]["suppliers"]) == (
        5,
        95_000,
        2,
    )
    client.force_login(personas.editor)  # an editor of a unit sees the unit, not the municipality
    assert client.get(url).status_code == 403
    client.force_login(personas.owner)
    assert client.get(f"/api/v1/spend/report?org={personas.oslo.pk}").json()["year"] == 2025


def many_small_suppliers(tmp_path, personas):
    """Renhold at Skoleetaten: 8 small suppliers. Konsulenter at Helseetaten: one large, four small."""
    rows = []
    for number in range(8):
        rows.append(
            ["2025-03-01", f"Vask {number} AS", orgnr(10 + number), "20000", "Skoleetaten", "Renhold"]
        )
    rows.append(["2025-03-01", "Stor AS", orgnr(30), "900000", "Helseetaten", "Konsulenter"])
    for number in range(4):
        rows.append(
            ["2025-03-01", f"Liten {number} AS", orgnr(20 + number), "30000", "Helseetaten", "Konsulenter"]
        )
    rows.append(["2025-03-01", "Uten konto AS", orgnr(40), "10", "Helseetaten", ""])
    import_rows(tmp_path, personas.oslo, rows, ["Dato", "Leverandør", "Orgnr", "Beløp", "Enhet", "Konto"])


def test_openings_are_ranked_and_explained(tmp_path, personas):
    many_small_suppliers(tmp_path, personas)
    found = openings(personas.oslo, member=True)["openings"]
    assert [(row["rank"], row["category"], row["office"]) for row in found] == [
        (1, "Renhold", "Skoleetaten"),
        (2, "Konsulenter", "Helseetaten"),
    ]
    first = found[0]
    assert (first["suppliers"], first["small_suppliers"], first["small_share"], first["hhi"]) == (
        8,
        8,
        1.0,
        0.125,
    )
    assert first["why"][0] == "8 of 8 suppliers were paid under NOK 100,000 in the year"
    assert found[1]["score"] < first["score"]


def test_the_public_sees_openings_at_the_level_the_buyer_allows(client, tmp_path, personas):
    many_small_suppliers(tmp_path, personas)
    url = f"/api/v1/spend/openings?org={personas.oslo.pk}"
    public = client.get(url).json()
    assert (public["visibility"], public["level"]) == ("categories", "categories")
    assert [row["category"] for row in public["openings"]] == ["Renhold", "Konsulenter"]
    assert "office" not in public["openings"][0]
    assert "Skoleetaten" not in client.get(f"/en/spend/{personas.oslo.pk}/openings/").text
    SpendSettings.objects.update_or_create(
        organisation=personas.oslo, defaults={"openings_visibility": OpeningsVisibility.OFFICES}
    )
    assert client.get(url).json()["openings"][0]["office"] == "Skoleetaten"
    client.force_login(personas.owner)
    client.post(f"/en/spend/{personas.oslo.pk}/settings/", {"openings_visibility": "hidden"})
    client.logout()
    hidden = client.get(url).json()
    assert (hidden["visibility"], hidden["openings"]) == ("hidden", [])
    assert "does not show its openings" in client.get(f"/en/spend/{personas.oslo.pk}/openings/").text
    client.force_login(personas.colleague)  # members always see everything
    assert client.get(url).json()["openings"][0]["office"] == "Skoleetaten"
    client.force_login(personas.other_buyer)
    assert (
        client.post(f"/en/spend/{personas.oslo.pk}/settings/", {"openings_visibility": "offices"}).status_code
        == 403
    )


def test_an_organisation_without_spend_gets_an_empty_report(client, personas):
    report = supplier_base(personas.stavanger)
    assert (report["suppliers"], report["spend_total"], report["hhi"], report["by_office"]) == (
        0,
        0.0,
        0.0,
        [],
    )
    assert client.get(f"/api/v1/spend/openings?org={personas.stavanger.orgnr}").json()["openings"] == []


def test_each_office_has_its_own_long_tail_and_sme_and_startup_shares(tmp_path, personas):
    hand_computed(tmp_path, personas)
    offices = {row["office"]: row for row in supplier_base(personas.oslo, 2025)["by_office"]}
    health, schools = offices["Helseetaten"], offices["Skoleetaten"]
    # Helseetaten paid A 500,000, C 60,000 and E 100,000: only C is under the threshold.
    assert health["long_tail"] == {
        "suppliers": 1,
        "share_suppliers": pytest.approx(1 / 3),
        "spend": 60_000.0,
        "share_spend": pytest.approx(60 / 660),
    }
    assert (health["sme"]["suppliers"], health["sme"]["share_spend"]) == (1, pytest.approx(500 / 660))
    assert health["startups"]["suppliers"] == 0
    # Skoleetaten paid B 250,000 and D 90,000: both SMEs, B a startup, D in the long tail.
    assert (schools["long_tail"]["suppliers"], schools["long_tail"]["spend"]) == (1, 90_000.0)
    assert (schools["sme"]["suppliers"], schools["sme"]["share_spend"]) == (2, 1.0)
    assert schools["startups"]["share_spend"] == pytest.approx(250 / 340)
    assert schools["startups"]["share_suppliers"] == 0.5


def test_a_unit_member_is_not_told_how_many_of_the_top_organisations_suppliers_are_unnamed(
    client, tmp_path, personas
):
    """The suppliers known only by name are Oslo kommune's, whose report the unit's editor may not read."""
    hand_computed(tmp_path, personas)
    client.force_login(personas.editor)  # an editor of Sykehjemsetaten, a unit of Oslo kommune
    page = client.get(f"/en/spend/{personas.sykehjemsetaten.pk}/")
    assert page.status_code == 200
    assert "known only by name" not in page.text
    client.force_login(personas.colleague)  # a viewer of Oslo kommune
    assert "known only by name" in client.get(f"/en/spend/{personas.oslo.pk}/").text


def test_a_supplier_has_no_spend_in_skala(client, personas):
    client.force_login(personas.supplier)
    supplier_org = personas.supplier_org.pk
    assert client.get(f"/en/spend/{supplier_org}/").status_code == 403
    assert client.get(f"/en/spend/{supplier_org}/uploads/").status_code == 403
    assert (
        client.post(f"/en/spend/{supplier_org}/settings/", {"openings_visibility": "hidden"}).status_code
        == 403
    )
    assert not SpendSettings.objects.filter(organisation=personas.supplier_org).exists()


def test_a_units_staff_find_their_part_of_the_spend_on_the_spend_page(client, tmp_path, personas):
    hand_computed(tmp_path, personas)
    client.force_login(personas.editor)  # an editor of Sykehjemsetaten, a unit of Oslo kommune
    page = client.get("/en/spend/").text
    assert f'href="/en/spend/{personas.sykehjemsetaten.pk}/"' in page
