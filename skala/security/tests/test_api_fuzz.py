"""Every operation of the JSON API, fuzzed from its own OpenAPI schema, never answers with a server error.

schemathesis generates requests from /api/v1/openapi.json and sends them to Skala's WSGI application
in this process: with a personal API token of a buyer organisation's administrator, with one of a
supplier (so routes that need a login are reached too) and with none. A few examples per operation
keep the run well under a minute; set SKALA_FUZZ_EXAMPLES higher to look harder.
"""

import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings

from skala.orgs.models import ApiToken
from skala.testing import make_personas

EXAMPLES = int(os.environ.get("SKALA_FUZZ_EXAMPLES", "4"))


@pytest.fixture
def api_schema(db):
    """The schema, read from the application itself as any client would."""
    from django.core.wsgi import get_wsgi_application

    # A WSGI request would close the test's connection at its end, and with it the test's transaction;
    # Django's own test client switches this off the same way.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture(params=["owner", "supplier", "anonymous"])
def bearer(request, api_schema):
    """The headers of a buyer's administrator, of a supplier, or of someone with no token at all."""
    personas = make_personas()
    if request.param == "anonymous":
        return {}
    _token, secret = ApiToken.issue(getattr(personas, request.param), "fuzzing")
    return {"Authorization": f"Bearer {secret}"}


def server_errors_of(operation, headers: dict) -> list[str]:
    """Fuzz one operation; the requests that got a 5xx answer, each with what was sent."""
    found: list[str] = []

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy())
    def run(case):
        response = case.call(headers=headers)
        if response.status_code >= 500:
            found.append(f"{operation.label} -> {response.status_code}: {case.as_curl_command(headers)}")

    run()
    return found


# schemathesis's own pytest integration (schema.parametrize) does not run on pytest 9 yet, so the
# operations are walked here, one Hypothesis run each.
def test_no_api_operation_answers_with_a_server_error(api_schema, bearer):
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) > 50, "the schema lists too few operations: has the API moved?"
    errors = [error for operation in operations for error in server_errors_of(operation, bearer)]
    assert errors == [], "\n".join(errors)


def test_an_offset_past_what_a_database_can_count_is_refused_not_a_crash(client, personas):
    """The first server error the fuzzing found: offsets above 2**63 on any paginated list."""
    _token, secret = ApiToken.issue(personas.owner, "paging")
    for path in ("/api/v1/alerts", "/api/v1/proposals", "/api/v1/needs", "/api/v1/notices"):
        response = client.get(f"{path}?offset={2**100}", HTTP_AUTHORIZATION=f"Bearer {secret}")
        assert response.status_code == 422, path
        assert client.get(f"{path}?offset=3", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 200, path


def test_an_id_past_what_a_database_can_hold_in_a_list_is_refused_not_a_crash(client, personas):
    """The second: a huge organisation id or goal number in a need's lists overflowed the lookup."""
    _token, secret = ApiToken.issue(personas.owner, "lists")
    for field in ("invited_organisations", "sdgs"):
        response = client.post(
            "/api/v1/needs",
            {"title": "Nattilsyn", field: [2**70]},
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {secret}",
        )
        assert response.status_code == 422, field


def test_a_filter_or_subscription_with_such_an_id_is_refused_not_a_crash(client, personas):
    """Then: the need list's filters, a subscription's regions and buyers, a supplier profile's regions."""
    _token, secret = ApiToken.issue(personas.supplier, "filters")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    assert client.get(f"/api/v1/needs?organisation=-{2**100}", **auth).status_code == 422
    assert client.get(f"/api/v1/needs?sdg={2**100}", **auth).status_code == 422
    assert client.get(f"/api/v1/needs?organisation={personas.oslo.pk}", **auth).status_code == 200
    for field in ("regions", "buyers"):
        body = {"name": "Varsler", field: [2**70]}
        response = client.post("/api/v1/subscriptions", body, content_type="application/json", **auth)
        assert response.status_code == 422, field
    profile = f"/api/v1/suppliers/{personas.supplier_org.pk}"
    response = client.patch(profile, {"regions": [2**70]}, content_type="application/json", **auth)
    assert response.status_code == 422
