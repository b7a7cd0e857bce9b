"""Procurements: phases from the procedure's template, warnings that name the rule, the timeline,
its calendar, steering groups, followers' options and awards."""

import datetime
import re

import pytest
from icalendar import Calendar

from skala.needs.models import Need, NeedStatus
from skala.needs.services import invite
from skala.orgs.models import OrganisationKind
from skala.procedures.models import Procurement
from skala.procedures.timeline import apply_template, warnings
from skala.reference.models import CpvCode
from skala.testing import make_organisation

pytestmark = pytest.mark.django_db

START = datetime.date(2027, 1, 4)


def make_procurement(personas, procedure="innovation_partnership", need=None) -> Procurement:
    procurement = Procurement.objects.create(
        buyer=personas.oslo, title="Digitalt nattilsyn", procedure_type=procedure, need=need
    )
    apply_template(procurement, START)
    return procurement


def test_the_innovation_partnership_template_runs_from_dialogue_to_the_purchase_option(personas):
    procurement = make_procurement(personas)
    keys = [phase.key for phase in procurement.phases.all()]
    assert keys == [
        "dialogue",
        "consultation",
        "announcement",
        "requests",
        "qualification",
        "negotiation",
        "partnership_1",
        "partnership_2",
        "purchase",
    ]
    requests = procurement.phases.get(key="requests")
    assert (requests.minimum_days, requests.days) == (30, 30)
    assert procurement.phases.get(key="partnership_1").is_stop_point
    assert "maximum cost" in procurement.phases.get(key="purchase").note
    assert "three" in procurement.phases.get(key="negotiation").note
    assert warnings(procurement) == []


def test_pre_commercial_procurement_keeps_two_suppliers_and_buys_separately(personas):
    procurement = make_procurement(personas, "pcp")
    assert [phase.key for phase in procurement.phases.all()][2:5] == ["concept", "prototype", "test"]
    assert "two competing suppliers" in procurement.phases.get(key="concept").note
    assert "new competition" in procurement.phases.get(key="purchase").note


def test_a_deadline_shorter_than_the_rules_is_a_warning_that_names_the_rule(client, personas):
    procurement = make_procurement(personas)
    requests = procurement.phases.get(key="requests")
    requests.ends_on = requests.starts_on + datetime.timedelta(days=20)
    requests.save()
    [warning] = warnings(procurement)
    assert "lasts 20 days; the rules require at least 30" in warning.message
    assert "26-1" in warning.source_url
    requests.refresh_from_db()
    assert requests.days == 20  # warned, never silently fixed
    page = client.get(f"/en/procedures/{procurement.pk}/").text
    assert "lasts 20 days; the rules require at least 30" in page


def test_the_timeline_is_a_table_and_a_calendar(client, personas):
    procurement = make_procurement(personas)
    page = client.get(f"/en/procedures/{procurement.pk}/").text
    assert "Requests to participate" in page
    assert "at least 30" in page
    calendar = Calendar.from_ical(client.get(f"/en/procedures/{procurement.pk}/calendar.ics").content)
    assert len(calendar.walk("VEVENT")) == 9


def test_only_the_buyers_editors_change_the_phases(client, personas):
    procurement = make_procurement(personas)
    client.force_login(personas.other_buyer)
    assert client.get(f"/nb/procedures/{procurement.pk}/phases/").status_code == 403
    assert client.post(f"/nb/procedures/{procurement.pk}/add/member/", {}).status_code == 403
    client.force_login(personas.owner)
    phases = list(procurement.phases.all())
    data = {"form-TOTAL_FORMS": len(phases), "form-INITIAL_FORMS": len(phases)}
    for n, phase in enumerate(phases):
        data.update(
            {
                f"form-{n}-id": phase.pk,
                f"form-{n}-name": phase.name,
                f"form-{n}-starts_on": phase.starts_on.isoformat(),
                f"form-{n}-ends_on": (phase.ends_on + datetime.timedelta(days=7)).isoformat(),
                f"form-{n}-note": phase.note,
            }
        )
    assert client.post(f"/nb/procedures/{procurement.pk}/phases/", data).status_code == 302
    assert procurement.phases.get(key="requests").days == 37


def test_a_buyer_runs_an_innovation_partnership_for_a_joint_process(client, personas):
    need = Need.objects.create(
        organisation=personas.oslo, title="Nattilsyn", problem="x", status=NeedStatus.PUBLISHED
    )
    participant, _created = invite(
        need, personas.stavanger, "follower", "Opsjon på 200 enheter", personas.owner
    )
    participant.answer(accept=True)
    client.force_login(personas.owner)
    response = client.post(
        f"/en/procedures/new/?need={need.pk}",
        {
            "buyer": personas.oslo.pk,
            "title": "Innovasjonspartnerskap for nattilsyn",
            "procedure_type": "innovation_partnership",
            "estimated_value": "12000000",
            "cpv": "85310000",
            "start": "2027-01-04",
        },
    )
    procurement = Procurement.objects.get()
    assert response["Location"] == procurement.get_absolute_url()
    assert procurement.phases.count() == 9

    def add(what: str, fields: dict) -> None:
        # Each add form on the page has its own prefix, so no two fields share an id.
        data = {f"{what}-{name}": value for name, value in fields.items()}
        assert client.post(f"/en/procedures/{procurement.pk}/add/{what}/", data).status_code == 302

    add("member", {"group": "steering", "name": "Kari", "organisation": personas.oslo.pk, "role": "Leder"})
    add("member", {"group": "project", "name": "Ola", "organisation": personas.startup_org.pk})
    # The follower's option came over from the joint process with its terms.
    assert [(o.organisation, o.terms) for o in procurement.options.all()] == [
        (personas.stavanger, "Opsjon på 200 enheter")
    ]
    procurement.options.all().delete()
    add("option", {"organisation": personas.stavanger.pk, "terms": "200 enheter", "value": "3000000"})
    add("award", {"supplier": personas.startup_org.pk, "value": "4000000", "awarded_on": "2027-06-01"})
    add("lot", {"number": "1", "title": "Sensorer", "estimated_value": "8000000"})
    add("document", {"title": "Behovsbeskrivelse", "url": "https://oslo.example/behov.pdf"})
    page = client.get(procurement.get_absolute_url()).text
    assert "1. Sensorer (8,000,000 NOK)" in page
    assert "https://oslo.example/behov.pdf" in page
    assert "Stavanger kommune – follower with an option" in page
    assert "Steering group: Kari, Oslo kommune" in page
    assert "Stavanger kommune: 200 enheter" in page
    assert "Test Startup AS: 4,000,000 NOK" in page


def test_a_procurement_for_a_need_starts_from_its_title_problem_and_cpv_codes_in_order(client, personas):
    need = Need.objects.create(
        organisation=personas.oslo, title="Nattilsyn", problem="Tilsyn om natten", status=NeedStatus.PUBLISHED
    )
    for code in ("85310000", "33196200"):
        need.cpv_codes.add(CpvCode.objects.get(code8=code))
    client.force_login(personas.owner)
    form = client.get(f"/en/procedures/new/?need={need.pk}").context["form"]
    assert form.initial["cpv"] == "85310000 33196200"
    assert (form.initial["title"], form.initial["description"]) == ("Nattilsyn", "Tilsyn om natten")


def test_the_add_forms_on_the_page_share_no_field_id(client, personas):
    procurement = Procurement.objects.create(buyer=personas.oslo, title="T", procedure_type="open")
    client.force_login(personas.owner)
    page = client.get(f"/en/procedures/{procurement.pk}/").text
    ids = re.findall(r' id="(id_[^"]+)"', page)
    assert ids
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})


def test_an_award_names_only_a_lot_of_its_own_procurement(client, personas):
    """Another procurement's lot would end up in this one's OCDS."""
    from skala.procedures.models import Lot

    mine, other = make_procurement(personas), make_procurement(personas)
    foreign = Lot.objects.create(procurement=other, number=1, title="Andres delkontrakt")
    client.force_login(personas.owner)
    client.post(
        f"/en/procedures/{mine.pk}/add/award/",
        {
            "award-supplier": personas.startup_org.pk,
            "award-lot": foreign.pk,
            "award-value": "100",
            "award-awarded_on": "2027-06-01",
        },
    )
    assert not mine.awards.exists()
    own = Lot.objects.create(procurement=mine, number=1, title="Egen delkontrakt")
    client.post(
        f"/en/procedures/{mine.pk}/add/award/",
        {
            "award-supplier": personas.startup_org.pk,
            "award-lot": own.pk,
            "award-value": "100",
            "award-awarded_on": "2027-06-01",
        },
    )
    assert mine.awards.get().lot == own


def test_template_phases_read_in_the_pages_language_and_a_buyers_own_name_stays(client, personas):
    """Phases are stored in the language of whoever laid them out; an English page shows English."""
    from django.utils import translation

    with translation.override("nb"):
        procurement = make_procurement(personas)
    first = procurement.phases.get(order=1)
    assert first.name == "Behov og markedsdialog"
    page = client.get(f"/en/procedures/{procurement.pk}/").text
    assert "Need and market dialogue" in page
    assert "Behov og markedsdialog" not in page
    first.name = "Vår egen dialogfase"
    first.save()
    assert "Vår egen dialogfase" in client.get(f"/en/procedures/{procurement.pk}/").text


def test_options_go_to_public_buyers_and_awards_to_suppliers(personas):
    from skala.procedures.forms import AwardForm, OptionForm

    procurement = make_procurement(personas)
    followers = set(OptionForm().fields["organisation"].queryset)
    winners = set(AwardForm(procurement=procurement).fields["supplier"].queryset)
    assert personas.stavanger in followers
    assert personas.startup_org not in followers
    assert personas.startup_org in winners
    assert personas.stavanger not in winners


def test_the_public_page_names_only_the_buyers_that_joined_the_joint_process(client, personas):
    need = Need.objects.create(
        organisation=personas.oslo,
        title="Nattilsyn",
        problem="x",
        status=NeedStatus.PUBLISHED,
        visibility="invited",
    )
    joined, _created = invite(need, personas.stavanger, "follower", "", personas.owner)
    joined.answer(accept=True)
    baerum = make_organisation("Bærum kommune", OrganisationKind.MUNICIPALITY, orgnr="935478715")
    declined, _created = invite(need, baerum, "partner", "", personas.owner)
    declined.answer(accept=False)
    procurement = Procurement.objects.create(buyer=personas.oslo, title="T", procedure_type="open", need=need)
    page = client.get(procurement.get_absolute_url()).text
    assert "Stavanger kommune" in page
    assert "Bærum kommune" not in page


def test_a_draft_need_gets_no_procurement_until_it_is_published(client, personas):
    """A procurement is public at once: it would announce the draft's title."""
    need = Need.objects.create(organisation=personas.oslo, title="Hemmelig utkast", problem="x")
    client.force_login(personas.owner)
    response = client.get(f"/en/procedures/new/?need={need.pk}")
    assert response["Location"] == need.get_absolute_url()
    client.post(
        f"/en/procedures/new/?need={need.pk}", {"buyer": personas.oslo.pk, "title": "Hemmelig utkast"}
    )
    assert not Procurement.objects.exists()
