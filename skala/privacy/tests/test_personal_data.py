"""A person's data: exported whole and only theirs, erased with their dialogue input kept anonymous."""

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from skala.dialogue import report, services
from skala.dialogue.models import Answer, Attendee, QuestionKind, Registration
from skala.dialogue.tests.builders import make_meeting, make_need, make_supplier
from skala.orgs.models import ApiToken, Membership, User
from skala.privacy.personal import erase, export
from skala.suppliers.models import Alert, Subscription
from skala.testing import PASSWORD

pytestmark = pytest.mark.django_db
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def dialogue_with_two_people(personas):
    """Two suppliers' people answer a meeting's question; the first also registers the second's colleague."""
    meeting = make_meeting(make_need(personas.oslo))
    question = meeting.questions.create(kind=QuestionKind.TEXT, text="Hva er viktigst?")
    first_org, first = make_supplier(1)
    second_org, second = make_supplier(2)
    first.name, second.name = "Kari Først", "Ola Annen"
    first.save(), second.save()
    services.register(
        meeting, first_org, first, [("Kari Først", first.email), ("Per Kollega", "per@test.example")]
    )
    services.register(meeting, second_org, second, [("Ola Annen", second.email)])
    services.answer_question(question, first_org, first, text="Sensorene må være stille om natten.")
    services.answer_question(question, second_org, second, text="Integrasjon med journalen er viktigst.")
    ApiToken.issue(first, "ERP")
    subscription = Subscription.objects.create(
        organisation=first_org, user=first, name="Nattilsyn", keywords="natt"
    )
    Alert.objects.create(
        subscription=subscription, kind="need", key="need:1", title="Et behov", url="/nb/needs/1/"
    )
    return meeting, first, second


def test_an_export_holds_everything_about_the_person(personas):
    meeting, first, _second = dialogue_with_two_people(personas)
    data = export(first)
    assert data["person"]["email"] == first.email
    assert data["person"]["name"] == "Kari Først"
    assert [m["organisation"] for m in data["memberships"]] == ["Leverandør 1 AS"]
    assert data["api_tokens"][0]["name"] == "ERP"
    records = data["records"]
    assert records["dialogue.Registration"][0]["meeting"] == meeting.pk
    assert records["dialogue.Answer"][0]["text"] == "Sensorene må være stille om natten."
    assert records["dialogue.Attendee"][0]["name"] == "Kari Først"
    assert records["suppliers.Subscription"][0]["name"] == "Nattilsyn"
    assert records["suppliers.Alert"][0]["title"] == "Et behov"
    json.dumps(data)  # it is JSON as it stands


def test_an_export_never_holds_another_persons_data(personas):
    _meeting, first, second = dialogue_with_two_people(personas)
    text = json.dumps(export(first), ensure_ascii=False)
    assert second.email not in text
    assert "Ola Annen" not in text
    assert "Integrasjon med journalen" not in text
    assert "per@test.example" not in text  # a colleague the person registered is someone else
    assert "Per Kollega" not in text
    token = ApiToken.objects.get(user=first)
    assert token.digest not in text
    assert first.password not in text


def test_erasure_keeps_dialogue_input_anonymised_and_the_report_still_counts_it(personas):
    meeting, first, second = dialogue_with_two_people(personas)
    before = report.build(meeting)
    erasure = erase(first)
    assert not User.objects.filter(email=first.email).exists()
    assert not Membership.objects.filter(user_id=first.pk).exists()
    assert not ApiToken.objects.filter(user_id=first.pk).exists()
    assert not Subscription.objects.filter(user_id=first.pk).exists()
    assert not Alert.objects.filter(subscription__user_id=first.pk).exists()
    answer = Answer.objects.get(text="Sensorene må være stille om natten.")
    assert answer.answered_by is None  # the answer stays, attributed to no one
    assert Registration.objects.filter(supplier__name="Leverandør 1 AS", registered_by=None).count() == 1
    assert not Attendee.objects.filter(email__iexact=first.email).exists()
    assert Attendee.objects.filter(name="Per Kollega").exists()  # the colleague is not erased
    after = report.build(meeting)
    assert after["suppliers_registered"] == before["suppliers_registered"] == 2
    assert after["themes"] == before["themes"]
    assert erasure.kept_anonymous["dialogue.Answer"] == 1
    # The other person is untouched.
    assert Answer.objects.get(text__startswith="Integrasjon").answered_by == second


def test_a_dry_run_erases_nothing(personas):
    _meeting, first, _second = dialogue_with_two_people(personas)
    erasure = erase(first, dry_run=True)
    assert erasure.deleted["orgs.Membership"] == 1
    assert User.objects.filter(pk=first.pk).exists()
    assert Attendee.objects.filter(email=first.email).exists()


def test_the_command_exports_and_erases(personas, tmp_path, capsys):
    _meeting, first, _second = dialogue_with_two_people(personas)
    output = tmp_path / "kari.json"
    call_command("personal_data", "export", first.email.upper(), "--output", str(output))
    assert json.loads(output.read_text())["person"]["email"] == first.email
    call_command("personal_data", "erase", first.email, "--dry-run")
    assert "Would erase" in capsys.readouterr().out
    assert User.objects.filter(pk=first.pk).exists()
    call_command("personal_data", "erase", first.email)
    assert not User.objects.filter(pk=first.pk).exists()
    with pytest.raises(CommandError, match="No one has"):
        call_command("personal_data", "export", first.email)


def test_a_person_downloads_their_data_from_their_page(client, personas):
    _meeting, first, second = dialogue_with_two_people(personas)
    client.force_login(first, backend=MODEL_BACKEND)
    page = client.get("/en/privacy/")
    assert page.status_code == 200
    assert "Download my data" in page.text
    download = client.get("/en/privacy/export.json")
    assert download["Content-Disposition"].startswith("attachment;")
    data = json.loads(download.content)
    assert data["person"]["email"] == first.email
    assert second.email not in download.content.decode()


def test_the_page_needs_a_login(client):
    assert client.get("/en/privacy/").status_code == 302
    assert client.get("/en/privacy/export.json").status_code == 302


def test_deleting_an_account_needs_the_password_and_a_yes(client, personas):
    _meeting, first, _second = dialogue_with_two_people(personas)
    client.force_login(first, backend=MODEL_BACKEND)
    refused = client.post("/en/privacy/delete/", {"password": "wrong", "confirm": "on"})
    assert refused.status_code == 200
    assert "That is not your password." in refused.text
    assert client.post("/en/privacy/delete/", {"password": PASSWORD}).status_code == 200
    assert User.objects.filter(pk=first.pk).exists()
    done = client.post("/en/privacy/delete/", {"password": PASSWORD, "confirm": "on"})
    assert done.status_code == 302
    assert not User.objects.filter(pk=first.pk).exists()
    assert Answer.objects.filter(text__startswith="Sensorene", answered_by=None).exists()
    assert client.get("/en/privacy/").status_code == 302  # signed out


def test_a_former_member_is_not_shown_what_their_organisations_rows_say_now(personas):
    """A need they once wrote goes on changing after they leave; the export says only that they wrote it."""
    from skala.needs.models import Need

    need = Need.objects.create(
        organisation=personas.oslo, title="Første utkast", problem="Tekst", created_by=personas.colleague
    )
    assert export(personas.colleague)["records"]["needs.Need"][0]["title"] == "Første utkast"
    Membership.objects.filter(user=personas.colleague).delete()
    need.title = "Ny tittel etter at hun sluttet"
    need.save()
    former = User.objects.get(pk=personas.colleague.pk)  # a fresh request's person: no cached roles
    [record] = export(former)["records"]["needs.Need"]
    assert record["id"] == need.pk
    assert record["withheld"]
    assert "created_at" in record
    assert "Ny tittel" not in json.dumps(record, ensure_ascii=False)


def test_rows_that_only_name_an_unconfirmed_address_are_neither_exported_nor_erased(personas):
    """Anyone can sign up with a competitor's contact address: it proves nothing until confirmed."""
    meeting, first, _second = dialogue_with_two_people(personas)
    first.email_verified_at = None
    first.save()
    records = export(first)["records"]
    assert "dialogue.Attendee" not in records
    assert records["dialogue.Answer"]  # what the person did through their account is still theirs
    erase(first)
    assert Attendee.objects.filter(name="Kari Først").exists()  # the named attendee is left alone
    assert meeting.registrations.count() == 2


def test_rows_are_judged_by_the_organisation_the_person_acted_for(personas):
    """A host's answer to a supplier's question is the buyer's (not the asking supplier's); a meeting
    has no organisation key of its own but belongs to its need's buyer."""
    from skala.dialogue.models import Meeting, SupplierQuestion

    meeting = make_meeting(make_need(personas.oslo))
    Meeting.objects.filter(pk=meeting.pk).update(created_by=personas.colleague)
    asked = SupplierQuestion.objects.create(
        meeting=meeting, asked_by=personas.startup_org, text="Hvor mange?", answer="Omtrent 400."
    )
    SupplierQuestion.objects.filter(pk=asked.pk).update(answered_by=personas.colleague)
    records = export(User.objects.get(pk=personas.colleague.pk))["records"]
    assert records["dialogue.SupplierQuestion"][0]["answer"] == "Omtrent 400."
    assert records["dialogue.Meeting"][0]["title"] == meeting.title
    Membership.objects.filter(user=personas.colleague).delete()
    Meeting.objects.filter(pk=meeting.pk).update(title="Ny tittel etter at hun sluttet")
    records = export(User.objects.get(pk=personas.colleague.pk))["records"]
    assert records["dialogue.Meeting"][0]["withheld"]
    assert "Ny tittel" not in json.dumps(records, ensure_ascii=False)


def test_erasing_an_unconfirmed_address_says_what_stayed_and_staff_may_take_it_too(personas, capsys):
    _meeting, first, _second = dialogue_with_two_people(personas)
    User.objects.filter(pk=first.pk).update(email_verified_at=None)
    first.refresh_from_db()
    report = erase(first, dry_run=True)
    assert report.left_unconfirmed["dialogue.Attendee"] == 1
    assert "dialogue.Attendee" not in report.anonymised
    call_command("personal_data", "erase", first.email, "--include-unconfirmed-mentions")
    assert not Attendee.objects.filter(name="Kari Først").exists()
    assert Attendee.objects.filter(name="Per Kollega").exists()
