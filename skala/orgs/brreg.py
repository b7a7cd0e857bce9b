"""Reading Enhetsregisteret (Brønnøysundregistrene's register of legal entities) into one shape.

Two bulk formats, as Brønnøysund publishes them, each optionally gzipped (a name ending in .gz):

- JSON (``enheter_alle.json.gz``): one top-level array of units with the API's field names. The
  national file holds about 1.1 million units, so it is read as a stream: a buffer of about a
  megabyte, one unit decoded at a time with ``json.JSONDecoder.raw_decode``.
- CSV (``enheter_alle.csv.gz``): a header of the JSON paths flattened with dots
  (``organisasjonsform.kode``), or Brønnøysund's human labels (``Næringskode 1``,
  ``Registreringsdato i Enhetsregisteret``). Headers match case-insensitively, ignoring spaces and
  punctuation; the separator is ``,`` or ``;``, whichever the header line holds more of.

Every unit is validated as it is read: the organisation number must have nine digits and a valid
mod-11 check digit, dates must be YYYY-MM-DD, the head count a whole number of zero or more,
booleans true/false, J/N or ja/nei. The first broken unit stops reading with a `BrregError` naming
where it is (JSON: its index in the array, line and byte; CSV: its row and line), the field and why.
Nothing here touches the database: `skala.orgs.brreg_import` writes.

The flags derived on import (`Rule`):

- **startup**: the earlier of the registration date (``registreringsdatoEnhetsregisteret``) and the
  founding date (``stiftelsesdato``), whichever are known, is less than ``SKALA_STARTUP_MAX_AGE_YEARS``
  (default 5) years before the day of the import, and the unit is neither bankrupt, under
  liquidation nor under forced liquidation or dissolution. A unit with neither date is no startup.
- **SME**: at most ``SKALA_SME_MAX_EMPLOYEES`` (default 249, so fewer than 250) employees. The
  register hides head counts below five: a unit with no ``antallAnsatte`` but
  ``harRegistrertAntallAnsatte`` true has 1–4 employees and is counted as 4, the most it can have;
  a unit with neither has no employees registered and is counted as 0. Both are therefore SMEs
  under any limit of 4 or more. Bankruptcy does not change the size class.
"""

import csv
import datetime
import gzip
import io
import itertools
import json
import re
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from skala.orgs.identifiers import normalise_norwegian_orgnr

# Each field Skala keeps and the API's path to it; errors name the path (JSON) or the header (CSV).
PATHS = {
    "orgnr": "organisasjonsnummer",
    "name": "navn",
    "org_form_code": "organisasjonsform.kode",
    "org_form_description": "organisasjonsform.beskrivelse",
    "nace_code": "naeringskode1.kode",
    "nace_description": "naeringskode1.beskrivelse",
    "registered_on": "registreringsdatoEnhetsregisteret",
    "founded_on": "stiftelsesdato",
    "employees": "antallAnsatte",
    "has_registered_employees": "harRegistrertAntallAnsatte",
    "municipality_number": "forretningsadresse.kommunenummer",
    "postal_code": "forretningsadresse.postnummer",
    "town": "forretningsadresse.poststed",
    "website": "hjemmeside",
    "bankrupt": "konkurs",
    "under_liquidation": "underAvvikling",
    "forced_dissolution": "underTvangsavviklingEllerTvangsopplosning",
}
# The longest text each field may hold, as the model stores it.
TEXT_LIMITS = {
    "name": 500,
    "org_form_code": 10,
    "org_form_description": 200,
    "nace_code": 10,
    "nace_description": 300,
    "postal_code": 20,
    "town": 100,
    "website": 500,
}
# Brønnøysund's human CSV labels that differ from the JSON paths, normalised by `header_key`.
CSV_LABELS = {
    "naeringskode1": "nace_code",
    "registreringsdatoienhetsregisteret": "registered_on",
    "organisasjonsform": "org_form_code",
}
REQUIRED = ("orgnr", "name")
TRUE_WORDS = frozenset({"true", "j", "ja"})
FALSE_WORDS = frozenset({"false", "n", "nei", ""})
DATE_PATTERN = re.compile(r"\d{4}-\d{2}-\d{2}")
WHITESPACE = re.compile(r"[ \t\n\r]*")
CHUNK_CHARS = 1 << 20
# A unit is a few kilobytes; a "unit" that does not end within this many characters is broken JSON.
MAX_UNIT_CHARS = 1 << 24


@dataclass(slots=True)
class Unit:
    """One unit of Enhetsregisteret, validated, with the fields Skala keeps."""

    orgnr: str
    name: str
    org_form_code: str = ""
    org_form_description: str = ""
    nace_code: str = ""
    nace_description: str = ""
    registered_on: datetime.date | None = None
    founded_on: datetime.date | None = None
    employees: int | None = None
    has_registered_employees: bool | None = None
    municipality_number: str = ""
    postal_code: str = ""
    town: str = ""
    website: str = ""
    bankrupt: bool = False
    under_liquidation: bool = False
    forced_dissolution: bool = False
    # Where the unit is in its input: the JSON array index or the CSV row; see `UnitReader.describe`.
    position: int = 0


class BrregError(Exception):
    """The input cannot be read or has a broken unit: where, which field and why. Nothing was written."""

    def __init__(self, where: str, reason: str, field: str = ""):
        self.where = where
        self.reason = reason
        self.field = field
        field_text = f", field {field!r}" if field else ""
        super().__init__(f"{where}{field_text}: {reason}")


class FieldError(ValueError):
    """One field of a unit is unusable; the reader adds where the unit is."""

    def __init__(self, key: str, reason: str):
        self.key = key
        self.reason = reason
        super().__init__(f"{key}: {reason}")


# Cleaning one unit ---------------------------------------------------------------------------------


# These run about twenty times a unit and a million units an import: each has a fast path for the
# usual value (a string, a JSON boolean or number) before the general, slower checks.


def clean_text(key: str, value: Any) -> str:
    """Trimmed text, at most as long as the model stores; "" for nothing."""
    if type(value) is str:
        text = value.strip()
    elif value is None:
        return ""
    elif isinstance(value, bool) or not isinstance(value, str | int | float):
        raise FieldError(key, "expected text")
    else:
        text = str(value).strip()
    if len(text) > TEXT_LIMITS[key]:
        raise FieldError(key, f"is longer than {TEXT_LIMITS[key]} characters")
    if "\x00" in text:
        # No text column keeps a NUL (PostgreSQL refuses it): said here, with its row, not at the write.
        raise FieldError(key, "holds a NUL character")
    return text


def clean_date(key: str, value: Any) -> datetime.date | None:
    """A date written YYYY-MM-DD; None for nothing."""
    if not value:
        if value is None or value == "":
            return None
    elif type(value) is str:
        text = value.strip()
        if len(text) == 10 and DATE_PATTERN.fullmatch(text):
            try:
                return datetime.date.fromisoformat(text)
            except ValueError:
                pass
    raise FieldError(key, f"{value!r} is not a date (YYYY-MM-DD)")


def clean_boolean(key: str, value: Any, default: bool | None) -> bool | None:
    """True or false from JSON's booleans or the words true/false, J/N, ja/nei; nothing is the default."""
    if value is True or value is False:
        return value
    if value is None:
        return default
    if type(value) is str:
        word = value.strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return default if word == "" else False
    raise FieldError(key, f"{value!r} is not true or false (true/false, J/N, ja/nei)")


# No employer has ten million employees; beyond it a number is a mistake (and beyond 2^31 no column holds it).
MOST_EMPLOYEES = 10_000_000


def clean_employees(value: Any) -> int | None:
    """A head count: a whole number of zero or more; None for nothing."""
    count = None
    if type(value) is int:
        count = value
    elif value is None or value == "":
        return None
    elif type(value) is str:
        text = value.strip()
        if text.isdigit() and text.isascii() and len(text) <= 12:
            count = int(text)
    if count is None or count < 0:
        raise FieldError("employees", f"{str(value)[:40]!r} is not a whole number of zero or more")
    if count > MOST_EMPLOYEES:
        raise FieldError(
            "employees",
            f"{count if count < 10**12 else str(value)[:40]} is more employees than any employer has",
        )
    return count


def clean_municipality(value: Any) -> str:
    """Four digits; spreadsheets drop the leading zero (Oslo's 0301 becomes 301), so it is put back."""
    if value is None:
        return ""
    text = value.strip() if type(value) is str else str(value)
    if len(text) == 4 and text.isdigit() and text.isascii():
        return text
    if not text:
        return ""
    if not (text.isdigit() and text.isascii()) or len(text) > 4 or isinstance(value, bool | float):
        raise FieldError("municipality_number", f"{value!r} is not a municipality number (four digits)")
    return text.zfill(4)


def clean_orgnr(value: Any) -> str:
    """Nine digits with a valid mod-11 check digit."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise FieldError("orgnr", "is missing" if value is None else "expected nine digits")
    if value == "":
        raise FieldError("orgnr", "is missing")
    try:
        return normalise_norwegian_orgnr(str(value))
    except ValidationError as error:
        raise FieldError("orgnr", " ".join(str(message) for message in error.messages)) from None


def clean_unit(raw: dict[str, Any], position: int = 0) -> Unit:
    """A validated unit from raw values keyed as `PATHS` is (flat: the reader has followed the paths)."""
    get = raw.get
    orgnr = clean_orgnr(get("orgnr"))
    name = clean_text("name", get("name"))
    if not name:
        raise FieldError("name", "is missing or empty")
    # Positional, in the order of Unit's fields: a million units an import make keywords show.
    return Unit(
        orgnr,
        name,
        clean_text("org_form_code", get("org_form_code")),
        clean_text("org_form_description", get("org_form_description")),
        clean_text("nace_code", get("nace_code")),
        clean_text("nace_description", get("nace_description")),
        clean_date("registered_on", get("registered_on")),
        clean_date("founded_on", get("founded_on")),
        clean_employees(get("employees")),
        clean_boolean("has_registered_employees", get("has_registered_employees"), None),
        clean_municipality(get("municipality_number")),
        clean_text("postal_code", get("postal_code")),
        clean_text("town", get("town")),
        clean_text("website", get("website")),
        clean_boolean("bankrupt", get("bankrupt"), False) or False,
        clean_boolean("under_liquidation", get("under_liquidation"), False) or False,
        clean_boolean("forced_dissolution", get("forced_dissolution"), False) or False,
        position,
    )


EMPTY: dict = {}


def nested(unit: dict, name: str, key: str) -> dict:
    """A unit's sub-object (organisasjonsform, naeringskode1, forretningsadresse), or {} when absent."""
    value = unit.get(name)
    if value is None:
        return EMPTY
    if type(value) is not dict:
        raise FieldError(key, f"expected an object at {name!r}")
    return value


def unit_from_json(value: Any, position: int = 0) -> Unit:
    """A validated unit from one JSON object in the API's shape (a bulk array element or a lookup)."""
    if type(value) is not dict:
        raise FieldError("", "expected a JSON object")
    form = nested(value, "organisasjonsform", "org_form_code")
    nace = nested(value, "naeringskode1", "nace_code")
    address = nested(value, "forretningsadresse", "municipality_number")
    get = value.get
    return clean_unit(
        {
            "orgnr": get("organisasjonsnummer"),
            "name": get("navn"),
            "org_form_code": form.get("kode"),
            "org_form_description": form.get("beskrivelse"),
            "nace_code": nace.get("kode"),
            "nace_description": nace.get("beskrivelse"),
            "registered_on": get("registreringsdatoEnhetsregisteret"),
            "founded_on": get("stiftelsesdato"),
            "employees": get("antallAnsatte"),
            "has_registered_employees": get("harRegistrertAntallAnsatte"),
            "municipality_number": address.get("kommunenummer"),
            "postal_code": address.get("postnummer"),
            "town": address.get("poststed"),
            "website": get("hjemmeside"),
            "bankrupt": get("konkurs"),
            "under_liquidation": get("underAvvikling"),
            "forced_dissolution": get("underTvangsavviklingEllerTvangsopplosning"),
        },
        position,
    )


# The rule for the flags ----------------------------------------------------------------------------


def years_before(day: datetime.date, years: int) -> datetime.date:
    """The same day `years` years earlier; 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


# The register leaves out head counts below five; such a unit has at most this many.
HIDDEN_HEAD_COUNT = 4


@dataclass(frozen=True)
class Rule:
    """The startup and SME rule of this module's docstring, for one import day."""

    today: datetime.date
    startup_max_age_years: int = 5
    sme_max_employees: int = 249

    @classmethod
    def from_settings(cls, today: datetime.date | None = None) -> "Rule":
        """The rule with the limits in settings: SKALA_STARTUP_MAX_AGE_YEARS, SKALA_SME_MAX_EMPLOYEES."""
        return cls(
            today=today or timezone.localdate(),
            startup_max_age_years=settings.SKALA_STARTUP_MAX_AGE_YEARS,
            sme_max_employees=settings.SKALA_SME_MAX_EMPLOYEES,
        )

    @cached_property
    def startup_cutoff(self) -> datetime.date:
        """A unit registered or founded after this day is young enough to be a startup."""
        return years_before(self.today, self.startup_max_age_years)

    def is_startup(self, unit: Unit) -> bool:
        if unit.bankrupt or unit.under_liquidation or unit.forced_dissolution:
            return False
        dates = [day for day in (unit.registered_on, unit.founded_on) if day is not None]
        return bool(dates) and min(dates) > self.startup_cutoff

    def head_count(self, unit: Unit) -> int:
        """The employees, or the most a unit can have when the register hides the number."""
        if unit.employees is not None:
            return unit.employees
        return HIDDEN_HEAD_COUNT if unit.has_registered_employees else 0

    def is_sme(self, unit: Unit) -> bool:
        return self.head_count(unit) <= self.sme_max_employees


# Reading files -------------------------------------------------------------------------------------


class UnitReader:
    """The validated units of one input, in order; `describe` says where a unit was."""

    def __init__(self, handle: io.TextIOBase, name: str):
        self.handle = handle
        self.name = name

    def __iter__(self) -> Iterator[Unit]:
        raise NotImplementedError

    def describe(self, position: int) -> str:
        raise NotImplementedError


class JsonUnits(UnitReader):
    """The units of a JSON array, decoded one at a time from a buffer of about a megabyte."""

    def __init__(self, handle: io.TextIOBase, name: str):
        super().__init__(handle, name)
        self.buffer = ""
        self.pos = 0
        self.eof = False
        # What was dropped from the front of the buffer, so positions can be given in the whole file.
        self.dropped_bytes = 0
        self.dropped_lines = 0

    def describe(self, position: int) -> str:
        return f"{self.name}, array index {position} (unit {position + 1})"

    def locate(self, at: int) -> str:
        """Line and byte (of the uncompressed JSON) of a position in the buffer."""
        line = self.dropped_lines + self.buffer.count("\n", 0, at) + 1
        byte = self.dropped_bytes + len(self.buffer[:at].encode("utf-8", "surrogatepass"))
        return f"line {line}, byte {byte}"

    def refill(self) -> bool:
        """Drop what has been read and append the next chunk; False at the end of the input."""
        if self.pos:
            head = self.buffer[: self.pos]
            self.dropped_bytes += len(head.encode("utf-8", "surrogatepass"))
            self.dropped_lines += head.count("\n")
            self.buffer = self.buffer[self.pos :]
            self.pos = 0
        more = self.handle.read(CHUNK_CHARS)
        if not more:
            self.eof = True
            return False
        self.buffer += more
        return True

    def next_char(self) -> str:
        """The next character that is not whitespace, without taking it; "" at the end of the input."""
        while True:
            self.pos = WHITESPACE.match(self.buffer, self.pos).end()
            if self.pos < len(self.buffer):
                return self.buffer[self.pos]
            if self.eof or not self.refill():
                return ""

    def fail(self, at: int, reason: str, index: int | None = None) -> BrregError:
        where = self.name if index is None else self.describe(index)
        return BrregError(f"{where}, {self.locate(at)}", reason)

    def decode(self, decoder: json.JSONDecoder, index: int) -> tuple[Any, int]:
        """The JSON value at the current position and where in the buffer it starts.

        A value that runs past the end of the buffer is decoded again once more has been read.
        """
        while True:
            start = self.pos
            try:
                value, end = decoder.raw_decode(self.buffer, start)
            except json.JSONDecodeError as error:
                # Perhaps only cut short by the end of the buffer: read on and decode again (a refill
                # moves the buffer, so the error's position is only reported from an unmoved one).
                if not self.eof and len(self.buffer) - start < MAX_UNIT_CHARS:
                    self.refill()
                    continue
                raise self.fail(error.pos, f"not valid JSON ({error.msg})", index) from None
            # A value that ends exactly at the end of the buffer may be cut short (a number): read on.
            if end == len(self.buffer) and not self.eof:
                self.refill()
                continue
            self.pos = end
            return value, start

    def __iter__(self) -> Iterator[Unit]:
        decoder = json.JSONDecoder()
        char = self.next_char()
        if char != "[":
            raise self.fail(self.pos, "is empty" if char == "" else "does not start with a JSON array ('[')")
        self.pos += 1
        index = 0
        char = self.next_char()
        while char != "]":
            if char == "":
                raise self.fail(self.pos, "not valid JSON (the array is not closed)", index)
            value, start = self.decode(decoder, index)
            try:
                unit = unit_from_json(value, index)
            except FieldError as error:
                where = f"{self.describe(index)}, {self.locate(start)}"
                raise BrregError(where, error.reason, PATHS.get(error.key, "")) from None
            yield unit
            char = self.next_char()
            if char == ",":
                self.pos += 1
                index += 1
                char = self.next_char()
                if char == "]":
                    raise self.fail(self.pos, "not valid JSON (a comma before the end of the array)", index)
            elif char not in ("]", ""):
                raise self.fail(self.pos, "not valid JSON (expecting ',' or ']' after a unit)", index)
        self.pos += 1
        if self.next_char() != "":
            raise self.fail(self.pos, "not valid JSON (text after the end of the array)")


def header_key(text: str) -> str:
    """A header for matching: lower case, æøå spelt out, without spaces and punctuation."""
    text = text.strip().lower().replace("æ", "ae").replace("ø", "o").replace("å", "aa")
    return re.sub(r"[^a-z0-9]", "", text)


HEADER_KEYS = {header_key(path): key for key, path in PATHS.items()} | CSV_LABELS


class CsvUnits(UnitReader):
    """The units of a CSV file with one unit a row, under a header of paths or human labels."""

    def describe(self, position: int) -> str:
        return f"{self.name}, row {position}"

    def __iter__(self) -> Iterator[Unit]:
        header_line = self.handle.readline()
        if not header_line.strip():
            raise BrregError(self.name, "is empty: expected a header line")
        delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
        reader = csv.reader(itertools.chain([header_line], self.handle), delimiter=delimiter)
        header = next(reader)
        columns: dict[str, int] = {}
        for number, label in enumerate(header):
            key = HEADER_KEYS.get(header_key(label))
            if key and key in columns and header_key(header[columns[key]]) == header_key(label):
                # The same column twice: which one holds the truth cannot be told.
                raise BrregError(
                    f"{self.name}, line 1",
                    f"the columns {header[columns[key]]!r} and {label!r} both give {PATHS.get(key, key)}",
                )
            if key and key not in columns:
                columns[key] = number
        missing = [PATHS[key] for key in REQUIRED if key not in columns]
        if missing:
            raise BrregError(
                f"{self.name}, line 1",
                f"no column for {', '.join(missing)} (the header has: {', '.join(header)})",
            )
        width = len(header)
        row_number = 0
        try:
            for row in reader:
                if not any(cell.strip() for cell in row):
                    continue
                row_number += 1
                if len(row) != width:
                    raise BrregError(
                        f"{self.describe(row_number)} (line {reader.line_num})",
                        f"has {len(row)} columns; the header has {width}",
                    )
                try:
                    yield clean_unit({key: row[number] for key, number in columns.items()}, row_number)
                except FieldError as error:
                    raise BrregError(
                        f"{self.describe(row_number)} (line {reader.line_num})",
                        error.reason,
                        header[columns[error.key]] if error.key in columns else PATHS.get(error.key, ""),
                    ) from None
        except csv.Error as error:
            raise BrregError(f"{self.name}, line {reader.line_num}", f"not valid CSV ({error})") from None
        except UnicodeDecodeError as error:
            # Read a block at a time: the fault is in the line after the last one read whole.
            raise BrregError(
                f"{self.name}, after line {reader.line_num}",
                f"not UTF-8 text ({error.reason}); save the file as UTF-8",
            ) from None


def guess_format(path: Path, first_char: str) -> str:
    """json or csv, from the name (.json, .csv, either with .gz) or else from the first character."""
    suffixes = [suffix.lower() for suffix in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes.pop()
    if suffixes and suffixes[-1] in (".json", ".csv"):
        return suffixes[-1][1:]
    return "json" if first_char == "[" else "csv"


def is_gzip(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(2) == b"\x1f\x8b"


@contextmanager
def read_units(path: Path) -> Iterator[UnitReader]:
    """A reader of the units in a JSON or CSV file, gzipped or not; errors become `BrregError`."""
    if not path.is_file():
        raise BrregError(str(path), "no such file")
    opener = gzip.open if is_gzip(path) else open
    try:
        # utf-8-sig: a byte-order mark, as spreadsheets write, is read as nothing.
        with (
            opener(path, "rb") as binary,
            io.TextIOWrapper(binary, encoding="utf-8-sig", newline="") as handle,
        ):
            first = handle.read(1)
            handle.seek(0)
            reader_class = JsonUnits if guess_format(path, first) == "json" else CsvUnits
            yield reader_class(handle, path.name)
    except UnicodeDecodeError as error:
        raise BrregError(path.name, f"not UTF-8 text ({error.reason})") from None
    except (gzip.BadGzipFile, EOFError, zlib.error) as error:
        raise BrregError(path.name, f"not a complete gzip file ({error})") from None


def read_all(path: Path) -> list[Unit]:
    """Every unit of a small file, for tests and one-off use; bulk imports stream with `read_units`."""
    with read_units(path) as units:
        return list(units)
