"""No secret in a log: passwords, tokens, Authorization headers, connector credentials and SECRET_KEY are
redacted by the filter on Skala's log handler, whatever logs them and however."""

import contextlib
import io
import logging

import pytest
from django.conf import settings
from django.test import Client

from skala.kpis import connectors
from skala.kpis.connectors import pull
from skala.kpis.credentials import encrypt
from skala.kpis.models import Connector, KeyFigure
from skala.orgs.models import ApiToken
from skala.security.redact import RedactSecretsFilter, redact
from skala.testing import PASSWORD

log = logging.getLogger("skala.tests.careless")


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("login with {'username': 'a@b.no', 'password': 'hunter2-long'}", "hunter2-long"),
        ('{"password": "hunter2-long", "next": "/"}', "hunter2-long"),
        ("password=hunter2-long&next=/", "hunter2-long"),
        ("HTTP_AUTHORIZATION='Bearer abcdef123456'", "abcdef123456"),
        ("{'Authorization': 'Basic dXNlcjpwYXNzd29yZA=='}", "dXNlcjpwYXNzd29yZA=="),
        ("token skala_Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5 used", "Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5"),
        ("connect postgres://reader:s3cr3t-pw@db.oslo.kommune.no:5432/erp failed", "s3cr3t-pw"),
        ("smtp+tls://noreply:mail-pw-123@smtp.example.org:587", "mail-pw-123"),
        ("credentials: very-secret-value", "very-secret-value"),
        ("api_key=AKIA1234567890", "AKIA1234567890"),
        ("Cookie: sessionid=abc123def456ghi", "abc123def456ghi"),
        ("client_secret = 'xyz-987-secret'", "xyz-987-secret"),
    ],
)
def test_the_secret_is_redacted_and_the_rest_kept(text, secret):
    cleaned = redact(text)
    assert secret not in cleaned
    assert "[redacted]" in cleaned


def test_ordinary_text_is_left_alone():
    for text in (
        "The token ERP export was created",
        "Pull of connector 4 failed (attempt 2): The endpoint answered HTTP 500.",
        "GET /nb/needs/?q=velferdsteknologi 200",
        "3 tokens: 2 active",
    ):
        assert redact(text) == text


def test_the_secret_key_is_redacted_wherever_it_appears():
    assert settings.SECRET_KEY not in redact(f"signing with {settings.SECRET_KEY}!")


def test_a_traceback_is_redacted_too():
    record_filter = RedactSecretsFilter()
    try:
        raise RuntimeError("could not connect to postgres://erp:tb-secret-pw@10.0.0.5/erp")
    except RuntimeError:
        import sys

        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed %s", ("pull",), sys.exc_info())
    record_filter.filter(record)
    text = logging.Formatter().format(record)
    assert "tb-secret-pw" not in text
    assert "RuntimeError" in text


@contextlib.contextmanager
def skala_log_output():
    """What Skala's own configured log handler writes, while the block runs, at every level."""
    handlers = [
        handler
        for handler in logging.getLogger().handlers
        if any(isinstance(item, RedactSecretsFilter) for item in handler.filters)
    ]
    assert handlers, "the root logger has no handler with the redaction filter: see LOGGING"
    buffer = io.StringIO()
    root = logging.getLogger()
    level = root.level
    previous = [handler.setStream(buffer) for handler in handlers]
    root.setLevel(logging.DEBUG)
    try:
        yield buffer
    finally:
        root.setLevel(level)
        for handler, stream in zip(handlers, previous, strict=True):
            handler.setStream(stream)


class LogEveryRequest:
    """A careless debugging middleware: it logs each request's headers and form fields in full."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        log.info(
            "%s %s headers=%s form=%s", request.method, request.path, dict(request.headers), request.POST
        )
        return self.get_response(request)


@pytest.mark.django_db
def test_no_secret_reaches_the_log_during_login_api_token_use_and_connector_pulls(
    personas, settings, monkeypatch
):
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "skala.security.tests.test_redact.LogEveryRequest"]
    _token, token_secret = ApiToken.issue(personas.owner, "ERP export")
    connector_token = "core-system-token-5f9a1c"
    database_password = "erp-reader-pw-77"
    figure = KeyFigure.objects.create(owner=personas.oslo, name_nb="Syklister", unit="stk", period="month")
    http = Connector.objects.create(
        figure=figure,
        kind="http_json",
        config={"url": "http://127.0.0.1:9/values", "selector": "rows"},
        secret=encrypt(connector_token),
        retries=0,
        timeout_seconds=1,
    )
    sql = Connector.objects.create(
        figure=figure,
        kind="sql",
        config={"query": "SELECT 1, 2"},
        secret=encrypt(f"postgres://reader:{database_password}@127.0.0.1:9/erp"),
        retries=0,
        timeout_seconds=1,
    )
    settings.SKALA_CONNECTOR_NETWORKS = ["127.0.0.1"]  # the core systems are on the buyer's network
    opened = connectors.opener.open

    def urlopen_logging_its_request(request, *args, **kwargs):
        log.debug("fetching %s with %s", request.full_url, request.header_items())
        return opened(request, *args, **kwargs)

    monkeypatch.setattr(connectors.opener, "open", urlopen_logging_its_request)

    with skala_log_output() as output:
        client = Client()
        client.post("/en/accounts/login/", {"username": "owner@test.example", "password": "wrong-pw-123"})
        client.post("/en/accounts/login/", {"username": "owner@test.example", "password": PASSWORD})
        Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token_secret}")
        pull(http, pause=0)
        pull(sql, pause=0)
        log.warning("settings at the time: %s", {"SECRET_KEY": settings.SECRET_KEY})
        try:
            raise ConnectionError(f"cannot reach postgres://reader:{database_password}@127.0.0.1:9/erp")
        except ConnectionError:
            log.exception("pull crashed")
    written = output.getvalue()

    # The flows were logged...
    assert "POST /en/accounts/login/" in written
    assert "GET /api/v1/me" in written
    assert "Pull of connector" in written
    assert "fetching http://127.0.0.1:9/values" in written
    assert "pull crashed" in written
    # ...and no secret with them.
    for secret in (
        "wrong-pw-123",
        PASSWORD,
        token_secret,
        token_secret.removeprefix("skala_"),
        connector_token,
        database_password,
        settings.SECRET_KEY,
    ):
        assert secret not in written, secret
