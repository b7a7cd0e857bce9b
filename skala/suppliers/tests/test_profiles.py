"""Supplier profiles: public, edited only by the supplier's own members; signing up as a startup."""

import pytest

from skala.corpus.models import CorpusDocument
from skala.orgs.identifiers import norwegian_check_digit
from skala.orgs.models import Organisation, User
from skala.suppliers.models import Solution, SupplierProfile
from skala.suppliers.profiles import NotClaimableError, register_supplier
from skala.suppliers.tests.builders import SENSOR_SOLUTION, add_solution
from skala.testing import make_organisation

pytestmark = pytest.mark.django_db


def valid_orgnr(start=91234560) -> str:
    """The first organisation number from start on that has a check digit (some eight digits have none)."""
    for number in range(start, start + 20):
        digit = norwegian_check_digit(str(number))
        if digit is not None:
            return f"{number}{digit}"
    raise AssertionError("no valid number")


def signup_data(**changes) -> dict:
    data = {
        "name": "Kari Gründer",
        "email": "kari@sensor.example",
        "password": "et-langt-passord-2026",
        "company": "Kari Sensor AS",
        "orgnr": valid_orgnr(),
        "is_startup": "on",
    }
    data.update(changes)
    return data


def test_anyone_reads_a_supplier_profile_with_its_solutions(client, personas):
    add_solution(personas.startup_org, *SENSOR_SOLUTION, cpv=["33196200"], summary="Fallsensorer uten kamera")
    response = client.get(f"/nb/suppliers/{personas.startup_org.pk}/")
    assert response.status_code == 200
    assert "Fallsensor for nattilsyn" in response.text
    assert "Fallsensorer uten kamera" in response.text
    assert "33196200-2" in response.text


def test_only_the_suppliers_own_editors_edit_its_profile(client, personas):
    url = f"/nb/suppliers/{personas.startup_org.pk}/edit/"
    for outsider in [personas.supplier, personas.owner, personas.other_buyer, personas.facilitator]:
        client.force_login(outsider)
        assert client.get(url).status_code == 403, outsider
        assert client.post(url, {"summary": "Kapret"}).status_code == 403
    client.force_login(personas.startup)
    response = client.post(
        url,
        {
            "summary": "Radarbaserte fallsensorer",
            "languages": ["nb", "en"],
            "open_to_partnering": "on",
            "website": "sensor.example",
            "contacts-TOTAL_FORMS": "1",
            "contacts-INITIAL_FORMS": "0",
            "contacts-0-name": "Kari",
            "contacts-0-email": "kari@sensor.example",
        },
    )
    assert response.status_code == 302, response.context and response.context["form"].errors
    profile = SupplierProfile.objects.get(organisation=personas.startup_org)
    assert (profile.summary, profile.languages, profile.open_to_partnering) == (
        "Radarbaserte fallsensorer",
        ["nb", "en"],
        True,
    )
    assert profile.contacts.get().name == "Kari"
    personas.startup_org.refresh_from_db()
    assert personas.startup_org.website == "https://sensor.example"


def test_a_solution_with_references_enters_matching(client, personas):
    client.force_login(personas.startup)
    response = client.post(
        f"/nb/suppliers/{personas.startup_org.pk}/solutions/new/",
        {
            "title": "Fallsensor",
            "description": "Radar som oppdager fall om natten",
            "maturity": "prototype",
            "cpv": "33196200",
            "references-TOTAL_FORMS": "1",
            "references-INITIAL_FORMS": "0",
            "references-0-customer_name": "Bergen kommune",
            "references-0-year": "2024",
        },
    )
    assert response.status_code == 302
    solution = Solution.objects.get()
    assert solution.references.get().customer_name == "Bergen kommune"
    document = CorpusDocument.objects.get(key=f"solution:{solution.pk}")
    assert (document.kind, document.owner_id, document.cpv) == (
        "solution",
        personas.startup_org.pk,
        ["33196200"],
    )


def test_another_supplier_cannot_change_or_delete_a_solution(client, personas):
    solution = add_solution(personas.startup_org, *SENSOR_SOLUTION)
    client.force_login(personas.supplier)
    base = f"/nb/suppliers/{personas.startup_org.pk}/solutions/{solution.pk}"
    assert (
        client.post(f"{base}/edit/", {"title": "x", "description": "y", "maturity": "idea"}).status_code
        == 403
    )
    assert client.post(f"{base}/delete/").status_code == 403
    assert Solution.objects.filter(pk=solution.pk).exists()


def test_a_startup_signs_up_and_administers_its_new_profile(client, db):
    response = client.post("/nb/suppliers/join/", signup_data())
    assert response.status_code == 302
    organisation = Organisation.objects.get(orgnr=valid_orgnr())
    assert organisation.kind == "supplier"
    assert organisation.supplier_profile.is_startup
    user = User.objects.get(email="kari@sensor.example")
    assert user.memberships.get().role == "admin"
    assert client.get(response["Location"]).status_code == 200  # logged in, on the profile form


def test_a_wrong_check_digit_is_an_error_on_the_field(client, db):
    bad = valid_orgnr()[:8] + str((int(valid_orgnr()[8]) + 1) % 10)
    response = client.post("/en/suppliers/join/", signup_data(orgnr=bad))
    assert response.status_code == 200
    assert "the check digit does not match" in str(response.context["form"].errors["orgnr"])
    assert not Organisation.objects.exists()


def test_a_company_already_in_skala_with_members_is_not_taken_over(client, personas):
    response = client.post("/en/suppliers/join/", signup_data(orgnr=personas.startup_org.orgnr))
    assert "ask its administrator" in str(response.context["form"].errors["orgnr"])


def test_a_memberless_supplier_from_the_register_is_taken_over(client, db):
    record = Organisation.objects.create(name="KARI SENSOR AS", kind="supplier", orgnr=valid_orgnr())
    response = client.post("/nb/suppliers/join/", signup_data())
    assert response.status_code == 302
    assert User.objects.get(email="kari@sensor.example").memberships.get().organisation == record


def test_a_memberless_public_buyer_is_never_taken_over_by_signing_up(client, db):
    """Else anyone with Bergen's public number would administer it and every unit below it."""
    bergen = make_organisation("Bergen kommune", orgnr=valid_orgnr())
    response = client.post("/en/suppliers/join/", signup_data(orgnr=bergen.orgnr))
    assert response.status_code == 200
    assert "public buyer" in str(response.context["form"].errors["orgnr"])
    assert not User.objects.filter(email="kari@sensor.example").exists()
    assert not bergen.memberships.exists()


def test_a_memberless_supplier_with_proposals_is_not_taken_over(client, personas):
    """Its proposals are confidential; whoever took it over would read them."""
    from skala.suppliers.proposals import send_proposal

    quiet = make_organisation("Stille Leverandør AS", kind="supplier", orgnr=valid_orgnr())
    send_proposal(
        sender=quiet, sent_by=None, title="Idé", description="Hemmelig", cpv_codes=[], buyer=personas.oslo
    )
    response = client.post("/en/suppliers/join/", signup_data(orgnr=quiet.orgnr))
    assert "ask its administrator" in str(response.context["form"].errors["orgnr"])
    assert not quiet.memberships.exists()


def test_registering_refuses_what_the_form_would_refuse(db):
    """The domain function checks again: a buyer cannot be taken over however it is called."""
    bergen = make_organisation("Bergen kommune", orgnr=valid_orgnr())
    with pytest.raises(NotClaimableError):
        register_supplier(
            name="M", email="m@evil.example", password="x-long-pass-2026", company="M", orgnr=bergen.orgnr
        )
    assert not User.objects.filter(email="m@evil.example").exists()


def test_the_profile_shows_what_enhetsregisteret_says(client, personas):
    from skala.orgs.models import RegistryEntry

    RegistryEntry.objects.create(
        orgnr=personas.startup_org.orgnr,
        name="TEST STARTUP AS",
        org_form_code="AS",
        org_form_description="Aksjeselskap",
        nace_description="Utvikling av programvare",
        founded_on="2023-04-01",
        is_startup=True,
        is_sme=True,
    )
    page = client.get(f"/en/suppliers/{personas.startup_org.pk}/").text
    assert "Aksjeselskap, Utvikling av programvare" in page
    assert "startup by the register" in page
    assert "2023" in page


def test_a_memberless_supplier_that_owns_a_project_is_not_taken_over(db):
    """Its portfolio projects are confidential to its members."""
    import datetime

    from skala.portfolio.models import Project
    from skala.suppliers.profiles import claim_refusal

    quiet = make_organisation("Stille Leverandør AS", kind="supplier", orgnr=valid_orgnr())
    Project.objects.create(title="Hemmelig pilot", stage_since=datetime.date(2026, 1, 1)).owners.set([quiet])
    assert claim_refusal(quiet) == "activity"


def test_a_swedish_supplier_signs_up_with_its_swedish_number(client, db):
    page = client.get("/sv/suppliers/join/")
    assert page.context["form"]["country"].value() == "SE"
    response = client.post("/sv/suppliers/join/", signup_data(orgnr="556036-0793", country="SE"))
    assert response.status_code == 302
    organisation = Organisation.objects.get(orgnr="556036-0793")
    assert (organisation.country, organisation.kind) == ("SE", "supplier")
    bad = client.post(
        "/en/suppliers/join/", signup_data(orgnr="556036-0794", country="SE", email="x@y.example")
    )
    assert bad.status_code == 200
    assert bad.context["form"].errors["orgnr"]
