"""Matching both ways with why, alliances of complementary suppliers, partnering and consortia."""

import io
import re

import pytest
from django.core.management import call_command

from skala.needs.models import Need
from skala.suppliers import partnering
from skala.suppliers.alliances import Aspect, Candidate, suggest_alliances
from skala.suppliers.matching import needs_for_supplier, suppliers_for_need
from skala.suppliers.models import Consortium, PartneringRequest
from skala.suppliers.tests.builders import NIGHT_NEED, SENSOR_SOLUTION, add_solution, publish_need
from skala.testing import make_organisation

pytestmark = pytest.mark.django_db


def candidate(key, cpv=(), stems=(), counties=None, maturity=1, score=0.5) -> Candidate:
    return Candidate(key, f"S{key}", set(cpv), set(stems), counties, maturity, score, True)


ASPECTS = [
    Aspect("cpv", "331", "CPV 331"),
    Aspect("cpv", "853", "CPV 853"),
    Aspect("word", "journal", "journal"),
    Aspect("region", "3", "Oslo"),
]


def test_complementary_suppliers_form_an_alliance_that_covers_more_than_anyone_alone():
    sensors = candidate(1, cpv=["33196200"], counties={3})
    care = candidate(2, cpv=["85310000"], counties={46})
    records = candidate(3, stems=["journal"], counties=None, maturity=2)
    weak = candidate(4, counties={46})
    [best, *_rest] = suggest_alliances(ASPECTS, [sensors, care, records, weak])
    assert {member.key for member in best.members} == {1, 2, 3}
    assert best.coverage == 1.0
    assert best.missing == []
    assert all(best.contributions[member.key] for member in best.members)
    assert any("S3 brings journal" in line for line in best.why())


def test_no_alliance_when_one_supplier_covers_it_all():
    everything = candidate(1, cpv=["33196200", "85310000"], stems=["journal"], counties=None)
    assert suggest_alliances(ASPECTS, [everything, candidate(2, cpv=["33100000"])]) == []


def test_suppliers_for_a_need_each_with_why(personas):
    need = publish_need(personas.oslo, *NIGHT_NEED, cpv=["33196200"])
    add_solution(personas.startup_org, *SENSOR_SOLUTION, cpv=["33196200"])
    add_solution(personas.supplier_org, "Skolemat", "Sunn lunsj til elever", cpv=["15894200"])
    [match] = suppliers_for_need(need)
    assert match.profile.organisation == personas.startup_org
    assert "nattilsyn" in match.match.why.terms
    assert match.match.why.cpv == ("code", "33196200")


def test_needs_for_a_supplier_each_with_the_solution_that_meets_it(personas):
    need = publish_need(personas.oslo, *NIGHT_NEED, cpv=["33196200"])
    publish_need(personas.stavanger, "Skolemat", "Sunn lunsj", cpv=["15894200"])
    solution = add_solution(personas.startup_org, *SENSOR_SOLUTION, cpv=["33196200"])
    [found] = needs_for_supplier(solution.profile, personas.startup)
    assert (found.need, found.solution) == (need, solution)


def test_the_need_page_offers_its_suppliers_and_the_proposal_button(client, personas):
    need = publish_need(personas.oslo, *NIGHT_NEED, cpv=["33196200"])
    add_solution(personas.startup_org, *SENSOR_SOLUTION, cpv=["33196200"])
    assert f"/nb/suppliers/for-need/{need.pk}/" in client.get(f"/nb/needs/{need.pk}/").text
    fragment = client.get(f"/nb/suppliers/for-need/{need.pk}/", headers={"HX-Request": "true"}).text
    assert "Test Startup AS" in fragment
    assert "<html" not in fragment
    client.force_login(personas.startup)
    assert (
        f"/nb/suppliers/proposals/new/?need={need.pk}"
        in client.get(f"/nb/suppliers/for-need/{need.pk}/").text
    )


def test_partnering_request_accepted_forms_a_consortium_shown_on_the_need(client, personas):
    need = publish_need(personas.oslo, *NIGHT_NEED)
    add_solution(personas.supplier_org, "Responssenter", "Alarmmottak", open_to_partnering=True)
    add_solution(personas.startup_org, *SENSOR_SOLUTION)
    client.force_login(personas.startup)
    client.post(
        f"/nb/suppliers/for-need/{need.pk}/partner/{personas.supplier_org.pk}/", {"message": "Sammen?"}
    )
    request = PartneringRequest.objects.get()
    client.force_login(personas.startup)  # the sender cannot answer for the receiver
    assert (
        client.post(f"/nb/suppliers/partnering/{request.pk}/answer/", {"answer": "accept"}).status_code == 403
    )
    client.force_login(personas.supplier)
    client.post(f"/nb/suppliers/partnering/{request.pk}/answer/", {"answer": "accept"})
    consortium = Consortium.objects.get()
    assert set(consortium.members.all()) == {personas.startup_org, personas.supplier_org}
    section = client.get(f"/nb/suppliers/for-need/{need.pk}/").text.split('id="consortia-title"', 1)[1]
    assert "Test Leverandør AS" in section
    assert "Test Startup AS" in section


def test_a_supplier_closed_to_partnering_cannot_be_asked(personas):
    need = publish_need(personas.oslo, *NIGHT_NEED)
    add_solution(personas.supplier_org, "Responssenter", "Alarmmottak", open_to_partnering=False)
    with pytest.raises(partnering.PartneringError, match="not open to partnering"):
        partnering.request_partner(need, personas.startup_org, personas.supplier_org)


def test_alliances_are_suggested_on_the_demo_data(db):
    call_command("load_demo", stdout=io.StringIO())
    from skala.suppliers.alliances import suggest_for_need

    need = Need.objects.get(title="Digitalt nattilsyn i hjemmetjenesten")
    aspects, alliances = suggest_for_need(need)
    assert aspects
    assert alliances
    best = alliances[0]
    assert len(best.members) >= 2
    assert len(best.covered) > max(len([a for a in aspects if m.covers(a)]) for m in best.members)
    unrelated = make_organisation("Ukjent AS", "supplier", orgnr="")
    assert unrelated.pk not in {m.key for m in best.members}
    words = [aspect.label for aspect in aspects if aspect.kind == "word"]
    assert words
    # As the need wrote them, each a whole word of its text, not a stem.
    written = set(re.findall(r"\w+", f"{need.title} {need.text()}".lower()))
    assert {label.strip("«»").lower() for label in words} <= written


def test_each_supplier_in_the_alliances_is_asked_to_partner_with_one_button(client, db):
    call_command("load_demo", stdout=io.StringIO())
    from skala.orgs.models import User

    need = Need.objects.get(title="Digitalt nattilsyn i hjemmetjenesten")
    supplier = User.objects.filter(memberships__organisation__kind="supplier").first()
    client.force_login(supplier)
    page = client.get(f"/en/suppliers/for-need/{need.pk}/", HTTP_HX_REQUEST="true").text
    buttons = re.findall(r"Ask (.+?) to partner</button>", page)
    assert buttons
    assert len(buttons) == len(set(buttons))


def test_a_draft_says_its_suppliers_come_once_it_is_published_rather_than_that_none_fit(client, personas):
    from skala.needs.models import NeedStatus

    draft = publish_need(personas.oslo, *NIGHT_NEED, status=NeedStatus.DRAFT)
    client.force_login(personas.owner)
    page = client.get(f"/en/suppliers/for-need/{draft.pk}/", headers={"HX-Request": "true"}).text
    assert "Suppliers are matched once the need is published." in page
    assert "No supplier has described" not in page
