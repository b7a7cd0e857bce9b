"""Authorisation bugs the matrix (test_authorization_matrix.py) found, each pinned by its own test."""

import datetime
import json

import pytest

from skala.dialogue.models import Answer, Question
from skala.dialogue.services import visible_answers
from skala.dialogue.tests.builders import make_meeting
from skala.needs.models import Need, NeedStatus
from skala.orgs.models import ApiToken, OrganisationKind
from skala.portfolio.models import Programme, Project
from skala.procedures.models import Procurement
from skala.suppliers.models import Subscription, SupplierProfile
from skala.suppliers.proposals import send_proposal
from skala.suppliers.tests.builders import NIGHT_NEED, publish_need
from skala.testing import make_organisation

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 6, 1)


def test_a_superuser_is_kept_out_of_a_suppliers_confidential_answer(personas):
    need = publish_need(personas.oslo, *NIGHT_NEED)
    meeting = make_meeting(need)
    question = Question.objects.create(meeting=meeting, text="Hva trenger dere?")
    Answer.objects.create(question=question, supplier=personas.startup_org, text="Bare for vertene")
    assert personas.staff.is_superuser
    assert not personas.staff.has_perm("dialogue.view_input", meeting)
    assert not visible_answers(meeting, personas.staff).exists()
    assert personas.owner.has_perm("dialogue.view_input", meeting)


def test_a_superuser_does_not_read_a_proposal_between_a_supplier_and_a_buyer(client, personas):
    proposal = send_proposal(
        sender=personas.supplier_org,
        sent_by=personas.supplier,
        title="Fallsensorer",
        description="Fortrolig",
        cpv_codes=[],
        buyer=personas.oslo,
    )
    client.force_login(personas.staff, backend="django.contrib.auth.backends.ModelBackend")
    assert client.get(f"/nb/suppliers/proposals/{proposal.pk}/").status_code == 403
    # Where a rule gives staff its override (has_role), a superuser still has it.
    assert personas.staff.has_perm("orgs.change_organisation", personas.oslo)


def test_the_project_form_lists_only_the_needs_the_person_may_see(client, personas):
    Need.objects.create(
        organisation=personas.oslo, title="Oslos utkast", problem="x", status=NeedStatus.DRAFT
    )
    client.force_login(personas.other_buyer, backend="django.contrib.auth.backends.ModelBackend")
    response = client.get("/nb/portfolio/new/")
    assert response.status_code == 200
    assert "Oslos utkast" not in response.content.decode()


def test_a_buyer_who_posts_a_subscription_is_refused(client, personas):
    client.force_login(personas.other_buyer, backend="django.contrib.auth.backends.ModelBackend")
    response = client.post("/nb/suppliers/subscriptions/", {"name": "Ny", "frequency": "daily"})
    assert response.status_code == 403
    assert not Subscription.objects.exists()


def test_a_project_cannot_be_put_into_a_programme_one_is_not_part_of(client, personas):
    facilitator = make_organisation("KS", OrganisationKind.FACILITATOR)
    programme = Programme.objects.create(
        name="Velferdsteknologi", facilitator=facilitator, starts_on=DAY, ends_on=DAY
    )
    client.force_login(personas.other_buyer, backend="django.contrib.auth.backends.ModelBackend")
    form = {"title": "Inn i andres program", "owners": [personas.stavanger.pk], "programme": programme.pk}
    response = client.post("/nb/portfolio/new/", form)
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["programme"]
    assert not Project.objects.exists()
    programme.members.add(personas.stavanger)
    assert client.post("/nb/portfolio/new/", form).status_code == 302
    assert Project.objects.get().programme == programme


def test_a_refused_request_makes_no_profile_for_a_supplier_that_has_none(client, personas):
    registered = make_organisation("Ny Leverandør AS", OrganisationKind.SUPPLIER, orgnr="999000053")
    client.force_login(personas.supplier, backend="django.contrib.auth.backends.ModelBackend")
    assert client.get(f"/nb/suppliers/{registered.pk}/edit/").status_code == 403
    assert client.get(f"/nb/suppliers/{registered.pk}/solutions/new/").status_code == 403
    token = ApiToken.issue(personas.supplier, "test")[1]
    response = client.patch(
        f"/api/v1/suppliers/{registered.pk}",
        {"summary": "Overtatt"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 403
    assert not SupplierProfile.objects.filter(organisation=registered).exists()


def test_a_published_reports_groups_are_not_named_by_words_of_confidential_answers(personas):
    from skala.dialogue.report import generate

    meeting = make_meeting(publish_need(personas.oslo, *NIGHT_NEED))
    first = Question.objects.create(meeting=meeting, text="Hva er viktigst?")
    second = Question.objects.create(meeting=meeting, text="Hva mer?")
    for question, supplier, text, shareable in [
        (first, personas.supplier_org, "Solsikkezq og lavendelzq gir solsikkezq.", True),
        (second, personas.supplier_org, "Lavendelzq solsikkezq lavendelzq.", True),
        (first, personas.startup_org, "Hemmeligzq kremlzq hemmeligzq tundrazq.", False),
        (second, personas.startup_org, "Tundrazq hemmeligzq kremlzq hemmeligzq.", False),
    ]:
        Answer.objects.create(question=question, supplier=supplier, text=text, shareable=shareable)
    content = json.dumps(generate(meeting).content)
    assert "solsikkezq" in content or "lavendelzq" in content
    for word in ("hemmeligzq", "kremlzq", "tundrazq"):
        assert word not in content


def test_a_public_procurement_does_not_show_the_title_of_its_draft_need(client, personas):
    draft = Need.objects.create(
        organisation=personas.oslo, title="Oslos utkast", problem="x", status=NeedStatus.DRAFT
    )
    procurement = Procurement.objects.create(
        buyer=personas.oslo, need=draft, title="Forberedt anskaffelse", procedure_type="open"
    )
    assert "Oslos utkast" not in client.get(f"/nb/procedures/{procurement.pk}/").content.decode()
    client.force_login(personas.colleague, backend="django.contrib.auth.backends.ModelBackend")
    assert "Oslos utkast" in client.get(f"/nb/procedures/{procurement.pk}/").content.decode()


def test_the_admin_shows_staff_a_proposals_routing_but_not_its_content(client, personas):
    proposal = send_proposal(
        sender=personas.supplier_org,
        sent_by=personas.supplier,
        title="Fallsensorer med egen algoritme",
        description="Fortrolig beskrivelse av løsningen",
        cpv_codes=[],
        buyer=personas.oslo,
    )
    client.force_login(personas.staff, backend="django.contrib.auth.backends.ModelBackend")
    listing = client.get("/nb/admin/suppliers/proposalrouting/").content.decode()
    page = client.get(f"/nb/admin/suppliers/proposalrouting/{proposal.pk}/change/")
    assert page.status_code == 200
    for shown in (listing, page.content.decode()):
        assert personas.supplier_org.name in shown
        assert "Fallsensorer" not in shown
        assert "Fortrolig" not in shown
    assert client.post(f"/nb/admin/suppliers/proposalrouting/{proposal.pk}/change/", {}).status_code == 403


def test_admin_forms_search_the_cpv_vocabulary_instead_of_listing_it(client, personas):
    client.force_login(personas.staff, backend="django.contrib.auth.backends.ModelBackend")
    page = client.get("/nb/admin/suppliers/solution/add/").content.decode()
    assert page.count("<option") < 100
    assert "admin-autocomplete" in page
