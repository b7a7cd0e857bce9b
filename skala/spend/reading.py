"""Reading spend extracts: CSV or XLSX files of invoice or ledger lines, their headers and their values.

A file's first non-empty row names its columns. Headers in Norwegian, Swedish or English are
recognised ignoring case, accents, spaces and punctuation ("Beløp", "belopp", "Amount (NOK)" is not
one of them, but a mapping file can name it). CSV files are UTF-8, with or without a byte-order mark,
separated by commas, semicolons or tabs (whichever the header holds most of); XLSX files are read
row by row (openpyxl's read-only mode), so neither is ever held in memory whole.

The value parsers here run once a line and ten million lines an import: each keeps a fast path
for the usual value and caches what repeats (dates, organisation numbers). Nothing here touches
the database: `skala.spend.importer` writes.
"""

import csv
import datetime
import hashlib
import json
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

# Each field an extract may carry, with the headers that name it (as `header_key` writes them).
SYNONYMS: dict[str, tuple[str, ...]] = {
    "date": (
        "dato", "datum", "date", "bilagsdato", "fakturadato", "fakturadatum", "bokforingsdato",
        "bokforingsdatum", "transaksjonsdato", "transaktionsdatum", "betalingsdato", "betalningsdatum",
        "invoicedate", "postingdate", "verifikationsdatum",
    ),
    "supplier": (
        "leverandor", "leverantor", "supplier", "leverandornavn", "leverantorsnamn", "leverantornamn",
        "suppliername", "vendor", "vendorname", "leverandorsnavn",
    ),
    "orgnr": (
        "orgnr", "organisasjonsnummer", "organisationsnummer", "orgnumber", "orgno", "organisationnumber",
        "organizationnumber", "leverandororgnr", "leverantorsorgnr", "leverantororgnr", "supplierorgnr",
        "foretaksnummer", "orgnrleverandor", "orgnrleverantor",
    ),
    "amount": (
        "belop", "belopp", "amount", "sum", "totalbelop", "nettobelop", "belopeksmva", "belopexklmoms",
        "amountexclvat", "netamount", "kostnad",
    ),
    "office": (
        "enhet", "kontor", "virksomhet", "forvaltning", "office", "unit", "avdeling", "avdelning", "etat",
        "ansvarssted", "resultatenhet", "innkjopskontor",
    ),
    "category": (
        "konto", "kategori", "art", "category", "account", "artskonto", "kontonavn", "kostnadsslag",
        "innkjopskategori", "inkopskategori", "spendcategory",
    ),
    "description": ("beskrivelse", "beskrivning", "description", "tekst", "text", "fakturatekst"),
    "cpv": ("cpv", "cpvkode", "cpvcode", "cpvkod"),
    "currency": ("valuta", "currency"),
    "size": ("storrelse", "storlek", "size", "sizeclass", "storrelsesklasse", "storleksklass"),
}  # fmt: skip
REQUIRED = ("date", "amount")
SUPPLIER_FIELDS = ("supplier", "orgnr")
FIELDS = tuple(SYNONYMS)
# The longest text each field may hold, as the models store it.
TEXT_LIMITS = {"supplier": 300, "office": 300, "category": 200, "description": 500}

# Letters that Unicode does not decompose into a base letter and an accent.
FOLDED = str.maketrans({"ø": "o", "æ": "ae", "œ": "oe", "ß": "ss", "đ": "d", "ð": "d", "þ": "th", "ł": "l"})
NOT_ALPHANUMERIC = re.compile(r"[^a-z0-9]+")

ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?Z?)?")
DAY_FIRST = re.compile(r"(\d{1,2})([./])(\d{1,2})\2(\d{4})")
COMPACT_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})")
EXCEL_SERIAL = re.compile(r"(\d{5})(?:[.,]0+)?")
EXCEL_EPOCH = datetime.date(1899, 12, 30)

# Amounts: spaces (also non-breaking and narrow), and apostrophes group thousands.
GROUPING = str.maketrans("", "", " \u00a0\u202f\u2009'’")
PLAIN_AMOUNT = re.compile(r"(-?)(\d+)(?:[.,](\d{1,2}))?")
MAX_ORE = 10**16
CPV_CODE = re.compile(r"(\d{8})(?:-\d)?")
CURRENCY_CODE = re.compile(r"[A-Z]{3}")
ORGNR_NOISE = re.compile(r"^(?:NO|SE)|MVA$|[\s.\-]", re.IGNORECASE)

SIZE_WORDS = {
    "sme": ("sme", "smb", "smf", "small", "medium", "micro", "smallormedium", "liten", "lite", "mellomstor",
            "mellomstort", "smaogmellomstore", "litenellermellomstor", "sma", "smaforetag", "medelstor",
            "medelstort", "mikro", "mikroforetak"),
    "startup": ("startup", "oppstart", "oppstartsbedrift", "nystartet", "nystartad", "startupforetag"),
    "large": ("large", "stor", "stort", "storbedrift", "storforetak", "storforetag", "big"),
}  # fmt: skip
SIZE_CLASSES = {word: size for size, words in SIZE_WORDS.items() for word in words}


class FieldError(ValueError):
    """One value of a line is unusable; the reader adds where it is."""

    def __init__(self, reason: str, field: str = ""):
        self.reason = reason
        self.field = field
        super().__init__(reason)


@dataclass
class Problem:
    """One thing wrong with one row: the row, the column as the file names it, and why."""

    row: int
    column: str
    reason: str

    def __str__(self) -> str:
        if not self.row:
            return self.reason
        if self.column:
            return _("row %(row)s, column %(column)r: %(reason)s") % {
                "row": self.row,
                "column": self.column,
                "reason": self.reason,
            }
        return _("row %(row)s: %(reason)s") % {"row": self.row, "reason": self.reason}


class SpendFormatError(Exception):
    """The file cannot be read as a spend extract at all: its columns, its encoding, its mapping."""


def header_key(text: Any) -> str:
    """A header as matched, without case, accents or punctuation: 'Leverandør-navn' → 'leverandornavn'."""
    folded = unicodedata.normalize("NFKD", str(text or "").casefold().translate(FOLDED))
    plain = "".join(char for char in folded if not unicodedata.combining(char))
    return NOT_ALPHANUMERIC.sub("", plain)


HEADER_FIELDS = {word: name for name, words in SYNONYMS.items() for word in words}


@dataclass
class Columns:
    """Which column holds which field, and the headers as the file writes them."""

    headers: list[str]
    index: dict[str, int]
    unused: list[str] = field(default_factory=list)

    def header(self, name: str) -> str:
        return self.headers[self.index[name]]


def read_mapping(path: Path) -> dict[str, str]:
    """A mapping file: a JSON object from a header in the file to a field ({"Fakturadato": "date"})."""
    try:
        return parse_mapping(Path(path).read_bytes(), path)
    except OSError as error:
        raise SpendFormatError(
            _("The mapping file %(path)s cannot be read: %(reason)s")
            % {"path": path, "reason": error.strerror}
        ) from None


def parse_mapping(content: bytes, name: Any) -> dict[str, str]:
    """The mapping in a mapping file's bytes; SpendFormatError naming the file when it is not one."""
    try:
        mapping = json.loads(content.decode("utf-8-sig"))
    except (ValueError, UnicodeDecodeError) as error:
        raise SpendFormatError(
            _("The mapping file %(path)s is not JSON: %(reason)s") % {"path": name, "reason": error}
        ) from None
    if not isinstance(mapping, dict) or not all(
        isinstance(key, str) and isinstance(value, str) for key, value in mapping.items()
    ):
        raise SpendFormatError(
            _('The mapping file must be one JSON object from header to field, as {"Fakturadato": "date"}.')
        )
    unknown = sorted({value for value in mapping.values() if value not in FIELDS})
    if unknown:
        raise SpendFormatError(
            _("The mapping file names unknown fields: %(unknown)s. Fields are: %(fields)s.")
            % {"unknown": ", ".join(unknown), "fields": ", ".join(FIELDS)}
        )
    return mapping


def expected_text() -> str:
    """The headers Skala recognises, field by field, for a message."""

    def words(name: str) -> str:
        return f"{name} ({', '.join(SYNONYMS[name][:6])}, …)"

    return _("%(required)s, and %(supplier)s or %(orgnr)s; optionally %(optional)s") % {
        "required": ", ".join(words(name) for name in REQUIRED),
        "supplier": words("supplier"),
        "orgnr": words("orgnr"),
        "optional": ", ".join(name for name in FIELDS if name not in (*REQUIRED, *SUPPLIER_FIELDS)),
    }


def recognise(headers: list[Any], mapping: dict[str, str] | None = None) -> Columns:
    """Which column holds which field; SpendFormatError naming what was found and what is expected."""
    texts = ["" if header is None else str(header).strip() for header in headers]
    mapped = {header_key(header): name for header, name in (mapping or {}).items()}
    missing_mapped = sorted(
        header for header in (mapping or {}) if header_key(header) not in {header_key(t) for t in texts}
    )
    if missing_mapped:
        raise SpendFormatError(
            _("The mapping names columns the file does not have: %(missing)s. The file has: %(found)s.")
            % {"missing": ", ".join(missing_mapped), "found": ", ".join(repr(t) for t in texts if t)}
        )
    index: dict[str, int] = {}
    unused: list[str] = []
    for position, text in enumerate(texts):
        key = header_key(text)
        name = mapped.get(key) or HEADER_FIELDS.get(key)
        if name and name not in index:
            index[name] = position
        elif text:
            unused.append(text)
    missing = [name for name in REQUIRED if name not in index]
    if not any(name in index for name in SUPPLIER_FIELDS):
        missing.append("supplier/orgnr")
    if missing:
        raise SpendFormatError(
            _(
                "The columns were not recognised (missing: %(missing)s). Found: %(found)s. Expected: "
                "%(expected)s. Name other headers in a mapping file (--mapping), as "
                '{"Fakturadato": "date"}.'
            )
            % {
                "missing": ", ".join(missing),
                "found": ", ".join(repr(text) for text in texts if text) or _("no headers"),
                "expected": expected_text(),
            }
        )
    return Columns(headers=texts, index=index, unused=unused)


def file_hash(path: Path) -> str:
    """The SHA-256 of the file's bytes."""
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


TEXT_SUFFIXES = {".csv", ".txt", ".tsv"}


def file_hashes(path: Path) -> tuple[str, str]:
    """The file's SHA-256 as imports recognise it, and of its bytes as they are, in one pass.

    A text file is recognised by its content: the same extract saved again with Windows line ends,
    with or without a byte-order mark or a blank line at the end, is the same extract. A workbook is
    recognised by its bytes."""
    raw = hashlib.sha256()
    if path.suffix.lower() not in TEXT_SUFFIXES:
        digest = file_hash(path)
        return digest, digest
    content, pending, first = hashlib.sha256(), b"", True
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            raw.update(chunk)
            if first:
                chunk, first = chunk.removeprefix(b"\xef\xbb\xbf"), False
            data = (pending + chunk).replace(b"\r\n", b"\n")
            # Whitespace at the end is held back: it counts only if more content follows it.
            kept = data.rstrip(b" \t\r\n")
            content.update(kept)
            pending = data[len(kept) :]
    return content.hexdigest(), raw.hexdigest()


@dataclass
class Sheet:
    """An open extract: its header row, and its rows as (row number, cells) after the header."""

    headers: list[Any]
    rows: Iterator[tuple[int, list[Any]]]
    header_row: int
    close: Callable[[], None]


def sniff_delimiter(line: str) -> str:
    """The separator the header line holds most of: ';', ',' or a tab (',' when it holds none)."""
    counts = {delimiter: line.count(delimiter) for delimiter in (";", ",", "\t")}
    best = max(counts, key=counts.__getitem__)
    return best if counts[best] else ","


def line_with_nul(path: Path) -> int | None:
    """The line of the first NUL byte in a text file, if any: no text column keeps one (PostgreSQL
    refuses it), so it is said before the import rather than at the write. One pass over the bytes."""
    lines, chunk_size = 1, 1 << 20
    with open(path, "rb") as handle:
        while chunk := handle.read(chunk_size):
            at = chunk.find(b"\x00")
            if at >= 0:
                return lines + chunk.count(b"\n", 0, at)
            lines += chunk.count(b"\n")
    return None


def csv_rows(path: Path) -> Sheet:
    """A CSV file's header and rows; UTF-8 with or without a byte-order mark."""
    nul = line_with_nul(path)
    if nul is not None:
        raise SpendFormatError(
            _("Line %(line)s holds a NUL character, which text in Skala cannot contain.") % {"line": nul}
        )
    handle = open(path, encoding="utf-8-sig", newline="")  # noqa: SIM115 (`open_sheet` closes it)
    try:
        first = handle.readline()
        header_row = 1
        while first and not first.strip():
            first = handle.readline()
            header_row += 1
    except UnicodeDecodeError:
        handle.close()
        raise SpendFormatError(
            _("The file is not UTF-8 text: save it as CSV UTF-8, or as an Excel workbook (.xlsx).")
        ) from None
    delimiter = sniff_delimiter(first)
    headers = next(csv.reader([first], delimiter=delimiter), [])
    reader = csv.reader(handle, delimiter=delimiter)

    def rows() -> Iterator[tuple[int, list[Any]]]:
        number = header_row
        try:
            for cells in reader:
                number += 1
                yield number, cells
        except UnicodeDecodeError:
            raise SpendFormatError(
                _("Row %(row)s is not UTF-8 text: save the file as CSV UTF-8, or as an Excel workbook.")
                % {"row": number + 1}
            ) from None
        except csv.Error as error:
            raise SpendFormatError(
                _("Row %(row)s cannot be read as CSV: %(reason)s") % {"row": number + 1, "reason": error}
            ) from None

    return Sheet(headers=headers, rows=rows(), header_row=header_row, close=handle.close)


def xlsx_rows(path: Path) -> Sheet:
    """The first worksheet's header and rows, streamed (openpyxl's read-only mode)."""
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (OSError, ValueError, KeyError, zipfile.BadZipFile, InvalidFileException) as error:
        raise SpendFormatError(
            _("The file cannot be read as an Excel workbook (.xlsx): %(reason)s") % {"reason": error}
        ) from None
    iterator = enumerate(workbook.worksheets[0].iter_rows(values_only=True), start=1)
    headers: list[Any] = []
    header_row = 0
    for number, values in iterator:
        if any(value not in (None, "") for value in values):
            headers, header_row = list(values), number
            break

    def rows() -> Iterator[tuple[int, list[Any]]]:
        for number, values in iterator:
            yield number, list(values)

    return Sheet(headers=headers, rows=rows(), header_row=header_row, close=workbook.close)


@contextmanager
def open_sheet(path: Path) -> Iterator[Sheet]:
    """Open a CSV or XLSX extract (told by its first bytes, not its name) for reading row by row."""
    path = Path(path)
    try:
        with open(path, "rb") as handle:
            start = handle.read(4)
    except OSError as error:
        raise SpendFormatError(
            _("%(path)s cannot be read: %(reason)s") % {"path": path, "reason": error.strerror}
        ) from None
    sheet = xlsx_rows(path) if start.startswith(b"PK\x03\x04") else csv_rows(path)
    try:
        yield sheet
    finally:
        sheet.close()


# Values ---------------------------------------------------------------------------------------------


# A ledger line from before 1900 or after 2100 is a typing error (0001-01-01, 9999-12-31), not spend.
FIRST_YEAR, LAST_YEAR = 1900, 2100


def valid_date(year: int, month: int, day: int) -> datetime.date:
    try:
        found = datetime.date(year, month, day)
    except ValueError:
        raise FieldError(_("there is no such date")) from None
    return in_range(found)


def in_range(found: datetime.date) -> datetime.date:
    if not FIRST_YEAR <= found.year <= LAST_YEAR:
        raise FieldError(
            _("%(date)s is outside the years %(first)s–%(last)s")
            % {"date": found.isoformat(), "first": FIRST_YEAR, "last": LAST_YEAR}
        )
    return found


def parse_date(value: Any) -> datetime.date:
    """A date from YYYY-MM-DD, DD.MM.YYYY, DD/MM/YYYY, YYYYMMDD, an Excel serial day or a spreadsheet date."""
    if isinstance(value, datetime.datetime):
        return in_range(value.date())
    if isinstance(value, datetime.date):
        return in_range(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 10_000 <= value < 100_000 and value == int(value):
            return EXCEL_EPOCH + datetime.timedelta(days=int(value))
        value = str(value)
    text = str(value or "").strip()
    if not text:
        raise FieldError(_("the date is missing"))
    if match := ISO_DATE.fullmatch(text):
        return valid_date(int(match[1]), int(match[2]), int(match[3]))
    if match := DAY_FIRST.fullmatch(text):
        return valid_date(int(match[4]), int(match[3]), int(match[1]))
    if match := COMPACT_DATE.fullmatch(text):
        return valid_date(int(match[1]), int(match[2]), int(match[3]))
    if match := EXCEL_SERIAL.fullmatch(text):
        return EXCEL_EPOCH + datetime.timedelta(days=int(match[1]))
    raise FieldError(
        _("%(value)r is not a date (YYYY-MM-DD, DD.MM.YYYY, DD/MM/YYYY or YYYYMMDD)") % {"value": text}
    )


def parse_amount(value: Any) -> int:
    """An amount in øre, from 1234.50, 1 234,50, 1.234,50, 1,234.50, 1'234.50, -12,00 or a spreadsheet number.

    A comma or a dot followed by exactly three digits, with no other separator, is refused: it may
    be a decimal mark or a thousands separator, and a wrong guess is off a thousand times.
    """
    if type(value) is str:
        # The usual amount, 1234,56 or -1 234.56, without a regular expression.
        text = value.replace(" ", "")
        mark = text[-3:-2]
        if mark == "," or mark == ".":
            digits = text[:-3] + text[-2:]
            negative = digits[:1] == "-"
            if negative:
                digits = digits[1:]
            if digits.isdigit() and len(digits) < 17 and digits.isascii():
                return -int(digits) if negative else int(digits)
        elif text.isdigit() and len(text) < 15 and text.isascii():
            return int(text) * 100
        text = value.translate(GROUPING)
        if match := PLAIN_AMOUNT.fullmatch(text):
            sign, whole, decimals = match.groups()
            ore = int(whole) * 100 + (int(decimals) * (10 if len(decimals) == 1 else 1) if decimals else 0)
            if ore >= MAX_ORE:
                raise FieldError(_("%(value)r is too large an amount") % {"value": value})
            return -ore if sign else ore
        return parse_amount_text(value, text)
    if isinstance(value, bool) or value is None:
        raise FieldError(_("the amount is missing") if value is None else _("expected an amount"))
    if isinstance(value, int | float | Decimal):
        try:
            ore = int((Decimal(str(value)) * 100).quantize(Decimal(1), ROUND_HALF_EVEN))
        except (InvalidOperation, ValueError):
            raise FieldError(_("%(value)r is not an amount") % {"value": value}) from None
        if abs(ore) >= MAX_ORE:
            raise FieldError(_("%(value)r is too large an amount") % {"value": value})
        return ore
    raise FieldError(_("expected an amount"))


def parse_amount_text(original: str, text: str) -> int:
    """The slow path of `parse_amount`: signs, thousands separators, ambiguous marks."""
    if not text:
        raise FieldError(_("the amount is missing"))
    negative = False
    if text.startswith("(") and text.endswith(")"):
        negative, text = True, text[1:-1]
    if text[:1] in "-−+":
        negative, text = negative or text[0] != "+", text[1:]
    elif text[-1:] in "-−":
        negative, text = True, text[:-1]
    not_amount = FieldError(_("%(value)r is not an amount") % {"value": original})
    if not text or not all(char.isdigit() or char in ".," for char in text) or not text[0].isdigit():
        raise not_amount
    marks = [char for char in text if char in ".,"]
    whole, decimals = text, ""
    if len(set(marks)) == 2:
        decimal_mark = marks[-1]
        if marks.count(decimal_mark) > 1:
            raise not_amount
        whole, decimals = text.rsplit(decimal_mark, 1)
        whole = check_groups(whole, marks[0], not_amount)
    elif len(marks) > 1:
        whole = check_groups(text, marks[0], not_amount)
    elif marks:
        whole, decimals = text.split(marks[0])
        if len(decimals) == 3:
            raise FieldError(
                _(
                    "%(value)r is ambiguous: is %(mark)r a decimal mark or a thousands separator? "
                    "Write it with two decimals or without the separator."
                )
                % {"value": original, "mark": marks[0]}
            )
    if not whole.isdigit() or (decimals and not decimals.isdigit()):
        raise not_amount
    ore = int((Decimal(f"{whole}.{decimals or 0}") * 100).quantize(Decimal(1), ROUND_HALF_EVEN))
    if ore >= MAX_ORE:
        raise FieldError(_("%(value)r is too large an amount") % {"value": original})
    return -ore if negative else ore


def check_groups(text: str, mark: str, error: FieldError) -> str:
    """The digits of a number written with thousands separators, checked to group by three."""
    groups = text.split(mark)
    if not (1 <= len(groups[0]) <= 3 and all(len(group) == 3 for group in groups[1:])):
        raise error
    return "".join(groups)


def parse_cpv(value: Any) -> str:
    """Eight CPV digits from 45223000 or 45223000-6; "" for nothing."""
    text = str(value if value is not None else "").strip()
    if not text:
        return ""
    if isinstance(value, float) and value == int(value):
        text = str(int(value))
    match = CPV_CODE.fullmatch(text)
    if not match:
        raise FieldError(_("%(value)r is not a CPV code (eight digits, as 45223000)") % {"value": text})
    return match[1]


def parse_currency(value: Any) -> str:
    """A three-letter currency code (NOK, SEK, EUR); "" for nothing."""
    text = str(value or "").strip().upper()
    if text and not CURRENCY_CODE.fullmatch(text):
        raise FieldError(_("%(value)r is not a currency code (three letters, as NOK)") % {"value": text})
    return text


def parse_size(value: Any) -> str:
    """A size class (sme, startup, large) from the words extracts use; "" for nothing."""
    key = header_key(value)
    if not key:
        return ""
    if key not in SIZE_CLASSES:
        raise FieldError(
            _("%(value)r is not a size class: write SME, startup or large") % {"value": str(value).strip()}
        )
    return SIZE_CLASSES[key]


def clean_orgnr_text(value: Any) -> str:
    """An organisation number as written on invoices, without 'NO', 'MVA', spaces, dots and dashes."""
    if isinstance(value, float) and value == int(value):
        value = int(value)
    return ORGNR_NOISE.sub("", str(value if value is not None else "").strip())


def clean_text(value: Any, name: str) -> str:
    """Trimmed text, at most as long as the model stores; "" for nothing."""
    if value is None:
        return ""
    if isinstance(value, float) and value == int(value):
        value = int(value)
    text = " ".join(str(value).split()) if type(value) is not str or "  " in value else value.strip()
    if len(text) > TEXT_LIMITS[name]:
        raise FieldError(_("is longer than %(limit)s characters") % {"limit": TEXT_LIMITS[name]})
    return text
