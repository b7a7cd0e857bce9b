"""Notices out as OCDS 1.1.5: each procurement as releases (tender, award, contract), release
packages validated against the standard's schema before they leave, and compiled records merged
with the ``ocdsmerge`` library.

Skala's procedure types map onto OCDS's procurementMethod codelist (open, selective, limited,
direct); the exact procedure (innovation partnership, pre-commercial procurement, ...) is given in
``tender.procurementMethodDetails`` as Skala's code, and innovation procurement is flagged in
``tender.procurementMethodRationale`` (docs/api.md documents both).
"""

import datetime
import json
from functools import cache
from pathlib import Path

import jsonschema
import ocdsmerge
from django.conf import settings
from django.utils import timezone
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from skala.procedures.advisor import ProcedureType
from skala.procedures.models import Procurement, ProcurementStatus

SCHEMA_DIR = Path(__file__).resolve().parent / "data" / "ocds-1.1.5"
RELEASE_SCHEMA_URI = "https://standard.open-contracting.org/schema/1__1__5/release-schema.json"

METHOD = {
    ProcedureType.OPEN: "open",
    ProcedureType.RESTRICTED: "selective",
    ProcedureType.NEGOTIATION: "selective",
    ProcedureType.COMPETITIVE_DIALOGUE: "selective",
    ProcedureType.INNOVATION_PARTNERSHIP: "selective",
    ProcedureType.PCP: "selective",
    ProcedureType.NATIONAL: "open",
    ProcedureType.DIRECT: "direct",
}
INNOVATIVE = {ProcedureType.INNOVATION_PARTNERSHIP, ProcedureType.PCP, ProcedureType.COMPETITIVE_DIALOGUE}
TENDER_STATUS = {
    ProcurementStatus.PLANNING: "planning",
    ProcurementStatus.ANNOUNCED: "active",
    ProcurementStatus.EVALUATION: "active",
    ProcurementStatus.AWARDED: "complete",
    ProcurementStatus.COMPLETE: "complete",
    ProcurementStatus.CANCELLED: "cancelled",
}


class ExportError(ValueError):
    """An export would not validate; nothing was published. The message names the failing fields."""


def ocid(procurement: Procurement) -> str:
    return f"{settings.SKALA_OCID_PREFIX}-{procurement.pk}"


def iso(moment) -> str:
    if isinstance(moment, datetime.datetime):
        return moment.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z")
    return (
        datetime.datetime.combine(moment, datetime.time(), tzinfo=datetime.UTC)
        .isoformat()
        .replace("+00:00", "Z")
    )


def party(organisation, roles: list[str]) -> dict:
    entry = {
        "id": f"NO-ORG-{organisation.orgnr}" if organisation.orgnr else f"skala-{organisation.pk}",
        "name": organisation.name,
        "roles": roles,
    }
    if organisation.orgnr and organisation.country == "NO":
        entry["identifier"] = {"scheme": "NO-BRC", "id": organisation.orgnr, "legalName": organisation.name}
    return entry


def value(amount) -> dict | None:
    return {"amount": float(amount), "currency": "NOK"} if amount is not None else None


def release(procurement: Procurement) -> dict:
    """The procurement as one OCDS release of what is known now."""
    procurement_ocid = ocid(procurement)
    parties = {
        party(procurement.buyer, ["buyer", "procuringEntity"])["id"]: party(
            procurement.buyer, ["buyer", "procuringEntity"]
        )
    }
    for option in procurement.options.select_related("organisation"):
        entry = party(option.organisation, ["interestedParty"])
        parties.setdefault(entry["id"], entry)
    awards, contracts = [], []
    for award in procurement.awards.select_related("supplier"):
        supplier = party(award.supplier, ["supplier"])
        parties.setdefault(supplier["id"], supplier)
        if "supplier" not in parties[supplier["id"]]["roles"]:
            parties[supplier["id"]]["roles"].append("supplier")
        awards.append(
            {
                "id": f"award-{award.pk}",
                "status": "active",
                "date": iso(award.awarded_on),
                "value": value(award.value),
                "suppliers": [{"id": supplier["id"], "name": supplier["name"]}],
                **({"relatedLots": [f"lot-{award.lot_id}"]} if award.lot_id else {}),
            }
        )
        if award.contract_signed_on:
            period = {"startDate": iso(award.contract_signed_on)}
            if award.contract_ends_on:
                period["endDate"] = iso(award.contract_ends_on)
            contracts.append(
                {
                    "id": f"contract-{award.pk}",
                    "awardID": f"award-{award.pk}",
                    "status": "active",
                    "dateSigned": iso(award.contract_signed_on),
                    "period": period,
                    "value": value(award.value),
                }
            )
    procedure = ProcedureType(procurement.procedure_type)
    tender = {
        "id": f"tender-{procurement.pk}",
        "title": procurement.title,
        "status": TENDER_STATUS[ProcurementStatus(procurement.status)],
        "procurementMethod": METHOD[procedure],
        "procurementMethodDetails": procedure.value,
        "items": [
            {
                "id": str(n),
                "description": code.label("en"),
                "classification": {"scheme": "CPV", "id": code.code8, "description": code.label("en")},
            }
            for n, code in enumerate(procurement.cpv_codes.all(), start=1)
        ],
        "lots": [
            {
                "id": f"lot-{lot.pk}",
                "title": lot.title,
                **({"value": value(lot.estimated_value)} if lot.estimated_value else {}),
            }
            for lot in procurement.lots.all()
        ],
        "documents": [
            {"id": f"document-{document.pk}", "title": document.title, "url": document.url}
            for document in procurement.documents.all()
        ],
    }
    if procurement.description:
        tender["description"] = procurement.description
    if procurement.estimated_value is not None:
        tender["value"] = value(procurement.estimated_value)
    if procedure in INNOVATIVE:
        tender["procurementMethodRationale"] = "innovation"
    period = procurement.phases.filter(key__in=["requests", "tenders"]).first()
    if period is not None:
        tender["tenderPeriod"] = {"startDate": iso(period.starts_on), "endDate": iso(period.ends_on)}
    tender = {key: item for key, item in tender.items() if item not in ([], None)}
    tags = ["tender"] + (["award"] if awards else []) + (["contract"] if contracts else [])
    entry = {
        "ocid": procurement_ocid,
        "id": f"{procurement_ocid}-{procurement.updated_at:%Y%m%dT%H%M%S%f}",
        "date": iso(procurement.updated_at),
        "tag": tags,
        "initiationType": "tender",
        "language": "nb",
        "parties": list(parties.values()),
        "buyer": {"id": party(procurement.buyer, [])["id"], "name": procurement.buyer.name},
        "tender": tender,
    }
    if awards:
        entry["awards"] = awards
    if contracts:
        entry["contracts"] = contracts
    return entry


def package(releases: list[dict], uri: str) -> dict:
    return {
        "uri": uri,
        "version": "1.1",
        "publishedDate": iso(timezone.now()),
        "publisher": {"name": settings.SKALA_OCDS_PUBLISHER},
        "license": "https://data.norge.no/nlod/no/2.0",
        "releases": releases,
    }


@cache
def validator() -> jsonschema.Draft4Validator:
    release_schema = json.loads((SCHEMA_DIR / "release-schema.json").read_text(encoding="utf-8"))
    package_schema = json.loads((SCHEMA_DIR / "release-package-schema.json").read_text(encoding="utf-8"))
    registry = Registry().with_resource(
        RELEASE_SCHEMA_URI, Resource.from_contents(release_schema, default_specification=DRAFT4)
    )
    return jsonschema.Draft4Validator(
        package_schema, registry=registry, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER
    )


def problems(document: dict) -> list[str]:
    """Each schema error as 'path: message'."""
    return [
        f"{'/'.join(str(part) for part in error.absolute_path) or '(package)'}: {error.message}"
        for error in sorted(validator().iter_errors(document), key=lambda error: list(error.absolute_path))
    ]


def release_package(procurements, uri: str) -> dict:
    """A validated release package; ExportError names every failing field, and nothing is published."""
    document = package([release(procurement) for procurement in procurements], uri)
    if not document["releases"]:
        # Nothing changed since the date asked about: the schema wants at least one release, so an empty
        # answer is the one unvalidated package Skala serves (docs/api.md says so).
        return document
    found = problems(document)
    if found:
        raise ExportError("; ".join(found[:20]))
    return document


@cache
def merger() -> ocdsmerge.Merger:
    return ocdsmerge.Merger(
        schema=json.loads((SCHEMA_DIR / "release-schema.json").read_text(encoding="utf-8"))
    )


def compiled_record(releases: list[dict]) -> dict:
    """A record for one contracting process: its releases and the compiled release ocdsmerge makes of them."""
    return {
        "ocid": releases[0]["ocid"],
        "releases": releases,
        "compiledRelease": merger().create_compiled_release(releases),
    }
