"""Taking an import back out: the reports are as if the file had never come, and it may come again."""

import io
import json
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from skala.orgs.models import ApiToken
from skala.spend.importer import import_spend
from skala.spend.models import SpendImport, SpendLine, SpendSummary, SpendUpload, Supplier, UploadStatus
from skala.spend.removal import SummaryMismatchError, remove_import
from skala.spend.report import supplier_base
from skala.spend.tests.builders import orgnr, write_csv

pytestmark = pytest.mark.django_db

A, B = orgnr(1), orgnr(2)
HEADER = ["Dato", "Leverandør", "Orgnr", "Beløp", "Enhet", "Konto", "Valuta"]


def summary_rows(organisation) -> list[tuple]:
    return sorted(
        SpendSummary.objects.filter(organisation=organisation).values_list(
            "office_id", "supplier_id", "category_id", "cpv_division", "year", "amount_ore", "lines"
        )
    )


def import_two_files(tmp_path, organisation):
    """January in NOK; then a February extract in EUR, sharing a supplier and an office with January."""
    january = write_csv(
        tmp_path,
        [
            ["2025-01-15", "Nordlys AS", A, "1 000,00", "Helseetaten", "6700", "NOK"],
            ["2025-01-20", "Fjord AS", B, "500,00", "Helseetaten", "6700", "NOK"],
        ],
        HEADER,
        name="januar.csv",
    )
    import_spend(january, organisation)
    february = write_csv(
        tmp_path,
        [
            ["2025-02-15", "Nordlys AS", A, "100,00", "Helseetaten", "6700", "EUR"],
            ["2024-12-30", "Lille Kafé", "", "10,00", "Bydel Frogner", "6800", "EUR"],
            ["2025-02-16", "Nordlys AS", A, "-20,00", "Helseetaten", "6700", "EUR"],
        ],
        HEADER,
        name="februar.csv",
    )
    return january, february


def test_removing_an_import_leaves_the_spend_exactly_as_before_it(tmp_path, personas):
    oslo = personas.oslo
    _january, february = import_two_files(tmp_path, oslo)
    before = summary_rows(oslo)
    report_before = supplier_base(oslo, 2025)
    suppliers_before = set(Supplier.objects.values_list("pk", flat=True))

    wrong = import_spend(february, oslo, currency="EUR", rate=Decimal("1.15"))  # the rate meant 11.5
    assert summary_rows(oslo) != before
    removed = remove_import(wrong.batch)

    assert (removed.file_name, removed.lines, removed.suppliers) == ("februar.csv", 3, 1)
    assert summary_rows(oslo) == before
    assert supplier_base(oslo, 2025) == report_before
    assert SpendLine.objects.count() == 2
    # The supplier known only by name, and paid nowhere else, went with its lines; the others stay.
    assert set(Supplier.objects.values_list("pk", flat=True)) == suppliers_before
    again = import_spend(february, oslo, currency="EUR", rate=Decimal("11.5"))
    assert again.already_imported is None
    assert again.total_ore == (100 + 10 - 20) * 1150  # øre: EUR 90 at 11.5


def test_the_command_lists_the_imports_and_removes_one(tmp_path, personas):
    january, _february = import_two_files(tmp_path, personas.oslo)
    out = io.StringIO()
    call_command("spend_imports", "--org", str(personas.oslo.pk), "--json", stdout=out)
    [listed] = json.loads(out.getvalue())
    assert (listed["file_name"], listed["lines"], listed["total"]) == ("januar.csv", 2, 1500.0)
    with pytest.raises(CommandError, match=r"--remove 999999: .* has no spend import with this id"):
        call_command("spend_imports", "--org", str(personas.oslo.pk), "--remove", "999999")
    out = io.StringIO()
    call_command("spend_imports", "--org", str(personas.oslo.pk), "--remove", str(listed["id"]), stdout=out)
    assert "Removed the import of januar.csv: 2 lines left the spend" in out.getvalue()
    assert not SpendSummary.objects.exists()
    assert import_spend(january, personas.oslo).already_imported is None


def test_an_editor_removes_an_import_on_the_report_page_and_its_upload_says_so(client, tmp_path, personas):
    _january, _february = import_two_files(tmp_path, personas.oslo)
    batch = SpendImport.objects.get()
    upload = SpendUpload.objects.create(
        organisation=personas.oslo, file_name="januar.csv", status=UploadStatus.DONE, spend_import=batch
    )
    url = f"/en/spend/{personas.oslo.pk}/imports/{batch.pk}/remove/"
    client.force_login(personas.colleague)  # a member who may read the spend, not change it
    assert "Remove the import of januar.csv" not in client.get(f"/en/spend/{personas.oslo.pk}/").text
    assert client.post(url).status_code == 403
    assert SpendImport.objects.exists()

    client.force_login(personas.owner)
    assert "Remove the import of januar.csv" in client.get(f"/en/spend/{personas.oslo.pk}/").text
    response = client.post(url, follow=True)
    assert "The import of januar.csv is removed: 2 lines are no longer in the spend." in response.text
    assert not SpendImport.objects.exists()
    upload.refresh_from_db()
    assert (upload.status, upload.spend_import) == (UploadStatus.REMOVED, None)
    assert client.post(url).status_code == 404


def test_the_api_lists_imports_for_members_and_removes_them_for_editors(client, tmp_path, personas):
    import_two_files(tmp_path, personas.oslo)
    batch = SpendImport.objects.get()

    def bearer(user) -> dict:
        _token, secret = ApiToken.issue(user, "test")
        return {"Authorization": f"Bearer {secret}"}

    listed = client.get(
        f"/api/v1/spend/imports?org={personas.oslo.orgnr}", headers=bearer(personas.colleague)
    )
    assert [item["file_name"] for item in listed.json()] == ["januar.csv"]
    assert (
        client.get(
            f"/api/v1/spend/imports?org={personas.oslo.pk}", headers=bearer(personas.supplier)
        ).status_code
        == 403
    )
    url = f"/api/v1/spend/imports/{batch.pk}"
    assert client.delete(url, headers=bearer(personas.supplier)).status_code == 404
    assert client.delete(url, headers=bearer(personas.colleague)).status_code == 403
    assert client.delete(url, headers=bearer(personas.owner)).status_code == 204
    assert not SpendLine.objects.exists()
    assert client.delete(url, headers=bearer(personas.owner)).status_code == 404


def test_a_summary_out_of_step_with_the_lines_stops_the_removal_and_changes_nothing(tmp_path, personas):
    import_two_files(tmp_path, personas.oslo)
    batch = SpendImport.objects.get()
    SpendSummary.objects.filter(supplier__orgnr=B).delete()  # as if someone had edited the table
    before = summary_rows(personas.oslo)
    with pytest.raises(SummaryMismatchError, match="does not match the import's lines"):
        remove_import(batch)
    assert summary_rows(personas.oslo) == before
    assert SpendLine.objects.count() == 2
    assert SpendImport.objects.filter(pk=batch.pk).exists()
