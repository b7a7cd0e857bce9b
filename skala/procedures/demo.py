"""Demo procurements: Oslo's innovation partnership for digital night-time care, the joint process's
procurement, laid out from its template with a steering group, a project group and the follower's
option; and Bærum's national competition for everyday rehabilitation. Names are marked "Demo".

Beside them, real notices: Swedish procurements of 2021 (Upphandlingsmyndigheten, CC0) on the demo
needs' subjects and a sample of the rest, so a need's page shows who in Sweden bought the like
(data/demo_notices_se_2021.jsonl, built by data/make_demo_notices.py)."""

import datetime
from pathlib import Path

from django.conf import settings

from skala.needs.models import Need
from skala.orgs.models import Organisation
from skala.procedures.models import (
    GroupKind,
    GroupMember,
    Procurement,
    ProcurementDocument,
    ProcurementOption,
)
from skala.procedures.notice_import import import_notices
from skala.procedures.timeline import apply_template

DEMO_NOTICES = Path(__file__).with_name("data") / "demo_notices_se_2021.jsonl"

# The first phase's day is fixed, so the demo's timeline is the same on every machine.
START = datetime.date(2027, 1, 4)
STAVANGER = "964965226"

# (need title, procurement title, procedure, estimated value, contract months)
PROCUREMENTS = [
    (
        "Digitalt nattilsyn i hjemmetjenesten",
        "Demo: innovasjonspartnerskap for digitalt nattilsyn",
        "innovation_partnership",
        12_000_000,
        48,
    ),
    (
        "Hverdagsrehabilitering med digital oppfølging",
        "Demo: digital oppfølging i hverdagsrehabilitering",
        "national",
        900_000,
        24,
    ),
]
# (procurement title, group, name, organisation: the buyer or Stavanger, role)
MEMBERS = [
    (PROCUREMENTS[0][1], GroupKind.STEERING, "Demo: Kari Nordmann", None, "Direktør, helse og omsorg"),
    (PROCUREMENTS[0][1], GroupKind.STEERING, "Demo: Per Hansen", STAVANGER, "Kommunalsjef, helse og velferd"),
    (PROCUREMENTS[0][1], GroupKind.PROJECT, "Demo: Ingrid Berg", None, "Prosjektleder"),
]


def codes_in_order(need: Need) -> list[str]:
    through = Need.cpv_codes.through
    return list(through.objects.filter(need=need).order_by("pk").values_list("cpvcode_id", flat=True))


def load(say) -> None:
    """Import the demo notices; create or update the demo procurements for the demo needs that exist."""
    report = import_notices(DEMO_NOTICES)
    say(f"Demo notices: {report}")
    count = 0
    for need_title, title, procedure, value, months in PROCUREMENTS:
        need = Need.objects.filter(title=need_title, is_demo=True).first()
        if need is None:
            continue
        procurement, created = Procurement.objects.update_or_create(
            buyer=need.organisation,
            title=title,
            defaults={
                "need": need,
                "description": need.problem,
                "procedure_type": procedure,
                "estimated_value": value,
                "contract_months": months,
                "submission_url": "https://tendering.example/demo",
            },
        )
        # In the need's order, one at a time: the first code is the main one (eForms BT-262).
        procurement.cpv_codes.clear()
        for code in codes_in_order(need):
            procurement.cpv_codes.add(code)
        if created or not procurement.phases.exists():
            apply_template(procurement, START)
        ProcurementDocument.objects.get_or_create(
            procurement=procurement,
            title="Demo: behovsbeskrivelsen",
            defaults={"url": f"{settings.SITE_URL}{need.get_absolute_url()}"},
        )
        count += 1
    by_title = {
        procurement.title: procurement
        for procurement in Procurement.objects.filter(title__in=[row[1] for row in PROCUREMENTS])
    }
    stavanger = Organisation.objects.filter(orgnr=STAVANGER).first()
    for title, group, name, orgnr, role in MEMBERS:
        procurement = by_title.get(title)
        organisation = stavanger if orgnr == STAVANGER else procurement.buyer if procurement else None
        if procurement is None or organisation is None:
            continue
        GroupMember.objects.update_or_create(
            procurement=procurement,
            name=name,
            defaults={"group": group, "organisation": organisation, "role": role},
        )
    partnership = by_title.get(PROCUREMENTS[0][1])
    if partnership is not None and stavanger is not None:
        ProcurementOption.objects.update_or_create(
            procurement=partnership,
            organisation=stavanger,
            defaults={
                "terms": "Demo: opsjon på å kjøpe løsningen på samme vilkår, inntil 200 enheter",
                "value": 3_000_000,
                "valid_until": datetime.date(2029, 12, 31),
            },
        )
    say(f"Demo procurements: {count}")
