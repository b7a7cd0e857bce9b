"""Load the reference data shipped in skala/reference/data into the database.

The pattern every Skala import follows: read and validate every row of every file, report every
problem with its file, row and field, then write in one transaction keyed by natural ids, so a
second run changes nothing and a failed run leaves the database as it was.
"""

import csv
import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.db import models, transaction

from skala.reference.models import (
    CPV_LANGUAGES,
    Country,
    County,
    CpvCode,
    LegalFact,
    LegalFactKind,
    Municipality,
    Sdg,
    cpv_level,
)

logger = logging.getLogger(__name__)

DATA_DIR = Path(__file__).resolve().parent / "data"
CPV_FILE = "cpv2008_nordic_en_nb_sv_da_fi.csv"
NORWAY_FILE = "norske_kommuner_2024_357.csv"
NORWAY_ORGNR_FILE = "norske_kommuner_2020_2023_with_orgnr.csv"
SWEDEN_FILE = "sverige_kommuner_290.csv"
SDG_FILE = "sdg.csv"
LEGAL_FILE = "legal_facts.csv"

Progress = Callable[[str], None]


@dataclass
class Problem:
    """One thing wrong with one row of one file."""

    file: str
    row: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}, row {self.row}, field {self.field!r}: {self.message}"


class ReferenceDataError(Exception):
    """The reference files have problems; nothing was written."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        listing = "\n".join(f"  {problem}" for problem in problems[:50])
        more = f"\n  ... and {len(problems) - 50} more" if len(problems) > 50 else ""
        super().__init__(f"{len(problems)} problem(s) in the reference data:\n{listing}{more}")


@dataclass
class TableReport:
    """What loading did to one table."""

    table: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    not_in_file: int = 0

    def __str__(self) -> str:
        text = f"{self.table}: {self.created} created, {self.updated} updated, {self.unchanged} unchanged"
        return text + (
            f", {self.not_in_file} in the database but not in the file" if self.not_in_file else ""
        )


@dataclass
class Rows:
    """Validated rows for one table, keyed by natural key, and the problems found on the way."""

    by_key: dict[tuple, dict] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


def read_csv(path: Path, required: Iterable[str]) -> tuple[list[tuple[int, dict]], list[Problem]]:
    """Read a CSV file into (row number, row) pairs; row 1 is the header, so data starts at 2."""
    problems: list[Problem] = []
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [name for name in required if name not in (reader.fieldnames or [])]
        if missing:
            return [], [Problem(path.name, 1, name, "column is missing") for name in missing]
        rows = [(number, row) for number, row in enumerate(reader, start=2)]
    return rows, problems


def require(problems: list[Problem], file: str, number: int, row: dict, name: str, pattern: str = "") -> str:
    """Return the trimmed value of a field, noting a problem when it is empty or malformed."""
    value = (row.get(name) or "").strip()
    if not value:
        problems.append(Problem(file, number, name, "is empty"))
    elif pattern and not re.fullmatch(pattern, value):
        problems.append(Problem(file, number, name, f"{value!r} does not match {pattern}"))
    return value


def read_cpv(path: Path) -> Rows:
    """Validate the CPV vocabulary and derive each code's level and parent from the code."""
    result = Rows()
    rows, result.problems = read_csv(path, ["code", "code8", *CPV_LANGUAGES])
    for number, row in rows:
        code = require(result.problems, path.name, number, row, "code", r"\d{8}-\d")
        code8 = require(result.problems, path.name, number, row, "code8", r"\d{8}")
        labels = {lang: require(result.problems, path.name, number, row, lang) for lang in CPV_LANGUAGES}
        if code and code8 and code[:8] != code8:
            result.problems.append(Problem(path.name, number, "code8", f"{code8} does not match code {code}"))
            continue
        if (code8,) in result.by_key:
            result.problems.append(Problem(path.name, number, "code8", f"{code8} appears twice"))
            continue
        if not code or not code8:
            continue
        values = {"check_digit": code[-1], "level": cpv_level(code8), "parent_id": None}
        for language, label in labels.items():
            values[f"label_{language}"] = label
            values[f"search_{language}"] = label.casefold()
        result.by_key[(code8,)] = values
    known = {key[0] for key in result.by_key}
    for (code8,), values in result.by_key.items():
        values["parent_id"] = cpv_parent(code8, known)
    return result


def cpv_parent(code8: str, known: set[str]) -> str | None:
    """The nearest existing code with fewer significant digits: 03111000 → 03110000."""
    significant = max(2, len(code8.rstrip("0")))
    for digits in range(significant - 1, 1, -1):
        candidate = code8[:digits].ljust(8, "0")
        if candidate in known and candidate != code8:
            return candidate
    return None


def read_sdgs(path: Path) -> Rows:
    """Validate the 17 goals."""
    result = Rows()
    rows, result.problems = read_csv(path, ["number", "colour", "en", "nb", "sv"])
    for number, row in rows:
        goal = require(result.problems, path.name, number, row, "number", r"\d{1,2}")
        colour = require(result.problems, path.name, number, row, "colour", r"#[0-9A-Fa-f]{6}")
        names = {lang: require(result.problems, path.name, number, row, lang) for lang in ("en", "nb", "sv")}
        if goal:
            result.by_key[(int(goal),)] = {
                "colour": colour,
                **{f"name_{lang}": name for lang, name in names.items()},
            }
    return result


def read_legal_facts(path: Path) -> Rows:
    """Validate the dated, sourced facts of procurement law the advisor answers from."""
    import datetime
    from decimal import Decimal

    result = Rows()
    columns = [
        "key",
        "kind",
        "buyer_type",
        "contract_type",
        "amount_nok",
        "amount_eur",
        "valid_from",
        "valid_to",
    ]
    columns += ["statement_en", "statement_nb", "source_title", "source_url"]
    rows, result.problems = read_csv(path, columns)
    for number, row in rows:
        key = require(result.problems, path.name, number, row, "key", r"[a-z0-9_]+")
        kind = require(result.problems, path.name, number, row, "kind")
        if kind and kind not in LegalFactKind.values:
            result.problems.append(
                Problem(path.name, number, "kind", f"{kind!r} is not one of {LegalFactKind.values}")
            )
        valid_from = require(result.problems, path.name, number, row, "valid_from", r"\d{4}-\d{2}-\d{2}")
        valid_to = (row.get("valid_to") or "").strip()
        if valid_to and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", valid_to):
            result.problems.append(Problem(path.name, number, "valid_to", f"{valid_to!r} is not a date"))
        amounts = {}
        for name in ("amount_nok", "amount_eur"):
            text = (row.get(name) or "").strip()
            if text and not text.isdigit():
                result.problems.append(Problem(path.name, number, name, f"{text!r} is not a whole amount"))
            amounts[name] = Decimal(text) if text.isdigit() else None
        texts = {
            name: require(result.problems, path.name, number, row, name)
            for name in ("statement_en", "statement_nb", "source_title", "source_url")
        }
        if key and valid_from and re.fullmatch(r"\d{4}-\d{2}-\d{2}", valid_from):
            result.by_key[(key, datetime.date.fromisoformat(valid_from))] = {
                "kind": kind,
                "buyer_type": row.get("buyer_type") or "any",
                "contract_type": row.get("contract_type") or "any",
                "valid_to": datetime.date.fromisoformat(valid_to)
                if valid_to and re.fullmatch(r"\d{4}-\d{2}-\d{2}", valid_to)
                else None,
                **amounts,
                **texts,
            }
    return result


def base_name(name: str) -> str:
    """'Herøy (Nordland)' → 'Herøy': the 2024 list adds the county to names used twice."""
    return re.sub(r"\s*\(.*\)$", "", name).strip()


def norwegian_orgnrs(path: Path, municipalities: dict[str, str]) -> dict[str, str]:
    """Organisation numbers for 2024 municipalities, matched from the 2020–2023 list.

    Numbers changed in 2024 where counties split, so a municipality is matched on its number
    and name first, then on its name alone when that is unambiguous. New municipalities
    (Haram, split from Ålesund in 2024) have no number in the data and get none.
    """
    rows, _problems = read_csv(path, ["kommunenummer", "kommunenavn", "orgnr_kommune"])
    by_number = {row["kommunenummer"]: row for _, row in rows}
    by_name: dict[str, list[dict]] = {}
    for _, row in rows:
        for name in {row["kommunenavn"], row.get("kommunenavn_norsk", "")} - {""}:
            by_name.setdefault(name, []).append(row)
    claimed_numbers = set(municipalities)
    found: dict[str, str] = {}
    for number, name in municipalities.items():
        same_number = by_number.get(number)
        if same_number and base_name(name) in {
            same_number["kommunenavn"],
            same_number.get("kommunenavn_norsk"),
        }:
            found[number] = same_number["orgnr_kommune"]
            continue
        candidates = by_name.get(base_name(name), [])
        # A candidate whose number a 2024 municipality of the same name still holds belongs to that one.
        unclaimed = [row for row in candidates if row["kommunenummer"] not in claimed_numbers]
        if len(candidates) == 1:
            found[number] = candidates[0]["orgnr_kommune"]
        elif len(unclaimed) == 1:
            found[number] = unclaimed[0]["orgnr_kommune"]
    return found


def read_norway(path: Path, orgnr_path: Path) -> tuple[Rows, Rows]:
    """Validate Norway's counties and municipalities."""
    counties, municipalities = Rows(), Rows()
    rows, counties.problems = read_csv(path, ["kommunenummer", "kommunenavn", "fylkesnummer", "fylkesnavn"])
    names: dict[str, str] = {}
    for number, row in rows:
        problems = counties.problems
        municipality = require(problems, path.name, number, row, "kommunenummer", r"\d{4}")
        name = require(problems, path.name, number, row, "kommunenavn")
        county = require(problems, path.name, number, row, "fylkesnummer", r"\d{2}")
        county_name = require(problems, path.name, number, row, "fylkesnavn")
        if municipality and county and not municipality.startswith(county):
            problems.append(
                Problem(path.name, number, "kommunenummer", f"{municipality} is not in county {county}")
            )
        if municipality and name and county:
            counties.by_key[(Country.NORWAY, county)] = {"name": county_name}
            municipalities.by_key[(Country.NORWAY, municipality)] = {"name": name, "county": county}
            names[municipality] = name
    orgnrs = norwegian_orgnrs(orgnr_path, names)
    for (_country, municipality), values in municipalities.by_key.items():
        values["orgnr"] = orgnrs.get(municipality, "")
    return counties, municipalities


def read_sweden(path: Path) -> tuple[Rows, Rows]:
    """Validate Sweden's län and kommuner."""
    counties, municipalities = Rows(), Rows()
    rows, counties.problems = read_csv(path, ["kommunkod", "kommun", "lanskod", "lan"])
    for number, row in rows:
        problems = counties.problems
        municipality = require(problems, path.name, number, row, "kommunkod", r"\d{4}")
        name = require(problems, path.name, number, row, "kommun")
        county = require(problems, path.name, number, row, "lanskod", r"\d{2}")
        county_name = require(problems, path.name, number, row, "lan")
        if municipality and name and county:
            counties.by_key[(Country.SWEDEN, county)] = {"name": county_name}
            municipalities.by_key[(Country.SWEDEN, municipality)] = {
                "name": name,
                "county": county,
                "orgnr": "",
            }
    return counties, municipalities


def synchronise(
    model: type[models.Model],
    key_fields: tuple[str, ...],
    rows: dict[tuple, dict],
    progress: Progress,
) -> TableReport:
    """Create missing rows and update changed ones; rows already equal are left alone."""
    report = TableReport(str(model._meta.verbose_name_plural))
    value_fields = sorted({name for values in rows.values() for name in values})
    existing = {tuple(getattr(obj, name) for name in key_fields): obj for obj in model.objects.all()}
    to_create, to_update = [], []
    for key, values in rows.items():
        obj = existing.get(key)
        if obj is None:
            to_create.append(model(**dict(zip(key_fields, key, strict=True)), **values))
        elif any(getattr(obj, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(obj, name, value)
            to_update.append(obj)
        else:
            report.unchanged += 1
    model.objects.bulk_create(to_create, batch_size=500)
    if to_update:
        model.objects.bulk_update(to_update, value_fields, batch_size=500)
    report.created, report.updated = len(to_create), len(to_update)
    report.not_in_file = len(set(existing) - set(rows))
    progress(str(report))
    return report


def load_reference(
    data_dir: Path = DATA_DIR, *, dry_run: bool = False, progress: Progress | None = None
) -> list[TableReport]:
    """Validate every reference file, then load them all in one transaction."""
    say: Progress = progress or (lambda message: logger.info("%s", message))
    say("Reading CPV codes, goals, counties and municipalities")
    cpv = read_cpv(data_dir / CPV_FILE)
    sdgs = read_sdgs(data_dir / SDG_FILE)
    legal = read_legal_facts(data_dir / LEGAL_FILE)
    no_counties, no_municipalities = read_norway(data_dir / NORWAY_FILE, data_dir / NORWAY_ORGNR_FILE)
    se_counties, se_municipalities = read_sweden(data_dir / SWEDEN_FILE)
    problems = [
        *cpv.problems,
        *sdgs.problems,
        *legal.problems,
        *no_counties.problems,
        *se_counties.problems,
    ]
    if problems:
        raise ReferenceDataError(problems)

    reports = []
    with transaction.atomic():
        reports.append(synchronise(CpvCode, ("code8",), cpv.by_key, say))
        reports.append(synchronise(Sdg, ("number",), sdgs.by_key, say))
        reports.append(synchronise(LegalFact, ("key", "valid_from"), legal.by_key, say))
        counties = {**no_counties.by_key, **se_counties.by_key}
        reports.append(synchronise(County, ("country", "number"), counties, say))
        county_ids = {(c.country, c.number): c.pk for c in County.objects.all()}
        municipalities = {}
        for (country, number), values in {
            **no_municipalities.by_key,
            **se_municipalities.by_key,
        }.items():
            rest = {name: value for name, value in values.items() if name != "county"}
            municipalities[(country, number)] = {
                **rest,
                "county_id": county_ids[(country, values["county"])],
            }
        reports.append(synchronise(Municipality, ("country", "number"), municipalities, say))
        if dry_run:
            transaction.set_rollback(True)
            say("Dry run: nothing was saved.")
    return reports
