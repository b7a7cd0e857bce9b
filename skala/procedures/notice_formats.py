"""Reading procurement notices from the formats they are published in, into one shape.

Three formats: Skala's own notice format (JSON Lines), TED XML R2.0.9 as the EU Publications
Office exports it, and OCDS release or record packages. Every reader returns the notices it could
read and a problem for each record it could not, with where (file, line or release) and why; the
importer decides what to do with them. No reader touches the database.
"""

import datetime
import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from defusedxml import ElementTree
from django.core.exceptions import ValidationError

from skala.orgs.identifiers import normalise_orgnr

CPV_PATTERN = re.compile(r"^(\d{8})(-\d)?$")
MAX_TITLE = 1000
FORMATS = ("jsonl", "ted", "ocds")
# TED writes the United Kingdom as UK; ISO 3166 says GB.
COUNTRY_ALIASES = {"UK": "GB", "EL": "GR"}


@dataclass
class NoticeRecord:
    """A notice as read from a file, before it is compared with what the database holds."""

    import_id: str
    source: str
    title: str
    description: str = ""
    language: str = ""
    cpv: list[str] = field(default_factory=list)
    buyer_name: str = ""
    buyer_orgnr: str = ""
    buyer_country: str = ""
    published: datetime.date | None = None
    url: str = ""
    where: str = ""
    awards: list[dict] = field(default_factory=list)
    import_id_is_number: bool = False

    def values(self) -> dict[str, Any]:
        """The fields the Notice model stores."""
        return {
            "source": self.source,
            "import_id_is_number": self.import_id_is_number,
            "title": self.title,
            "description": self.description,
            "language": self.language,
            "cpv": self.cpv,
            "buyer_name": self.buyer_name,
            "buyer_orgnr": self.buyer_orgnr,
            "buyer_country": self.buyer_country,
            "published": self.published,
            "url": self.url,
        }


@dataclass
class Problem:
    """One thing wrong with one record: where it is, which field, and why."""

    where: str
    reason: str
    field: str = ""

    def __str__(self) -> str:
        field_text = f", field {self.field!r}" if self.field else ""
        return f"{self.where}{field_text}: {self.reason}"


@dataclass
class ReadResult:
    records: list[NoticeRecord] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def extend(self, other: "ReadResult") -> None:
        self.records.extend(other.records)
        self.problems.extend(other.problems)
        self.skipped.extend(other.skipped)


class RecordError(ValueError):
    """A field of a record is unusable."""

    def __init__(self, field_name: str, reason: str):
        self.field = field_name
        self.reason = reason
        super().__init__(f"{field_name}: {reason}")


def guess_format(path: Path) -> str | None:
    """The format a file's name suggests: .jsonl/.ndjson, .xml (TED) or .json (OCDS)."""
    suffix = path.suffix.lower()
    return {".jsonl": "jsonl", ".ndjson": "jsonl", ".xml": "ted", ".json": "ocds"}.get(suffix)


def clean_cpv(codes: Any, field_name: str = "cpv") -> list[str]:
    """Eight-digit CPV codes from a list of strings such as 45223000 or 45223000-6, in order, once each."""
    if codes in (None, ""):
        return []
    if not isinstance(codes, list):
        raise RecordError(field_name, "expected a list of CPV codes")
    cleaned: list[str] = []
    for code in codes:
        match = CPV_PATTERN.match(str(code).strip())
        if not match:
            raise RecordError(field_name, f"{code!r} is not a CPV code (eight digits, as 45223000)")
        if match.group(1) not in cleaned:
            cleaned.append(match.group(1))
    return cleaned


def clean_date(value: Any, field_name: str = "published") -> datetime.date | None:
    """A date from ISO 8601 (2024-03-01 or 2024-03-01T10:00:00Z) or TED's 20240301."""
    if value in (None, ""):
        return None
    text = str(value).strip()
    try:
        if re.fullmatch(r"\d{8}", text):
            return datetime.datetime.strptime(text, "%Y%m%d").date()
        if len(text) == 10:
            return datetime.date.fromisoformat(text)
        if len(text) > 10 and text[10] in "T ":
            return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).date()
    except ValueError:
        pass
    raise RecordError(field_name, f"{text[:40]!r} is not a date (YYYY-MM-DD)")


def clean_text(value: Any, field_name: str, *, required: bool = False, limit: int | None = None) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str | int | float):
        raise RecordError(field_name, "expected text")
    text = str(value).strip()
    if required and not text:
        raise RecordError(field_name, "is missing or empty")
    if limit and len(text) > limit:
        raise RecordError(field_name, f"is longer than {limit} characters")
    return text


# Languages written out by name, as exports from some systems do, in English and in the languages' own.
LANGUAGE_NAMES = {
    "norwegian": "nb",
    "norsk": "nb",
    "bokmål": "nb",
    "bokmal": "nb",
    "nynorsk": "nn",
    "swedish": "sv",
    "svenska": "sv",
    "svensk": "sv",
    "danish": "da",
    "dansk": "da",
    "english": "en",
    "engelsk": "en",
    "engelska": "en",
}


def clean_language(value: Any) -> str:
    """The primary language subtag, lower case: en-GB → en, NOB → nob, "Svenska" → sv. Any language is
    accepted, and a value that names none is not an error: the notice's language is then detected from
    its text, as when it gives none (an unknown language is matched as multilingual, never refused)."""
    text = clean_text(value, "language")
    if text.lower() in LANGUAGE_NAMES:
        return LANGUAGE_NAMES[text.lower()]
    primary = re.split(r"[-_]", text)[0].lower()
    return primary if re.fullmatch(r"[a-z]{2,3}", primary) else ""


def clean_url(value: Any, field_name: str = "url") -> str:
    text = clean_text(value, field_name, limit=1000)
    if text and not re.match(r"^https?://\S+$", text):
        raise RecordError(field_name, f"{text!r} is not an http(s) address")
    return text


def clean_country(value: Any, field_name: str) -> str:
    text = clean_text(value, field_name).upper()
    text = COUNTRY_ALIASES.get(text, text)
    if text and not re.fullmatch(r"[A-Z]{2}", text):
        raise RecordError(field_name, f"{text!r} is not a two-letter country code")
    return text


def clean_orgnr(country: str, value: Any, field_name: str) -> str:
    text = clean_text(value, field_name, limit=40)
    if not text:
        return ""
    try:
        return normalise_orgnr(country, text)
    except ValidationError as error:
        raise RecordError(field_name, " ".join(error.messages)) from None


# Skala's notice format ------------------------------------------------------------------------


def record_from_skala_json(value: Any) -> NoticeRecord:
    """One line of Skala's notice format: id, title, description, language, cpv, buyer, published, url."""
    if not isinstance(value, dict):
        raise RecordError("", "expected a JSON object")
    identifier = value.get("id")
    if identifier is None or (isinstance(identifier, str) and not identifier.strip()):
        raise RecordError("id", "is missing or empty")
    if isinstance(identifier, bool) or not isinstance(identifier, str | int):
        raise RecordError("id", f"must be text or a whole number, not {json.dumps(identifier)[:40]}")
    buyer = value.get("buyer") or {}
    if not isinstance(buyer, dict):
        raise RecordError("buyer", "expected an object with name, orgnr and country")
    country = clean_country(buyer.get("country"), "buyer.country")
    return NoticeRecord(
        import_id=clean_text(identifier, "id", limit=200),
        import_id_is_number=isinstance(identifier, int),
        source="skala",
        title=clean_text(value.get("title"), "title", required=True, limit=MAX_TITLE),
        description=clean_text(value.get("description"), "description"),
        language=clean_language(value.get("language")),
        cpv=clean_cpv(value.get("cpv")),
        buyer_name=clean_text(buyer.get("name"), "buyer.name", limit=500),
        buyer_orgnr=clean_orgnr(country, buyer.get("orgnr"), "buyer.orgnr"),
        buyer_country=country,
        published=clean_date(value.get("published")),
        url=clean_url(value.get("url")),
    )


def read_jsonl(path: Path, label: str | None = None) -> ReadResult:
    """Every line of a JSON Lines file in Skala's notice format; blank lines are skipped."""
    result = ReadResult()
    name = label or path.name
    lines = 0
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            where = f"{name}, line {number}"
            try:
                line = raw.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError as error:
                result.problems.append(Problem(where, f"not UTF-8 text (column {error.start + 1})"))
                continue
            if not line.strip():
                continue
            lines += 1
            try:
                value = json.loads(line)
            except json.JSONDecodeError as error:
                result.problems.append(Problem(where, f"not valid JSON ({error.msg}, column {error.colno})"))
                continue
            except RecursionError:
                result.problems.append(Problem(where, "nested too deeply to be a notice"))
                continue
            try:
                record = record_from_skala_json(value)
            except RecordError as error:
                result.problems.append(Problem(where, error.reason, error.field))
                continue
            record.where = where
            result.records.append(record)
    if not lines and not result.problems:
        result.problems.append(Problem(name, "holds no notices"))
    return result


# TED XML R2.0.9 -------------------------------------------------------------------------------


def local_name(tag: str) -> str:
    """An element's name without its namespace: {http://...}TITLE → TITLE."""
    return tag.rsplit("}", 1)[-1]


def children(element, name: str) -> Iterator:
    return (child for child in element if local_name(child.tag) == name)


def notice_page(notice_data, language: str):
    """The URI_DOC of the notice's TED page in its own language, else English, else the first one
    (TED lists a page for every official language, in the order of their codes, not the notice's)."""
    uri_list = first(notice_data, "URI_LIST") if notice_data is not None else None
    if uri_list is None:
        return None
    pages = list(children(uri_list, "URI_DOC"))
    for wanted in (language.upper(), "EN"):
        for page in pages:
            if (page.get("LG") or "").upper() == wanted:
                return page
    return pages[0] if pages else None


def first(element, *path: str):
    """The first element along a path of local names, or None."""
    for name in path:
        if element is None:
            return None
        element = next(children(element, name), None)
    return element


def descendants(element, name: str) -> Iterator:
    return (node for node in element.iter() if local_name(node.tag) == name)


def paragraphs(element) -> str:
    """The text of an element made of <P> paragraphs, one paragraph a line."""
    if element is None:
        return ""
    parts = [" ".join("".join(node.itertext()).split()) for node in children(element, "P")]
    if not parts:
        parts = [" ".join("".join(element.itertext()).split())]
    return "\n".join(part for part in parts if part)


def ted_form(root, original_language: str):
    """The notice's form in its original language (a notice may carry translated forms too)."""
    section = first(root, "FORM_SECTION")
    if section is None:
        return None
    forms = [element for element in section if element.get("LG")]  # not NOTICE_UUID and the like
    for form in forms:
        if original_language and form.get("LG", "").upper() == original_language.upper():
            return form
    # Without LG_ORIG: the form TED marks as the original, else the first.
    originals = [form for form in forms if form.get("CATEGORY", "").upper() == "ORIGINAL"]
    return (originals or forms or [None])[0]


def record_from_ted(root) -> NoticeRecord:
    """One TED R2.0.9 notice (TED_EXPORT) as a notice record."""
    if local_name(root.tag) != "TED_EXPORT":
        raise RecordError("TED_EXPORT", f"the root element is {local_name(root.tag)}, not TED_EXPORT")
    doc_id = (root.get("DOC_ID") or "").strip()
    if not doc_id:
        raise RecordError("DOC_ID", "is missing")
    if len(doc_id) > 200:
        raise RecordError("DOC_ID", "is longer than 200 characters")
    notice_data = first(root, "CODED_DATA_SECTION", "NOTICE_DATA")
    language_element = first(notice_data, "LG_ORIG") if notice_data is not None else None
    original_language = (language_element.text or "").strip() if language_element is not None else ""
    form = ted_form(root, original_language)
    if form is None:
        raise RecordError("FORM_SECTION", "has no form")
    title = paragraphs(first(form, "OBJECT_CONTRACT", "TITLE"))
    if not title:
        raise RecordError("OBJECT_CONTRACT/TITLE", "is missing or empty")
    object_contract = first(form, "OBJECT_CONTRACT")
    description = paragraphs(first(object_contract, "SHORT_DESCR"))
    codes = [node.get("CODE", "") for node in descendants(object_contract, "CPV_CODE")]
    if not codes and notice_data is not None:
        codes = [node.get("CODE", "") for node in children(notice_data, "ORIGINAL_CPV")]
    body = first(form, "CONTRACTING_BODY", "ADDRESS_CONTRACTING_BODY")
    country_element = first(body, "COUNTRY") if body is not None else None
    if country_element is None and notice_data is not None:
        country_element = first(notice_data, "ISO_COUNTRY")
    country = clean_country(country_element.get("VALUE") if country_element is not None else "", "COUNTRY")
    national_id = first(body, "NATIONALID") if body is not None else None
    orgnr = (national_id.text or "").strip() if national_id is not None else ""
    try:
        orgnr = normalise_orgnr(country, orgnr) if orgnr else ""
    except ValidationError:
        # Buyers write their national id in many shapes; a TED notice is kept even when it is odd.
        orgnr = orgnr[:40]
    name_element = first(body, "OFFICIALNAME") if body is not None else None
    awards = ted_awards(form)
    url_element = notice_page(notice_data, original_language)
    return NoticeRecord(
        import_id=doc_id,
        source="ted",
        title=title[:MAX_TITLE],
        description=description,
        language=clean_language(original_language),
        cpv=clean_cpv(codes, "CPV_CODE"),
        buyer_name=" ".join((name_element.text or "").split())[:500] if name_element is not None else "",
        buyer_orgnr=orgnr,
        buyer_country=country,
        published=clean_date(first(root, "CODED_DATA_SECTION", "REF_OJS", "DATE_PUB").text, "DATE_PUB")
        if first(root, "CODED_DATA_SECTION", "REF_OJS", "DATE_PUB") is not None
        else None,
        url=clean_url(url_element.text, "URI_DOC") if url_element is not None else "",
        awards=awards,
    )


# NoticeAward.value is a DecimalField(max_digits=16, decimal_places=2).
LARGEST_AMOUNT = 10**14


def amount(value: Any, field_name: str) -> str | None:
    """A money amount as a plain decimal string, or None when there is none; refuses what is not an
    amount, a negative one, or one too large to be real (or stored)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise RecordError(field_name, "expected an amount")
    if isinstance(value, float) and not (math.isfinite(value) and abs(value) < LARGEST_AMOUNT):
        raise RecordError(field_name, f"{value} is too large for an amount")
    if isinstance(value, float):
        value = (
            format(value, "f").rstrip("0").rstrip(".") if "." in format(value, "f") else format(value, "f")
        )
    text = str(value).strip().replace(" ", "").replace("\u00a0", "").replace(",", ".")
    if not re.fullmatch(r"-?\d+(\.\d+)?", text):
        raise RecordError(field_name, f"{str(value)[:40]!r} is not an amount")
    if text.startswith("-"):
        raise RecordError(field_name, f"{text} is negative")
    if float(text) >= LARGEST_AMOUNT:
        raise RecordError(field_name, f"{text[:40]} is too large for an amount")
    return text


def clean_currency(value: Any, field_name: str) -> str:
    text = clean_text(value, field_name).upper()
    if text and not re.fullmatch(r"[A-Z]{3}", text):
        raise RecordError(field_name, f"{text[:20]!r} is not a currency code (three letters, as NOK or EUR)")
    return text


def ted_awards(form) -> list[dict]:
    """The contractors of each awarded contract, with value, date and the SME flag where given."""
    awards = []
    for contract in descendants(form, "AWARDED_CONTRACT"):
        day = first(contract, "DATE_CONCLUSION_CONTRACT")
        total = first(contract, "VALUES", "VAL_TOTAL")
        for contractor in descendants(contract, "CONTRACTOR"):
            address = first(contractor, "ADDRESS_CONTRACTOR")
            name = first(address, "OFFICIALNAME") if address is not None else None
            if name is None or not (name.text or "").strip():
                continue
            country = first(address, "COUNTRY")
            national = first(address, "NATIONALID")
            sme = (
                True
                if first(contractor, "SME") is not None
                else (False if first(contractor, "NO_SME") is not None else None)
            )
            awards.append(
                {
                    "supplier_name": " ".join(name.text.split())[:500],
                    "supplier_orgnr": (national.text or "").strip()[:40] if national is not None else "",
                    "supplier_country": COUNTRY_ALIASES.get(
                        country.get("VALUE", ""), country.get("VALUE", "")
                    )[:2]
                    if country is not None
                    else "",
                    "is_sme": sme,
                    "value": amount(total.text, "VAL_TOTAL") if total is not None else None,
                    "currency": clean_currency(total.get("CURRENCY", ""), "VAL_TOTAL/@CURRENCY")
                    if total is not None
                    else "",
                    "awarded_on": clean_date(day.text, "DATE_CONCLUSION_CONTRACT")
                    if day is not None
                    else None,
                }
            )
    return awards


def read_ted(path: Path, label: str | None = None) -> ReadResult:
    """One TED XML notice file."""
    result = ReadResult()
    name = label or path.name
    try:
        root = ElementTree.parse(path).getroot()
    except ElementTree.ParseError as error:
        line, column = error.position
        result.problems.append(Problem(f"{name}, line {line}", f"not well-formed XML (column {column})"))
        return result
    except ValueError as error:
        # defusedxml refuses entity declarations and external references.
        result.problems.append(Problem(name, f"refused: {error.__class__.__name__}"))
        return result
    try:
        record = record_from_ted(root)
    except RecordError as error:
        result.problems.append(Problem(name, error.reason, error.field))
        return result
    record.where = name
    result.records.append(record)
    return result


# OCDS -----------------------------------------------------------------------------------------


def ocds_releases(package: Any) -> list[dict]:
    """The releases in a release package, a record package (compiled or embedded) or one release."""
    if isinstance(package, dict) and "releases" in package:
        if not isinstance(package["releases"], list):
            raise RecordError("releases", "expected a list of releases")
        return package["releases"]
    if isinstance(package, dict) and "records" in package:
        if not isinstance(package["records"], list):
            raise RecordError("records", "expected a list of records")
        releases = []
        for number, record in enumerate(package["records"], start=1):
            if isinstance(record, dict) and isinstance(record.get("compiledRelease"), dict):
                releases.append(record["compiledRelease"])
            elif isinstance(record, dict):
                embedded = record.get("releases")
                if not isinstance(embedded, list):
                    raise RecordError("records.releases", "expected a list of releases")
                linked = [
                    item
                    for item in embedded
                    if isinstance(item, dict) and "url" in item and "ocid" not in item
                ]
                if linked and len(linked) == len(embedded):
                    # OCDS lets a record point at its releases by URL; an import reads what is in the file.
                    raise RecordError(
                        f"records[{number}].releases",
                        "the releases are links (url, date, tag), not the releases themselves: fetch "
                        "them into a release package, or give the record a compiledRelease",
                    )
                releases.extend(item for item in embedded if isinstance(item, dict))
        return releases
    if isinstance(package, dict) and "ocid" in package:
        return [package]
    raise RecordError("", "neither an OCDS release package, a record package nor a release")


def ocds_cpv(tender: dict) -> list[str]:
    """The tender's CPV codes: its own classification first, then each item's."""
    classifications = [tender.get("classification")]
    for item in as_list(tender.get("items"), "tender.items"):
        if isinstance(item, dict):
            classifications.append(item.get("classification"))
            classifications.extend(
                as_list(item.get("additionalClassifications"), "items.additionalClassifications")
            )
    codes = [
        str(entry.get("id", ""))
        for entry in classifications
        if isinstance(entry, dict) and str(entry.get("scheme", "")).upper() == "CPV"
    ]
    return clean_cpv(codes, "tender.items.classification")


def merged_by_ocid(releases: list[dict]) -> dict[str, tuple[int, dict]]:
    """One view per contracting process: later releases fill in or replace what earlier ones said."""
    merged: dict[str, tuple[int, dict]] = {}
    ordered = sorted(enumerate(releases, start=1), key=lambda pair: str(pair[1].get("date") or ""))
    for number, release in ordered:
        ocid = str(release.get("ocid") or "").strip()
        position, view = merged.get(ocid, (number, {}))
        tender = dict(view.get("tender") or {})
        later = release.get("tender") or {}
        if not isinstance(later, dict):
            later = {"_not_an_object": later}  # refused with its place by record_from_ocds
        tender.update({key: value for key, value in later.items() if value})
        view = {**view, **{key: value for key, value in release.items() if value}, "tender": tender}
        merged[ocid] = (position, view)
    return merged


def record_from_ocds(release: dict) -> NoticeRecord:
    """One contracting process (its releases merged) as a notice record."""
    ocid = clean_text(release.get("ocid"), "ocid", required=True, limit=200)
    tender = release.get("tender") or {}
    if not isinstance(tender, dict) or "_not_an_object" in tender:
        raise RecordError("tender", "expected an object")
    buyer = release.get("buyer") if isinstance(release.get("buyer"), dict) else {}
    identifier = buyer.get("identifier") if isinstance(buyer.get("identifier"), dict) else {}
    tender_period = tender.get("tenderPeriod") or {}
    if not isinstance(tender_period, dict):
        raise RecordError("tender.tenderPeriod", "expected an object with startDate and endDate")
    return NoticeRecord(
        import_id=ocid,
        source="ocds",
        title=clean_text(tender.get("title"), "tender.title", required=True, limit=MAX_TITLE),
        description=clean_text(tender.get("description"), "tender.description"),
        language=clean_language(release.get("language")),
        cpv=ocds_cpv(tender),
        buyer_name=clean_text(buyer.get("name"), "buyer.name", limit=500),
        buyer_orgnr=clean_text(identifier.get("id"), "buyer.identifier.id")[:40],
        published=clean_date(tender_period.get("startDate") or release.get("date"), "date"),
        awards=ocds_awards(release),
    )


def as_list(value: Any, field_name: str) -> list:
    if value in (None, ""):
        return []
    if not isinstance(value, list):
        raise RecordError(field_name, "expected a list")
    return value


def ocds_awards(release: dict) -> list[dict]:
    """Each active award's suppliers, with the award's value and date."""
    parties = {
        str(party.get("id")): party
        for party in as_list(release.get("parties"), "parties")
        if isinstance(party, dict)
    }
    awards = []
    for award in as_list(release.get("awards"), "awards"):
        if not isinstance(award, dict) or award.get("status") in {"cancelled", "unsuccessful"}:
            continue
        award_value = award.get("value") if isinstance(award.get("value"), dict) else {}
        for supplier in as_list(award.get("suppliers"), "awards.suppliers"):
            if not isinstance(supplier, dict):
                continue
            party = parties.get(str(supplier.get("id")), {})
            identifier = party.get("identifier") if isinstance(party.get("identifier"), dict) else {}
            name = str(supplier.get("name") or party.get("name") or "").strip()
            if not name:
                continue
            details = party.get("details") if isinstance(party.get("details"), dict) else {}
            scale = details.get("scale") if isinstance(details.get("scale"), str) else None
            awards.append(
                {
                    "supplier_name": name[:500],
                    "supplier_orgnr": str(identifier.get("id") or "")[:40],
                    "supplier_country": "",
                    "is_sme": True if scale in {"micro", "sme"} else (False if scale == "large" else None),
                    "value": amount(award_value.get("amount"), "awards.value.amount"),
                    "currency": clean_currency(award_value.get("currency"), "awards.value.currency"),
                    "awarded_on": clean_date(award.get("date"), "awards.date"),
                }
            )
    return awards


def read_ocds_releases(path: Path, label: str | None = None) -> tuple[list[tuple[str, dict]], list[Problem]]:
    """Every release in one OCDS file, each with where it is, or the problems that stop reading it."""
    name = label or path.name
    try:
        package = json.loads(path.read_text(encoding="utf-8-sig"))
        releases = ocds_releases(package)
    except json.JSONDecodeError as error:
        return [], [Problem(f"{name}, line {error.lineno}", f"not valid JSON ({error.msg})")]
    except RecursionError:
        return [], [Problem(name, "nested too deeply to be OCDS")]
    except UnicodeDecodeError as error:
        return [], [Problem(name, f"not UTF-8 text (byte {error.start})")]
    except RecordError as error:
        return [], [Problem(name, error.reason, error.field)]
    if not releases:
        # As an empty JSON Lines file: a package with nothing in it is more likely a failed export.
        return [], [Problem(name, "holds no releases")]
    found, problems = [], []
    for number, release in enumerate(releases, start=1):
        where = f"{name}, release {number}"
        if not isinstance(release, dict) or not str(release.get("ocid") or "").strip():
            problems.append(Problem(where, "is missing or empty", "ocid"))
        else:
            found.append((where, release))
    return found, problems


def read_ocds(paths: list[Path], labels: dict[Path, str] | None = None) -> ReadResult:
    """OCDS files: the releases of one contracting process (ocid), in whichever files, make one notice.

    A process that has reached only planning (no tender yet) is not a notice: it is counted as skipped.
    """
    result = ReadResult()
    located: list[tuple[str, dict]] = []
    for path in paths:
        found, problems = read_ocds_releases(path, (labels or {}).get(path))
        located.extend(found)
        result.problems.extend(problems)
    where_of = {}
    for where, release in located:
        where_of.setdefault(str(release["ocid"]).strip(), where)
    for ocid, (_number, release) in merged_by_ocid([release for _where, release in located]).items():
        where = f"{where_of[ocid]} (ocid {ocid})"
        if not release.get("tender"):
            result.skipped.append(where)
            continue
        try:
            record = record_from_ocds(release)
        except RecordError as error:
            result.problems.append(Problem(where, error.reason, error.field))
            continue
        record.where = where
        result.records.append(record)
    return result


READERS = {"jsonl": read_jsonl, "ted": read_ted}


def read_notices(path: Path, format_name: str | None = None) -> ReadResult:
    """Read a file, or every notice file in a folder (sorted by name), in the format named or guessed."""
    result = ReadResult()
    if path.is_dir():
        files = sorted(
            item
            for item in path.rglob("*")
            if item.is_file() and (format_name or guess_format(item)) and guess_format(item)
        )
        if not files:
            result.problems.append(Problem(str(path), "holds no .jsonl, .xml or .json files"))
    elif path.is_file():
        files = [path]
    else:
        result.problems.append(Problem(str(path), "no such file or folder"))
        files = []
    labels = {item: str(item.relative_to(path)) if path.is_dir() else item.name for item in files}
    ocds_files = []
    for item in files:
        chosen = format_name or guess_format(item)
        if chosen == "ocds":
            ocds_files.append(item)
            continue
        if chosen not in READERS:
            result.problems.append(
                Problem(labels[item], "cannot tell the format from the name: use --format jsonl, ted or ocds")
            )
            continue
        result.extend(READERS[chosen](item, labels[item]))
    if ocds_files:
        result.extend(read_ocds(ocds_files, labels))
    return result
