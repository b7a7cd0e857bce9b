import pytest
from django.core import mail

from skala.orgs.models import ApiToken, Membership, Organisation
from skala.testing import PASSWORD

pytestmark = pytest.mark.django_db


def edit_form(organisation: Organisation, **changes) -> dict:
    data = {
        "name": organisation.name,
        "kind": organisation.kind,
        "country": organisation.country,
        "orgnr": organisation.orgnr,
        "municipality": organisation.municipality_id or "",
        "website": organisation.website,
        "description": organisation.description,
    }
    data.update(changes)
    return data


def test_organisation_list_is_public_and_filters_by_kind(client, personas):
    response = client.get("/nb/organisations/", {"kind": "supplier"})
    assert response.status_code == 200
    assert "Test Leverandør AS" in response.text
    assert "Oslo kommune" not in response.text


def test_organisation_list_finds_by_organisation_number(client, personas):
    response = client.get("/en/organisations/", {"q": "964 965 226"})
    assert "Stavanger kommune" in response.text
    assert "Oslo kommune" not in response.text


def test_organisation_list_query_count_does_not_grow_with_rows(
    client, personas, django_assert_max_num_queries
):
    with django_assert_max_num_queries(4):
        client.get("/nb/organisations/")


def test_organisation_page_shows_members_to_members_only(client, personas):
    client.force_login(personas.colleague)
    assert "Owner" in client.get(f"/en/organisations/{personas.oslo.pk}/").text
    client.force_login(personas.other_buyer)
    assert "Owner" not in client.get(f"/en/organisations/{personas.oslo.pk}/").text


def test_editor_saves_the_organisation(client, personas):
    client.force_login(personas.owner)
    response = client.post(
        f"/en/organisations/{personas.oslo.pk}/edit/", edit_form(personas.oslo, website="oslo.kommune.no")
    )
    assert response.status_code == 302
    personas.oslo.refresh_from_db()
    assert personas.oslo.website == "https://oslo.kommune.no"


def test_editors_cannot_change_the_kind_country_or_number(client, personas):
    """A supplier that made itself a municipality would publish needs and receive proposals."""
    supplier = personas.supplier_org
    client.force_login(personas.supplier)
    response = client.post(
        f"/en/organisations/{supplier.pk}/edit/",
        edit_form(supplier, kind="municipality", country="SE", orgnr="2120000142", description="Sensorer"),
    )
    assert response.status_code == 302
    supplier.refresh_from_db()
    assert (supplier.kind, supplier.country, supplier.description) == ("supplier", "NO", "Sensorer")
    assert supplier.orgnr == "999000010"
    client.force_login(personas.supplier)
    assert client.get("/en/needs/new/").status_code == 403


def test_buyer_cannot_edit_another_buyers_organisation(client, personas):
    client.force_login(personas.other_buyer)
    url = f"/en/organisations/{personas.oslo.pk}/edit/"
    assert client.get(url).status_code == 403
    assert client.post(url, edit_form(personas.oslo, name="Hacked")).status_code == 403
    personas.oslo.refresh_from_db()
    assert personas.oslo.name == "Oslo kommune"


def test_anonymous_visitor_is_sent_to_log_in(client, personas):
    response = client.get(f"/nb/organisations/{personas.oslo.pk}/edit/")
    assert response.status_code == 302
    assert response["Location"].startswith("/nb/accounts/login/")


def test_admin_adds_a_unit(client, personas):
    client.force_login(personas.owner)
    response = client.post(
        f"/en/organisations/{personas.oslo.pk}/units/new/",
        {
            "name": "Innkjøpsseksjonen",
            "unit": "procurement_office",
            "orgnr": "",
            "website": "",
            "description": "",
        },
    )
    assert response.status_code == 302
    unit = Organisation.objects.get(name="Innkjøpsseksjonen")
    assert (unit.parent, unit.kind, unit.unit) == (personas.oslo, "municipality", "procurement_office")


def test_colleague_cannot_add_units_or_manage_members(client, personas):
    client.force_login(personas.colleague)
    assert client.get(f"/en/organisations/{personas.oslo.pk}/units/new/").status_code == 403
    assert client.get(f"/en/organisations/{personas.oslo.pk}/members/").status_code == 403


def test_admin_adds_a_member_with_a_role(client, personas):
    client.force_login(personas.owner)
    response = client.post(
        f"/en/organisations/{personas.oslo.pk}/members/",
        {"email": "Facilitator@test.example", "role": "editor"},
    )
    assert response.status_code == 302
    assert Membership.objects.get(user=personas.facilitator, organisation=personas.oslo).role == "editor"


def test_adding_an_unknown_person_is_an_error_on_the_email_field(client, personas):
    client.force_login(personas.owner)
    response = client.post(
        f"/en/organisations/{personas.oslo.pk}/members/", {"email": "nobody@x.example", "role": "viewer"}
    )
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["email"]


@pytest.mark.parametrize("who", ["owner", "staff"])
def test_a_staff_account_is_given_no_role(client, personas, who):
    """Else staff would add themselves to the receiver and read its proposals' content."""
    client.force_login(getattr(personas, who))
    response = client.post(
        f"/en/organisations/{personas.oslo.pk}/members/", {"email": personas.staff.email, "role": "viewer"}
    )
    assert response.status_code == 200
    assert "staff account" in str(response.context["form"].errors["email"])
    assert not personas.staff.memberships.exists()


def test_the_last_administrator_stays(client, personas):
    client.force_login(personas.owner)
    membership = Membership.objects.get(user=personas.owner, organisation=personas.oslo)
    client.post(f"/en/organisations/{personas.oslo.pk}/members/{membership.pk}/", {"remove": "1"})
    client.post(f"/en/organisations/{personas.oslo.pk}/members/{membership.pk}/", {"role": "viewer"})
    membership.refresh_from_db()
    assert membership.role == "admin"


def test_admin_changes_and_removes_a_member(client, personas):
    client.force_login(personas.owner)
    colleague = Membership.objects.get(user=personas.colleague, organisation=personas.oslo)
    client.post(f"/en/organisations/{personas.oslo.pk}/members/{colleague.pk}/", {"role": "editor"})
    colleague.refresh_from_db()
    assert colleague.role == "editor"
    client.post(f"/en/organisations/{personas.oslo.pk}/members/{colleague.pk}/", {"remove": "1"})
    assert not Membership.objects.filter(pk=colleague.pk).exists()


def test_member_of_another_organisation_cannot_be_changed_through_this_one(client, personas):
    client.force_login(personas.owner)
    stavanger_member = Membership.objects.get(user=personas.other_buyer)
    response = client.post(
        f"/en/organisations/{personas.oslo.pk}/members/{stavanger_member.pk}/", {"remove": "1"}
    )
    assert response.status_code == 404
    assert Membership.objects.filter(pk=stavanger_member.pk).exists()


def test_log_in_with_email_and_log_out(client, personas):
    response = client.post("/nb/accounts/login/", {"username": "owner@test.example", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/nb/accounts/").status_code == 200
    client.post("/nb/accounts/logout/")
    assert client.get("/nb/accounts/").status_code == 302


def test_wrong_password_is_refused(client, personas):
    response = client.post("/en/accounts/login/", {"username": "owner@test.example", "password": "wrong"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()


def test_password_reset_mail_is_sent_by_the_task_worker(client, personas, run_db_worker):
    response = client.post("/en/accounts/password/reset/", {"email": "owner@test.example"})
    assert response.status_code == 302
    assert mail.outbox == []
    run_db_worker()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["owner@test.example"]
    link = next(line for line in message.body.splitlines() if "/accounts/password/reset/" in line)
    path = link.split("testserver", 1)[1]
    form = client.get(path, follow=True)
    assert form.context["validlink"]
    done = client.post(
        form.redirect_chain[-1][0], {"new_password1": "Ny-passord-2026!", "new_password2": "Ny-passord-2026!"}
    )
    assert done.status_code == 302
    personas.owner.refresh_from_db()
    assert personas.owner.check_password("Ny-passord-2026!")


def test_token_is_shown_once_and_works_until_revoked(client, personas):
    client.force_login(personas.owner)
    response = client.post("/en/accounts/tokens/", {"name": "ERP export"})
    secret = response.context["secret"]
    assert secret.startswith("skala_")
    assert secret in response.text
    assert secret not in client.get("/en/accounts/tokens/").text
    token = ApiToken.objects.get(user=personas.owner)
    assert token.digest != secret

    api = client.__class__()
    assert api.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    client.post(f"/en/accounts/tokens/{token.pk}/revoke/")
    assert api.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 401


def test_nobody_revokes_another_persons_token(client, personas):
    token, _secret = ApiToken.issue(personas.owner, "mine")
    client.force_login(personas.other_buyer)
    assert client.post(f"/en/accounts/tokens/{token.pk}/revoke/").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_staff_get_no_role_from_the_command_line_or_the_administration(personas):
    from django.core.exceptions import ValidationError
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="staff"):
        call_command("createuser", personas.staff.email, "--organisation", str(personas.oslo.pk))
    with pytest.raises(ValidationError):
        Membership(user=personas.staff, organisation=personas.oslo).full_clean()
    assert not personas.staff.memberships.exists()
