"""Notices out: every OCDS export validates against the OCDS 1.1.5 schema, or is not published."""

import datetime
import io
import json

import pytest
from django.core.management import CommandError, call_command

from skala.procedures import ocds
from skala.procedures.models import Award, GroupMember, Lot, Procurement, ProcurementOption
from skala.procedures.timeline import apply_template
from skala.reference.models import CpvCode

pytestmark = pytest.mark.django_db


def full_procurement(personas) -> Procurement:
    procurement = Procurement.objects.create(
        buyer=personas.oslo,
        title="Innovasjonspartnerskap for nattilsyn",
        description="Sensorer og digitalt tilsyn",
        procedure_type="innovation_partnership",
        estimated_value=12_000_000,
        status="awarded",
    )
    procurement.cpv_codes.set(CpvCode.objects.filter(code8__in=["85310000", "33196200"]))
    apply_template(procurement, datetime.date(2027, 1, 4))
    lot = Lot.objects.create(procurement=procurement, number=1, title="Sensorer", estimated_value=8_000_000)
    ProcurementOption.objects.create(
        procurement=procurement, organisation=personas.stavanger, terms="200 enheter"
    )
    GroupMember.objects.create(
        procurement=procurement, group="steering", name="Kari", organisation=personas.oslo
    )
    Award.objects.create(
        procurement=procurement,
        lot=lot,
        supplier=personas.startup_org,
        value=4_000_000,
        awarded_on=datetime.date(2027, 6, 1),
        contract_signed_on=datetime.date(2027, 6, 15),
        contract_ends_on=datetime.date(2029, 6, 15),
    )
    return procurement


def test_a_procurement_exports_as_a_valid_release_package(personas):
    procurement = full_procurement(personas)
    document = ocds.release_package([procurement], "https://skala.example/api/v1/ocds/releases")
    assert ocds.problems(document) == []
    [entry] = document["releases"]
    assert entry["ocid"] == f"ocds-skala0-{procurement.pk}"
    assert entry["tag"] == ["tender", "award", "contract"]
    assert entry["tender"]["procurementMethod"] == "selective"
    assert entry["tender"]["procurementMethodDetails"] == "innovation_partnership"
    assert entry["tender"]["procurementMethodRationale"] == "innovation"
    assert {item["classification"]["id"] for item in entry["tender"]["items"]} == {"85310000", "33196200"}
    assert entry["awards"][0]["suppliers"][0]["name"] == "Test Startup AS"
    roles = {entry_party["name"]: entry_party["roles"] for entry_party in entry["parties"]}
    assert roles["Oslo kommune"] == ["buyer", "procuringEntity"]
    assert roles["Stavanger kommune"] == ["interestedParty"]


def test_the_ocid_prefix_is_configurable(personas, settings):
    settings.SKALA_OCID_PREFIX = "ocds-abc123"
    assert ocds.release(full_procurement(personas))["ocid"].startswith("ocds-abc123-")


def test_an_export_that_would_not_validate_names_the_field_and_is_not_published(personas, monkeypatch):
    procurement = full_procurement(personas)
    broken = ocds.release(procurement)
    broken["tender"]["status"] = "almost done"
    monkeypatch.setattr(ocds, "release", lambda procurement: broken)
    with pytest.raises(ocds.ExportError, match=r"releases/0/tender/status: 'almost done' is not one of"):
        ocds.release_package([procurement], "https://skala.example/x")


def test_the_api_serves_releases_since_a_date(client, personas):
    full_procurement(personas)
    document = client.get("/api/v1/ocds/releases").json()
    assert ocds.problems(document) == []
    assert len(document["releases"]) == 1
    assert client.get("/api/v1/ocds/releases", {"since": "2999-01-01"}).json()["releases"] == []


def test_the_command_writes_releases_and_compiled_records(personas, tmp_path):
    full_procurement(personas)
    output = tmp_path / "ocds.json"
    call_command("export", "ocds", "--output", str(output), stderr=io.StringIO())
    assert ocds.problems(json.loads(output.read_text())) == []
    call_command("export", "ocds", "--records", "--output", str(output), stderr=io.StringIO())
    record = json.loads(output.read_text())["records"][0]
    assert record["compiledRelease"]["tender"]["title"] == "Innovasjonspartnerskap for nattilsyn"
    assert record["compiledRelease"]["tag"] == ["compiled"]
    with pytest.raises(CommandError, match="not a date"):
        call_command("export", "ocds", "--since", "yesterday", stderr=io.StringIO())


def test_the_procurement_page_offers_its_release_package_to_download(client, personas):
    procurement = full_procurement(personas)
    page = client.get(f"/en/procedures/{procurement.pk}/").text
    href = f"/en/procedures/{procurement.pk}/ocds.json"
    assert f'href="{href}"' in page
    response = client.get(href)
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="procurement-{procurement.pk}-ocds.json"'
    document = json.loads(response.content)
    assert ocds.problems(document) == []
    assert [entry["ocid"] for entry in document["releases"]] == [f"ocds-skala0-{procurement.pk}"]
    assert document["uri"].endswith(href)


def test_a_download_that_would_not_validate_is_refused_naming_the_field(client, personas, monkeypatch):
    procurement = full_procurement(personas)
    broken = ocds.release(procurement)
    broken["tender"]["status"] = "almost done"
    monkeypatch.setattr(ocds, "release", lambda procurement: broken)
    response = client.get(f"/en/procedures/{procurement.pk}/ocds.json")
    assert response.status_code == 422
    assert "releases/0/tender/status: &#x27;almost done&#x27; is not one of" in response.text
    assert "Skala will not publish this export" in response.text
