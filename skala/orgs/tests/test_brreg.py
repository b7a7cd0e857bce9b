"""Enhetsregisteret: bulk files (JSON and CSV, gzipped or not), the flags, the command and the lookup API."""

import csv
import datetime
import gzip
import io
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.utils import translation

from skala.orgs import brreg, brreg_import
from skala.orgs.brreg import BrregError, read_all
from skala.orgs.brreg_client import BrregApiError, lookup, refresh
from skala.orgs.brreg_import import import_brreg
from skala.orgs.identifiers import norwegian_check_digit
from skala.orgs.models import RegistryEntry

pytestmark = pytest.mark.django_db

DATA = Path(__file__).resolve().parent / "data" / "brreg"
TODAY = datetime.date(2025, 6, 1)


def orgnr(n: int = 1) -> str:
    """The n-th valid organisation number from 912000000 on (n counts from 1)."""
    prefix = 91200000
    found = 0
    while True:
        check = norwegian_check_digit(str(prefix))
        if check is not None:
            found += 1
            if found == n:
                return f"{prefix}{check}"
        prefix += 1


def wrong_check_digit(number: str) -> str:
    return number[:8] + str((int(number[8]) + 1) % 10)


def unit(n: int = 1, **fields) -> dict:
    """A unit as the bulk JSON file and the API give it; keyword arguments replace fields."""
    value = {
        "organisasjonsnummer": orgnr(n),
        "navn": f"TESTBEDRIFT {n} AS",
        "organisasjonsform": {"kode": "AS", "beskrivelse": "Aksjeselskap", "_links": {}},
        "naeringskode1": {"kode": "62.010", "beskrivelse": "Programmeringstjenester"},
        "registreringsdatoEnhetsregisteret": "2023-01-10",
        "stiftelsesdato": "2022-12-20",
        "antallAnsatte": 12,
        "harRegistrertAntallAnsatte": True,
        "forretningsadresse": {
            "adresse": ["Strandkaien 2"],
            "postnummer": "5003",
            "poststed": "BERGEN",
            "kommune": "BERGEN",
            "kommunenummer": "4601",
            "landkode": "NO",
        },
        "hjemmeside": "www.testbedrift.no",
        "registrertIMvaregisteret": True,
        "konkurs": False,
        "underAvvikling": False,
        "underTvangsavviklingEllerTvangsopplosning": False,
    }
    value.update(fields)
    return {key: item for key, item in value.items() if item is not None}


def write_json(tmp_path, *units, name: str = "enheter_alle.json") -> Path:
    path = tmp_path / name
    text = json.dumps(list(units), ensure_ascii=False, indent=1)
    if name.endswith(".gz"):
        with gzip.open(path, "wt", encoding="utf-8") as handle:
            handle.write(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


DOTTED = {
    "organisasjonsnummer": "organisasjonsnummer",
    "navn": "navn",
    "organisasjonsform.kode": "organisasjonsform.kode",
    "naeringskode1.kode": "naeringskode1.kode",
    "antallAnsatte": "antallAnsatte",
    "forretningsadresse.kommunenummer": "forretningsadresse.kommunenummer",
    "registreringsdatoEnhetsregisteret": "registreringsdatoEnhetsregisteret",
    "stiftelsesdato": "stiftelsesdato",
    "konkurs": "konkurs",
    "underAvvikling": "underAvvikling",
}
HUMAN = {
    "organisasjonsnummer": "Organisasjonsnummer",
    "navn": "Navn",
    "organisasjonsform.kode": "Organisasjonsform.kode",
    "naeringskode1.kode": "Næringskode 1",
    "antallAnsatte": "Antall ansatte",
    "forretningsadresse.kommunenummer": "Forretningsadresse.kommunenummer",
    "registreringsdatoEnhetsregisteret": "Registreringsdato i Enhetsregisteret",
    "stiftelsesdato": "Stiftelsesdato",
    "konkurs": "Konkurs",
    "underAvvikling": "Under avvikling",
}


def csv_row(n: int = 1, **fields) -> dict:
    """A CSV row keyed by the dotted paths; keyword arguments (with _ for .) replace fields."""
    row = {
        "organisasjonsnummer": orgnr(n),
        "navn": f"CSV-BEDRIFT {n} AS",
        "organisasjonsform.kode": "AS",
        "naeringskode1.kode": "62.010",
        "antallAnsatte": "7",
        "forretningsadresse.kommunenummer": "0301",
        "registreringsdatoEnhetsregisteret": "2023-01-10",
        "stiftelsesdato": "",
        "konkurs": "false",
        "underAvvikling": "false",
    }
    row.update({key.replace("__", "."): value for key, value in fields.items()})
    return row


def write_csv(tmp_path, *rows, labels=DOTTED, delimiter=",", name: str = "enheter_alle.csv") -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(labels.values())
    for row in rows:
        writer.writerow([row[key] for key in labels])
    path = tmp_path / name
    if name.endswith(".gz"):
        with gzip.open(path, "wt", encoding="utf-8", newline="") as handle:
            handle.write(buffer.getvalue())
    else:
        path.write_text(buffer.getvalue(), encoding="utf-8", newline="")
    return path


def entry(n: int = 1) -> RegistryEntry:
    return RegistryEntry.objects.get(orgnr=orgnr(n))


# Reading and importing ------------------------------------------------------------------------------


def test_the_json_bulk_file_is_imported_with_every_field(tmp_path):
    report = import_brreg(write_json(tmp_path, unit(1), unit(2, navn="ANDRE AS")), today=TODAY)
    assert (report.read, report.created, report.updated, report.unchanged) == (2, 2, 0, 0)
    stored = entry(1)
    assert stored.name == "TESTBEDRIFT 1 AS"
    assert (stored.org_form_code, stored.org_form_description) == ("AS", "Aksjeselskap")
    assert (stored.nace_code, stored.nace_description) == ("62.010", "Programmeringstjenester")
    assert stored.registered_on == datetime.date(2023, 1, 10)
    assert stored.founded_on == datetime.date(2022, 12, 20)
    assert (stored.employees, stored.has_registered_employees) == (12, True)
    assert (stored.municipality_number, stored.postal_code, stored.town) == ("4601", "5003", "BERGEN")
    assert stored.website == "www.testbedrift.no"
    assert (stored.bankrupt, stored.under_liquidation, stored.forced_dissolution) == (False, False, False)
    assert (stored.is_startup, stored.is_sme) == (True, True)
    assert entry(2).name == "ANDRE AS"


def test_a_gzipped_json_file_is_read_through_gzip(tmp_path):
    report = import_brreg(write_json(tmp_path, unit(1), unit(2), name="enheter_alle.json.gz"), today=TODAY)
    assert report.created == 2
    assert RegistryEntry.objects.count() == 2


@pytest.mark.parametrize(
    ("labels", "delimiter"),
    [(DOTTED, ","), (DOTTED, ";"), (HUMAN, ";"), (HUMAN, ",")],
    ids=["paths-comma", "paths-semicolon", "labels-semicolon", "labels-comma"],
)
def test_csv_files_are_read_with_either_separator_and_either_kind_of_header(tmp_path, labels, delimiter):
    path = write_csv(
        tmp_path,
        csv_row(1, konkurs="N", stiftelsesdato="2022-12-20"),
        csv_row(2, navn="BEDRIFT; MED SKILLETEGN, AS", konkurs="J", antallAnsatte=""),
        labels=labels,
        delimiter=delimiter,
    )
    report = import_brreg(path, today=TODAY)
    assert report.created == 2
    first, second = entry(1), entry(2)
    assert (first.name, first.org_form_code, first.nace_code, first.employees) == (
        "CSV-BEDRIFT 1 AS",
        "AS",
        "62.010",
        7,
    )
    assert (first.municipality_number, first.registered_on, first.founded_on) == (
        "0301",
        datetime.date(2023, 1, 10),
        datetime.date(2022, 12, 20),
    )
    assert (second.name, second.bankrupt, second.employees) == ("BEDRIFT; MED SKILLETEGN, AS", True, None)


def test_a_gzipped_csv_file_with_a_byte_order_mark_is_read(tmp_path):
    path = write_csv(tmp_path, csv_row(1), name="enheter_alle.csv.gz")
    raw = gzip.decompress(path.read_bytes())
    path.write_bytes(gzip.compress(b"\xef\xbb\xbf" + raw))
    assert import_brreg(path, today=TODAY).created == 1


def test_csv_booleans_accept_true_false_j_n_ja_nei(tmp_path):
    words = ["true", "false", "J", "N", "ja", "Nei"]
    path = write_csv(tmp_path, *(csv_row(n, konkurs=word) for n, word in enumerate(words, start=1)))
    import_brreg(path, today=TODAY)
    assert [entry(n).bankrupt for n in range(1, 7)] == [True, False, True, False, True, False]


def test_a_second_import_of_the_same_file_changes_nothing(tmp_path):
    hidden = unit(3, antallAnsatte=None, harRegistrertAntallAnsatte=None)
    path = write_json(tmp_path, unit(1), unit(2), hidden)
    import_brreg(path, today=TODAY)
    before = list(RegistryEntry.objects.values_list())
    report = import_brreg(path, today=TODAY)
    assert (report.read, report.created, report.updated, report.unchanged) == (3, 0, 0, 3)
    assert list(RegistryEntry.objects.values_list()) == before


def test_a_changed_name_updates_the_entry(tmp_path):
    import_brreg(write_json(tmp_path, unit(1), unit(2)), today=TODAY)
    report = import_brreg(write_json(tmp_path, unit(1, navn="NYTT NAVN AS"), unit(2)), today=TODAY)
    assert (report.created, report.updated, report.unchanged) == (0, 1, 1)
    assert entry(1).name == "NYTT NAVN AS"
    assert RegistryEntry.objects.count() == 2


def test_units_that_span_many_buffer_refills_are_read_whole(tmp_path, monkeypatch):
    monkeypatch.setattr(brreg, "CHUNK_CHARS", 7)
    units = [unit(n, navn=f"BLÅBÆR {n} ØST AS", antallAnsatte=1000 + n) for n in range(1, 6)]
    read = read_all(write_json(tmp_path, *units))
    assert [(u.orgnr, u.name, u.employees) for u in read] == [
        (orgnr(n), f"BLÅBÆR {n} ØST AS", 1000 + n) for n in range(1, 6)
    ]


def test_an_empty_array_imports_nothing(tmp_path):
    path = tmp_path / "empty.json"
    path.write_text(" [ ] \n")
    assert import_brreg(path).read == 0


# The flags --------------------------------------------------------------------------------------------


def flags(**fields) -> tuple[bool, bool]:
    """(is_startup, is_sme) of one unit imported on TODAY."""
    unit_ = brreg.unit_from_json(unit(1, **fields))
    rule = brreg.Rule.from_settings(TODAY)
    return rule.is_startup(unit_), rule.is_sme(unit_)


@pytest.mark.parametrize(
    ("registered", "founded", "startup"),
    [
        ("2024-01-01", None, True),
        ("2020-06-02", None, True),  # one day less than five years before 2025-06-01
        ("2020-06-01", None, False),  # exactly five years
        ("2019-01-01", None, False),
        ("2024-01-01", "2015-03-01", False),  # founded long before it was registered: the earlier counts
        (None, "2023-05-01", True),
        (None, None, False),
    ],
)
def test_a_startup_was_registered_or_founded_less_than_five_years_ago(registered, founded, startup):
    assert flags(registreringsdatoEnhetsregisteret=registered, stiftelsesdato=founded)[0] is startup


@pytest.mark.parametrize("status", ["konkurs", "underAvvikling", "underTvangsavviklingEllerTvangsopplosning"])
def test_a_young_unit_that_is_bankrupt_or_being_wound_up_is_no_startup(status):
    assert flags(registreringsdatoEnhetsregisteret="2024-01-01", **{status: True})[0] is False


@pytest.mark.parametrize(
    ("employees", "registered", "sme"),
    [
        (249, True, True),
        (250, True, False),
        (0, True, True),
        (None, True, True),  # the register hides counts of 1–4
        (None, False, True),  # no employees registered
        (None, None, True),
    ],
)
def test_an_sme_has_fewer_than_250_employees_and_hidden_counts_are_small(employees, registered, sme):
    assert flags(antallAnsatte=employees, harRegistrertAntallAnsatte=registered)[1] is sme


def test_the_thresholds_come_from_settings(settings):
    settings.SKALA_STARTUP_MAX_AGE_YEARS = 1
    settings.SKALA_SME_MAX_EMPLOYEES = 3
    assert flags(registreringsdatoEnhetsregisteret="2024-01-01", stiftelsesdato=None)[0] is False
    assert flags(registreringsdatoEnhetsregisteret="2024-09-01", stiftelsesdato=None)[0] is True
    # A hidden count may be as high as 4, so it is over a limit of 3; no employees at all is under it.
    assert flags(antallAnsatte=None, harRegistrertAntallAnsatte=True)[1] is False
    assert flags(antallAnsatte=None, harRegistrertAntallAnsatte=False)[1] is True
    assert flags(antallAnsatte=3)[1] is True


def test_the_import_stores_the_flags_with_the_settings_of_the_day(tmp_path, settings):
    settings.SKALA_SME_MAX_EMPLOYEES = 10
    path = write_json(
        tmp_path,
        unit(1, antallAnsatte=12),
        unit(
            2,
            antallAnsatte=None,
            harRegistrertAntallAnsatte=True,
            registreringsdatoEnhetsregisteret="2001-01-01",
        ),
    )
    import_brreg(path, today=TODAY)
    assert (entry(1).is_startup, entry(1).is_sme) == (True, False)
    assert (entry(2).is_startup, entry(2).is_sme) == (False, True)
    assert set(RegistryEntry.objects.startups().values_list("orgnr", flat=True)) == {orgnr(1)}
    assert set(RegistryEntry.objects.smes().values_list("orgnr", flat=True)) == {orgnr(2)}


# Broken input stops the import, names where, and writes nothing ----------------------------------------


def test_a_wrong_check_digit_stops_the_import_and_nothing_is_written(tmp_path):
    broken = unit(3, organisasjonsnummer=wrong_check_digit(orgnr(3)))
    path = write_json(tmp_path, unit(1), unit(2), broken, unit(4))
    # A batch a unit, so the first two are written before the broken one is read: they must roll back.
    with translation.override("en"), pytest.raises(BrregError) as raised:
        import_brreg(path, batch_size=1, today=TODAY)
    error = raised.value
    assert error.where.startswith("enheter_alle.json, array index 2 (unit 3), line ")
    assert error.field == "organisasjonsnummer"
    assert "check digit" in error.reason
    assert RegistryEntry.objects.count() == 0


def test_a_failed_import_leaves_earlier_rows_as_they_were(tmp_path):
    import_brreg(write_json(tmp_path, unit(1)), today=TODAY)
    with pytest.raises(BrregError):
        import_brreg(write_json(tmp_path, unit(1, navn="ENDRET AS"), unit(2, antallAnsatte=-3)), batch_size=1)
    assert list(RegistryEntry.objects.values_list("name", flat=True)) == ["TESTBEDRIFT 1 AS"]


REGISTERED = "registreringsdatoEnhetsregisteret"
MUNICIPALITY = "forretningsadresse.kommunenummer"


@pytest.mark.parametrize(
    ("fields", "field", "reason"),
    [
        ({"registreringsdatoEnhetsregisteret": "10.01.2023"}, REGISTERED, "not a date"),
        ({"stiftelsesdato": "2023-02-30"}, "stiftelsesdato", "not a date"),
        ({"antallAnsatte": -1}, "antallAnsatte", "whole number"),
        ({"antallAnsatte": 2.5}, "antallAnsatte", "whole number"),
        ({"antallAnsatte": "12"}, None, None),
        ({"organisasjonsnummer": "12345678"}, "organisasjonsnummer", "nine digits"),
        ({"organisasjonsnummer": None}, "organisasjonsnummer", "missing"),
        ({"navn": " "}, "navn", "missing"),
        ({"konkurs": "kanskje"}, "konkurs", "true or false"),
        ({"forretningsadresse": "Bergen"}, MUNICIPALITY, "expected an object"),
        ({"forretningsadresse": {"kommunenummer": "46O1"}}, MUNICIPALITY, "municipality"),
    ],
)
def test_each_broken_field_is_named_with_its_reason(tmp_path, fields, field, reason):
    path = write_json(tmp_path, unit(1), unit(2, **fields))
    if field is None:
        assert import_brreg(path, today=TODAY).created == 2
        return
    with translation.override("en"), pytest.raises(BrregError) as raised:
        import_brreg(path, today=TODAY)
    assert raised.value.where.startswith("enheter_alle.json, array index 1 (unit 2)")
    assert (raised.value.field, reason in raised.value.reason) == (field, True)
    assert RegistryEntry.objects.count() == 0


def test_malformed_json_names_the_unit_line_and_byte(tmp_path):
    good = json.dumps(unit(1), ensure_ascii=False)
    text = f'[\n{good},\n{{"organisasjonsnummer": "{orgnr(2)}", "navn": "ØST AS",, "konkurs": false}}\n]'
    path = tmp_path / "enheter.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(BrregError) as raised:
        import_brreg(path)
    where = raised.value.where
    # The byte counts the UTF-8 bytes of "Ø" and every other non-ASCII letter before the fault.
    fault = text.index(",, ") + 1
    assert where == f"enheter.json, array index 1 (unit 2), line 3, byte {len(text[:fault].encode())}"
    assert "not valid JSON" in raised.value.reason
    assert RegistryEntry.objects.count() == 0


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "is empty"),
        ('{"organisasjonsnummer": "x"}', "does not start with a JSON array"),
        (f"[{json.dumps(unit(1))}, ", "the array is not closed"),
        (f"[{json.dumps(unit(1))} {json.dumps(unit(2))}]", "expecting ',' or ']'"),
        (f"[{json.dumps(unit(1))},]", "a comma before the end"),
        ("[1]", "expected a JSON object"),
        ("[] []", "text after the end"),
    ],
)
def test_a_file_that_is_not_a_json_array_of_units_is_refused(tmp_path, text, reason):
    path = tmp_path / "enheter.json"
    path.write_text(text)
    with pytest.raises(BrregError) as raised:
        import_brreg(path)
    assert reason in raised.value.reason


def test_a_malformed_unit_is_found_even_when_the_file_is_read_in_small_chunks(tmp_path, monkeypatch):
    monkeypatch.setattr(brreg, "CHUNK_CHARS", 16)
    monkeypatch.setattr(brreg, "MAX_UNIT_CHARS", 4000)
    text = json.dumps([unit(1), unit(2)])[:-1] + ', {"navn": "x" "broken": 1}' + " " * 200 + "]"
    path = tmp_path / "enheter.json"
    path.write_text(text)
    with pytest.raises(BrregError) as raised:
        import_brreg(path)
    assert raised.value.where.startswith("enheter.json, array index 2 (unit 3)")


def test_a_unit_listed_twice_stops_the_import(tmp_path):
    with pytest.raises(BrregError) as raised:
        import_brreg(write_json(tmp_path, unit(1), unit(2), unit(1)), batch_size=2)
    assert raised.value.where == "enheter_alle.json, array index 2 (unit 3)"
    assert "earlier in the file" in raised.value.reason
    assert RegistryEntry.objects.count() == 0


def test_a_broken_csv_row_is_named_by_row_line_and_header(tmp_path):
    path = write_csv(tmp_path, csv_row(1), csv_row(2, antallAnsatte="mange"), labels=HUMAN, delimiter=";")
    with pytest.raises(BrregError) as raised:
        import_brreg(path)
    assert str(raised.value) == (
        "enheter_alle.csv, row 2 (line 3), field 'Antall ansatte': "
        "'mange' is not a whole number of zero or more"
    )
    assert RegistryEntry.objects.count() == 0


def test_a_csv_without_an_organisation_number_column_is_refused(tmp_path):
    path = tmp_path / "enheter.csv"
    path.write_text("Navn;Konkurs\nA AS;N\n")
    with pytest.raises(BrregError) as raised:
        import_brreg(path)
    assert "no column for organisasjonsnummer" in raised.value.reason


def test_a_file_that_is_not_gzip_inside_is_refused(tmp_path):
    path = tmp_path / "enheter.json.gz"
    path.write_bytes(gzip.compress(b'[{"organisasjonsnummer": "1"}]')[:20])
    with pytest.raises(BrregError) as raised:
        import_brreg(path)
    assert "gzip" in raised.value.reason


def test_a_dry_run_validates_and_counts_but_writes_nothing(tmp_path):
    report = import_brreg(write_json(tmp_path, unit(1), unit(2)), dry_run=True, today=TODAY)
    assert (report.read, report.created, report.dry_run) == (2, 2, True)
    assert str(report).startswith("Would import 2 units")
    assert RegistryEntry.objects.count() == 0


def test_progress_is_reported_as_units_and_units_per_second(tmp_path, monkeypatch):
    monkeypatch.setattr(brreg_import, "PROGRESS_EVERY", 2)
    messages = []
    path = write_json(tmp_path, *(unit(n) for n in range(1, 6)))
    import_brreg(path, batch_size=1, progress=messages.append)
    assert [message.split(",")[0] for message in messages] == ["2 units", "4 units"]
    assert all(message.endswith(" units/s") for message in messages)


# The command ------------------------------------------------------------------------------------------


def test_the_command_imports_and_reports(tmp_path):
    out = io.StringIO()
    call_command("import", "brreg", str(write_json(tmp_path, unit(1), unit(2))), stdout=out)
    assert "Imported 2 units" in out.getvalue()
    assert "2 new, 0 changed, 0 unchanged" in out.getvalue()
    assert RegistryEntry.objects.count() == 2


def test_the_command_dry_run_writes_nothing(tmp_path):
    out = io.StringIO()
    call_command("import", "brreg", str(write_json(tmp_path, unit(1))), "--dry-run", stdout=out)
    assert "Would import 1 units" in out.getvalue()
    assert RegistryEntry.objects.count() == 0


def test_the_command_turns_a_broken_unit_into_an_error_naming_it(tmp_path):
    path = write_json(tmp_path, unit(1), unit(2, stiftelsesdato="i fjor"))
    with pytest.raises(CommandError) as raised:
        call_command("import", "brreg", str(path), stdout=io.StringIO())
    message = str(raised.value)
    assert "array index 1 (unit 2)" in message
    assert "'stiftelsesdato'" in message
    assert "Nothing was imported." in message
    assert RegistryEntry.objects.count() == 0


def test_the_command_names_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        call_command("import", "brreg", str(tmp_path / "missing.json"), stdout=io.StringIO())


# The lookup API -----------------------------------------------------------------------------------------


FOUND = "921000014"
MISSING = "921000022"
FAILING = "921000030"
GARBLED = "921000049"


@pytest.fixture
def brreg_api():
    """Enhetsregisteret's lookup API on loopback, answering from the recorded (constructed) answers."""
    answers = {
        f"/enhetsregisteret/api/enheter/{FOUND}": (200, (DATA / f"enhet_{FOUND}.json").read_bytes()),
        f"/enhetsregisteret/api/enheter/{MISSING}": (404, (DATA / f"not_found_{MISSING}.json").read_bytes()),
        f"/enhetsregisteret/api/enheter/{FAILING}": (500, (DATA / "server_error.json").read_bytes()),
        f"/enhetsregisteret/api/enheter/{GARBLED}": (200, b"<html>Vedlikehold</html>"),
    }
    requests = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            requests.append((self.path, self.headers.get("Accept")))
            status, body = answers.get(self.path, (404, b"{}"))
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}/enhetsregisteret/api"
    yield SimpleNamespace(url=url, requests=requests)
    server.shutdown()
    server.server_close()
    thread.join()


def test_lookup_reads_a_found_unit_and_asks_for_json(brreg_api):
    found = lookup(FOUND, base_url=brreg_api.url, timeout=5)
    assert (found.orgnr, found.name, found.org_form_code) == (FOUND, "FJORDLYS VELFERDSTEKNOLOGI AS", "AS")
    assert (found.employees, found.municipality_number, found.founded_on) == (
        14,
        "4601",
        datetime.date(2022, 8, 30),
    )
    assert brreg_api.requests == [(f"/enhetsregisteret/api/enheter/{FOUND}", "application/json")]


def test_lookup_of_an_unknown_number_is_none(brreg_api):
    assert lookup(MISSING, base_url=brreg_api.url) is None


def test_lookup_turns_a_server_error_into_a_clear_exception(brreg_api):
    with pytest.raises(BrregApiError, match="HTTP 500"):
        lookup(FAILING, base_url=brreg_api.url)


def test_lookup_turns_an_answer_that_is_not_json_into_a_clear_exception(brreg_api):
    with pytest.raises(BrregApiError, match="not valid JSON"):
        lookup(GARBLED, base_url=brreg_api.url)


def test_lookup_refuses_an_invalid_number_before_asking(brreg_api):
    with pytest.raises(ValidationError):
        lookup(wrong_check_digit(FOUND), base_url=brreg_api.url)
    assert brreg_api.requests == []


def test_refresh_stores_the_unit_as_the_bulk_import_would(brreg_api, settings, tmp_path):
    settings.BRREG_API_URL = brreg_api.url
    stored = refresh(FOUND)
    assert (stored.name, stored.nace_code, stored.is_sme) == ("FJORDLYS VELFERDSTEKNOLOGI AS", "62.010", True)
    looked_up = RegistryEntry.objects.values_list().get(orgnr=FOUND)
    RegistryEntry.objects.all().delete()
    # The recorded answer, as one unit of a bulk file, gives the same row.
    import_brreg(write_json(tmp_path, json.loads((DATA / f"enhet_{FOUND}.json").read_text())))
    bulk = RegistryEntry.objects.values_list().get(orgnr=FOUND)
    assert looked_up[:-1] == bulk[:-1]  # all but updated_at


def test_refresh_of_an_unknown_number_changes_nothing(brreg_api, settings):
    settings.BRREG_API_URL = brreg_api.url
    assert refresh(MISSING) is None
    assert RegistryEntry.objects.count() == 0


# The admin ------------------------------------------------------------------------------------------------


def test_staff_find_entries_by_number_or_name_and_cannot_change_them(admin_client, tmp_path):
    import_brreg(write_json(tmp_path, unit(1, navn="FJORDLYS AS"), unit(2, navn="NORDLYS AS")), today=TODAY)
    by_number = admin_client.get("/en/admin/orgs/registryentry/", {"q": orgnr(2)})
    assert "NORDLYS AS" in by_number.text
    assert "FJORDLYS AS" not in by_number.text
    assert "FJORDLYS AS" in admin_client.get("/en/admin/orgs/registryentry/", {"q": "fjordlys"}).text
    assert admin_client.get("/en/admin/orgs/registryentry/add/").status_code == 403
    page = admin_client.get(f"/en/admin/orgs/registryentry/{orgnr(1)}/change/")
    assert page.status_code == 200
    assert "FJORDLYS AS" in page.text
    assert 'name="name"' not in page.text  # shown, not editable


@pytest.mark.parametrize("value", [10**30, "1" * 31, 10_000_001])
def test_a_head_count_no_employer_has_is_refused(value):
    from skala.orgs.brreg import FieldError, clean_employees

    with pytest.raises(FieldError, match="employees"):
        clean_employees(value)
    assert clean_employees("12000") == 12000


def test_a_name_with_a_nul_character_is_refused_with_its_field():
    from skala.orgs.brreg import FieldError, clean_text

    with pytest.raises(FieldError, match="holds a NUL character"):
        clean_text("name", "Nordlys\x00 AS")


def test_a_csv_with_two_columns_for_one_field_is_refused(tmp_path):
    from skala.orgs.brreg import BrregError, read_all

    path = tmp_path / "enheter.csv"
    path.write_text(
        "organisasjonsnummer,navn,navn\n974760673,Brønnøysundregistrene,Annet navn\n", encoding="utf-8"
    )
    with pytest.raises(BrregError, match="both give navn"):
        read_all(path)


def test_a_latin_1_csv_is_refused_near_its_line(tmp_path):
    from skala.orgs.brreg import BrregError, read_all

    path = tmp_path / "enheter.csv"
    path.write_bytes("organisasjonsnummer,navn\n974760673,Brønnøysundregistrene\n".encode("latin-1"))
    with pytest.raises(BrregError, match="not UTF-8 text"):
        read_all(path)
