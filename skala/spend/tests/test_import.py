"""Importing spend: headers in three languages, every problem reported with nothing written, credits,
currencies, XLSX, offices, and a second import of the same file recognised."""

import datetime
import io
import json
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from skala.orgs.models import Organisation, OrganisationUnit
from skala.spend.importer import SpendImportError, import_spend
from skala.spend.models import Category, SpendImport, SpendLine, SpendSummary, Supplier
from skala.spend.reading import FieldError, parse_amount, parse_date
from skala.spend.tests.builders import import_rows, orgnr, write_csv, write_xlsx

pytestmark = pytest.mark.django_db

A = orgnr(1)


def amounts() -> list[int]:
    return list(SpendLine.objects.order_by("row").values_list("amount_ore", flat=True))


@pytest.mark.parametrize(
    "header",
    [
        ["Bilagsdato", "Leverandørnavn", "Organisasjonsnummer", "Beløp", "Virksomhet", "Art"],
        ["Fakturadatum", "Leverantör", "Organisationsnummer", "Belopp", "Förvaltning", "Kategori"],
        ["Date", "Supplier", "Org number", "Amount", "Office", "Account"],
        ["DATO", "LEVERANDOR", "ORG-NR", "SUM", "KONTOR", "KONTO"],
    ],
    ids=["nb", "sv", "en", "no accents, upper case"],
)
def test_headers_in_norwegian_swedish_and_english_are_recognised(tmp_path, personas, header):
    rows = [["2025-03-01", "Nordlys AS", A, "1000,00", "Helseetaten", "6700 Konsulenter"]]
    report = import_rows(tmp_path, personas.oslo, rows, header)
    line = SpendLine.objects.get()
    assert report.lines == 1
    assert (line.date, line.amount_ore, line.supplier.orgnr) == (datetime.date(2025, 3, 1), 100_000, A)
    assert Organisation.objects.get(pk=line.office_id).name == "Helseetaten"


def test_a_mapping_file_names_other_headers(tmp_path, personas):
    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps({"Bokført": "date", "Mottaker": "supplier", "Kroner": "amount"}))
    path = write_csv(tmp_path, [["01.02.2025", "Nordlys AS", "250"]], ["Bokført", "Mottaker", "Kroner"])
    report = import_spend(path, personas.oslo, mapping=mapping)
    assert report.lines == 1
    assert SpendLine.objects.get().amount_ore == 25_000


def test_unrecognised_columns_are_refused_with_the_headers_found_and_expected(tmp_path, personas):
    path = write_csv(tmp_path, [["x", "y", "z"]], ["Bokført", "Mottaker", "Kroner"])
    with pytest.raises(SpendImportError) as caught:
        import_spend(path, personas.oslo)
    message = str(caught.value)
    assert "Found: 'Bokført', 'Mottaker', 'Kroner'" in message
    assert "date (dato, datum, date" in message
    assert "amount (belop" in message
    assert "--mapping" in message
    assert not SpendImport.objects.exists()


def test_every_bad_row_is_reported_with_its_column_and_nothing_is_written(tmp_path, personas):
    rows = [
        ["2025-01-15", "Nordlys AS", A, "100"],
        ["31.02.2025", "Nordlys AS", A, "100"],
        ["2025-01-16", "Nordlys AS", A, "tolv"],
        ["i går", "Fjord AS", "123456789", "1,234"],
    ]
    with pytest.raises(SpendImportError) as caught:
        import_rows(tmp_path, personas.oslo, rows, ["Dato", "Leverandør", "Orgnr", "Beløp"])
    listed = [str(problem) for problem in caught.value.problems]
    assert listed == [
        "row 3, column 'Dato': there is no such date",
        "row 4, column 'Beløp': 'tolv' is not an amount",
        "row 5, column 'Dato': 'i går' is not a date (YYYY-MM-DD, DD.MM.YYYY, DD/MM/YYYY or YYYYMMDD)",
        "row 5, column 'Beløp': '1,234' is ambiguous: is ',' a decimal mark or a thousands separator? "
        "Write it with two decimals or without the separator.",
        "row 5, column 'Orgnr': 123456789 is not a valid organisation number: the check digit does not "
        "match.",
    ]
    assert "nothing was imported" in str(caught.value)
    assert not SpendImport.objects.exists()
    assert not SpendLine.objects.exists()
    assert not Supplier.objects.exists()


def test_the_listing_of_problems_is_capped_but_every_problem_is_counted(tmp_path, personas):
    rows = [["not a date", "Nordlys AS", "", "1"]] * 120
    with pytest.raises(SpendImportError) as caught:
        import_rows(tmp_path, personas.oslo, rows)
    assert caught.value.count == 120
    assert "… and 70 more" in str(caught.value)


@pytest.mark.parametrize(
    ("text", "ore"),
    [
        ("1234", 123_400),
        ("1234,5", 123_450),
        ("1234.56", 123_456),
        ("1 234,56", 123_456),
        ("1\u00a0234,56", 123_456),
        ("1.234.567,89", 123_456_789),
        ("1,234,567.89", 123_456_789),
        ("1'234.50", 123_450),
        ("-12,00", -1_200),
        ("12,00-", -1_200),
        ("(12,00)", -1_200),
        ("0,123", None),
        ("1.234", None),
        ("12,3,4", None),
        ("", None),
    ],
)
def test_amounts_with_decimal_commas_and_thousands_separators(text, ore):
    if ore is None:
        with pytest.raises(FieldError):
            parse_amount(text)
    else:
        assert parse_amount(text) == ore


@pytest.mark.parametrize(
    "value",
    ["2025-03-01", "01.03.2025", "1.3.2025", "01/03/2025", "20250301", "45717", 45717, "2025-03-01 00:00:00"],
)
def test_dates_in_the_formats_extracts_use(value):
    assert parse_date(value) == datetime.date(2025, 3, 1)


def test_credit_notes_are_kept_and_counted(tmp_path, personas):
    rows = [["2025-01-15", "Nordlys AS", A, "1 000,00"], ["2025-02-15", "Nordlys AS", A, "-250,00"]]
    report = import_rows(tmp_path, personas.oslo, rows, ["Dato", "Leverandør", "Orgnr", "Beløp"])
    assert amounts() == [100_000, -25_000]
    assert (report.lines, report.credit_lines, report.total_ore) == (2, 1, 75_000)
    assert SpendSummary.objects.get().amount_ore == 75_000


def test_a_second_import_of_the_same_file_is_recognised_and_changes_nothing(tmp_path, personas):
    path = write_csv(tmp_path, [["2025-01-15", "Nordlys AS", A, "100", "", ""]])
    import_spend(path, personas.oslo)
    again = import_spend(path, personas.oslo)
    assert again.already_imported is not None
    assert "already imported" in str(again)
    assert SpendLine.objects.count() == 1
    assert SpendSummary.objects.get().amount_ore == 10_000


def test_a_foreign_currency_is_refused_without_a_rate_and_converted_with_one(tmp_path, personas):
    header = ["Dato", "Leverandør", "Beløp", "Valuta"]
    rows = [["2025-01-15", "Nordlys AS", "100,00", "NOK"], ["2025-01-16", "Vårdteknik AB", "10,00", "EUR"]]
    with pytest.raises(SpendImportError, match="row 3, column 'Valuta': EUR is not NOK"):
        import_rows(tmp_path, personas.oslo, rows, header)
    assert not SpendLine.objects.exists()
    with pytest.raises(SpendImportError, match="give the rate with --rate"):
        import_rows(tmp_path, personas.oslo, rows, header, currency="EUR")
    import_rows(tmp_path, personas.oslo, rows, header, currency="EUR", rate=Decimal("11.5"))
    assert amounts() == [10_000, 11_500]


def test_xlsx_extracts_with_spreadsheet_dates_and_numbers(tmp_path, personas):
    rows = [
        [datetime.datetime(2025, 4, 1), "Nordlys AS", int(A), 1234.5, "Helseetaten", "6700"],
        [45749, "Fjord AS", None, -99, "Helseetaten", 6700],
    ]
    report = import_spend(write_xlsx(tmp_path, rows), personas.oslo)
    assert report.lines == 2
    assert amounts() == [123_450, -9_900]
    assert list(SpendLine.objects.order_by("row").values_list("date", flat=True)) == [
        datetime.date(2025, 4, 1),
        datetime.date(2025, 4, 2),
    ]


def test_csv_with_commas_and_a_byte_order_mark(tmp_path, personas):
    header = ["Date", "Supplier", "Orgnr", "Amount"]
    path = write_csv(tmp_path, [["2025-01-15", "Nordlys AS", A, "100.50"]], header, delimiter=",", bom=True)
    assert import_spend(path, personas.oslo).lines == 1
    assert amounts() == [10_050]


def test_missing_offices_are_created_as_procurement_offices_and_named(tmp_path, personas):
    rows = [
        ["2025-01-15", "Nordlys AS", A, "100", "Sykehjemsetaten", ""],
        ["2025-01-15", "Nordlys AS", A, "100", "Bydel Frogner", ""],
        ["2025-01-15", "Nordlys AS", A, "100", "", ""],
    ]
    report = import_rows(tmp_path, personas.oslo, rows)
    created = Organisation.objects.get(name="Bydel Frogner")
    assert (created.parent, created.unit) == (personas.oslo, OrganisationUnit.PROCUREMENT_OFFICE)
    assert report.offices_created == ["Bydel Frogner"]
    assert "Created 1 procurement offices under Oslo kommune: Bydel Frogner." in str(report)
    offices = list(SpendLine.objects.order_by("row").values_list("office_id", flat=True))
    assert offices == [personas.sykehjemsetaten.pk, created.pk, personas.oslo.pk]


def test_a_dry_run_saves_nothing(tmp_path, personas):
    rows = [["2025-01-15", "Nordlys AS", A, "100", "Bydel Frogner", ""]]
    report = import_rows(tmp_path, personas.oslo, rows, dry_run=True)
    assert "Would import 1 lines" in str(report)
    assert not SpendImport.objects.exists()
    assert not Organisation.objects.filter(name="Bydel Frogner").exists()


def test_the_command_imports_and_reports_problems(tmp_path, personas):
    path = write_csv(tmp_path, [["2025-01-15", "Nordlys AS", A, "100", "", ""]])
    out = io.StringIO()
    call_command("import", "spend", str(path), "--org", "958935420", stdout=out)
    assert "Imported 1 lines (0 credit notes) for Oslo kommune" in out.getvalue()
    bad = write_csv(tmp_path, [["2025-01-15", "Nordlys AS", "123456789", "100", "", ""]], name="bad.csv")
    with pytest.raises(
        CommandError, match=r"bad\.csv: 1 problem\(s\); nothing was imported:\n  row 2, column 'Orgnr'"
    ):
        call_command("import", "spend", str(bad), "--org", str(personas.oslo.pk))
    with pytest.raises(CommandError, match=r"nowhere\.csv: no such file"):
        call_command("import", "spend", str(tmp_path / "nowhere.csv"), "--org", str(personas.oslo.pk))
    with pytest.raises(CommandError, match="is a folder, not a file"):
        call_command("import", "spend", str(tmp_path), "--org", str(personas.oslo.pk))
    with pytest.raises(CommandError, match="--org 'Gotham': no organisation"):
        call_command("import", "spend", str(bad), "--org", "Gotham")


def database_counts() -> dict[str, int]:
    """How many rows each table an import writes holds."""
    models = (Organisation, Category, Supplier, SpendImport, SpendLine, SpendSummary)
    return {model.__name__: model.objects.count() for model in models}


def test_a_bad_row_after_lines_offices_and_suppliers_were_written_leaves_the_database_as_it_was(
    tmp_path, personas
):
    before = database_counts()
    rows = [
        ["2025-01-15", "Nordlys AS", A, "100", "Bydel Frogner", "6700"],
        ["2025-01-16", "Fjord AS", orgnr(2), "200", "Bydel Alna", "6800"],
        *([["2025-01-17", f"Leverandør {n} AS", "", "300", "Bydel Sagene", "6900"] for n in range(300)]),
        ["2025-01-18", "Nordlys AS", A, "not money", "Bydel Frogner", "6700"],
    ]
    with pytest.raises(SpendImportError, match="row 304, column 'Beløp'"):
        import_rows(tmp_path, personas.oslo, rows)
    assert database_counts() == before
    # The connection is usable again: the same file without its bad row imports.
    report = import_rows(tmp_path, personas.oslo, rows[:-1])
    assert report.lines == 302


def test_hundreds_of_new_suppliers_each_get_a_row_of_their_own(tmp_path, personas):
    rows = [["2025-03-01", f"Leverandør {n} AS", orgnr(n + 1) if n % 2 else "", "100"] for n in range(450)]
    report = import_rows(tmp_path, personas.oslo, rows, ["Dato", "Leverandør", "Orgnr", "Beløp"])
    assert (report.lines, report.suppliers, report.new_suppliers) == (450, 450, 450)
    assert Supplier.objects.filter(organisation=personas.oslo).count() == 450
    assert SpendLine.objects.values("supplier_id").distinct().count() == 450
    named = Supplier.objects.get(orgnr=orgnr(2))
    assert named.name == "Leverandør 1 AS"
    assert SpendSummary.objects.get(supplier=named).amount_ore == 10_000


def test_a_nul_character_is_refused_with_its_line_on_every_database(tmp_path, personas):
    path = write_csv(
        tmp_path,
        [["2025-01-15", "Nordlys AS", A, "100", "", ""], ["2025-01-16", "Nord\x00lys AS", A, "5", "", ""]],
    )
    with pytest.raises(SpendImportError, match="Line 3 holds a NUL character"):
        import_spend(path, personas.oslo)
    assert not SpendLine.objects.exists()


@pytest.mark.parametrize("value", ["0001-01-01", "9999-12-31", "31.12.1899", datetime.date(2101, 1, 1)])
def test_a_date_outside_the_years_of_any_ledger_is_refused(value):
    with pytest.raises(FieldError, match="is outside the years 1900–2100"):
        parse_date(value)


def test_the_same_extract_saved_again_with_other_line_ends_is_already_imported(tmp_path, personas):
    path = write_csv(
        tmp_path, [["2025-01-15", "Nordlys AS", A, "100", "", ""], ["2025-01-16", "Fjord AS", A, "5", "", ""]]
    )
    assert import_spend(path, personas.oslo).lines == 2
    text = path.read_bytes()
    lf = text.replace(b"\r\n", b"\n")
    for variant in (text + b"\n\n", b"\xef\xbb\xbf" + lf, lf.replace(b"\n", b"\r\n")):
        again = tmp_path / "again.csv"
        again.write_bytes(variant)
        assert import_spend(again, personas.oslo).already_imported is not None
    assert SpendLine.objects.count() == 2
    changed = tmp_path / "changed.csv"
    changed.write_bytes(text.replace(b"100", b"101"))
    assert import_spend(changed, personas.oslo).lines == 2  # a changed extract is a new one
