"""Confirming an e-mail address: the link sent at sign-up, and what waits for it."""

import pytest

from skala.orgs.models import User
from skala.orgs.verification import token_for, user_for
from skala.testing import make_user

pytestmark = pytest.mark.django_db


def unconfirmed(email="ny@test.example") -> User:
    user = make_user(email)
    user.email_verified_at = None
    user.save()
    return user


def test_signing_up_sends_a_link_that_confirms_the_address(
    client, db, mailoutbox, run_db_worker, django_capture_on_commit_callbacks
):
    from skala.suppliers.tests.test_profiles import signup_data

    with django_capture_on_commit_callbacks(execute=True):
        client.post("/en/suppliers/join/", signup_data())
    run_db_worker()
    user = User.objects.get(email="kari@sensor.example")
    assert user.email_verified_at is None
    [message] = mailoutbox
    assert message.to == ["kari@sensor.example"]
    link = next(line for line in message.body.splitlines() if "/accounts/verify/" in line)
    path = link[link.index("/", len("https://")) :]
    client.logout()
    assert client.get(path).status_code == 302  # to log in first
    client.force_login(user)
    page = client.get(path)
    assert page.status_code == 200
    assert "kari@sensor.example" in page.text
    user.refresh_from_db()
    assert user.email_verified_at is not None


def test_a_forged_or_stale_link_confirms_nothing(client, db):
    user = unconfirmed()
    client.force_login(user)
    token = token_for(user)
    assert client.get(f"/en/accounts/verify/{token}x/").status_code == 400
    user.email = "annen@test.example"
    user.save()
    assert user_for(token) is None  # the link was for the old address
    assert client.get(f"/en/accounts/verify/{token}/").status_code == 400
    user.refresh_from_db()
    assert user.email_verified_at is None


def test_the_account_page_offers_the_link_until_the_address_is_confirmed(
    client, db, mailoutbox, run_db_worker, django_capture_on_commit_callbacks
):
    user = unconfirmed()
    client.force_login(user)
    assert "not confirmed yet" in client.get("/en/accounts/").text
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/en/accounts/verify/")
    run_db_worker()
    assert [message.to for message in mailoutbox] == [[user.email]]


def test_a_password_reset_confirms_the_address(client, db, mailoutbox, run_db_worker):
    user = unconfirmed()
    client.post("/en/accounts/password/reset/", {"email": user.email})
    run_db_worker()
    link = next(line for line in mailoutbox[0].body.splitlines() if "/password/reset/" in line).strip()
    path = link[link.index("/", len("https://")) :]
    form_page = client.get(path, follow=True)
    client.post(
        form_page.redirect_chain[-1][0] if form_page.redirect_chain else path,
        {"new_password1": "et-nytt-langt-passord-9", "new_password2": "et-nytt-langt-passord-9"},
    )
    user.refresh_from_db()
    assert user.check_password("et-nytt-langt-passord-9")
    assert user.email_verified_at is not None


def test_someone_elses_click_does_not_confirm_an_account(client, db):
    """Mallory signs up with Kari's address; Kari, signed in as herself, follows the link she got."""
    mallory = unconfirmed("kari@test.example")
    kari = make_user("kari.ekte@test.example")
    client.force_login(kari)
    assert client.get(f"/en/accounts/verify/{token_for(mallory)}/").status_code == 403
    mallory.refresh_from_db()
    assert mallory.email_verified_at is None


def test_a_changed_address_must_be_confirmed_again(db):
    user = make_user("gammel@test.example")
    assert user.email_verified_at is not None
    user.email = "ny@test.example"
    user.save()
    user.refresh_from_db()
    assert user.email_verified_at is None
