"""Login throttling: an account or address that fails too often is refused for a while, and told why."""

import itertools

import pytest
from django.contrib.auth import authenticate
from django.test import Client

from skala.security import throttle
from skala.testing import PASSWORD, make_user

pytestmark = pytest.mark.django_db

LOGIN = "/en/accounts/login/"
_caches = itertools.count()


@pytest.fixture(autouse=True)
def own_cache(settings):
    """A cache of the test's own, so counts never leak between tests (or into a shared Redis)."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"throttle-test-{next(_caches)}",
        }
    }
    settings.SKALA_LOGIN_FAILURES_PER_ACCOUNT = 3
    settings.SKALA_LOGIN_FAILURES_PER_ADDRESS = 5
    settings.SKALA_LOGIN_LOCKOUT_SECONDS = 600


def client_from(address: str) -> Client:
    return Client(REMOTE_ADDR=address)


def log_in(client: Client, email: str, password: str):
    return client.post(LOGIN, {"username": email, "password": password})


def errors(response) -> list[str]:
    return list(response.context["form"].non_field_errors())


def test_an_account_is_refused_after_its_failures_even_with_the_right_password():
    make_user("anna@test.example")
    client = client_from("192.0.2.1")
    for _attempt in range(3):
        assert "Please enter a correct" in errors(log_in(client, "anna@test.example", "wrong"))[0]
    response = log_in(client, "anna@test.example", PASSWORD)
    assert response.status_code == 200
    assert errors(response) == [
        "Too many failed logins for this account or from this address. Try again in 10 minutes."
    ]
    # From another address too: the lock is on the account.
    response = log_in(client_from("192.0.2.2"), "anna@test.example", PASSWORD)
    assert "Too many failed logins" in errors(response)[0]


def test_the_account_may_log_in_again_when_the_window_has_passed(monkeypatch):
    make_user("bo@test.example")
    client = client_from("192.0.2.3")
    now = [1_000_000.0]
    monkeypatch.setattr(throttle.time, "time", lambda: now[0])
    for _attempt in range(3):
        log_in(client, "bo@test.example", "wrong")
    assert "Too many failed logins" in errors(log_in(client, "bo@test.example", PASSWORD))[0]
    now[0] += 599
    assert "Try again in 1 minute." in errors(log_in(client, "bo@test.example", PASSWORD))[0]
    now[0] += 2
    assert throttle.refused_for("bo@test.example", "192.0.2.3") == 0
    assert log_in(client, "bo@test.example", PASSWORD).status_code == 302


def test_attempts_while_refused_do_not_prolong_the_lock(monkeypatch):
    make_user("cai@test.example")
    client = client_from("192.0.2.4")
    now = [2_000_000.0]
    monkeypatch.setattr(throttle.time, "time", lambda: now[0])
    for _attempt in range(3):
        log_in(client, "cai@test.example", "wrong")
    for _attempt in range(20):
        now[0] += 25
        log_in(client, "cai@test.example", "wrong")
    assert throttle.refused_for("cai@test.example", "") == 100


def test_an_address_is_refused_after_failing_for_many_accounts():
    make_user("dina@test.example")
    client = client_from("192.0.2.5")
    for number in range(5):
        log_in(client, f"nobody-{number}@test.example", "wrong")
    assert "Too many failed logins" in errors(log_in(client, "dina@test.example", PASSWORD))[0]
    # Someone else, elsewhere, logs in as usual.
    assert log_in(client_from("198.51.100.7"), "dina@test.example", PASSWORD).status_code == 302


def test_a_successful_login_clears_the_account_count():
    make_user("erik@test.example")
    client = client_from("192.0.2.6")
    log_in(client, "erik@test.example", "wrong")
    log_in(client, "erik@test.example", "wrong")
    assert log_in(client, "erik@test.example", PASSWORD).status_code == 302
    other = client_from("192.0.2.9")
    log_in(other, "erik@test.example", "wrong")
    log_in(other, "erik@test.example", "wrong")
    assert log_in(other, "erik@test.example", PASSWORD).status_code == 302


def test_the_e_mail_address_is_counted_whatever_its_case():
    make_user("frida@test.example")
    client = client_from("192.0.2.10")
    for email in ("Frida@test.example", "FRIDA@TEST.EXAMPLE", " frida@test.example"):
        log_in(client, email, "wrong")
    assert throttle.refused_for("frida@test.example", "") > 0


def test_every_way_in_is_refused_while_locked_the_admin_too():
    make_user("gro@test.example", staff=True)
    for _attempt in range(3):
        log_in(client_from("192.0.2.11"), "gro@test.example", "wrong")
    assert authenticate(username="gro@test.example", password=PASSWORD) is None
    admin = client_from("192.0.2.12")
    response = admin.post("/en/admin/login/", {"username": "gro@test.example", "password": PASSWORD})
    assert response.status_code == 200
    assert "_auth_user_id" not in admin.session


def test_behind_a_proxy_the_last_forwarded_hop_is_the_address(settings, rf):
    settings.SKALA_CLIENT_IP_HEADER = "HTTP_X_FORWARDED_FOR"
    request = rf.get("/", HTTP_X_FORWARDED_FOR="203.0.113.9, 198.51.100.20", REMOTE_ADDR="10.0.0.1")
    assert throttle.client_address(request) == "198.51.100.20"
    settings.SKALA_CLIENT_IP_HEADER = ""
    assert throttle.client_address(request) == "10.0.0.1"


def test_the_cache_holds_no_e_mail_address():
    key = throttle.cache_key("account", "hanne@test.example")
    assert "hanne" not in key
    assert key == throttle.cache_key("account", "HANNE@test.example ")
